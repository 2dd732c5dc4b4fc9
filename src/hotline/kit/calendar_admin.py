"""Maintaining the working-day calendar's override table: queries and use cases.

The State Council publishes next year's holiday schedule (国务院办公厅关于某年部分节假日安排的
通知) around November; until a ``chinesecalendar`` release carries it, the province
administrator enters it here — in one go with :func:`import_schedule`, or day by day. An
override wins over the package (see :mod:`hotline.kit.workcalendar`).

Writing is reserved for an administrator whose scope is the province (the calendar is shared by
the whole province); reading is open to all staff. Services never commit and every write
appends an audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.access import require_province_admin
from hotline.auth.principal import Principal
from hotline.kit import clock, jobs, validate, workcalendar
from hotline.kit.calendar_models import CalendarOverride
from hotline.kit.errors import Forbidden, InvalidInput, NotFound
from hotline.kit.workcalendar import DayStatus

#: The background job that counts uncovered deadlines again after a change to the calendar
#: (its handler belongs to the domains that own deadlines: :mod:`hotline.supervision.tasks`).
RECOUNT_JOB = "calendar.recount"
#: From this day of the year (1 November) next year's missing schedule is a warning.
WARN_FROM = (11, 1)
#: The years the calendar accepts: a date outside is a typing error, not a schedule.
MIN_YEAR, MAX_YEAR = 2000, 2099
#: The longest range :func:`day_statuses` answers in one call.
MAX_RANGE_DAYS = 400
NOTE_MAX = 100


# --- queries ---------------------------------------------------------------------------------


def override_by_day(session: Session, day: dt.date) -> CalendarOverride | None:
    return session.get(CalendarOverride, day)


def overrides_between(session: Session, first: dt.date, last: dt.date) -> list[CalendarOverride]:
    stmt = select(CalendarOverride).where(CalendarOverride.day.between(first, last)).order_by(CalendarOverride.day)
    return list(session.execute(stmt).scalars())


def list_overrides(session: Session, year: int | None = None) -> list[CalendarOverride]:
    """Every override, or those of one year, by day."""
    if year is None:
        return list(session.execute(select(CalendarOverride).order_by(CalendarOverride.day)).scalars())
    _check_year(year)
    return overrides_between(session, dt.date(year, 1, 1), dt.date(year, 12, 31))


# --- validation ------------------------------------------------------------------------------


def _require_writer(actor: Principal) -> None:
    try:
        require_province_admin(actor)
    except Forbidden:
        raise Forbidden("只有省级管理员可以维护工作日历") from None


def _check_year(year: int, field: str = "year") -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(field, f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    return year


def _check_day(value: object, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInput(field, "应为日期（YYYY-MM-DD）")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InvalidInput(field, f"日期应在 {MIN_YEAR}–{MAX_YEAR} 年之间")
    return value


def _note(note: str | None) -> str:
    return validate.text(note, "note", max_length=NOTE_MAX, required=False) or ""


def _days_in_year(values: Iterable[object], field: str, year: int) -> list[dt.date]:
    days: list[dt.date] = []
    for value in values:
        day = _check_day(value, field)
        if day.year != year:
            raise InvalidInput(field, f"{day.isoformat()} 不在 {year} 年内")
        days.append(day)
    return sorted(set(days))


# --- use cases -------------------------------------------------------------------------------


def _recount_later(session: Session) -> None:
    """Deadlines counted weekends-only may now be countable: the recount job (one per change,
    idempotent, in batches) sets them and says so on each order's timeline."""
    jobs.enqueue(session, RECOUNT_JOB, {})


def _put(session: Session, actor: Principal, day: dt.date, is_workday: bool, note: str) -> CalendarOverride:
    row = override_by_day(session, day)
    if row is None:
        row = CalendarOverride(day=day)
        session.add(row)
    # created_by/created_at name who set the day's current status and when.
    row.is_workday, row.note = is_workday, note
    row.created_by_id, row.created_at = actor.user_id, clock.now()
    return row


def set_override(
    session: Session, actor: Principal, *, day: dt.date, is_workday: bool, note: str | None = "",
) -> CalendarOverride:
    """Make ``day`` a working day or a day off, whatever the package says (an existing
    override of that day is replaced)."""
    _require_writer(actor)
    day = _check_day(day, "day")
    if not isinstance(is_workday, bool):
        raise InvalidInput("is_workday", "应为 true 或 false")
    previous = override_by_day(session, day)
    before = None if previous is None else previous.is_workday
    row = _put(session, actor, day, is_workday, _note(note))
    session.flush()
    workcalendar.invalidate(session)
    _recount_later(session)
    audit.record(session, actor, "calendar_override.set", object_type="calendar_override",
                 object_id=day.isoformat(), detail={"is_workday": is_workday, "previous": before})
    return row


