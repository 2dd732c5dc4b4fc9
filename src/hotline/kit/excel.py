"""Reading and writing the .xlsx files admins exchange with the platform."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from hotline.kit.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F5FA8")
    for row in rows:
        ws.append(["" if v is None else v for v in row])
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(header) * 2 + 4)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read(data: bytes, headers: Sequence[str], required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of the first sheet as ``(row number, {header: text})``; blank rows skipped.

    The header row must contain every ``required`` column; unknown columns are ignored."""
    if not data:
        raise InvalidInput("file", "文件为空")
    if len(data) > MAX_BYTES:
        raise InvalidInput("file", "文件超过 10 MB")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InvalidInput("file", "不是有效的 Excel（.xlsx）文件") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        header_row = next(rows)
    except StopIteration:
        raise InvalidInput("file", "工作表为空") from None
    names = [str(h).strip() if h is not None else "" for h in header_row]
    missing = [h for h in required if h not in names]
    if missing:
        raise InvalidInput("file", f"缺少列：{'、'.join(missing)}")
    index = {h: names.index(h) for h in headers if h in names}
    out: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows, start=2):
        values = {h: _text(row[i]) if i < len(row) else "" for h, i in index.items()}
        if not any(values.values()):
            continue
        out.append((number, values))
        if len(out) > MAX_ROWS:
            raise InvalidInput("file", f"一次最多导入 {MAX_ROWS} 行")
    wb.close()
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def yes_no(value: str, field: str) -> bool:
    if value in ("", "是", "启用", "Y", "y", "1", "TRUE", "true"):
        return True
    if value in ("否", "停用", "N", "n", "0", "FALSE", "false"):
        return False
    raise InvalidInput(field, "应填“是”或“否”")


def stream(title: str, preamble: Sequence[tuple[str, str]], headers: Sequence[str],
           rows: Iterable[Sequence[Any]], *, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """An .xlsx file written row by row (openpyxl's write-only mode, so a long sheet is never
    held as cells in memory) and handed out in chunks for a streaming response. ``preamble``
    rows (name, value) come first — what the figures are: period, scope, filters, who and
    when — then a blank row, the bold header row and the rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(str(header)) * 2 + 4))
    bold = Font(bold=True)
    for name, value in preamble:
        label = WriteOnlyCell(ws, value=name)
        label.font = bold
        ws.append([label, value])
    ws.append([])
    head = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F5FA8")
        head.append(cell)
    ws.append(head)
    for row in rows:
        ws.append(["" if v is None else v for v in row])
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 (closed by the generator)
    wb.save(spool)
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while data := spool.read(chunk):
                yield data

    return chunks()
