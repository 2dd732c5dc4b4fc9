"""The callback queue (回访): orders waiting for a callback and the callback form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit.errors import HotlineError, NotFound, StaleVersion
from hotline.web import forms
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form
from hotline.web.templating import render
from hotline.workorder import repository, service
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder
from hotline.workorder.views._common import NAMES, PAGE, VERDICT_NAMES, F, _callback_message, _redirect, _scope, router
from hotline.workorder.views.actions import _act, _failure


@dataclass
class CallbackItem:
    order: WorkOrder
    citizen: service.CitizenShown | None
    reply_text: str | None
    accepted_at: dt.datetime | None
    unreached: int


def _callbacks(request: Request, principal: Principal, db: Session, *, status: int = 200,
               flash: str | None = None, flash_kind: str = "ok", failed: str | None = None,
               errors: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Response:
    access.require(principal, Cap.callback)
    offset = forms.offset(request)
    f = F(status=Status.callback)
    # The repository lists newest first; the queue is worked oldest first, so take the page
    # from the other end and turn it round.
    _, total = repository.search(db, _scope(principal), f, limit=0, offset=0)
    size = max(min(PAGE, total - offset), 0)
    start = max(total - offset - PAGE, 0)
    orders = list(reversed(repository.search(db, _scope(principal), f, limit=size, offset=start)[0])) if size else []
    items = []
    for order in orders:
        reply = repository.latest_accepted_reply(db, order.id)
        attempts = repository.callbacks(db, order.id, order.rehandle_count + 1)
        items.append(CallbackItem(order, service.citizen_shown(db, principal, order),
                                  reply.text if reply else None, reply.reviewed_at if reply else None,
                                  sum(1 for c in attempts if not c.reached)))
    return render(request, "workorder/callbacks.html", principal, status_code=status, title="回访", items=items,
                  total=total, offset=offset, limit=PAGE, base="/callbacks?", flash=flash, flash_kind=flash_kind,
                  failed=failed, errors=errors or {}, values=values or {},
                  verdicts=[(v.value, n) for v, n in VERDICT_NAMES.items()],
                  max_attempts=service.MAX_CALLBACK_ATTEMPTS, **NAMES)


@router.get("/callbacks", response_class=HTMLResponse)
def callbacks_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.callback)
    flash = None
    done = (request.query_params.get("done") or "")[:20]
    if done:
        try:
            flash = _callback_message(access.access_work_order(db, principal, done))
        except NotFound:
            flash = None
    return _callbacks(request, principal, db, flash=flash)


@router.post("/callbacks/{number}", response_class=HTMLResponse)
def callback_submit(request: Request, number: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require(principal, Cap.callback)
    order = access.access_work_order(db, principal, number)
    try:
        _act(db, principal, order, "callback", form)
    except HotlineError as exc:
        db.rollback()
        errors, banner, kind = _failure(exc)
        stale = isinstance(exc, StaleVersion)
        return _callbacks(request, principal, db, status=exc.status_code, flash=f"{order.number}：{banner}",
                          flash_kind=kind, failed=None if stale else order.number, errors=errors,
                          values={} if stale else form)
    return _redirect(f"/callbacks?done={order.number}")
