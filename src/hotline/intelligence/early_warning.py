"""Early warnings (预警): a spike of a category in a county against its weekly rhythm, and
appeals naming an emergency or a mass incident — raised once per cell or place and hour, put
on the emergency ledger, texted to the supervisors (split from ``intelligence.service``)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.intelligence import repository, warning
from hotline.intelligence.models import EarlyWarning, WarningKind
from hotline.kit import clock
from hotline.kit.errors import Conflict, Forbidden, NotFound
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import Category, Region, Unit
from hotline.supervision import repository as supervision_repository
from hotline.supervision import rules as supervision_rules
from hotline.supervision.models import LedgerKind

log = logging.getLogger(__name__)


#: How far back each scan looks for appeals naming an emergency (the scan runs every minute;
#: the overlap costs nothing, a warning is raised once).
EMERGENCY_LOOKBACK = dt.timedelta(minutes=10)


def _hour_key(at: dt.datetime) -> str:
    return at.astimezone(clock.CST).strftime("%Y%m%d%H")


def scan_warnings(session: Session, now: dt.datetime | None = None) -> list[EarlyWarning]:
    """Raise the warnings due now: every cell (a first-level category in a county) whose last
    hour is a spike against its own weekly rhythm, and every place where an appeal names an
    emergency or a mass incident. Each is raised once per cell and hour, puts its orders on the
    emergency ledger and texts the supervisors of the centre that owns the place."""
    now = now or clock.now()
    start = now - dt.timedelta(hours=1)
    raised: list[EarlyWarning] = []
    first = repository.first_registered(session)
    weeks = min(warning.WEEKS, int((now - first).total_seconds() // (7 * 86400))) if first else 0
    current = repository.cell_counts(session, start, now)
    history = repository.cell_history(session, start, now, weeks) if current else {}
    for cell, count in sorted(current.items()):
        verdict = warning.judge(count, history.get(cell, 0), weeks)
        key = f"spike:{cell[0]}:{cell[1]}:{_hour_key(now)}"
        if not verdict.spike or repository.warning_raised(session, key):  # raised once per cell and hour
            continue
        orders = repository.orders_in_cell(session, cell, start, now)
        category = org_repository.category_by_code(session, cell[0])
        region = org_repository.region_by_code(session, cell[1])
        if not orders or region is None:
            continue
        summary = (f"{region.name}{category.name if category else ''}类诉求近一小时 {count} 件，"
                   f"常态约 {verdict.expected:.1f} 件")
        found = _raise(session, key=key, kind=WarningKind.spike,
                       category=category, region=region, start=start, end=now, orders=orders, summary=summary,
                       expected=verdict.expected, p_value=verdict.p_value, now=now)
        if found is not None:
            raised.append(found)
    by_place: dict[tuple[str, int | None], list[Row[Any]]] = {}
    for row in repository.texts_since(session, now - EMERGENCY_LOOKBACK):
        matched = supervision_rules.classify(row.title, row.content)
        if matched is not None and row.registered_at <= now:
            by_place.setdefault((matched[1], row.region_id), []).append(row)
    for (term, region_id), orders in sorted(by_place.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        key = f"emergency:{term}:{region_id or 0}:{_hour_key(now)}"
        if repository.warning_raised(session, key):
            continue
        region = session.get(Region, region_id) if region_id else None
        summary = f"{region.name if region else '未知地点'}出现“{term}”相关诉求 {len(orders)} 件"
        found = _raise(session, key=key, kind=WarningKind.emergency,
                       category=None, region=region, start=now - EMERGENCY_LOOKBACK, end=now, orders=orders,
                       summary=summary, term=term, now=now)
        if found is not None:
            raised.append(found)
    return raised


def _raise(session: Session, *, key: str, kind: WarningKind, category: Category | None, region: Region | None,
           start: dt.datetime, end: dt.datetime, orders: list[Row[Any]], summary: str, now: dt.datetime,
           expected: float | None = None, p_value: float | None = None, term: str | None = None
           ) -> EarlyWarning | None:
    centre = org_repository.centre_for_region(session, region) or session.get(Unit, orders[0].centre_unit_id)
    assert centre is not None
    warning_id = repository.claim_warning(session, {
        "key": key, "kind": kind, "category_id": category.id if category else None,
        "region_id": region.id if region else None, "centre_unit_id": centre.id, "window_start": start,
        "window_end": end, "count": len(orders), "expected": expected, "p_value": p_value, "term": term,
        "summary": summary[:200], "order_ids": [o.id for o in orders], "raised_at": now})
    if warning_id is None:
        return None  # raised already in this hour
    supervision_repository.enter_ledgers(session, [{
        "kind": LedgerKind.emergency, "work_order_id": order.id, "unit_id": order.lead_unit_id,
        "centre_unit_id": order.centre_unit_id, "region_id": order.region_id, "category_id": order.category_id,
        "entered_at": now, "reason": f"预警：{summary}"[:200]} for order in orders])
    from hotline.supervision import service as supervision  # warnings feed supervision, not the other way

    supervisors = supervision.supervisors_for(session, centre.id)  # a county's sit at the city centre
    body = notify.render("supervisor_warning", summary=summary)
    notify.queue_rows(session, [notify.user_row(template="supervisor_warning", phone=user.phone,
                                                username=user.username, body=body) for user in supervisors])
    audit.record(session, None, f"early_warning.{kind.value}", object_type="early_warning", object_id=warning_id,
                 detail={"summary": summary, "orders": len(orders)}, actor_name="system")
    log.info("early warning %s: %s", key, summary)
    return session.get(EarlyWarning, warning_id)


def warnings(session: Session, actor: Principal, *, limit: int = 50, offset: int = 0
             ) -> tuple[list[EarlyWarning], int]:
    """The warnings of the actor's region, newest first (centre staff who supervise)."""
    if not (actor.can(Cap.dispatch) or actor.can(Cap.manage_models)):
        raise Forbidden("您的角色无权查看预警")
    return repository.warnings(session, region_prefix=actor.region_prefix, limit=limit, offset=offset)


def acknowledge_warning(session: Session, actor: Principal, warning_id: int) -> EarlyWarning:
    if not actor.can(Cap.dispatch):
        raise Forbidden("您的角色无权处理预警")
    found = session.get(EarlyWarning, warning_id)
    region = session.get(Region, found.region_id) if found is not None and found.region_id else None
    if found is None or (region is not None and not in_region(actor.region_code, region.code)):
        raise NotFound("预警不存在")
    if found.acknowledged_at is not None:
        raise Conflict("该预警已确认")
    found.acknowledged_by_id, found.acknowledged_at = actor.user_id, clock.now()
    session.flush()
    audit.record(session, actor, "early_warning.acknowledged", object_type="early_warning", object_id=found.id,
                 detail={"summary": found.summary})
    return found


