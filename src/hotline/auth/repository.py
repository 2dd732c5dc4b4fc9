"""Queries of accounts, sessions, tokens and login attempts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from hotline.auth.models import ApiToken, AuthSession, LoginAttempt, Role, User
from hotline.org.models import Category, Region, Unit, unit_category


def user_by_username(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def recent_failures(session: Session, username: str, since: dt.datetime) -> list[dt.datetime]:
    """Failed attempts since ``since`` that came after the last success."""
    last_success = session.execute(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(True)
        )
    ).scalar_one()
    stmt = select(LoginAttempt.at).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(False), LoginAttempt.at >= since
    )
    if last_success is not None:
        stmt = stmt.where(LoginAttempt.at > last_success)
    return list(session.execute(stmt.order_by(LoginAttempt.at)).scalars())


def session_by_token_hash(session: Session, token_hash: str) -> AuthSession | None:
    return session.execute(
        select(AuthSession).where(AuthSession.token_hash == token_hash)
    ).scalar_one_or_none()


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.execute(select(ApiToken).where(ApiToken.token_hash == token_hash)).scalar_one_or_none()


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.execute(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
    ).scalars())


def delete_sessions_of(session: Session, user_id: int) -> None:
    session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))


def delete_expired_sessions(session: Session, now: dt.datetime) -> int:
    result = session.execute(delete(AuthSession).where(AuthSession.expires_at < now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def sector_category_ids(session: Session, unit_id: int) -> frozenset[int]:
    """The categories a unit is competent for, with every descendant (sector scope)."""
    roots = set(session.execute(
        select(unit_category.c.category_id).where(unit_category.c.unit_id == unit_id)
    ).scalars())
    if not roots:
        return frozenset()
    codes = session.execute(select(Category.code).where(Category.id.in_(roots))).scalars().all()
    ids: set[int] = set(roots)
    for code in codes:
        ids.update(session.execute(
            select(Category.id).where(Category.code.startswith(code, autoescape=True))
        ).scalars())
    return frozenset(ids)


def list_users(
    session: Session,
    stmt_filter: Callable[[Select[User]], Select[User]],
    *,
    q: str | None = None,
    role: Role | None = None,
    unit_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[User], int]:
    stmt = stmt_filter(select(User))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(User.username.ilike(like) | User.display_name.ilike(like))
    if role:
        stmt = stmt.where(User.role == role)
    if unit_id:
        stmt = stmt.where(User.unit_id == unit_id)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(User.id).limit(limit).offset(offset)).scalars().unique().all()
    return list(rows), total


def unit_with_region(session: Session, unit_id: int) -> tuple[Unit, Region] | None:
    unit = session.get(Unit, unit_id)
    return (unit, unit.region) if unit else None
