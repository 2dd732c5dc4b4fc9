"""JSON API of the working-day calendar: the override table, a year's schedule in one go,
what the calendar says about a range of days, and the years still without a schedule."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from hotline.auth import access
from hotline.auth.roles import Cap
from hotline.kit import calendar_admin as service
from hotline.kit.calendar_admin import MAX_YEAR, MIN_YEAR, NOTE_MAX
from hotline.kit.calendar_models import CalendarOverride
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["calendar"])
ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"},
    404: {"description": "Not found"}, 422: {"description": "Invalid field"},
}
Year = Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR)]


class OverrideOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: dt.date
    is_workday: bool
    note: str
    created_by_id: int | None
    created_at: dt.datetime


class OverrideIn(BaseModel):
    is_workday: bool
    note: str = Field(default="", max_length=NOTE_MAX)


class ScheduleIn(BaseModel):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    holidays: list[dt.date] = Field(min_length=1, max_length=366, description="days off (放假)")
    workdays: list[dt.date] = Field(default_factory=list, max_length=366,
                                    description="adjusted working Saturdays and Sundays (调休上班)")
    note: str = Field(default="", max_length=NOTE_MAX)


class DayOut(BaseModel):
    date: dt.date
    is_workday: bool
    covered: bool
    source: Literal["override", "official", "weekend_fallback"]


class WarningsOut(BaseModel):
    uncovered_years: list[int]
    messages: list[str]


def override_out(row: CalendarOverride) -> OverrideOut:
    return OverrideOut.model_validate(row)


@router.get("/calendar/overrides", response_model=list[OverrideOut], responses=ERRORS)
def list_calendar_overrides(principal: CurrentPrincipal, db: Db, year: Year | None = None) -> list[OverrideOut]:
    access.require(principal, Cap.view_org)
    return [override_out(row) for row in service.list_overrides(db, year)]


@router.put("/calendar/overrides/{day}", response_model=OverrideOut, responses=ERRORS)
def set_calendar_override(day: dt.date, body: OverrideIn, principal: CurrentPrincipal, db: Db) -> OverrideOut:
    """Make a day a working day (``is_workday: true``) or a day off, over the official schedule."""
    return override_out(service.set_override(db, principal, day=day, is_workday=body.is_workday, note=body.note))


@router.delete("/calendar/overrides/{day}", status_code=204, responses=ERRORS)
def delete_calendar_override(day: dt.date, principal: CurrentPrincipal, db: Db) -> None:
    service.delete_override(db, principal, day=day)


@router.post("/calendar/schedule", response_model=list[OverrideOut], responses=ERRORS)
def import_calendar_schedule(body: ScheduleIn, principal: CurrentPrincipal, db: Db) -> list[OverrideOut]:
    """Enter a year's State Council holiday schedule; the year's overrides become exactly it."""
    rows = service.import_schedule(db, principal, year=body.year, holidays=body.holidays,
                                   workdays=body.workdays, note=body.note)
    return [override_out(row) for row in rows]


@router.get("/calendar/days", response_model=list[DayOut], responses=ERRORS)
def calendar_days(principal: CurrentPrincipal, db: Db, start: dt.date, end: dt.date) -> list[DayOut]:
    """Each day from ``start`` to ``end`` (both included, at most 400 days): working day or
    not, whether a published schedule covers it, and which rule decided."""
    access.require(principal, Cap.view_org)
    return [DayOut(date=day, is_workday=s.is_workday, covered=s.covered, source=s.source)
            for day, s in service.day_statuses(db, start=start, end=end)]


@router.get("/calendar/warnings", response_model=WarningsOut, responses=ERRORS)
def calendar_warnings(principal: CurrentPrincipal, db: Db) -> WarningsOut:
    """This year and next if no schedule covers them yet (the administrator must enter it)."""
    access.require(principal, Cap.view_org)
    years = service.uncovered_years(db)
    return WarningsOut(uncovered_years=years, messages=[service.uncovered_message(y) for y in years])
