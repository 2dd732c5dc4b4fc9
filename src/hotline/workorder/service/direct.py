"""Direct dispatch (直派) planned at intake: the catalogue rule an appeal matches and the local
unit it goes to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.org import repository as org_repository
from hotline.org.models import Category, Region, RegionLevel, Unit, UnitKind
from hotline.workorder import repository, sla
from hotline.workorder.models import DirectTarget
from hotline.workorder.service._common import _calendar, _competent_at


@dataclass(frozen=True)
class UnitRef:
    """What an intake needs of a unit once it has been chosen."""

    id: int
    name: str
    contact_phone: str | None


@dataclass(frozen=True)
class DirectPlan:
    """A direct dispatch decided at intake: the catalogue entry, the unit, the supervising
    copies and the hour-based deadlines."""

    rule_id: int
    rule_name: str
    lead: UnitRef
    copies: tuple[UnitRef, ...]
    due_at: dt.datetime
    sign_due_at: dt.datetime
    covered: bool


def _matching_direct_rule(session: Session, category: Category | None, text: str) -> repository.DirectRuleKey | None:
    """The first active catalogue entry whose category covers the order's (a listed code is
    a prefix of the order's category code) or one of whose keywords the text contains."""
    code = category.code if category is not None else None
    for key in repository.cached_direct_rule_keys(session):
        if (code is not None and code.startswith(key.category_codes)) or any(k in text for k in key.keywords):
            return key
    return None


def _county_and_city(session: Session, region: Region) -> tuple[Region | None, Region | None]:
    county = city = None
    for node in org_repository.cached_region_chain(session, region):
        if node.level == RegionLevel.county and county is None:
            county = node
        if node.level == RegionLevel.city and city is None:
            city = node
    return county, city


def _direct_target(session: Session, rule: repository.DirectRuleKey, category: Category | None,
                   county: Region, city: Region | None) -> Unit | None:
    if rule.target == DirectTarget.utility:
        for place in (county, city):
            if place is not None:
                found = org_repository.cached_units_in_region(session, place.id, UnitKind.utility, rule.utility_type)
                if found:
                    return found[0]
        return None
    if rule.target == DirectTarget.county_government:
        found = org_repository.cached_units_in_region(session, county.id, UnitKind.government)
        return found[0] if found else None
    if category is None:
        return None
    return _competent_at(session, category, county) or _competent_at(session, category, city)


def _plan_direct_dispatch(session: Session, rule: repository.DirectRuleKey, category: Category | None,
                          region: Region, urgency: sla.Urgency, now: dt.datetime) -> DirectPlan | None:
    """Straight to the local unit or utility, with supervising copies to the county government
    and the city department; the deadline is counted in hours. None when the place has no
    such unit: the order then waits for a dispatcher."""
    county, city = _county_and_city(session, region)
    if county is None:
        return None
    target = _direct_target(session, rule, category, county, city)
    if target is None:
        return None
    copies: list[Unit] = []
    government = org_repository.cached_units_in_region(session, county.id, UnitKind.government)
    if government and government[0].id != target.id:
        copies.append(government[0])
    city_department = _competent_at(session, category, city) if category is not None else None
    if city_department is not None and city_department.id != target.id:
        copies.append(city_department)
    calendar = _calendar(session)
    due = sla.due_at(calendar, now, sla.DeadlineRule(hours=sla.DIRECT_DISPATCH_HOURS))
    sign = sla.sign_due(calendar, now, urgency=urgency, direct_dispatch=True)
    return DirectPlan(
        rule_id=rule.id, rule_name=rule.name, lead=_ref(target), copies=tuple(_ref(u) for u in copies),
        due_at=due.at, sign_due_at=sign.at, covered=due.covered and sign.covered,
    )


def _ref(unit: Unit) -> UnitRef:
    return UnitRef(unit.id, unit.name, unit.contact_phone)