def delete_override(session: Session, actor: Principal, *, day: dt.date) -> None:
    """Remove the override of ``day``: the package (or Monday to Friday) decides again."""
    _require_writer(actor)
    day = _check_day(day, "day")
    row = override_by_day(session, day)
    if row is None:
        raise NotFound(f"{day.isoformat()} 没有设置工作日历调整")
    was = row.is_workday
    session.delete(row)
    session.flush()
    workcalendar.invalidate(session)
    _recount_later(session)
    audit.record(session, actor, "calendar_override.deleted", object_type="calendar_override",
                 object_id=day.isoformat(), detail={"previous": was})


def import_schedule(
    session: Session, actor: Principal, *, year: int, holidays: list[dt.date], workdays: list[dt.date],
    note: str | None = "",
) -> list[CalendarOverride]:
    """Enter a year's holiday schedule as published by the State Council: ``holidays`` are
    the days off (weekend days inside a holiday block may be listed or not), ``workdays``
    the adjusted working Saturdays and Sundays (调休上班). The year's overrides become
    exactly this schedule: overrides of that year not in the lists are removed, so entering
    a corrected schedule again leaves nothing of the first attempt behind.
    """
    _require_writer(actor)
    year = _check_year(year)
    days_off = _days_in_year(holidays, "holidays", year)
    days_on = _days_in_year(workdays, "workdays", year)
    if not days_off:
        raise InvalidInput("holidays", "放假日期不能为空")
    both = sorted(set(days_off) & set(days_on))
    if both:
        raise InvalidInput("workdays", f"{both[0].isoformat()} 同时列为放假和调休上班")
    for day in days_on:
        if day.weekday() < 5:
            raise InvalidInput("workdays", f"{day.isoformat()} 是周一至周五，调休上班日应为周六或周日")
    text = _note(note)
    wanted = {**dict.fromkeys(days_off, False), **dict.fromkeys(days_on, True)}
    existing = overrides_between(session, dt.date(year, 1, 1), dt.date(year, 12, 31))
    removed = [row.day for row in existing if row.day not in wanted]
    for row in existing:
        if row.day not in wanted:
            session.delete(row)
    session.flush()
    rows = [_put(session, actor, day, is_workday, text) for day, is_workday in sorted(wanted.items())]
    session.flush()
    workcalendar.invalidate(session)
    _recount_later(session)
    audit.record(session, actor, "calendar.schedule_imported", object_type="calendar", object_id=year,
                 detail={"holidays": [d.isoformat() for d in days_off],
                         "workdays": [d.isoformat() for d in days_on],
                         "removed": [d.isoformat() for d in removed]})
    return rows


def day_statuses(session: Session, *, start: dt.date, end: dt.date) -> list[tuple[dt.date, DayStatus]]:
    """What the calendar says about each day from ``start`` to ``end`` (both included, at
    most :data:`MAX_RANGE_DAYS` days)."""
    start = _check_day(start, "start")
    end = _check_day(end, "end")
    if end < start:
        raise InvalidInput("end", "结束日期不能早于开始日期")
    count = (end - start).days + 1
    if count > MAX_RANGE_DAYS:
        raise InvalidInput("end", f"一次最多查询 {MAX_RANGE_DAYS} 天")
    calendar = workcalendar.load_calendar(session)
    days = [start + dt.timedelta(days=i) for i in range(count)]
    return [(day, calendar.day_status(day)) for day in days]


def uncovered_years(session: Session, *, ahead: int = 1) -> list[int]:
    """This year and the next ``ahead`` ones that have no schedule yet (the admin warning)."""
    return workcalendar.load_calendar(session).uncovered_years(clock.today(), ahead)


def warning_years(session: Session, *, today: dt.date | None = None) -> list[int]:
    """The years whose missing schedule the administrators are warned of on their home page
    and by text: this year whenever it is missing, next year from 1 November on."""
    today = today or clock.today()
    ahead = 1 if (today.month, today.day) >= WARN_FROM else 0
    return workcalendar.load_calendar(session).uncovered_years(today, ahead)


def uncovered_message(year: int) -> str:
    return (f"{year} 年的法定节假日安排尚未录入：该年的期限暂按周一至周五计算，"
            f"请在国务院办公厅公布放假安排后录入")
