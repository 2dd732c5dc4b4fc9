"""Queries of public disclosure."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.analytics.disclosure.lifecycle import LIVE_CASE_STATES, CaseState, MonthState
from hotline.analytics.disclosure.models import DisclosureMonth, TypicalCase
from hotline.citizen.models import Citizen
from hotline.org.models import Region, RegionLevel


def region_by_code(session: Session, code: str) -> Region | None:
    return session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


def regions_by_ids(session: Session, ids: Collection[int]) -> dict[int, Region]:
    if not ids:
        return {}
    return {r.id: r for r in session.execute(select(Region).where(Region.id.in_(sorted(ids)))).scalars()}


def township_names(session: Session, prefix: str) -> list[str]:
    """Names of the townships and streets (乡镇、街道) under a region: places below the county."""
    return list(session.execute(select(Region.name).where(
        Region.level == RegionLevel.township, Region.code.startswith(prefix, autoescape=True))).scalars())


def citizen(session: Session, citizen_id: int | None) -> Citizen | None:
    return session.get(Citizen, citizen_id) if citizen_id else None


def month_by_ref(session: Session, ref: str) -> DisclosureMonth | None:
    return session.execute(select(DisclosureMonth).where(DisclosureMonth.ref == ref)).scalar_one_or_none()


def month_of(session: Session, region_id: int, period: str) -> DisclosureMonth | None:
    return session.execute(select(DisclosureMonth).where(DisclosureMonth.region_id == region_id,
                                                         DisclosureMonth.period == period)).scalar_one_or_none()


def months(session: Session, *, region_prefix: str | None = None, published_only: bool = False,
           limit: int = 200) -> list[DisclosureMonth]:
    stmt = select(DisclosureMonth)
    if region_prefix is not None:
        stmt = stmt.join(Region, Region.id == DisclosureMonth.region_id).where(
            Region.code.startswith(region_prefix, autoescape=True))
    if published_only:
        stmt = stmt.where(DisclosureMonth.state == MonthState.published.value)
    return list(session.execute(stmt.order_by(DisclosureMonth.period.desc(), DisclosureMonth.region_id)
                                .limit(limit)).scalars())


def case_by_ref(session: Session, ref: str) -> TypicalCase | None:
    return session.execute(select(TypicalCase).where(TypicalCase.ref == ref)).scalar_one_or_none()


def live_case_of_order(session: Session, order_id: int) -> TypicalCase | None:
    return session.execute(select(TypicalCase).where(
        TypicalCase.work_order_id == order_id, TypicalCase.state.in_(sorted(LIVE_CASE_STATES)))
        .order_by(TypicalCase.id.desc())).scalars().first()


def cases_of_order(session: Session, order_id: int) -> list[TypicalCase]:
    return list(session.execute(select(TypicalCase).where(TypicalCase.work_order_id == order_id)
                                .order_by(TypicalCase.id.desc())).scalars())


def cases(session: Session, *, region_prefix: str | None = None, states: Collection[str] | None = None,
          limit: int = 200) -> list[TypicalCase]:
    stmt = select(TypicalCase)
    if region_prefix is not None:
        stmt = stmt.join(Region, Region.id == TypicalCase.region_id).where(
            Region.code.startswith(region_prefix, autoescape=True))
    if states is not None:
        stmt = stmt.where(TypicalCase.state.in_(sorted(states)))
    order = (TypicalCase.published_at.desc(), TypicalCase.id.desc()) \
        if states is not None and set(states) == {CaseState.published.value} \
        else (TypicalCase.updated_at.desc(), TypicalCase.id.desc())
    return list(session.execute(stmt.order_by(*order).limit(limit)).scalars())
