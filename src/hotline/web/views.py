"""Health check and metrics (the home page is the workbench, ``hotline.workbench.views``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from hotline.web import routing
from hotline.web.deps import Db

router = routing.router()


@router.get("/healthz")
def healthz(db: Db) -> JSONResponse:
    db.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    if not request.app.state.settings.metrics_enabled:
        return PlainTextResponse("metrics disabled", status_code=404)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


