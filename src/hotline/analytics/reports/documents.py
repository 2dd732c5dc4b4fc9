"""A report as documents: the Word file (.docx: title, headings, numbered tables 表1 …, charts as
PNG images with Chinese text, each section's text as edited) and its Excel annex (.xlsx: one
sheet per numbered table, the same cells).

Charts are drawn with matplotlib (Agg) in a CJK font found on the machine (Noto Sans CJK,
WenQuanYi, …). Without one the document is still produced — the chart's Chinese would show as
boxes — and :func:`cjk_font` logs a warning and returns None, which the draft records."""

from __future__ import annotations

import functools
import io
import logging
import threading
import warnings
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.run import Run
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from hotline.analytics.reports.formats import number_of, text_of

log = logging.getLogger(__name__)

BODY_FONT = "FangSong"  # 仿宋, the body font of official documents
TITLE_FONT = "SimHei"  # 黑体 for headings
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Font families tried, in order, for the Chinese text of charts.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Noto Serif CJK SC", "SimHei", "Microsoft YaHei", "PingFang SC")
NO_FONT_WARNING = "未找到中文字体（如 Noto Sans CJK、文泉驿），图表中的中文可能无法正常显示"
_DRAW = threading.Lock()  # pyplot's state is global: one chart at a time


@functools.cache
def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or None (with a warning logged).
    matplotlib keeps its list of fonts in a cache file made the first time it ran: a font
    installed since is looked for on the system once more before giving up."""
    from matplotlib import font_manager

    family = _cjk_family(font_manager.fontManager.ttflist)
    if family is None:
        known = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a font file matplotlib cannot read
                    continue
        family = _cjk_family(font_manager.fontManager.ttflist)
    if family is None:
        log.warning("no CJK font found for report charts: %s", NO_FONT_WARNING)
    return family


def _cjk_family(fonts: list[Any]) -> str | None:
    names = {f.name for f in fonts}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    for f in fonts:  # any other font with CJK in its name
        if any(mark in f.name for mark in ("CJK", "WenQuanYi", "Hei", "Song", "Kai")):
            return str(f.name)
    return None


def font_warnings() -> list[str]:
    return [] if cjk_font() else [NO_FONT_WARNING]


def chart_png(chart: dict[str, Any]) -> bytes:
    """One chart as a PNG (150 dpi, about 16 × 8 cm)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    family = cjk_font()
    labels = [str(x) for x in chart.get("labels", [])]
    values = [float(v or 0) for v in chart.get("values", [])]
    with _DRAW, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # missing glyphs without a CJK font: warned once, above
        params = {"font.family": "sans-serif", "axes.unicode_minus": False}
        if family:
            params["font.sans-serif"] = [family, "DejaVu Sans"]
        with plt.rc_context(params):
            fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=150)
            try:
                kind = chart.get("kind")
                if kind == "pie":
                    ax.pie(values, labels=labels, autopct="%1.1f%%", startangle=90, counterclock=False,
                           textprops={"fontsize": 8})
                    ax.axis("equal")
                elif kind == "barh":
                    ax.barh(labels[::-1], values[::-1], color="#1F5FA8")
                    ax.set_xlabel(chart.get("unit", ""))
                    ax.tick_params(labelsize=8)
                elif kind == "line":
                    ax.plot(labels, values, marker="o", color="#1F5FA8")
                    ax.set_ylabel(chart.get("unit", ""))
                    ax.tick_params(labelsize=8)
                    ax.grid(alpha=0.3)
                else:
                    ax.bar(labels, values, color="#1F5FA8")
                    ax.set_ylabel(chart.get("unit", ""))
                    ax.tick_params(labelsize=8)
                    if len(labels) > 6:
                        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
                ax.set_title(str(chart.get("title", "")), fontsize=10)
                fig.tight_layout()
                buf = io.BytesIO()
                fig.savefig(buf, format="png")
            finally:
                plt.close(fig)
    return buf.getvalue()


def _font(run: Run, size: float, *, bold: bool = False, family: str = BODY_FONT) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = family
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), family)


