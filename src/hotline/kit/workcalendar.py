"""The working-day calendar (工作日历) and deadlines counted over it.

Whether a day is a working day is decided, first rule wins:

1. **override** — a day the province administrator entered in ``calendar_override``
   (a holiday, or an adjusted working weekend day, 调休上班);
2. **official** — the State Council schedule as published in the ``chinesecalendar`` package;
3. **weekend_fallback** — for a year the package has no data for: Monday to Friday.

A day is *covered* when its status rests on a published schedule: its year is in the package,
or the administrator has entered overrides for that year (that is how next year's schedule is
entered before the package knows it — see :mod:`hotline.kit.calendar_admin`). A day of a year
that is neither is not covered: its status is a guess, and so is any deadline that depends on
it. :meth:`WorkCalendar.uncovered_years` names those years for the administrator's warning.

Business time is China Standard Time (:data:`hotline.kit.clock.CST`): a day is a CST day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import chinese_calendar
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from hotline.kit import cache
from hotline.kit.calendar_models import CalendarOverride
from hotline.kit.clock import CST

Source = Literal["override", "official", "weekend_fallback"]

ONE_DAY = dt.timedelta(days=1)
#: A deadline ends at the last second of its day, China Standard Time.
END_OF_DAY = dt.time(23, 59, 59)
#: No rule counts further than this; a larger number is a bug upstream, not a deadline.
MAX_WORKING_DAYS = 1000
MAX_HOURS = 24 * 366


@dataclass(frozen=True, slots=True)
class DayStatus:
    """What the calendar says about one day, and on what authority (``source``)."""

    is_workday: bool
    covered: bool
    source: Source


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline (办理时限): the instant it expires (aware, UTC) and whether every day that
    was counted to reach it is covered by a published schedule. An uncovered deadline is
    shown as provisional; it may move once the year's schedule is entered."""

    at: dt.datetime
    covered: bool


@functools.cache
def _official_year(year: int) -> tuple[bool, ...] | None:
    """Working day or not, for each day of ``year`` in order, as ``chinesecalendar`` has it;
    None if it has no data for the year. Built once per year and process: the package's own
    lookup rescans its tables on every call (about 50 µs a day), too slow for a deadline or a
    list of orders. The package's data never changes while the process runs."""
    first = dt.date(year, 1, 1)
    try:
        return tuple(bool(chinese_calendar.is_workday(first + ONE_DAY * i))
                     for i in range((dt.date(year, 12, 31) - first).days + 1))
    except NotImplementedError:
        return None


def package_covers(year: int) -> bool:
    """Whether ``chinesecalendar`` has the State Council schedule of ``year``."""
    return _official_year(year) is not None


def _require_date(value: object, name: str) -> dt.date:
    # A datetime is a date subclass; taking its date silently would ignore its time zone.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a date, not {type(value).__name__}")
    return value


