"""Access checks, one function per object kind. Every endpoint and page goes through here.

Reading the organisation (regions, units, categories) is open to all staff. Everything
else is scoped: an object outside the caller's scope is reported as not found (404), so its
existence does not leak; an action the role never has is refused (403).

A refusal of an object that exists is remembered (:func:`deny`) and recorded in the audit log
as ``access.denied`` after the request's own transaction has ended, so the record survives
the rollback of the failed request (:func:`record_denials`, called by ``web.deps.get_db``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, cast

from sqlalchemy import Select, and_, or_, select
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Session, aliased

from hotline.auth.models import Role, User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.citizen import repository as citizen_repository
from hotline.citizen.models import Citizen
from hotline.kit.errors import Forbidden, NotFound
from hotline.org.models import Region, Unit
from hotline.telephony.models import Call, Seat
from hotline.workorder.models import WorkOrder

CENTRE_ROLES = frozenset({Role.agent, Role.dispatcher, Role.centre_supervisor})
#: The centre's knowledge-base staff: in the knowledge base they act for the centre's whole
#: region, as centre staff do (documents, collections, items of the region's units).
KNOWLEDGE_ROLES = frozenset({Role.knowledge_editor, Role.knowledge_reviewer})


def is_knowledge_centre(principal: Principal) -> bool:
    """Centre staff or the centre's knowledge-base staff: the knowledge base of the region."""
    return principal.role in CENTRE_ROLES or principal.role in KNOWLEDGE_ROLES


def require(principal: Principal, cap: Cap) -> None:
    if not principal.can(cap):
        raise Forbidden("您的角色无权执行此操作")


def require_province_admin(principal: Principal) -> None:
    """Reference data (category tree, channels, appeal types) is shared by the province."""
    require(principal, Cap.manage_reference)
    if not principal.is_province_wide:
        raise Forbidden("只有省级管理员可以维护分类、渠道和诉求类型")


def is_province_admin(principal: Principal) -> bool:
    """Whether :func:`require_province_admin` lets the caller through (for the navigation)."""
    try:
        require_province_admin(principal)
    except Forbidden:
        return False
    return True


def region_writable(principal: Principal, code: str) -> bool:
    return principal.can(Cap.manage_org) and in_region(principal.region_code, code)


def access_region(session: Session, principal: Principal, code: str, *, write: bool = False) -> Region:
    require(principal, Cap.view_org)
    region = session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
    if region is None:
        raise NotFound(f"区划 {code} 不存在")
    if write and not region_writable(principal, region.code):
        raise Forbidden("该区划不在您的管理范围内")
    return region


def access_unit(session: Session, principal: Principal, unit_id: int, *, write: bool = False) -> Unit:
    require(principal, Cap.view_org)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"单位 {unit_id} 不存在")
    if write and not region_writable(principal, unit.region.code):
        raise Forbidden("该单位不在您的管理范围内")
    return unit


def user_scope(principal: Principal, stmt: Select[User]) -> Select[User]:
    """Restrict a query of accounts to those the caller may see."""
    if principal.can(Cap.manage_users):
        return stmt.join(User.unit).join(Unit.region).where(
            Region.code.startswith(principal.region_prefix, autoescape=True)
        )
    if principal.can(Cap.manage_unit_users):
        return stmt.where(User.unit_id == principal.unit_id)
    return stmt.where(User.id == principal.user_id)


