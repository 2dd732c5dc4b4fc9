"""Pure rules of the Open311 channel (no I/O): a service's extra questions and the answers
a request gives them, where a point lies, and the dates the specification speaks."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hotline.kit.clock import CST
from hotline.kit.errors import InvalidInput

#: Attribute datatypes of a service definition (GeoReport v2).
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
DATATYPE_NAMES = {"string": "单行文字", "number": "数字", "datetime": "日期时间", "text": "多行文字",
                  "singlevaluelist": "单选", "multivaluelist": "多选"}
LIST_TYPES = frozenset({"singlevaluelist", "multivaluelist"})
#: ``realtime``: the request becomes an order at once (ours always does); ``batch``: the
#: service is answered in batches (the centre says so to clients).
SERVICE_TYPES = ("realtime", "batch")
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MAX_ATTRIBUTES = 20
MAX_VALUES = 50
#: A point farther than this from every known place and region seat lies outside the
#: deployment's area (a township's seat to its edge is rarely more).
AREA_RADIUS_KM = 30.0


def _text(value: Any, field: str, max_length: int, *, required: bool = False) -> str | None:
    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
    if not text:
        if required:
            raise InvalidInput(field, "不能为空")
        return None
    if len(text) > max_length:
        raise InvalidInput(field, f"长度不能超过 {max_length} 个字符")
    return text


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("1", "true", "on", "yes"))


def normalise_attributes(raw: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A service definition's attributes as the admin wrote them, checked and in the
    specification's shape: ``code`` (a letter, then letters, digits, ``_`` or ``-``),
    ``datatype``, ``required``, ``order`` (1 first; defaults to the position),
    ``description`` (the question, Chinese), ``values`` (key/name pairs, only and always for
    the two list types). ``variable`` is true: every attribute asks for input."""
    if len(raw) > MAX_ATTRIBUTES:
        raise InvalidInput("attributes", f"附加问题不能超过 {MAX_ATTRIBUTES} 个")
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for position, item in enumerate(raw, start=1):
        where = f"attributes[{position}]"
        code = _text(item.get("code"), f"{where}.code", 32, required=True) or ""
        if not _CODE.fullmatch(code):
            raise InvalidInput(f"{where}.code", "编码以字母开头，只含字母、数字、下划线和横线，最多 32 位")
        if code in seen:
            raise InvalidInput(f"{where}.code", f"编码 {code} 重复")
        seen.add(code)
        datatype = _text(item.get("datatype"), f"{where}.datatype", 20, required=True)
        if datatype not in DATATYPES:
            raise InvalidInput(f"{where}.datatype", "数据类型须为 " + "、".join(DATATYPES) + " 之一")
        order_raw = item.get("order")
        try:
            order = int(order_raw) if order_raw not in (None, "") else position
        except (TypeError, ValueError):
            raise InvalidInput(f"{where}.order", "排序须为整数") from None
        if not 1 <= order <= 999:
            raise InvalidInput(f"{where}.order", "排序须在 1–999 之间")
        description = _text(item.get("description"), f"{where}.description", 200, required=True)
        values: list[dict[str, str]] = []
        for n, value in enumerate(item.get("values") or [], start=1):
            key = _text(value.get("key"), f"{where}.values[{n}].key", 32, required=True) or ""
            if not _KEY.fullmatch(key):
                raise InvalidInput(f"{where}.values[{n}].key", "选项键只含字母、数字、点、下划线和横线")
            if any(v["key"] == key for v in values):
                raise InvalidInput(f"{where}.values[{n}].key", f"选项键 {key} 重复")
            name = _text(value.get("name"), f"{where}.values[{n}].name", 50, required=True) or ""
            values.append({"key": key, "name": name})
        if datatype in LIST_TYPES and not values:
            raise InvalidInput(f"{where}.values", "单选、多选须列出选项")
        if datatype not in LIST_TYPES and values:
            raise InvalidInput(f"{where}.values", "只有单选、多选有选项")
        if len(values) > MAX_VALUES:
            raise InvalidInput(f"{where}.values", f"选项不能超过 {MAX_VALUES} 个")
        out.append({"variable": True, "code": code, "datatype": datatype, "required": _flag(item.get("required")),
                    "datatype_description": DATATYPE_NAMES[datatype], "order": order,
                    "description": description, "values": values})
    return sorted(out, key=lambda a: (a["order"], a["code"]))


def parse_attribute_lines(text: str) -> list[dict[str, Any]]:
    """The admin page's one-attribute-per-line form: ``code|datatype|required|description|key=name;key=name``
    (``required``: 是/否, 1/0, true/false)."""
    raw: list[dict[str, Any]] = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 4:
            raise InvalidInput("attributes", f"第 {n} 行：格式为 编码|数据类型|是否必填|问题|选项键=名称;…")
        values = []
        for pair in (parts[4] if len(parts) > 4 else "").split(";"):
            if pair.strip():
                key, _, name = pair.partition("=")
                values.append({"key": key.strip(), "name": name.strip()})
        raw.append({"code": parts[0], "datatype": parts[1], "required": parts[2] in ("是", "必填", "1", "true", "yes"),
                    "description": parts[3], "values": values, "order": len(raw) + 1})
    return normalise_attributes(raw)


