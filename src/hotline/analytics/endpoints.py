"""JSON API of the statistics workbench: ``GET /api/v1/statistics`` (a query → the table, each
row with every measure's value, previous period, last year, 环比 and 同比), ``GET
/api/v1/statistics/orders`` (the orders behind one cell, keyset pages), and the caller's saved
views. Bad measures, dimensions, periods, dates and filters are 422 naming the field and the
reason; roles that read no orders get 403."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from pydantic import BaseModel, Field

from hotline.analytics import saved_views, workbench
from hotline.analytics.measures import MEASURES
from hotline.analytics.saved_models import SavedView
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["statistics"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The role reads no orders (administrators, auditors, the CTI account)"},
    404: {"description": "No such saved view of the caller's"},
    409: {"description": "A saved view of that name exists, or too many views"},
    422: {"description": "Invalid field (named): measure, dimension, level, period, date, from, to, filter, cursor"},
}
Text = Annotated[str | None, Query(max_length=40)]


class ChangeOut(BaseModel):
    direction: str = Field(description="up, down or flat")
    text: str
    value: float = Field(description="per cent (counts, averages) or percentage points (rates)")


class CellOut(BaseModel):
    measure: str
    value: float | int | None
    previous: float | int | None
    last_year: float | int | None
    mom: ChangeOut | None = Field(description="环比: against the previous period")
    yoy: ChangeOut | None = Field(description="同比: against the same period last year")


class RowOut(BaseModel):
    key: str | None = Field(description="the dimension value (code); null for the totals row")
    label: str
    cells: list[CellOut]


class MeasureOut(BaseModel):
    key: str
    label: str
    kind: str
    unit: str


class PeriodOut(BaseModel):
    kind: str
    label: str
    start: dt.date
    end: dt.date


class TableOut(BaseModel):
    period: PeriodOut
    dimension: str | None
    level: int | None
    measures: list[MeasureOut]
    filters: str
    scope: str
    rows: list[RowOut]
    total: RowOut
    query: str = Field(description="the canonical query string (the workbench page's URL carries the same)")


class OrderOut(BaseModel):
    number: str
    title: str
    registered_at: dt.datetime | None
    status: str
    channel: str
    appeal_type: str
    category: str
    region: str
    lead_unit: str


class OrdersOut(BaseModel):
    key: str | None
    measure: str
    label: str
    total: int | None = Field(description="the cell's figure: how many orders the list holds")
    orders: list[OrderOut]
    next_after: str | None = Field(description="pass as ``after`` for the next page; null on the last")


class ViewIn(BaseModel):
    name: str = Field(max_length=200)
    query: str = Field(max_length=4000, description="the workbench state as a query string")


class ViewOut(BaseModel):
    ref: str
    name: str
    query: str
    created_at: dt.datetime


def _params(request: Request, *, drop: tuple[str, ...] = ()) -> dict[str, list[str]]:
    return {name: request.query_params.getlist(name) for name in workbench.STATE_PARAMS
            if name not in drop and request.query_params.getlist(name)}


def _cell(c: workbench.Cell) -> CellOut:
    def change(ch: workbench.Change | None) -> ChangeOut | None:
        return None if ch is None else ChangeOut(direction=ch.direction, text=ch.text, value=ch.value)
    return CellOut(measure=c.measure, value=c.value, previous=c.previous, last_year=c.last_year, mom=change(c.mom),
                   yoy=change(c.yoy))


@router.get("/statistics", response_model=TableOut, responses=ERRORS)
def statistics_table(
    request: Request, principal: CurrentPrincipal, db: Db,
    measure: Annotated[list[str] | None, Query(max_length=400, description="measure keys (repeat, or commas)")] = None,
    dimension: Text = None, level: Text = None,
    period: Annotated[str | None, Query(max_length=10, description="day … year, or custom")] = None,
    date: Annotated[str | None, Query(max_length=10, description="a day of the period (YYYY-MM-DD)")] = None,
    from_: Annotated[str | None, Query(max_length=10, alias="from", description="custom: first day")] = None,
    to: Annotated[str | None, Query(max_length=10, description="custom: last day")] = None,
    enterprise: Text = None, category: Text = None, region: Text = None, channel: Text = None,
    appeal_type: Text = None,
) -> TableOut:
    """The workbench table over the caller's scope: figures of the orders registered in the
    period, as they stand now, grouped by the dimension, with the previous period (环比) and
    the same period last year (同比)."""
    del measure, dimension, level, period, date, from_, to, enterprise, category, region, channel, appeal_type
    workbench.require_user(principal)
    state = workbench.parse_state(_params(request))
    rows, total = workbench.build_table_only(db, principal, state)
    p = state.period
    return TableOut(period=PeriodOut(kind=p.kind, label=p.label, start=p.start, end=p.end), dimension=state.dimension,
                    level=state.level, measures=[MeasureOut(key=m, label=MEASURES[m].label, kind=MEASURES[m].kind,
                                                            unit=MEASURES[m].unit) for m in state.measures],
                    filters=workbench.filter_text(db, state), scope=workbench.scope_text(principal),
                    rows=[RowOut(key=r.key, label=r.label, cells=[_cell(c) for c in r.cells]) for r in rows],
                    total=RowOut(key=None, label=total.label, cells=[_cell(c) for c in total.cells]),
                    query=saved_views.canonical(state))


@router.get("/statistics/orders", response_model=OrdersOut, responses=ERRORS)
def statistics_orders(
    request: Request, principal: CurrentPrincipal, db: Db,
    measure: Annotated[str, Query(max_length=40, description="the cell's measure")],
    key: Annotated[str | None, Query(max_length=64, description="the row's key; absent or *: the totals row")] = None,
    after: Annotated[str | None, Query(max_length=200, description="the cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    dimension: Text = None, level: Text = None,
    period: Annotated[str | None, Query(max_length=10)] = None,
    date: Annotated[str | None, Query(max_length=10)] = None,
    from_: Annotated[str | None, Query(max_length=10, alias="from")] = None,
    to: Annotated[str | None, Query(max_length=10)] = None,
    enterprise: Text = None, category: Text = None, region: Text = None, channel: Text = None,
    appeal_type: Text = None,
) -> OrdersOut:
    """The orders behind one cell of the table (no personal data), oldest first, a page at a
    time: pass ``next_after`` back as ``after``. ``total`` equals the cell's figure."""
    del dimension, level, period, date, from_, to, enterprise, category, region, channel, appeal_type, measure, key
    del after
    workbench.require_user(principal)
    state = workbench.parse_state(_params(request, drop=("measure",)))
    cell_key, cell_measure, cursor = workbench.parse_cell(request.query_params)
    page = workbench.drill(db, principal, state, cell_key, cell_measure, cursor, limit=limit)
    return OrdersOut(key=page.key, measure=page.measure, label=page.label, total=page.total,
                     orders=[OrderOut(**o.__dict__) for o in page.orders], next_after=page.next_after)


