"""The workbench page, health check and metrics."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from hotline.audit import alerts
from hotline.auth import access
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.kit import calendar_admin
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.templating import render

router = routing.router()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    stats = {
        "regions": org_repository.count_regions(db),
        "units": org_repository.count_units(db),
        "categories": org_repository.count_categories(db),
    }
    flash = "密码已修改" if request.query_params.get("password_changed") else None
    return render(request, "web/home.html", principal, title="工作台", stats=stats, flash=flash,
                  problems=_problems(db, principal), alerts=alerts.recent(db, principal))


def _problems(db: Db, principal: Principal) -> dict[str, Any] | None:
    """The administrator's list of problems: a year without a holiday schedule (this year,
    and next year from 1 November — only a province administrator can enter it) and units
    of the region without a contact phone whose texts were skipped."""
    if principal.role != Role.admin:
        return None
    years = calendar_admin.warning_years(db)
    return {"calendar": [calendar_admin.uncovered_message(y) for y in years],
            "calendar_editable": access.is_province_admin(principal),
            "units": notify.units_without_contact(db, region_prefix=principal.region_prefix)}


@router.get("/healthz")
def healthz(db: Db) -> JSONResponse:
    db.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    if not request.app.state.settings.metrics_enabled:
        return PlainTextResponse("metrics disabled", status_code=404)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


