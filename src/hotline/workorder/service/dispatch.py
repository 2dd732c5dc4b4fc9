"""Dispatch (派单): dispatch to units, transfer between centres, suggested units."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.kit import clock, validate
from hotline.kit.errors import InvalidInput
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import RegionLevel, Unit, UnitKind
from hotline.workorder import repository
from hotline.workorder.lifecycle import Action, apply
from hotline.workorder.models import WorkOrder
from hotline.workorder.service._common import _competent_at, _dispatch, _event, _expect_version, _transition, _units


def dispatch(session: Session, actor: Principal, order: WorkOrder, *, lead_unit_id: int,
             assisting_unit_ids: list[int] | None = None, note: str | None = None,
             category_code: str | None = None, version: int | None = None) -> WorkOrder:
    """A dispatcher sends the order to a lead unit (and assisting units). Also used to
    re-dispatch a returned order to another unit. ``category_code``: the category the
    dispatcher accepts (the suggested one) or chooses; a change from the order's category is
    recorded (``category_set``, old and new) before the deadline is set by it."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    lead = _units(session, [lead_unit_id], "lead_unit_id")[0]
    assisting = _units(session, [u for u in (assisting_unit_ids or []) if u != lead_unit_id], "assisting_unit_ids")
    note = validate.text(note, "note", max_length=500, required=False)
    category = None
    if category_code:
        category = org_repository.category_by_code(session, category_code.strip()[:16])
        if category is None or not category.active:
            raise InvalidInput("category_code", "诉求分类不存在或已停用")
    if category is not None and category.id != order.category_id:
        old = order.category
        apply(order.status, Action.dispatch)  # an order that cannot be dispatched keeps its category (409)
        order.category_id, order.category = category.id, category
        _event(session, actor, order, "category_set", old=old.code if old else None,
               old_name=old.name if old else None, new=category.code, new_name=category.name)
    pending = repository.pending_return(session, order.id)
    if pending is not None:
        pending.decision, pending.decided_by_id, pending.decided_at = "redispatched", actor.user_id, clock.now()
    _dispatch(session, actor, order, lead, assisting, [], note=note)
    from hotline.intelligence import service as intelligence  # imports the work-order tables

    intelligence.record_dispatch(session, order)  # what the models suggested, beside what was chosen
    return order


def transfer(session: Session, actor: Principal, order: WorkOrder, *, centre_unit_id: int,
             note: str | None = None, version: int | None = None) -> WorkOrder:
    """Pass a registered order to another centre to be dispatched there: down a level
    (province → city → county centre or workstation), or — a city centre only — across to
    the centre of another city of the same province (跨市协作 / 互派工单, S4 川南四市). Nothing
    outside the province, and nothing but a hotline centre or workstation, takes an order
    (422). The receiving centre is told by text (its contact phone)."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    centre = session.get(Unit, centre_unit_id)
    current = session.get(Unit, order.centre_unit_id)
    assert current is not None
    if centre is None or centre.kind not in (UnitKind.hotline_centre, UnitKind.workstation) or not centre.active:
        raise InvalidInput("centre_unit_id", "目标不是热线中心或县级工作站")
    text = validate.text(note, "note", max_length=500, required=False)
    below = centre.id != current.id and in_region(current.region.code, centre.region.code)
    if not (below or sibling_city_centre(current, centre)):
        raise InvalidInput("centre_unit_id", "只能转给本中心下级的热线中心或工作站，或本省其他市的热线中心")
    _transition(order, Action.transfer)
    order.centre_unit_id, order.centre_unit = centre.id, centre
    _event(session, actor, order, "transferred", unit=centre.name, unit_id=centre.id, from_unit=current.name,
           across=None if below else True, note=text)
    notify.notify_unit(session, template="centre_transferred_in", phone=centre.contact_phone,
                       body=notify.render("centre_transferred_in", centre=current.name, number=order.number),
                       work_order_id=order.id, unit_id=centre.id)
    return order


def sibling_city_centre(current: Unit, centre: Unit) -> bool:
    """Both are the hotline centres of two cities of one province."""
    mine, theirs = current.region, centre.region
    return (current.kind == centre.kind == UnitKind.hotline_centre and mine.id != theirs.id
            and mine.level == theirs.level == RegionLevel.city and mine.parent_id == theirs.parent_id)


@dataclass
class Suggestion:
    unit: Unit
    reason: str


def suggest_units(session: Session, order: WorkOrder, limit: int = 5) -> list[Suggestion]:
    """Candidate lead units by the territorial and competent-authority rules: the department
    competent for the category at the order's county, then city, then province; the local
    (township, county) government as the territorial fallback."""
    out: list[Suggestion] = []
    seen: set[int] = set()
    chain = org_repository.region_chain(session, order.region) if order.region else []
    level_names = {RegionLevel.township: "乡镇", RegionLevel.county: "县级", RegionLevel.city: "市级",
                   RegionLevel.province: "省级"}
    if order.category is not None:
        for place in chain:
            unit = _competent_at(session, order.category, place)
            if unit is not None and unit.id not in seen:
                seen.add(unit.id)
                out.append(Suggestion(unit, f"{level_names[place.level]}主管部门（谁主管谁负责）"))
    for place in chain:
        if place.level in (RegionLevel.township, RegionLevel.county):
            for unit in org_repository.units_in_region(session, place.id, UnitKind.government):
                if unit.id not in seen:
                    seen.add(unit.id)
                    out.append(Suggestion(unit, f"{level_names[place.level]}人民政府（属地管理）"))
    return out[:limit]