def attribute_lines(attributes: Iterable[Mapping[str, Any]]) -> str:
    """The inverse of :func:`parse_attribute_lines`, to fill the admin page's form."""
    lines = []
    for a in attributes:
        values = ";".join(f"{v['key']}={v['name']}" for v in a.get("values") or [])
        required = "是" if a.get("required") else "否"
        lines.append("|".join([a["code"], a["datatype"], required, a.get("description") or "", values]).rstrip("|"))
    return "\n".join(lines)


def parse_datetime(value: str, field: str) -> dt.datetime:
    """An ISO 8601 (w3c) date or date-time; without an offset it is Beijing time."""
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(field, "须为 ISO 8601 日期时间，如 2026-12-05T08:00:00+08:00") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CST)


def answers(attributes: Sequence[Mapping[str, Any]], given: Mapping[str, list[str]]) -> dict[str, Any]:
    """The answers a request gives to the service's questions (``attribute[code]``),
    checked against the definition: required ones present, numbers numbers, dates dates,
    list answers among the listed keys (one for a single-value list). Codes the service does
    not ask are ignored. Returns code → the value(s) as text."""
    out: dict[str, Any] = {}
    for a in attributes:
        code, field = a["code"], f"attribute[{a['code']}]"
        values = [v.strip() for v in given.get(code, []) if isinstance(v, str) and v.strip()]
        if not values:
            if a.get("required"):
                raise InvalidInput(field, f"必填：{a.get('description') or code}")
            continue
        datatype = a["datatype"]
        if datatype == "multivaluelist":
            keys = {v["key"] for v in a.get("values") or []}
            bad = [v for v in values if v not in keys]
            if bad:
                raise InvalidInput(field, f"不是可选的值：{bad[0][:32]}")
            out[code] = list(dict.fromkeys(values))
            continue
        if len(values) > 1:
            raise InvalidInput(field, "只能填一个值")
        value = values[0]
        if datatype == "singlevaluelist":
            if value not in {v["key"] for v in a.get("values") or []}:
                raise InvalidInput(field, f"不是可选的值：{value[:32]}")
        elif datatype == "number":
            try:
                number = float(value)
            except ValueError:
                raise InvalidInput(field, "须为数字") from None
            if not math.isfinite(number):
                raise InvalidInput(field, "须为数字")
        elif datatype == "datetime":
            parse_datetime(value, field)
        max_length = 1000 if datatype == "text" else 200
        if len(value) > max_length:
            raise InvalidInput(field, f"长度不能超过 {max_length} 个字符")
        out[code] = value
    return out


def answers_text(attributes: Sequence[Mapping[str, Any]], given: Mapping[str, Any]) -> str:
    """The answers as the order's text shows them: ``问题：回答`` each, separated by "；", list
    keys written as their names."""
    lines = []
    for a in attributes:
        if a["code"] not in given:
            continue
        names = {v["key"]: v["name"] for v in a.get("values") or []}
        value = given[a["code"]]
        shown = "、".join(str(names.get(v, v)) for v in value) if isinstance(value, list) else names.get(value, value)
        lines.append(f"{a.get('description') or a['code']}：{' '.join(str(shown).split())}")
    return "；".join(lines)


@dataclass(frozen=True)
class KnownPoint:
    """A place name or a region seat with coordinates; ``region_code`` is where it lies."""

    latitude: float
    longitude: float
    region_code: str
    name: str


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def nearest(lat: float, lon: float, points: Iterable[KnownPoint]) -> tuple[KnownPoint, float] | None:
    """The known point nearest to (lat, lon) and its distance, if it lies within
    ``AREA_RADIUS_KM``; None when the point is outside the deployment's area."""
    best: tuple[KnownPoint, float] | None = None
    for point in points:
        d = distance_km(lat, lon, point.latitude, point.longitude)
        if best is None or d < best[1]:
            best = (point, d)
    return best if best is not None and best[1] <= AREA_RADIUS_KM else None


def coordinate(value: str | None, field: str, bound: float) -> float | None:
    """A WGS-84 latitude (bound 90) or longitude (bound 180) in decimal degrees."""
    if value is None or not value.strip():
        return None
    try:
        number = float(value.strip())
    except ValueError:
        raise InvalidInput(field, "须为十进制度数") from None
    if not math.isfinite(number) or abs(number) > bound:
        raise InvalidInput(field, f"须在 -{bound:g} 到 {bound:g} 度之间")
    return number


def iso(value: dt.datetime | None) -> str | None:
    """A time as the specification writes it: ISO 8601 with the offset, Beijing time."""
    return value.astimezone(CST).isoformat(timespec="seconds") if value is not None else None
