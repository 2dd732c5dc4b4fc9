"""JSON API of call statistics: ``GET /api/v1/cti/stats`` (the figures of the calls offered
in a period, by queue and optionally by period, seat, agent or operator) and
``GET /api/v1/cti/wallboard`` (the centre right now). Roles with ``view_calls``, their region."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse

from hotline.telephony.stats import service
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["cti"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed (no view_calls)"},
    422: {"description": "Invalid field: from, to, group"},
}


def _instants(start: str | None, end: str | None) -> tuple[dt.datetime, dt.datetime]:
    return service.parse_instant(start, "from"), service.parse_instant(end, "to")


@router.get("/cti/stats", responses=ERRORS, response_model=None)
def call_stats(principal: CurrentPrincipal, db: Db,
               start: Annotated[str | None, Query(alias="from", max_length=64)] = None,
               end: Annotated[str | None, Query(alias="to", max_length=64)] = None,
               queue: Annotated[str | None, Query(max_length=100)] = None,
               group: Annotated[str | None, Query(max_length=16)] = None) -> JSONResponse:
    """The figures of the calls *offered* in ``[from, to)`` (ISO-8601 instants with offset):
    totals, ``by_queue`` (queue name as the PBX sent it; ``""`` for calls that never queued)
    and, with ``group`` = hour|day|month|queue|seat|agent|operator, ``groups``."""
    s, e = _instants(start, end)
    report = service.report(db, principal, start=s, end=e, queue=queue, grouping=service.parse_grouping(group))
    # plain JSON types already: rendered directly (FastAPI's encoder walk took 19 ms for 720 hourly groups)
    return JSONResponse(report.as_json())


@router.get("/cti/wallboard", responses=ERRORS, response_model=None)
def wallboard(principal: CurrentPrincipal, db: Db) -> dict[str, Any]:
    """Calls waiting now (per queue, longest wait), seats by state, today's figures."""
    board = service.wallboard(db, principal)
    return {"now": board.now.isoformat(), "waiting": board.waiting, "longest_wait_s": board.longest_wait_s,
            "waiting_by_queue": board.waiting_by_queue, "seats_by_state": board.seats_by_state,
            "seats": board.seats, "today": board.today.as_json()}
