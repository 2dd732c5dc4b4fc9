"""Queries of linkage: lines, records, their statistics, and the utility keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.auth.models import ApiToken, Role, User
from hotline.integration.linkage.models import LinkageLine, LinkageRecord
from hotline.org.models import Region, Unit, UnitKind
from hotline.workorder.models import WorkOrder

#: The username prefix of a utility's service account (``utility.990100-wat``).
ACCOUNT_PREFIX = "utility."


def lines(session: Session, *, active_only: bool = False) -> list[LinkageLine]:
    stmt = select(LinkageLine).join(Region, Region.id == LinkageLine.region_id)
    if active_only:
        stmt = stmt.where(LinkageLine.active.is_(True))
    return list(session.execute(stmt.order_by(LinkageLine.kind, Region.code, LinkageLine.number,
                                              LinkageLine.id)).scalars())


def line_by_ref(session: Session, ref: str) -> LinkageLine | None:
    return session.execute(select(LinkageLine).where(LinkageLine.ref == ref)).scalar_one_or_none()


def line_exists(session: Session, region_id: int, number: str, service: str, *, other_than: int | None = None
                ) -> bool:
    stmt = select(LinkageLine.id).where(LinkageLine.region_id == region_id, LinkageLine.number == number,
                                        LinkageLine.service == service)
    if other_than is not None:
        stmt = stmt.where(LinkageLine.id != other_than)
    return session.execute(stmt.limit(1)).first() is not None


def record_by_ref(session: Session, ref: str) -> LinkageRecord | None:
    return session.execute(select(LinkageRecord).where(LinkageRecord.ref == ref)).scalar_one_or_none()


def records_of_order(session: Session, order_id: int) -> list[LinkageRecord]:
    return list(session.execute(select(LinkageRecord).where(LinkageRecord.work_order_id == order_id)
                                .order_by(LinkageRecord.transferred_at, LinkageRecord.id)).scalars())


def order_number(session: Session, order_id: int) -> str | None:
    return session.execute(select(WorkOrder.number).where(WorkOrder.id == order_id)).scalar_one_or_none()


def stat_rows(session: Session, *, region_prefix: str, start: dt.datetime, end: dt.datetime
              ) -> list[tuple[int, str, str, float]]:
    """(line id, scope, outcome, seconds to transfer) of the records of centres under
    ``region_prefix`` transferred in [start, end)."""
    stmt = (select(LinkageRecord.line_id, LinkageRecord.scope, LinkageRecord.outcome,
                   LinkageRecord.seconds_to_transfer)
            .join(Region, Region.id == LinkageRecord.region_id)
            .where(Region.code.startswith(region_prefix, autoescape=True),
                   LinkageRecord.transferred_at >= start, LinkageRecord.transferred_at < end))
    return [(r[0], r[1], r[2], float(r[3])) for r in session.execute(stmt)]


def lines_by_id(session: Session, ids: set[int]) -> dict[int, LinkageLine]:
    if not ids:
        return {}
    return {x.id: x for x in session.execute(select(LinkageLine).where(LinkageLine.id.in_(ids))).scalars()}


def recent_records(session: Session, *, region_prefix: str, limit: int) -> list[tuple[LinkageRecord, str]]:
    """The latest records of centres under ``region_prefix`` with their order numbers."""
    stmt = (select(LinkageRecord, WorkOrder.number)
            .join(WorkOrder, WorkOrder.id == LinkageRecord.work_order_id)
            .join(Region, Region.id == LinkageRecord.region_id)
            .where(Region.code.startswith(region_prefix, autoescape=True))
            .order_by(LinkageRecord.transferred_at.desc(), LinkageRecord.id.desc()).limit(limit))
    return [(r, n) for r, n in session.execute(stmt)]


def utility_tokens(session: Session, *, region_prefix: str, token_id: int | None = None) -> list[tuple[Any, ...]]:
    """(token, account username, unit code, unit name) of the API tokens of utilities' service
    accounts whose unit lies under ``region_prefix`` (one token with ``token_id``), newest first."""
    stmt = (select(ApiToken, User.username, Unit.code, Unit.name)
            .join(User, User.id == ApiToken.user_id)
            .join(Unit, Unit.id == User.unit_id)
            .join(Region, Region.id == Unit.region_id)
            .where(User.is_service.is_(True), User.role == Role.unit_handler, Unit.kind == UnitKind.utility,
                   User.username.startswith(ACCOUNT_PREFIX, autoescape=True),
                   Region.code.startswith(region_prefix, autoescape=True))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    if token_id is not None:
        stmt = stmt.where(ApiToken.id == token_id)
    return [tuple(row) for row in session.execute(stmt)]


def count_records(session: Session) -> int:
    return int(session.execute(select(func.count(LinkageRecord.id))).scalar_one())