def _view(v: SavedView) -> ViewOut:
    return ViewOut(ref=v.ref, name=v.name, query=v.query, created_at=v.created_at)


@router.get("/statistics/views", response_model=list[ViewOut], responses=ERRORS)
def list_views(principal: CurrentPrincipal, db: Db) -> list[ViewOut]:
    """The caller's own saved views, newest first."""
    return [_view(v) for v in saved_views.list_views(db, principal)]


@router.post("/statistics/views", response_model=ViewOut, status_code=201, responses=ERRORS)
def save_view(body: ViewIn, principal: CurrentPrincipal, db: Db) -> ViewOut:
    """Save a workbench state (a query string, checked as the workbench checks it) under a name."""
    from urllib.parse import parse_qs

    workbench.require_user(principal)
    state = workbench.parse_state(parse_qs(body.query, keep_blank_values=True))
    return _view(saved_views.save_view(db, principal, name=body.name, state=state))


@router.get("/statistics/views/{ref}", response_model=ViewOut, responses=ERRORS)
def get_view(principal: CurrentPrincipal, db: Db, ref: Annotated[str, Path(max_length=64)]) -> ViewOut:
    return _view(saved_views.access_view(db, principal, ref))


@router.delete("/statistics/views/{ref}", status_code=204, responses=ERRORS)
def delete_view(principal: CurrentPrincipal, db: Db, ref: Annotated[str, Path(max_length=64)]) -> Response:
    saved_views.delete_view(db, principal, saved_views.access_view(db, principal, ref))
    return Response(status_code=204)
