"""The workbench page, health check and metrics."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

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
    return render(request, "web/home.html", principal, title="工作台", stats=stats, flash=flash)


@router.get("/healthz")
def healthz(db: Db) -> JSONResponse:
    db.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    if not request.app.state.settings.metrics_enabled:
        return PlainTextResponse("metrics disabled", status_code=404)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