def _para(doc: DocumentObject, text: str, size: float = 14, *, bold: bool = False, family: str = BODY_FONT,
          center: bool = False, indent: bool = False) -> None:
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _font(p.add_run(text), size, bold=bold, family=family)


def section_text(section: dict[str, Any]) -> str:
    """The text a section is issued with: the staff's edit, else the generated text."""
    text = section.get("text")
    return str(text) if text is not None else str(section.get("generated") or "")


def docx_bytes(content: dict[str, Any], *, issued_by: str | None = None, issued_on: str | None = None,
               draft: bool = False) -> bytes:
    doc = Document()
    for s in doc.sections:
        s.left_margin = s.right_margin = Cm(2.6)
    heading = doc.add_heading(level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(heading.add_run(str(content.get("title", ""))), 20, bold=True, family=TITLE_FONT)
    sub = content.get("subtitle")
    if sub:
        _para(doc, str(sub) + ("（草稿）" if draft else ""), 12, center=True)
    tables = content.get("tables", [])
    charts = content.get("charts", [])
    for section in content.get("sections", []):
        h = doc.add_heading(level=1)
        _font(h.add_run(str(section.get("heading", ""))), 16, bold=True, family=TITLE_FONT)
        for line in section_text(section).split("\n"):
            if line.strip():
                _para(doc, line, 14, indent=True)
        for i in section.get("charts", []):
            if 0 <= i < len(charts):
                doc.add_picture(io.BytesIO(chart_png(charts[i])), width=Cm(15))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                _para(doc, f"图{i + 1}  {charts[i].get('title', '')}", 10.5, center=True)
        for i in section.get("tables", []):
            if 0 <= i < len(tables):
                _table(doc, i, tables[i])
    if issued_by or issued_on:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(p.add_run("\n".join(x for x in (issued_by, issued_on) if x)), 14)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _table(doc: DocumentObject, index: int, table: dict[str, Any]) -> None:
    _para(doc, f"表{index + 1}  {table.get('title', '')}", 10.5, bold=True, family=TITLE_FONT, center=True)
    headers = [str(h) for h in table.get("headers", [])]
    rows = table.get("rows", [])
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(t.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), 10, bold=True, family=TITLE_FONT)
    for row in rows:
        cells = t.add_row().cells
        for cell, value in zip(cells, row, strict=False):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text_of(value)), 10)
    if not rows:
        cells = t.add_row().cells
        cells[0].text = "（无）"
    doc.add_paragraph()


def xlsx_bytes(content: dict[str, Any]) -> bytes:
    """The annex: one sheet per numbered table (表1 …), its title on the first row, numbers as
    numbers (rates as percentages)."""
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    tables = content.get("tables", [])
    if not tables:
        ws = wb.create_sheet("说明")
        ws.append([str(content.get("title", "")), "本报告没有表格"])
    for i, table in enumerate(tables):
        ws = wb.create_sheet(f"表{i + 1}")
        ws.append([f"表{i + 1}  {table.get('title', '')}"])
        ws["A1"].font = Font(bold=True, size=12)
        headers = [str(h) for h in table.get("headers", [])]
        ws.append(headers)
        for cell in ws[2]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F5FA8")
            cell.alignment = Alignment(horizontal="center")
        for row in table.get("rows", []):
            values: list[Any] = []
            fmts: list[str] = []
            for c in row:
                fmt = c[1] if isinstance(c, list) and len(c) == 2 and isinstance(c[1], str) else "text"
                if fmt == "pp":  # a difference of rates reads as text: "+1.2个百分点"
                    values.append(text_of(c))
                    fmts.append("text")
                else:
                    values.append(number_of(c))
                    fmts.append(fmt)
            ws.append(["" if v is None else v for v in values])
            for cell, fmt in zip(ws[ws.max_row], fmts, strict=False):
                if fmt in ("rate", "change"):
                    cell.number_format = "0.0%"
                elif fmt == "count":
                    cell.number_format = "#,##0"
                elif fmt == "avg":
                    cell.number_format = "0.0"
        for n, header in enumerate(headers, start=1):
            ws.column_dimensions[ws.cell(2, n).column_letter].width = max(12, len(header) * 2 + 4)
        ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

