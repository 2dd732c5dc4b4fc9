"""Urging (催办): a caller asks again about an order still being handled. That is not a new
order — the order's urge count goes up, the event says who urged and why, the lead unit (if
dispatched) is texted and finds it in its inbox, and the order enters the urged ledger. A
duplicate merged into a main order urges the main order (one matter, one unit). A closed or
withdrawn order, or one handed to another line or city, cannot be urged: 409 (a new matter is
a new appeal)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import validate
from hotline.kit.errors import Conflict
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.workorder import repository
from hotline.workorder.lifecycle import MAIN_STATUSES, STATUS_NAMES, Status
from hotline.workorder.models import WorkOrder
from hotline.workorder.service._common import _event


def urge(session: Session, actor: Principal, order: WorkOrder, *, note: str | None = None,
         channel: str = "phone") -> WorkOrder:
    """Urge ``order`` (or the main order it was merged into); returns the order urged."""
    access.require(actor, Cap.intake)
    reason = validate.text(note, "note", max_length=200, required=False)
    target = order
    if order.status == Status.merged and order.merged_into_id is not None:
        main = session.get(WorkOrder, order.merged_into_id)
        if main is not None:
            target = main
    if target.status not in MAIN_STATUSES:
        raise Conflict(f"工单 {target.number} 当前为“{STATUS_NAMES[target.status]}”，不能催办；如有新问题请重新登记")
    repository.add_urges(session, {target.id: 1})
    session.refresh(target, ["urge_count"])
    _event(session, actor, target, "urged", by=actor.display_name, note=reason, channel=channel,
           via=order.number if target is not order else None, urge_count=target.urge_count)
    if target.lead_unit_id is not None:
        unit = org_repository.cached_unit(session, target.lead_unit_id)
        notify.notify_unit(session, template="unit_urged", phone=unit.contact_phone if unit else None,
                           body=notify.render("unit_urged", number=target.number, count=target.urge_count),
                           unit_id=target.lead_unit_id, work_order_id=target.id)
    return target
