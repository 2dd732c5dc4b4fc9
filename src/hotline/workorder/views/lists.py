"""Order lists: the tabs each role sees and the filtered, paged list."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.errors import HotlineError, NotFound
from hotline.kit.workcalendar import load_calendar
from hotline.org import repository as org_repository
from hotline.org.models import CENTRE_KINDS
from hotline.web import forms
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form
from hotline.web.templating import render
from hotline.workorder import bulk, repository, service
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder
from hotline.workorder.views._common import (
    NAMES,
    PAGE,
    Deadline,
    F,
    _appeal_type_names,
    _deadline,
    _is_centre,
    _redirect,
    _scope,
    _sign_countdown,
    router,
)

NUMBER_RE = re.compile(r"HL[0-9]{14}")


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    make: Callable[[Principal, dt.datetime], repository.OrderFilter]
    count: bool = True
CENTRE_TABS = [
    Tab("pending", "待派单", lambda p, n: F(status=Status.registered, enterprise_first=True)),
    Tab("returned", "退单待审", lambda p, n: F(status=Status.returned)),
    Tab("replied", "待审核答复", lambda p, n: F(status=Status.replied)),
    Tab("coordinating", "协调中", lambda p, n: F(needs="coordination")),
    Tab("extensions", "延期待批", lambda p, n: F(needs="extensions")),
    Tab("all", "全部", lambda p, n: F(), count=False),
    Tab("overdue", "已超期", lambda p, n: F(overdue_before=n)),
]
UNIT_TABS = [
    Tab("inbox", "本单位待办", lambda p, n: F(unit_id=p.unit_id, enterprise_first=True)),
    Tab("to_sign", "待签收", lambda p, n: F(unit_id=p.unit_id, status=Status.dispatched, enterprise_first=True)),
    Tab("handling", "办理中", lambda p, n: F(unit_id=p.unit_id, status=Status.handling, enterprise_first=True)),
    Tab("overdue", "已超期", lambda p, n: F(unit_id=p.unit_id, overdue_before=n)),
    Tab("all", "全部", lambda p, n: F(), count=False),
]
OTHER_TABS = [
    Tab("all", "全部", lambda p, n: F(), count=False),
    Tab("overdue", "已超期", lambda p, n: F(overdue_before=n)),
]


def tabs_for(principal: Principal) -> tuple[list[Tab], str]:
    """The list tabs of a role and the one it lands on."""
    if _is_centre(principal):
        return CENTRE_TABS, "pending" if principal.can(Cap.dispatch) else "all"
    if principal.can(Cap.handle):
        return UNIT_TABS, "inbox"
    return OTHER_TABS, "all"


def bulk_choices(principal: Principal) -> list[tuple[str, str]]:
    """The bulk actions the caller's role takes (each still checked order by order)."""
    choices = []
    if principal.can(Cap.dispatch):
        choices += [("dispatch", "批量派单（同一主办单位）"), ("accept", "批量通过答复"),
                    ("merge", "并入主工单（重复件）")]
    if principal.can(Cap.handle):
        choices.append(("sign", "批量签收"))
    if principal.can(Cap.callback):
        choices.append(("unreachable", "批量记录回访未接通"))
    return choices


def _bulk_units(db: Session, principal: Principal) -> list[tuple[int, str]]:
    units, _ = org_repository.list_units(db, region_prefix=principal.region_prefix, active=True, limit=500)
    return [(u.id, u.name) for u in units if u.kind not in CENTRE_KINDS]


@router.post("/orders/bulk", response_class=HTMLResponse)
def bulk_page(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """Run a bulk action on the checked orders and show, order by order, what was done."""
    numbers = [n for n in form.get("numbers", []) if isinstance(n, str)] if isinstance(form.get("numbers"), list) \
        else [form["numbers"]] if isinstance(form.get("numbers"), str) else []
    action = forms.text(form, "bulk_action") or ""
    try:
        result = bulk.run(db, principal, action, numbers, all_or_nothing=forms.flag(form, "all_or_nothing"),
                          params={"lead_unit_id": forms.integer(form, "lead_unit_id"), "main": forms.text(form, "main"),
                                  "note": forms.text(form, "note")})
    except HotlineError as exc:
        db.rollback()
        return render(request, "workorder/bulk_result.html", principal, status_code=exc.status_code, title="批量操作",
                      result=None, error=exc.message, names=bulk.ACTIONS)
    return render(request, "workorder/bulk_result.html", principal, title="批量操作", result=result, error=None,
                  names=bulk.ACTIONS, status_code=200 if result.applied else 409)


@dataclass
class Row:
    order: WorkOrder
    deadline: Deadline | None
    sign: str | None


@router.get("/orders", response_class=HTMLResponse)
def orders_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_orders)
    tabs, default = tabs_for(principal)
    key = request.query_params.get("tab") or default
    tab = next((t for t in tabs if t.key == key), None) or next(t for t in tabs if t.key == default)
    q = (request.query_params.get("q") or "").strip()[:100]
    if NUMBER_RE.fullmatch(q):
        try:
            found = access.access_work_order(db, principal, q)
        except NotFound:
            found = None
        if found is not None:
            return _redirect(f"/orders/{found.number}")
    now = clock.now()
    calendar = load_calendar(db)
    offset = forms.offset(request)
    f = tab.make(principal, now)
    f.q = q or None
    ent = request.query_params.get("enterprise") or ""
    f.enterprise = {"1": True, "0": False}.get(ent)
    uscc = (request.query_params.get("uscc") or "").strip().upper()[:18]
    f.uscc = uscc or None
    ent_name = (request.query_params.get("enterprise_name") or "").strip()[:100]
    f.enterprise_name = ent_name or None
    f.q_in_confidential = not service.hides_reporters(principal)
    orders, total = repository.search(db, _scope(principal), f, limit=PAGE, offset=offset)
    counts = {}
    for t in tabs:
        if t.count:
            _, counts[t.key] = repository.search(db, _scope(principal), t.make(principal, now), limit=0, offset=0)
    rows = [Row(o, _deadline(db, o, calendar, now), _sign_countdown(o, calendar, now)) for o in orders]
    base = "/orders?" + urlencode({"tab": tab.key, "q": q, "enterprise": ent, "uscc": uscc,
                                   "enterprise_name": ent_name}) + "&"
    return render(request, "workorder/orders.html", principal, title="工单", tabs=tabs, tab=tab, counts=counts,
                  bulk_actions=bulk_choices(principal),
                  bulk_units=_bulk_units(db, principal) if principal.can(Cap.dispatch) else [],
                  ent={"enterprise": ent, "uscc": uscc, "enterprise_name": ent_name},
                  title_of=lambda o: service.order_text(principal, o)[0],
                  rows=rows, total=total, offset=offset, limit=PAGE, base=base, q=q,
                  appeal_types=_appeal_type_names(db), **NAMES)
