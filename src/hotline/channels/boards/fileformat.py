"""The export files of Chinese message-board platforms, read and checked (pure: no database).

A file is CSV (UTF-8, with or without BOM, or GB18030 as Excel saves it) or XLSX, its first
row the column names, in any order: ``留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 点赞数,
反对数`` and, optionally, ``答复意见, 答复时间`` (a reply the board already shows) and
``留言图片`` (picture links). Text is cleaned of HTML remnants (tags, entities), odd spaces and
blank lines; the pictures in a message's HTML (``<img src>``) and in ``留言图片`` are kept as
links (http(s) only; the platform never fetches them: see :func:`picture_links`); times are read in the
formats those exports use (``2024-05-01 12:30:00``, ``2024/5/1 12:30``, ``2024年5月1日 12:30``,
Excel date cells and serial numbers, Unix seconds) as Beijing time unless they say otherwise.

Every problem is named by its row and column (``第 7 行 留言时间: …``, the row as the
spreadsheet numbers it, the header being row 1); a message whose text is empty is reported
and skipped, never imported half."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from hotline.kit import clock, validate
from hotline.kit.errors import InvalidInput

#: Column → field.
COLUMNS = {"留言编号": "ref", "留言用户": "user", "留言主题": "subject", "留言时间": "posted_at",
           "留言详情": "text", "点赞数": "likes", "反对数": "dislikes", "答复意见": "reply", "答复时间": "replied_at",
           "留言图片": "pictures", "图片": "pictures"}
REQUIRED = ("留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数")
NAMES = {**{v: k for k, v in COLUMNS.items()}, "pictures": "留言图片"}  # field → column, for messages

MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000
#: Limits of the order the message becomes (a longer text is cut, and says so).
TITLE_CHARS, CONTENT_CHARS, REF_CHARS, USER_CHARS = 100, 5000, 100, 100
CUT_NOTE = "……（原文过长，已截断）"
#: Errors reported at most (the file is refused whole anyway).
MAX_ERRORS = 200

_TAG_BREAK = re.compile(r"<\s*(?:br|/p|/div|/li|/tr|p|div|li|tr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,400}>")
_SPACES = re.compile(r"[ \t\u3000\xa0\u2002\u2003\u2009\u200b\ufeff]+")
_LINES = re.compile(r"\s*\n\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_IMG_SRC = re.compile(r"<\s*img\b[^>]{0,400}?\bsrc\s*=\s*(?:\"([^\"]{0,600})\"|'([^']{0,600})'|([^\s>]{1,600}))",
                      re.IGNORECASE)
_LINK_SEPARATORS = re.compile(r"[\s,;，；、|]+")
#: Picture links a message keeps at most (a board shows nine pictures).
MAX_PICTURES = 9


def _unescaped(text: str) -> str:
    for _ in range(2):  # &amp;lt;br&amp;gt; → &lt;br&gt; → <br>
        if "&" not in text:
            break
        text = html.unescape(text)
    return text


def picture_links(text: Any, pictures: Any = None, *, base: str | None = None) -> tuple[str, ...]:
    """A message's pictures as links: the images of its HTML text (``<img src=…>``), then
    those of a pictures field — a list (of links, or of objects with ``url`` or ``src``) or a
    text of links separated by spaces, commas, semicolons or bars. A relative link is read
    against ``base`` (the pulled page's URL) or dropped; only http(s) links of at most 500
    characters are kept (never ``data:`` or ``javascript:``), repeats once, at most
    ``MAX_PICTURES``. Kept as links only: fetching a stranger's URL from the platform's
    network is what an attacker would ask of it (and a picture may show people)."""
    candidates: list[str] = []
    if isinstance(text, str) and "<" in (unescaped := _unescaped(text)):
        candidates += [next(g for g in m.groups() if g is not None) for m in _IMG_SRC.finditer(unescaped)]
    items = pictures if isinstance(pictures, list | tuple) else [pictures]
    for item in items:
        if isinstance(item, dict):
            item = item.get("url") or item.get("src")
        if isinstance(item, str):
            candidates += [c for c in _LINK_SEPARATORS.split(_unescaped(item)) if c]
    out: dict[str, None] = {}
    for candidate in candidates:
        link = candidate.strip()
        if link.startswith("//"):
            link = "https:" + link
        elif base and not re.match(r"[a-zA-Z][a-zA-Z0-9+.\-]*:", link):
            link = urljoin(base, link)
        try:
            out.setdefault(validate.web_link(link, "pictures"), None)
        except InvalidInput:
            continue
        if len(out) >= MAX_PICTURES:
            break
    return tuple(out)


def clean_text(value: Any, *, multiline: bool = True) -> str:
    """A message's text as people meant it: HTML tags and entities (also double-escaped ones,
    ``&amp;nbsp;``) undone, line breaks kept as single new lines (``multiline``) or spaces,
    runs of spaces (full-width, non-breaking) made one, control characters dropped."""
    if value is None:
        return ""
    text = _unescaped(str(value))
    text = _TAG_BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _LINES.sub("\n", text).strip()
    if not multiline:
        text = text.replace("\n", " ")
    return text


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y.%m.%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
    "%Y%m%d%H%M%S", "%Y%m%d",
)
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*"
                      r"(?:(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*分?\s*(?:[:：]?\s*(\d{1,2})\s*秒?)?)?$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001 (Excel's serial dates are wall-clock days)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=clock.CST)


def parse_time(value: Any) -> dt.datetime:
    """A board's time as an aware datetime (Beijing time when it carries no zone). Raises
    ValueError with the reason for what no export format explains."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)  # noqa: DTZ001 (made aware below)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _from_number(float(value))
    else:
        text = clean_text(value, multiline=False)
        if not text:
            raise ValueError("不能为空")
        parsed = _from_text(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.CST)
    if parsed < EARLIEST:
        raise ValueError(f"时间过早（{parsed:%Y-%m-%d}）")
    if parsed > clock.now() + dt.timedelta(minutes=10):
        raise ValueError(f"时间晚于当前时间（{parsed.astimezone(clock.CST):%Y-%m-%d %H:%M}）")
    return parsed


