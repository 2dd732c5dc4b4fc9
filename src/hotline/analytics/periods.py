"""Periods of the statistics (pure, no I/O): a day, a week, a month, a quarter, a half-year, a
year or a custom range of China days, with the previous period (环比) and the same period a
year earlier (同比)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from hotline.kit.errors import InvalidInput

KINDS = ("day", "week", "month", "quarter", "half", "year", "custom")
KIND_NAMES = {"day": "日", "week": "周", "month": "月", "quarter": "季度", "half": "半年", "year": "年",
              "custom": "自定义"}
#: The longest custom range a query may ask for (ten years).
MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    """Inclusive China days ``start`` … ``end`` of one ``kind``."""

    kind: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        s = self.start
        if self.kind == "day":
            return f"{s.year}年{s.month}月{s.day}日"
        if self.kind == "month":
            return f"{s.year}年{s.month}月"
        if self.kind == "quarter":
            return f"{s.year}年第{(s.month - 1) // 3 + 1}季度"
        if self.kind == "half":
            return f"{s.year}年{'上' if s.month == 1 else '下'}半年"
        if self.kind == "year":
            return f"{s.year}年"
        return f"{s.isoformat()} 至 {self.end.isoformat()}"

    @property
    def anchor(self) -> str:
        """The short form :func:`period` reads back (``2026-11``, ``2026Q4``, ``2026H2`` …)."""
        s = self.start
        if self.kind == "month":
            return f"{s.year}-{s.month:02d}"
        if self.kind == "quarter":
            return f"{s.year}Q{(s.month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{s.year}H{1 if s.month == 1 else 2}"
        if self.kind == "year":
            return str(s.year)
        return s.isoformat()

    def previous(self) -> Period:
        """The period just before (环比): the previous month, quarter … or, for a custom
        range, the same number of days before it."""
        if self.kind in ("day", "week", "custom"):
            return Period(self.kind, self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))
        return period(self.kind, self.start - dt.timedelta(days=1))

    def last_year(self) -> Period:
        """The same period a year earlier (同比); a week is the ISO week of the same number."""
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            try:
                monday = dt.date.fromisocalendar(year - 1, week, 1)
            except ValueError:  # week 53 of a year whose predecessor has 52
                monday = dt.date.fromisocalendar(year - 1, 52, 1)
            return Period("week", monday, monday + dt.timedelta(days=6))
        return Period(self.kind, _year_back(self.start), _year_back(self.end))

    def buckets(self) -> list[Period]:
        """The sub-periods a trend chart draws: days of a month or shorter, months of longer."""
        if self.days <= 62:
            return [Period("day", d, d) for d in _days(self.start, self.end)]
        out: list[Period] = []
        month = self.start.replace(day=1)
        while month <= self.end:
            p = period("month", month)
            out.append(Period("month" if p.start >= self.start and p.end <= self.end else "custom",
                              max(p.start, self.start), min(p.end, self.end)))
            month = p.end + dt.timedelta(days=1)
        return out


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _year_back(day: dt.date) -> dt.date:
    if day.month == 2 and day.day == 29:
        return day.replace(year=day.year - 1, day=28)
    return day.replace(year=day.year - 1)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


_ANCHORS = {
    "month": re.compile(r"^(\d{4})-(\d{1,2})$"),
    "quarter": re.compile(r"^(\d{4})[Qq]([1-4])$"),
    "half": re.compile(r"^(\d{4})[Hh]([12])$"),
    "year": re.compile(r"^(\d{4})$"),
}


def _parse_day(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"日期格式应为 YYYY-MM-DD：{value[:20]}") from None


def period(kind: str, anchor: dt.date | str) -> Period:
    """The period of ``kind`` holding ``anchor``: a date, or the short form of the kind —
    ``2026-11`` (month), ``2026Q4`` (quarter), ``2026H2`` (half), ``2026`` (year), an ISO date
    for a day or week (the week runs Monday to Sunday)."""
    if kind not in KINDS or kind == "custom":
        raise InvalidInput("period", f"统计周期应为 {', '.join(KINDS[:-1])} 之一")
    if isinstance(anchor, str):
        found = _ANCHORS.get(kind)
        match = found.match(anchor.strip()) if found else None
        if match is None:
            day = _parse_day(anchor.strip(), "anchor")
        else:
            year, part = int(match.group(1)), int(match.group(2)) if match.lastindex == 2 else 1
            if not 1 <= part <= 12 or year < 1900:
                raise InvalidInput("anchor", f"无效的统计周期：{anchor[:20]}")
            day = dt.date(year, {"month": part, "quarter": 3 * part - 2, "half": 6 * part - 5}.get(kind, 1), 1)
    else:
        day = anchor
    if kind == "day":
        return Period(kind, day, day)
    if kind == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return Period(kind, monday, monday + dt.timedelta(days=6))
    if kind == "month":
        return Period(kind, day.replace(day=1), _month_end(day.year, day.month))
    if kind == "quarter":
        first = 3 * ((day.month - 1) // 3) + 1
        return Period(kind, dt.date(day.year, first, 1), _month_end(day.year, first + 2))
    if kind == "half":
        first = 1 if day.month <= 6 else 7
        return Period(kind, dt.date(day.year, first, 1), _month_end(day.year, first + 5))
    return Period(kind, dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))


def custom(start: dt.date | str, end: dt.date | str) -> Period:
    """A custom range of China days, both ends included."""
    s = _parse_day(start, "start") if isinstance(start, str) else start
    e = _parse_day(end, "end") if isinstance(end, str) else end
    if e < s:
        raise InvalidInput("end", "结束日期不能早于开始日期")
    if (e - s).days + 1 > MAX_DAYS:
        raise InvalidInput("end", f"统计区间不能超过 {MAX_DAYS} 天")
    return Period("custom", s, e)


def month_split(p: Period) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]]]:
    """Split a period into the whole months inside it (their first days) and the ranges of
    days left at its edges: the cube reads monthly rows for the first and daily for the rest."""
    months: list[dt.date] = []
    edges: list[tuple[dt.date, dt.date]] = []
    cursor = p.start
    while cursor <= p.end:
        month_end = _month_end(cursor.year, cursor.month)
        if cursor.day == 1 and month_end <= p.end:
            months.append(cursor)
            cursor = month_end + dt.timedelta(days=1)
            continue
        stop = min(month_end, p.end)
        if edges and edges[-1][1] == cursor - dt.timedelta(days=1):
            edges[-1] = (edges[-1][0], stop)
        else:
            edges.append((cursor, stop))
        cursor = stop + dt.timedelta(days=1)
    return months, edges
