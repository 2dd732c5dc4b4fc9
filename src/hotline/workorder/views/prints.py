"""Printable sheets of an order, for units without system access: the 工单交办单 (what to handle,
by when, with signature lines) and the 回访单 (the reply and the callback questions), under the
owning centre's header. The caller's contact is printed as the viewer may read it (in full for
centre staff who take and return calls — audited as a view for printing — masked otherwise,
never for a hidden reporter)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from hotline.auth import access
from hotline.kit import clock
from hotline.kit.workcalendar import load_calendar
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.templating import render
from hotline.workorder import repository, service
from hotline.workorder.views._common import NAMES, _appeal_type_names, _sign_countdown, router


def _sheet(request: Request, principal: CurrentPrincipal, db: Db, number: str, kind: str) -> Response:
    order = access.access_work_order(db, principal, number)
    title, content = service.order_text(principal, order)
    now = clock.now()
    return render(request, "workorder/print.html", principal, title=f"{order.number} 打印", kind=kind, order=order,
                  order_title=title, order_content=content, citizen=service.citizen_shown(db, principal, order),
                  hidden_reporter=service.hides_reporter(principal, order), printed_at=now,
                  sign=_sign_countdown(order, load_calendar(db), now),
                  reply=repository.latest_accepted_reply(db, order.id) or repository.pending_reply(db, order.id),
                  appeal_types=_appeal_type_names(db), **NAMES)


@router.get("/orders/{number}/print", response_class=HTMLResponse)
def print_order(request: Request, number: str, principal: CurrentPrincipal, db: Db) -> Response:
    return _sheet(request, principal, db, number, "order")


@router.get("/orders/{number}/print/callback", response_class=HTMLResponse)
def print_callback(request: Request, number: str, principal: CurrentPrincipal, db: Db) -> Response:
    return _sheet(request, principal, db, number, "callback")
