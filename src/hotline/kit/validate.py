"""Validation of the identifiers the platform takes in. Each raises :class:`InvalidInput`
naming the field and the reason; each returns the canonical form that is stored."""

from __future__ import annotations

import functools
import re

import phonenumbers
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from hotline.kit.errors import InvalidInput

_REGION6 = re.compile(r"^[1-9][0-9]{5}$")
_REGION9 = re.compile(r"^[1-9][0-9]{8}$")


def phone(value: str, field: str = "phone") -> str:
    """A Chinese mobile or fixed-line number → national digits (``13812348000``,
    ``01012345678``). ``+86`` prefixes, spaces and hyphens are accepted."""
    raw = (value or "").strip()
    if not raw:
        raise InvalidInput(field, "电话号码不能为空")
    if len(raw) > 30 or not re.fullmatch(r"[+0-9 \-()]+", raw):
        raise InvalidInput(field, "电话号码只能包含数字、空格、+ 和 -")
    digits, reason = _national_digits(raw)
    if digits is None:
        raise InvalidInput(field, reason)
    return digits


def _cn_mobile_pattern() -> re.Pattern[str]:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    pattern = metadata.mobile.national_number_pattern if metadata and metadata.mobile else None
    assert pattern, "the phone-number library describes the mainland's mobile numbers"
    return re.compile(pattern)


#: The mainland's mobile numbers as the phone-number library's own metadata describes them:
#: eleven digits written plainly — most callers' numbers — are checked against it directly,
#: without parsing and formatting (~0.1 ms per number).
_CN_MOBILE = _cn_mobile_pattern()


@functools.lru_cache(maxsize=256)
def _national_digits(raw: str) -> tuple[str | None, str]:
    """Parsing is the slow part, and one appeal parses the same number several times."""
    if len(raw) == 11 and raw.isdigit() and _CN_MOBILE.fullmatch(raw):
        return raw, ""
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return None, "不是有效的电话号码"
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None, "不是有效的中国大陆电话号码"
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return re.sub(r"\D", "", national), ""


def optional_phone(value: str | None, field: str = "phone") -> str | None:
    return phone(value, field) if value and value.strip() else None


def uscc_code(value: str, field: str = "uscc") -> str:
    """统一社会信用代码, check digit verified by ``stdnum.cn.uscc``."""
    try:
        return str(uscc.validate(value))
    except ValidationError:
        raise InvalidInput(field, "不是有效的统一社会信用代码") from None


def id_number(value: str, field: str = "id_number") -> str:
    """Resident identity card number (18 digits with check digit)."""
    try:
        return str(ric.validate(value))
    except ValidationError:
        raise InvalidInput(field, "不是有效的居民身份证号码") from None


def region_code(value: str, field: str = "code") -> str:
    """6 digits (province ``XX0000``, city ``XXXX00``, county) or 9 digits (township)."""
    code = (value or "").strip()
    if not (_REGION6.fullmatch(code) or _REGION9.fullmatch(code)):
        raise InvalidInput(field, "区划代码应为 6 位（省、市、县）或 9 位（乡镇、街道）数字")
    if len(code) == 6 and code[2:4] == "00" and code[4:] != "00":
        raise InvalidInput(field, "区划代码的市级位为 00 时县级位也必须为 00")
    if len(code) == 9 and code[6:] == "000":
        raise InvalidInput(field, "乡镇（街道）代码的后三位不能为 000")
    if len(code) == 9 and code[4:6] == "00":
        raise InvalidInput(field, "乡镇（街道）必须隶属于县级区划")
    return code


def region_level_of(code: str) -> str:
    if len(code) == 9:
        return "township"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def parent_codes(code: str) -> list[str]:
    """The code of this region's parent (a list: empty for a province). Counties whose city
    digits are 90 hang directly under the province (省直辖县级行政区划, e.g. 429004)."""
    level = region_level_of(code)
    if level == "township":
        return [code[:6]]
    if level == "county":
        return [code[:2] + "0000"] if code[2:4] == "90" else [code[:4] + "00"]
    if level == "city":
        return [code[:2] + "0000"]
    return []


_WEB_LINK = re.compile(r"https?://[^\s\x00-\x1f\x7f<>\"'\\/?#]+[^\s\x00-\x1f\x7f<>\"'\\]*", re.IGNORECASE)


def web_link(value: str | None, field: str) -> str:
    """An absolute http(s) link of at most 500 characters, with a host, without spaces,
    control characters, quotes or angle brackets (so a page can show it as a link)."""
    link = (value or "").strip()
    if len(link) > 500 or not _WEB_LINK.fullmatch(link):
        raise InvalidInput(field, "须为 http 或 https 链接，最长 500 个字符")
    return link


#: Control characters a text may not hold (a multiline text keeps line breaks and tabs).
_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f]")


def text(value: str | None, field: str, *, max_length: int, required: bool = True,
         multiline: bool = False) -> str | None:
    """Trimmed text without control characters; ``multiline`` text may keep its line breaks
    and tabs (a browser's CR LF stored as LF)."""
    cleaned = (value or "").strip()
    if multiline:
        cleaned = cleaned.replace("\r\n", "\n").replace("\r", "\n")
    if not cleaned:
        if required:
            raise InvalidInput(field, "不能为空")
        return None
    if len(cleaned) > max_length:
        raise InvalidInput(field, f"长度不能超过 {max_length} 个字符")
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(cleaned):
        raise InvalidInput(field, "不能包含控制字符")
    return cleaned
