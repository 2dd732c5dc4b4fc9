"""The home page: the caller's workbench, with the administrator's problems and security alerts."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from hotline.audit import alerts
from hotline.auth import access
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.kit import calendar_admin
from hotline.notify import service as notify
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.templating import render
from hotline.workbench import service

router = routing.router()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    flash = "密码已修改" if request.query_params.get("password_changed") else None
    return render(request, "workbench/home.html", principal, title="工作台", flash=flash,
                  bench=service.workbench(db, principal), problems=_problems(db, principal),
                  alerts=alerts.recent(db, principal))


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