def _from_number(number: float) -> dt.datetime:
    if 1e9 <= number < 1e10:  # Unix seconds
        return dt.datetime.fromtimestamp(number, dt.UTC)
    if 1e12 <= number < 1e13:  # Unix milliseconds
        return dt.datetime.fromtimestamp(number / 1000, dt.UTC)
    if 20_000 < number < 80_000:  # an Excel serial date (1954–2119)
        return _EXCEL_EPOCH + dt.timedelta(days=number)
    raise ValueError(f"无法识别的时间“{number:g}”")


def _from_text(text: str) -> dt.datetime:
    if re.fullmatch(r"\d{10}(?:\d{3})?(?:\.\d+)?|\d{5}(?:\.\d+)?", text):
        return _from_number(float(text))
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    if "年" in text:
        formats: tuple[str, ...] = ()
    else:  # only the formats with the text's own separator (a failed strptime costs)
        sep = "/" if "/" in text else "." if "." in text else "-" if "-" in text else ""
        formats = tuple(f for f in _DATE_FORMATS if (sep and sep in f) or (not sep and "%Y%m" in f))
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt)  # noqa: DTZ007 (made aware by the caller)
        except ValueError:
            continue
    m = _CHINESE.match(text)
    if m:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in m.groups())
        try:
            return dt.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 (made aware by the caller)
        except ValueError as exc:
            raise ValueError(f"日期不存在“{text}”") from exc
    raise ValueError(f"无法识别的时间“{text[:40]}”")


def parse_count(value: Any) -> int:
    """A like or dislike count: empty is 0; ``1,234``, ``1.2万`` as boards show them."""
    if value is None or value == "":
        return 0
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = clean_text(value, multiline=False).replace(",", "").replace("，", "")
        if not text:
            return 0
        scale = 1
        if text.endswith(("万", "w", "W")):
            text, scale = text[:-1], 10_000
        try:
            number = float(text) * scale
        except ValueError:
            raise ValueError(f"不是数字“{text[:20]}”") from None
    if number < 0 or number != number or number > 1e9:
        raise ValueError(f"应为不小于 0 的整数（{value}）")
    return int(number)


def _ref(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value, multiline=False)


@dataclass(frozen=True)
class Message:
    """One message of a board, checked and cleaned."""

    row: int  # where it was read (the file's row, or the position in a pulled page)
    ref: str
    user_ref: str | None
    subject: str
    title: str  # the order's title: the subject (or the text's opening), at most TITLE_CHARS
    text: str  # the order's content, at most CONTENT_CHARS
    posted_at: dt.datetime
    likes: int
    dislikes: int
    reply: str | None = None
    replied_at: dt.datetime | None = None
    pictures: tuple[str, ...] = ()  # links (picture_links), never fetched


@dataclass
class Parsed:
    """What a file or a page holds: its messages, the messages skipped for want of a text
    (reported), and the errors that refuse it (each naming the row and the column)."""

    messages: list[Message] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows: int = 0
    bad_rows: int = 0