def access_user(session: Session, principal: Principal, user_id: int, *, write: bool = False) -> User:
    """Admins reach the accounts in their region, unit managers those of their unit, and
    everyone their own account (read only: changing one's password has its own path)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    if principal.can(Cap.manage_users) and in_region(principal.region_code, user.unit.region.code):
        return user
    if principal.can(Cap.manage_unit_users) and user.unit_id == principal.unit_id:
        if write and user.role not in (Role.unit_handler, Role.unit_manager):
            raise Forbidden("单位负责人只能管理承办人员账号")
        return user
    if user.id == principal.user_id and not write:
        return user
    raise NotFound("用户不存在")


def can_list_users(principal: Principal) -> bool:
    return principal.can(Cap.manage_users) or principal.can(Cap.manage_unit_users)


#: A citizen's public identifier (``Citizen.ref``): anything else in a URL is simply not found.
CITIZEN_REF = re.compile(r"[0-9a-f]{32}")


def citizen_scope(principal: Principal, stmt: Select[Any]) -> Select[Any]:
    """Restrict a query of citizens to those the caller may see (ADR 0005): staff of a centre
    (the roles with ``view_citizens``) see the citizens registered in their region and those
    who appear on an order they may see; a province-wide account also sees records with no
    region. Everyone else: none."""
    if not principal.can(Cap.view_citizens):
        return stmt.where(sa_false())
    registered = select(Region.id).where(Region.code.startswith(principal.region_prefix, autoescape=True))
    on_orders = order_scope(principal, cast("Select[WorkOrder]", select(WorkOrder.id).where(
        WorkOrder.citizen_id == Citizen.id))).exists()
    seen = [Citizen.region_id.in_(registered), on_orders]
    if principal.is_province_wide:
        seen.append(Citizen.region_id.is_(None))
    return stmt.where(or_(*seen))


def access_citizen(session: Session, principal: Principal, ref: str, *, write: bool = False) -> Citizen:
    """The citizen with this public reference if the caller may see it (and edit it, with
    ``write``); 404 otherwise — missing, outside the scope and a sequential id look the same.
    A refused citizen that exists is recorded as a denied access."""
    citizen = citizen_repository.by_ref(session, ref) if CITIZEN_REF.fullmatch(ref or "") else None
    if citizen is None:
        raise NotFound("诉求人不存在")
    allowed = principal.can(Cap.view_citizens) and (not write or principal.can(Cap.edit_citizens))
    if not allowed or session.execute(
            citizen_scope(principal, select(Citizen.id).where(Citizen.id == citizen.id))).first() is None:
        deny(session, principal, "citizen", citizen.id, write=write)
        raise NotFound("诉求人不存在")
    return citizen


# --- telephony ----------------------------------------------------------------------------

#: A call's or a seat's public identifier: anything else in a URL is simply not found.
TELEPHONY_REF = re.compile(r"[0-9a-f]{32}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def call_scope(principal: Principal, stmt: Select[Any]) -> Select[Any]:
    """Calls the caller may see: those of the centres of their region (roles with
    ``view_calls``); none for anyone else."""
    if not principal.can(Cap.view_calls):
        return stmt.where(sa_false())
    return stmt.where(Call.region_id.in_(
        select(Region.id).where(Region.code.startswith(principal.region_prefix, autoescape=True))))


def seat_scope(principal: Principal, stmt: Select[Any]) -> Select[Any]:
    if not principal.can(Cap.view_calls):
        return stmt.where(sa_false())
    return stmt.where(Seat.region_id.in_(
        select(Region.id).where(Region.code.startswith(principal.region_prefix, autoescape=True))))


def access_call(session: Session, principal: Principal, ref: str) -> Call:
    """The call with this public reference if the caller may see it; 404 otherwise."""
    call = session.execute(select(Call).where(Call.ref == ref)).scalar_one_or_none() \
        if TELEPHONY_REF.fullmatch(ref or "") else None
    if call is None:
        raise NotFound("来电记录不存在")
    if session.execute(call_scope(principal, select(Call.id).where(Call.id == call.id))).first() is None:
        deny(session, principal, "call", call.ref)
        raise NotFound("来电记录不存在")
    return call


def access_seat(session: Session, principal: Principal, ref_or_code: str, *, write: bool = False) -> Seat:
    """The seat with this public reference (or the PBX's seat code) if the caller may see it
    (and manage it, with ``write``: the administrators with ``manage_telephony``); 404
    otherwise — missing and outside the region look the same."""
    key = (ref_or_code or "").strip()[:50]
    by = Seat.ref if TELEPHONY_REF.fullmatch(key) else Seat.code
    # PostgreSQL refuses a NUL in a parameter: a code with control characters names no seat
    seat = session.execute(select(Seat).where(by == key)).scalar_one_or_none() \
        if key and not CONTROL_CHARACTERS.search(key) else None
    if seat is None or session.execute(seat_scope(principal, select(Seat.id).where(Seat.id == seat.id))).first() \
            is None:
        raise NotFound("坐席不存在")
    if write and not principal.can(Cap.manage_telephony):
        raise Forbidden("无权管理坐席")
    return seat


# --- denied accesses -------------------------------------------------------------------------

DENIALS = "access_denials"
log = logging.getLogger(__name__)


def deny(session: Session, principal: Principal, object_type: str, object_id: object, **detail: Any) -> None:
    """Remember that ``principal`` was refused an object that exists (personal data, an
    order). Kept in ``session.info``, which a rollback does not clear; written by
    :func:`record_denials` once the request's transaction is over."""
    session.info.setdefault(DENIALS, []).append(
        (principal, {"object_type": object_type, "object_id": str(object_id), "detail": detail}))


def take_denials(session: Session) -> list[tuple[Principal, dict[str, Any]]]:
    denials: list[tuple[Principal, dict[str, Any]]] = session.info.pop(DENIALS, [])
    return denials


def record_denials(factory: Any, denials: list[tuple[Principal, dict[str, Any]]]) -> None:
    """Write the denied accesses in a short transaction of their own (the caller's has ended:
    on SQLite the one pooled connection is free again). Each is an ``access.denied`` audit
    event; refusals are counted per account and the count reaching
    ``access_denied_alert_at`` in a window raises the security alert ``access.denied_alert``
    (audited, logged, texted to the administrators of the account's region;
    :func:`hotline.audit.alerts.raise_alert`)."""
    from hotline.audit import alerts
    from hotline.audit import service as audit
    from hotline.config import get_settings
    from hotline.kit import ratelimit
    from hotline.kit.db import transaction

    settings = get_settings()
    limit = ratelimit.Limit("access_denied", settings.access_denied_alert_at,
                            dt.timedelta(seconds=settings.access_denied_window_seconds))
    with transaction(factory) as session:
        for principal, entry in denials:
            audit.record(session, principal, "access.denied", object_type=entry["object_type"],
                         object_id=entry["object_id"], detail={"role": principal.role.value, **entry["detail"]})
            if ratelimit.count(session, limit, f"user:{principal.user_id}").count == limit.hits:
                alerts.raise_alert(session, "access.denied_alert", subject=f"user:{principal.user_id}",
                                   actor=principal, account=principal.username, region_code=principal.region_code,
                                   object_type="user_account", object_id=principal.user_id,
                                   detail={"count": limit.hits,
                                           "window_seconds": settings.access_denied_window_seconds})


def require_audit(principal: Principal) -> None:
    require(principal, Cap.view_audit)


# --- work orders -----------------------------------------------------------------------------


def order_scope(principal: Principal, stmt: Select[WorkOrder]) -> Select[WorkOrder]:
    """Restrict a query of work orders to those the caller may see.

    Centre staff: orders owned by a centre in their region (a city centre sees its county
    workstations' orders too). Units: orders they are (or were) assigned, unless re-dispatched
    away. Sector viewers: orders in their region whose category lies in their sectors.
    Integrations: the orders they submitted. Everyone else: none."""
    if not principal.can(Cap.view_orders):
        return stmt.where(sa_false())
    if principal.role in CENTRE_ROLES:
        centre = aliased(Unit)
        centre_region = aliased(Region)
        return stmt.join(centre, WorkOrder.centre_unit_id == centre.id).join(
            centre_region, centre.region_id == centre_region.id
        ).where(centre_region.code.startswith(principal.region_prefix, autoescape=True))
    if principal.can(Cap.handle):
        return stmt.where(WorkOrder.id.in_(unit_orders(principal.unit_id)))
    if principal.role == Role.sector_viewer:
        if not principal.sector_category_ids:
            return stmt.where(sa_false())
        place = aliased(Region)
        return stmt.join(place, WorkOrder.region_id == place.id).where(
            place.code.startswith(principal.region_prefix, autoescape=True),
            WorkOrder.category_id.in_(principal.sector_category_ids),
        )
    return stmt.where(WorkOrder.created_by_id == principal.user_id)


def unit_orders(unit_id: int | None) -> Select[int]:
    """The ids of the orders a unit is (or was) assigned, unless re-dispatched away: a unit's
    order scope (``order_scope``)."""
    from hotline.workorder.models import Assignment, AssignmentState

    return select(Assignment.work_order_id).where(Assignment.unit_id == unit_id,
                                                  Assignment.state != AssignmentState.revoked)


def access_work_order(session: Session, principal: Principal, number: str) -> WorkOrder:
    """The order with this number if the caller may see it; 404 otherwise (outside the scope
    and missing look the same)."""
    stmt = order_scope(principal, select(WorkOrder).where(WorkOrder.number == number))
    order = session.execute(stmt).unique().scalar_one_or_none()
    if order is None:
        hidden = session.execute(select(WorkOrder.id).where(WorkOrder.number == number)).scalar_one_or_none()
        if hidden is not None:  # it exists: a refused access, recorded
            deny(session, principal, "work_order", hidden, number=number)
        raise NotFound(f"工单 {number} 不存在")
    return order


def require_centre_of(principal: Principal, order: WorkOrder, cap: Cap) -> None:
    """Centre actions (dispatch, review, callback) need the capability and the order in scope."""
    require(principal, cap)
    if principal.role not in CENTRE_ROLES:
        raise Forbidden("只有热线中心可以执行此操作")


def require_unit_of(principal: Principal, order: WorkOrder, *, lead: bool = True) -> None:
    """Unit actions need the handle capability and an active assignment of the caller's unit
    (the lead's, for sign-for, reply, return and extension)."""
    from hotline.workorder.models import AssignmentRole, AssignmentState

    require(principal, Cap.handle)
    for a in order.assignments:
        mine = a.unit_id == principal.unit_id and a.state == AssignmentState.active
        if mine and (not lead or a.role == AssignmentRole.lead):
            return
    raise Forbidden("本单位不是该工单的" + ("主办单位" if lead else "承办单位"))


# --- ledger entries --------------------------------------------------------------------------


def ledger_scope(principal: Principal, stmt: Select[Any]) -> Select[Any]:
    """Restrict a query of ledger entries (台账) to those the caller may see, by the entry's
    own columns, so a ledger never has to join every order it lists.

    Centre staff: entries kept by a centre in their region (an escalated entry is kept by the
    centre above the order's own). Units: entries of orders they are (or were) assigned, and
    their own late policy documents.
    Sector viewers: entries of their sectors' categories in their region. Integrations:
    entries of the orders they submitted. Everyone else: none."""
    from hotline.supervision.models import LedgerEntry
    from hotline.workorder.models import Assignment, AssignmentState

    if not principal.can(Cap.view_orders):
        return stmt.where(sa_false())
    if principal.role in CENTRE_ROLES:
        centres = select(Unit.id).join(Unit.region).where(
            Region.code.startswith(principal.region_prefix, autoescape=True))
        return stmt.where(LedgerEntry.centre_unit_id.in_(centres))
    if principal.can(Cap.handle):
        mine = select(Assignment.work_order_id).where(
            Assignment.unit_id == principal.unit_id, Assignment.state != AssignmentState.revoked)
        return stmt.where(or_(LedgerEntry.work_order_id.in_(mine),
                              and_(LedgerEntry.work_order_id.is_(None), LedgerEntry.unit_id == principal.unit_id)))
    if principal.role == Role.sector_viewer:
        if not principal.sector_category_ids:
            return stmt.where(sa_false())
        places = select(Region.id).where(Region.code.startswith(principal.region_prefix, autoescape=True))
        return stmt.where(LedgerEntry.region_id.in_(places),
                          LedgerEntry.category_id.in_(principal.sector_category_ids))
    submitted = select(WorkOrder.id).where(WorkOrder.created_by_id == principal.user_id)
    return stmt.where(LedgerEntry.work_order_id.in_(submitted))


# --- quality inspections (telephony quality) -------------------------------------------------


def inspection_scope(principal: Principal, stmt: Select[Any]) -> Select[Any]:
    """Inspections the caller may see: an agent their own, once scored (a drawn one waiting
    for its score is the inspectors' business); an inspector (``inspect_quality``) those of
    their region. Other roles never see one (:func:`access_inspection` answers 403)."""
    from hotline.telephony.quality.models import Inspection

    if principal.can(Cap.inspect_quality):
        return stmt.where(Inspection.region_id.in_(
            select(Region.id).where(Region.code.startswith(principal.region_prefix, autoescape=True))))
    if principal.role == Role.agent:
        return stmt.where(Inspection.agent_id == principal.user_id, Inspection.status != "pending")
    return stmt.where(sa_false())


def may_see_inspections(principal: Principal) -> bool:
    return principal.can(Cap.inspect_quality) or principal.role == Role.agent


def access_inspection(session: Session, principal: Principal, ref: str) -> Any:
    """The inspection with this public reference if the caller may see it: 403 for a role
    that never sees inspections, 404 outside the scope (another agent's, another region's)."""
    from hotline.telephony.quality.models import Inspection

    if not may_see_inspections(principal):
        raise Forbidden("您的角色无权查看质检记录")
    found = session.execute(select(Inspection).where(Inspection.ref == ref)).scalar_one_or_none() \
        if TELEPHONY_REF.fullmatch(ref or "") else None
    if found is None:
        raise NotFound("质检记录不存在")
    if session.execute(inspection_scope(principal, select(Inspection.id).where(Inspection.id == found.id))).first() \
            is None:
        deny(session, principal, "qa_inspection", found.ref)
        raise NotFound("质检记录不存在")
    return found
