"""Marks on malicious or harassing callers (恶意/骚扰来电标记).

An agent (or supervisor) proposes a mark with the reason and how long it should last; a
centre supervisor other than the proposer approves or rejects it; an active mark can be lifted
early and lapses by itself on its expiry date. Whoever takes a call from a marked number sees
the warning beside the caller's history — and registers the appeal as usual: a mark never
refuses or hides an appeal, it only tells the agent to verify calmly. Every step is audited
(the reason stays in the mark, never in the audit detail: it may name people)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.citizen.models import CallerFlag, Citizen
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound

STATUS_NAMES = {"pending": "待审核", "active": "生效中", "rejected": "未通过", "lifted": "已解除", "expired": "已到期"}
MAX_DAYS = 365
REF = re.compile(r"[0-9a-f]{32}")


def status_of(flag: CallerFlag, today: dt.date | None = None) -> str:
    """The status as it stands today (an active mark past its date has expired)."""
    if flag.status == "active" and flag.expires_on < (today or clock.today()):
        return "expired"
    return flag.status


def _event(session: Session, actor: Principal, flag: CallerFlag, name: str, **detail: object) -> None:
    audit.record(session, actor, f"caller_flag.{name}", object_type="caller_flag", object_id=flag.ref,
                 detail={"citizen": flag.citizen_id, **{k: v for k, v in detail.items() if v is not None}})


def require_reviewer(actor: Principal) -> None:
    if actor.role != Role.centre_supervisor:
        raise Forbidden("只有中心督办员可以审核或解除来电标记")


def flags_of(session: Session, citizen_ids: list[int]) -> list[CallerFlag]:
    if not citizen_ids:
        return []
    return list(session.scalars(select(CallerFlag).where(CallerFlag.citizen_id.in_(citizen_ids))
                                .order_by(CallerFlag.id.desc())))


def active_flags(session: Session, citizen_ids: list[int]) -> list[CallerFlag]:
    """The marks in force on these callers today (the console's warning)."""
    today = clock.today()
    return [f for f in flags_of(session, citizen_ids) if f.status == "active" and f.expires_on >= today]


def propose(session: Session, actor: Principal, citizen: Citizen, *, reason: str | None,
            days: int | None) -> CallerFlag:
    access.require(actor, Cap.edit_citizens)
    why = validate.text(reason, "reason", max_length=300) or ""
    if days is None or not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", f"有效期应为 1–{MAX_DAYS} 天")
    if any(f.status == "pending" or status_of(f) == "active" for f in flags_of(session, [citizen.id])):
        raise Conflict("该来电人已有待审核或生效中的标记")
    now = clock.now()
    flag = CallerFlag(citizen_id=citizen.id, reason=why, status="pending",
                      expires_on=clock.today() + dt.timedelta(days=days), proposed_by_id=actor.user_id,
                      proposed_at=now)
    session.add(flag)
    session.flush()
    _event(session, actor, flag, "proposed", days=days)
    return flag


def access_flag(session: Session, actor: Principal, ref: str) -> CallerFlag:
    """A mark on a caller the actor may see (the citizen register's scope); 404 otherwise."""
    access.require(actor, Cap.view_citizens)
    flag = session.scalar(select(CallerFlag).where(CallerFlag.ref == ref)) if REF.fullmatch(ref or "") else None
    if flag is None:
        raise NotFound("来电标记不存在")
    citizen = session.get(Citizen, flag.citizen_id)
    visible = citizen is not None and session.execute(
        access.citizen_scope(actor, select(Citizen.id).where(Citizen.id == citizen.id))).first() is not None
    if not visible:
        raise NotFound("来电标记不存在")
    return flag


def review(session: Session, actor: Principal, flag: CallerFlag, *, approve: bool, note: str | None) -> CallerFlag:
    require_reviewer(actor)
    if flag.status != "pending":
        raise Conflict(f"该标记{STATUS_NAMES[status_of(flag)]}，不能再审核")
    if flag.proposed_by_id == actor.user_id:
        raise Forbidden("须由提出人以外的督办员审核")
    flag.status = "active" if approve else "rejected"
    flag.reviewed_by_id, flag.reviewed_at = actor.user_id, clock.now()
    flag.review_note = validate.text(note, "note", max_length=300, required=not approve)
    _event(session, actor, flag, "approved" if approve else "rejected")
    return flag


def lift(session: Session, actor: Principal, flag: CallerFlag, *, note: str | None) -> CallerFlag:
    require_reviewer(actor)
    if status_of(flag) != "active":
        raise Conflict(f"该标记{STATUS_NAMES[status_of(flag)]}，无需解除")
    flag.status = "lifted"
    flag.reviewed_by_id, flag.reviewed_at = actor.user_id, clock.now()
    flag.review_note = validate.text(note, "note", max_length=300)
    _event(session, actor, flag, "lifted")
    return flag


def pending(session: Session, actor: Principal, limit: int = 100) -> list[tuple[CallerFlag, Citizen]]:
    """Marks waiting for review, of callers the actor may see."""
    access.require(actor, Cap.view_citizens)
    joined: Select[Any] = select(CallerFlag, Citizen).join(Citizen, Citizen.id == CallerFlag.citizen_id)  # type: ignore[assignment]
    stmt = access.citizen_scope(actor, joined.where(CallerFlag.status == "pending"))
    return [(f, c) for f, c in session.execute(stmt.order_by(CallerFlag.id).limit(limit))]
