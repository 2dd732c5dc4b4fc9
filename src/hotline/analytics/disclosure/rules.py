"""Pure rules of public disclosure: which months may be published, the snapshot of a month's
figures, and the checks a typical case's text must pass before the public sees it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hotline.kit import redact

#: The measures a published month shows, with their Chinese names (keys of ``analytics.measures``).
MEASURES: dict[str, str] = {
    "received": "受理量", "handled": "办结量", "handling_rate": "办结率", "on_time_rate": "按时办结率",
    "satisfaction_rate": "满意率",
}
#: Rates among them (0..1, shown as percentages).
RATES = frozenset({"handling_rate", "on_time_rate", "satisfaction_rate"})
#: How many categories the page lists.
TOP_CATEGORIES = 5
#: How many ranked units the snapshot keeps (the best and, apart, the lowest ones).
RANKING_ROWS = 50
#: The text fields of a typical case, with their Chinese names.
CASE_FIELDS: dict[str, str] = {"title": "标题", "appeal": "诉求内容", "handling": "办理过程", "result": "办理结果"}
CASE_LIMITS: dict[str, int] = {"title": 100, "appeal": 4000, "handling": 4000, "result": 1000}

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(key: str | None) -> tuple[int, int] | None:
    """``2026-11`` → (2026, 11); None for anything else."""
    m = _MONTH.fullmatch((key or "").strip())
    if not m or not 1 <= int(m[2]) <= 12 or not 2000 <= int(m[1]) <= 2100:
        return None
    return int(m[1]), int(m[2])


def month_label(key: str) -> str:
    parsed = parse_month(key)
    return f"{parsed[0]}年{parsed[1]}月" if parsed else key


def is_over(key: str, today: dt.date) -> bool:
    """Whether the month has ended by ``today`` (China date): only such a month is published."""
    parsed = parse_month(key)
    if parsed is None:
        return False
    year, month = parsed
    return (year, month) < (today.year, today.month)


def recent_months(today: dt.date, count: int = 12) -> list[str]:
    """The last ``count`` ended months, newest first."""
    out, year, month = [], today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(f"{year}-{month:02d}")
    return out


def _value(v: Any) -> int | float | None:
    if v is None:
        return None
    return round(float(v), 4) if isinstance(v, float) else int(v)


@dataclass(frozen=True)
class RankedUnit:
    rank: int
    unit: str
    region: str
    score: float | None


def snapshot(*, period: str, region_code: str, region_name: str, totals: Mapping[str, Any],
             previous: Mapping[str, Any] | None, categories: Sequence[tuple[str, int]],
             ranking: Iterable[RankedUnit], ranking_min_orders: int, computed_at: dt.datetime) -> dict[str, Any]:
    """The figures of a month as they are published: unit- and category-level counts and
    rates only (no order, no person). ``categories`` are (name, received), most first."""
    received = int(totals.get("received") or 0)
    return {
        "period": period, "label": month_label(period), "region_code": region_code, "region_name": region_name,
        "figures": {k: _value(totals.get(k)) for k in MEASURES},
        "previous": None if previous is None else {k: _value(previous.get(k)) for k in MEASURES},
        "top_categories": [{"name": name, "received": int(n), "share": round(n / received, 4) if received else None}
                           for name, n in list(categories)[:TOP_CATEGORIES]],
        "ranking": [{"rank": r.rank, "unit": r.unit, "region": r.region,
                     "score": None if r.score is None else round(float(r.score), 2)}
                    for r in list(ranking)[:RANKING_ROWS]],
        "ranking_min_orders": ranking_min_orders,
        "computed_at": computed_at.isoformat(),
    }


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@dataclass(frozen=True)
class Known:
    """What the order itself says about its people and places: found wherever it appears in
    the case's text, not only where a cue word announces it."""

    names: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    enterprises: tuple[str, ...] = ()

    def kwargs(self, hide_enterprise: bool) -> dict[str, Any]:
        return {"names": self.names, "addresses": self.addresses, "places": self.places,
                "enterprises": self.enterprises, "hide_enterprises": hide_enterprise}


def anonymise_case(texts: Mapping[str, str], known: Known, *, hide_enterprise: bool) -> dict[str, str]:
    """Each text field anonymised (``kit.redact.anonymise``) with what the order is known to say."""
    return {k: redact.anonymise(v, **known.kwargs(hide_enterprise)) for k, v in texts.items()}


def residue(texts: Mapping[str, str], known: Known, *, hide_enterprise: bool) -> dict[str, list[str]]:
    """Field → the kinds of personal data still found in it (empty: the text is publishable)."""
    out: dict[str, list[str]] = {}
    for field, value in texts.items():
        kinds = list(dict.fromkeys(f.kind for f in redact.find_personal(value, **known.kwargs(hide_enterprise))))
        if kinds:
            out[field] = kinds
    return out


def residue_message(found: Mapping[str, list[str]]) -> tuple[str, str]:
    """The first field still holding personal data, and the reason to show."""
    field, kinds = next(iter(found.items()))
    names = "、".join(redact.FINDING_NAMES.get(k, k) for k in kinds)
    return field, f"{CASE_FIELDS.get(field, field)}仍含有{names}，请删除或改写后再提交"
