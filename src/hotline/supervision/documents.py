"""Word documents (.docx) of supervision: a letter as sent (number, addressee, body, response
deadline), ready to print, sign and seal; the case file of a referral; a public notice."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.run import Run

from hotline.kit import clock
from hotline.supervision.models import LETTER_NAMES, PublicNotice, SupervisionLetter
from hotline.workorder.models import DECISION_NAMES, RESULT_NAMES, Reply, WorkOrder

FONT = "SimSun"  # 宋体, with the East Asian font set explicitly so Word renders the Chinese


def _font(run: Run, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def letter_docx(letter: SupervisionLetter) -> bytes:
    doc = Document()
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(head.add_run(LETTER_NAMES[letter.kind]), 22, bold=True)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(number.add_run(letter.number or ""), 12)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(letter.title), 16, bold=True)
    for line in letter.body.split("\n"):
        _font(doc.add_paragraph().add_run(line), 14)
    due = letter.due_at.astimezone(clock.CST)
    _font(doc.add_paragraph().add_run(f"回复期限：{due.year}年{due.month}月{due.day}日 {due:%H:%M} 前"), 12)
    if letter.response:
        _font(doc.add_paragraph().add_run("承办单位回复："), 12, bold=True)
        _font(doc.add_paragraph().add_run(letter.response), 12)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def case_file_docx(order: WorkOrder, events: list[CaseEvent], replies: list[Reply],
                   letters: list[SupervisionLetter]) -> bytes:
    """The case file handed to the discipline commission (移交案卷): the order, its whole
    timeline, every reply and every supervision letter with the unit's response. The
    citizen's personal data is left out: the commission asks the centre if it needs it."""
    doc = Document()
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(head.add_run("12345 热线工单移交案卷"), 20, bold=True)
    lead = order.lead_unit.name if order.lead_unit else "（未派单）"
    for line in (f"工单编号：{order.number}", f"诉求标题：{order.title}", f"诉求内容：{order.content}",
                 f"承办单位：{lead}", f"受理时间：{_stamp(order.registered_at)}",
                 f"办理期限：{_stamp(order.due_at) if order.due_at else '—'}",
                 f"退单 {order.return_count} 次，重办 {order.rehandle_count} 次，"
                 f"回访不满意 {order.dissatisfied_count} 次"):
        _font(doc.add_paragraph().add_run(line), 12)
    _section(doc, "一、办理过程")
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("时间", "环节", "经办"), strict=True):
        cell.text = text
    for e in events:
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = _stamp(e.at), e.label + (f"：{e.note}" if e.note else ""), e.actor
    _section(doc, "二、承办单位答复")
    for r in replies:
        line = f"{_stamp(r.created_at)}（{RESULT_NAMES[r.result]}，审核：{DECISION_NAMES[r.review]}）：{r.text}"
        _font(doc.add_paragraph().add_run(line), 12)
    _section(doc, "三、督办文书")
    for x in letters:
        _font(doc.add_paragraph().add_run(f"{LETTER_NAMES[x.kind]} {x.number}（{_stamp(x.issued_at)}，"
                                          f"回复期限 {_stamp(x.due_at)}）"), 12, bold=True)
        _font(doc.add_paragraph().add_run(x.body), 11)
        answer = f"单位回复（{_stamp(x.responded_at)}）：{x.response}" if x.responded_at else "单位未回复"
        _font(doc.add_paragraph().add_run(answer), 11)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def notice_docx(notice: PublicNotice, lines: Sequence[NoticeLine]) -> bytes:
    """A public notice (通报) of irregular orders as a document: number, title, text and the
    table of orders (number, unit, category, place, problem) — nothing about any person."""
    doc = Document()
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(head.add_run(notice.title), 20, bold=True)
    if notice.number:
        number = doc.add_paragraph()
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(number.add_run(notice.number), 12)
    for paragraph in notice.body.split("\n"):
        _font(doc.add_paragraph().add_run(paragraph), 14)
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("工单编号", "承办单位", "诉求分类", "地区", "存在问题"), strict=True):
        cell.text = text
    for line in lines:
        row = table.add_row().cells
        for cell, text in zip(row, (line.order_number, line.unit, line.category, line.region, line.problem),
                              strict=True):
            cell.text = text
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(sign.add_run(f"{notice.centre_unit.name}\n{_stamp(notice.published_at or notice.created_at)[:10]}"), 14)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class NoticeLine:
    """One line of a notice as the public sees it: no appeal text, nothing about the person."""

    order_number: str
    unit: str
    category: str
    region: str
    problem: str


@dataclass(frozen=True)
class CaseEvent:
    at: dt.datetime
    label: str
    actor: str
    note: str | None


def _section(doc: DocumentObject, title: str) -> None:
    _font(doc.add_paragraph().add_run(title), 14, bold=True)


def _stamp(at: dt.datetime | None) -> str:
    return at.astimezone(clock.CST).strftime("%Y-%m-%d %H:%M") if at else ""