def check(records: Iterable[tuple[int, Mapping[str, Any]]], *, where: str = "行", base: str | None = None
          ) -> Parsed:
    """Check and clean records (``(row, {field: value})``, fields as in ``COLUMNS``). A
    repeated 留言编号 is one message (its last counts are kept). ``base``: the URL relative
    picture links are read against (a pulled page's)."""
    out = Parsed()
    seen: dict[str, int] = {}

    for row, record in records:
        out.rows += 1
        problems: list[str] = []

        def fail(name: str, reason: str, row: int = row, problems: list[str] = problems) -> None:
            problems.append(f"第 {row} {where} {NAMES[name]}: {reason}")

        ref = _ref(record.get("ref"))
        if not ref:
            fail("ref", "不能为空")
        elif len(ref) > REF_CHARS:
            fail("ref", f"超过 {REF_CHARS} 个字符")
        user = clean_text(record.get("user"), multiline=False)[:USER_CHARS] or None
        subject = clean_text(record.get("subject"), multiline=False)
        text = clean_text(record.get("text"), multiline=False)  # an order's content is one paragraph
        posted_at = replied_at = None
        try:
            posted_at = parse_time(record.get("posted_at"))
        except ValueError as exc:
            fail("posted_at", str(exc))
        counts = []
        for name in ("likes", "dislikes"):
            try:
                counts.append(parse_count(record.get(name)))
            except ValueError as exc:
                fail(name, str(exc))
        reply = clean_text(record.get("reply")) or None
        if record.get("replied_at") not in (None, ""):
            try:
                replied_at = parse_time(record.get("replied_at"))
            except ValueError as exc:
                fail("replied_at", str(exc))
        if problems:
            out.bad_rows += 1
            out.errors.extend(problems)
            continue
        if not text:
            out.skipped.append(f"第 {row} {where} 留言详情: 内容为空，已跳过（留言编号 {ref}）")
            continue
        assert posted_at is not None
        title = (subject or text)[:TITLE_CHARS]
        content = text if len(text) <= CONTENT_CHARS else text[:CONTENT_CHARS - len(CUT_NOTE)] + CUT_NOTE
        message = Message(row=row, ref=ref, user_ref=user, subject=(subject or title)[:200], title=title,
                          text=content, posted_at=posted_at, likes=counts[0], dislikes=counts[1], reply=reply,
                          replied_at=replied_at,
                          pictures=picture_links(record.get("text"), record.get("pictures"), base=base))
        if ref in seen:
            out.messages[seen[ref]] = message
        else:
            seen[ref] = len(out.messages)
            out.messages.append(message)
    del out.errors[MAX_ERRORS:]
    return out


class FileRefused(ValueError):
    """The file cannot be read at all (format, header, size): the reason, in Chinese."""


def read_file(data: bytes, filename: str = "") -> Parsed:
    """Read and check an export file (XLSX when it is a zip or named .xlsx, else CSV)."""
    if not data:
        raise FileRefused("文件为空")
    if len(data) > MAX_BYTES:
        raise FileRefused(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB")
    is_xlsx = data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm"))
    rows = _xlsx_rows(data) if is_xlsx else _csv_rows(data)
    try:
        header = next(rows)
    except StopIteration:
        raise FileRefused("文件没有内容") from None
    names = [clean_text(h, multiline=False) if h is not None else "" for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise FileRefused(f"缺少列：{'、'.join(missing)}（第 1 行应为列名）")
    index = {COLUMNS[name]: i for i, name in enumerate(names) if name in COLUMNS}

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        count = 0
        for number, row in enumerate(rows, start=2):
            values = {f: row[i] if i < len(row) else None for f, i in index.items()}
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
                continue
            count += 1
            if count > MAX_ROWS:
                raise FileRefused(f"一次最多导入 {MAX_ROWS} 条留言")
            yield number, values

    return check(records())


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused("无法识别文件编码（应为 UTF-8 或 GBK 的 CSV，或 XLSX）")
    # the delimiter that makes the header row name the columns (guessing from the messages'
    # own text, full of commas and tabs, goes wrong)
    header = text.split("\n", 1)[0]
    delimiter = next((d for d in (",", "\t", ";") if d in header and any(
        clean_text(c.strip('"'), multiline=False) in COLUMNS for c in header.split(d))), ",")
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise FileRefused(f"CSV 格式错误：{exc}") from None


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileRefused("不是有效的 Excel（.xlsx）文件") from None
    try:
        for row in wb.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        wb.close()


def write_replies(rows: Iterable[tuple[str, str, dt.datetime]], fmt: str) -> bytes:
    """The board's reply file: ``留言编号, 答复意见, 答复时间`` (Beijing time), CSV (UTF-8 with
    BOM, so Excel opens it) or XLSX."""
    headers = ("留言编号", "答复意见", "答复时间")
    lines = [(ref, text, at.astimezone(clock.CST).strftime("%Y-%m-%d %H:%M:%S")) for ref, text, at in rows]
    if fmt == "xlsx":
        from hotline.kit import excel

        return excel.write("答复", headers, lines)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(lines)
    return buf.getvalue().encode("utf-8-sig")