def _require_aware(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value


def _count(value: int, name: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, not {value!r}")
    return value


def business_date(instant: dt.datetime) -> dt.date:
    """The CST calendar day an instant falls on."""
    return _require_aware(instant, "instant").astimezone(CST).date()


def end_of_business_day(day: dt.date) -> dt.datetime:
    """23:59:59 CST of ``day``, as an aware UTC datetime."""
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=CST).astimezone(dt.UTC)


class WorkCalendar:
    """The working-day calendar: the package's official schedule under the administrator's
    overrides. Pure: built from a mapping ``{date: is_workday}``, it does no I/O."""

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None) -> None:
        self._overrides = {_require_date(day, "override day"): bool(value) for day, value in (overrides or {}).items()}
        self._override_years = frozenset(day.year for day in self._overrides)

    def __repr__(self) -> str:
        return f"WorkCalendar({len(self._overrides)} overrides)"

    def year_covered(self, year: int) -> bool:
        """A year is covered when the package knows it or the administrator entered overrides for it."""
        return package_covers(year) or year in self._override_years

    def as_before_schedules(self) -> WorkCalendar:
        """This calendar without the overrides of the years the package does not know: what
        a deadline saw when it was counted before those years' schedules were entered
        (Monday to Friday there). A deadline marked uncovered was counted that way, so
        counting its working days over this calendar gives back the number it was given.
        (The exception — a deadline reaching over two such years, one of which already had
        its schedule when it was counted — would need deadlines longer than a year.)"""
        return WorkCalendar({day: value for day, value in self._overrides.items() if package_covers(day.year)})

    def recount(self, before: WorkCalendar, start: dt.datetime, due: dt.datetime) -> Deadline:
        """The working-day deadline ``due``, counted from ``start`` over the calendar ``before``,
        counted again over this one: the same number of working days after ``start``. A
        deadline in clock hours (it does not end at 23:59:59 CST) stays as it is."""
        _require_aware(start, "start")
        _require_aware(due, "due")
        if due.astimezone(CST).time() != END_OF_DAY:
            return Deadline(at=due, covered=True)
        days = before.working_days_between(business_date(start), business_date(due))
        if days < 1:
            return Deadline(at=due, covered=self.year_covered(business_date(due).year))
        return self.add_working_days(start, days)

    def day_status(self, day: dt.date) -> DayStatus:
        """Override, else the official schedule, else Monday to Friday (see the module docstring)."""
        _require_date(day, "day")
        override = self._overrides.get(day)
        if override is not None:
            return DayStatus(is_workday=override, covered=True, source="override")
        official = _official_year(day.year)
        if official is not None:
            return DayStatus(is_workday=official[day.toordinal() - dt.date(day.year, 1, 1).toordinal()], covered=True,
                             source="official")
        return DayStatus(is_workday=day.weekday() < 5, covered=day.year in self._override_years,
                         source="weekend_fallback")

    def is_workday(self, day: dt.date) -> bool:
        return self.day_status(day).is_workday

    def add_working_days(self, start: dt.datetime, days: int) -> Deadline:
        """The deadline ``days`` working days after ``start``.

        Rule: business time is China Standard Time. The day of intake (``start``'s CST date)
        does not count, whatever the hour and whether or not it is a working day; the count
        starts on the next working day after it, and the deadline is 23:59:59 CST of the
        ``days``-th working day. So an order taken on Friday 2026-02-13 with 1 working day is
        due on Saturday 2026-02-14 23:59:59 (an adjusted working day, 调休上班); one taken on
        that Saturday is due on Tuesday 2026-02-24, the first working day after the Spring
        Festival. ``covered`` is False if any day counted over is not covered.
        ``days`` must be at least 1 (ValueError otherwise); ``start`` must be aware.
        """
        _require_aware(start, "start")
        _count(days, "days", low=1, high=MAX_WORKING_DAYS)
        day, counted, covered = business_date(start), 0, True
        while counted < days:
            day += ONE_DAY
            status = self.day_status(day)
            covered = covered and status.covered
            counted += status.is_workday
        return Deadline(at=end_of_business_day(day), covered=covered)

    def add_hours(self, start: dt.datetime, hours: int) -> Deadline:
        """A deadline in clock hours (direct dispatch, emergencies): holidays do not stop the
        clock, so the calendar is not consulted and the deadline is always covered."""
        _require_aware(start, "start")
        _count(hours, "hours", low=1, high=MAX_HOURS)
        return Deadline(at=(start + dt.timedelta(hours=hours)).astimezone(dt.UTC), covered=True)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """How many working days lie after ``a`` up to and including ``b`` (0 if ``b <= a``)."""
        _require_date(a, "a")
        _require_date(b, "b")
        return sum(self.is_workday(a + ONE_DAY * i) for i in range(1, (b - a).days + 1))

    def is_due_soon(self, now: dt.datetime, due: dt.datetime, warn_working_days: int = 1) -> bool:
        """Not yet past ``due``, and at most ``warn_working_days`` working days lie after
        today (CST) up to the due day. With the default of 1: due today, or due on the next
        working day — so on the Friday before a deadline that ends on Monday, and all through
        a holiday before a deadline on the first working day after it."""
        _require_aware(now, "now")
        _require_aware(due, "due")
        _count(warn_working_days, "warn_working_days", low=0, high=MAX_WORKING_DAYS)
        if now > due:
            return False
        day, due_day, counted = business_date(now), business_date(due), 0
        while day < due_day:
            day += ONE_DAY
            counted += self.is_workday(day)
            if counted > warn_working_days:
                return False
        return True

    def uncovered_years(self, today: dt.date, ahead: int = 1) -> list[int]:
        """The years among ``today``'s and the next ``ahead`` ones that neither the package nor
        the override table covers: the administrator must enter their schedule."""
        _require_date(today, "today")
        _count(ahead, "ahead", low=0, high=10)
        return [year for year in range(today.year, today.year + ahead + 1) if not self.year_covered(year)]


# --- loading ---------------------------------------------------------------------------------
#
# Why no process-wide cache: the platform runs several processes (``hotline serve`` and any
# number of ``hotline worker``s, on several machines with PostgreSQL). A module-level cache
# invalidated by the admin service would only be invalidated in the process that made the
# change, and a cache filled inside a transaction that is then rolled back would keep rows
# that never existed (the test suite rolls back every test). Instead the calendar is read once
# per transaction and kept in ``session.info`` until the transaction ends: every deadline of
# one request or job costs one query of a table of a few dozen rows a year, and a change is
# seen by every process from its next transaction on. The admin service calls
# :func:`invalidate` after a write so that the same transaction sees its own change.

_MEMO = "hotline.workcalendar"
cache.watch(CalendarOverride)
_CALENDARS = cache.reference_cache()


def load_calendar(session: Session) -> WorkCalendar:
    """The calendar with every override row. Read once per transaction, and shared between
    transactions through the reference cache, which any change to an override clears."""
    calendar = session.info.get(_MEMO)
    if calendar is None:
        def read() -> WorkCalendar:
            rows = session.execute(select(CalendarOverride.day, CalendarOverride.is_workday))
            return WorkCalendar({day: is_workday for day, is_workday in rows})

        calendar = read() if cache.changes_reference(session) else _CALENDARS.get_or_load("calendar", read)
        session.info[_MEMO] = calendar
    assert isinstance(calendar, WorkCalendar)
    return calendar


def invalidate(session: Session) -> None:
    """Forget the calendar read in this transaction (call after changing an override)."""
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, _transaction: SessionTransaction) -> None:
    session.info.pop(_MEMO, None)
