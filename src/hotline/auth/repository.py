"""Queries of accounts, sessions, tokens and login attempts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.orm import Session

from hotline.auth.models import ApiToken, AuthSession, LoginAttempt, PasswordHistory, Role, User
from hotline.auth.roles import in_region, region_prefix
from hotline.org.models import Category, Region, Unit, unit_category


def user_by_username(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _from(ip: str | None) -> ColumnElement[bool]:
    return LoginAttempt.ip.is_(None) if ip is None else LoginAttempt.ip == ip


def pair_failures(session: Session, username: str, ip: str | None, since: dt.datetime) -> list[dt.datetime]:
    """Counted failures of ``username`` from ``ip`` since ``since`` that came after the last
    success of that account from that address, oldest first."""
    last_success = session.execute(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username, _from(ip), LoginAttempt.success.is_(True)
        )
    ).scalar_one()
    stmt = select(LoginAttempt.at).where(
        LoginAttempt.username == username, _from(ip), LoginAttempt.success.is_(False),
        LoginAttempt.throttled.is_(False), LoginAttempt.at >= since,
    )
    if last_success is not None:
        stmt = stmt.where(LoginAttempt.at > last_success)
    return list(session.execute(stmt.order_by(LoginAttempt.at)).scalars())


def client_failures(session: Session, ip: str | None, since: dt.datetime) -> list[dt.datetime]:
    """Counted failures from ``ip`` since ``since``, whatever the account, oldest first."""
    return list(session.execute(
        select(LoginAttempt.at).where(
            _from(ip), LoginAttempt.success.is_(False), LoginAttempt.throttled.is_(False),
            LoginAttempt.at >= since,
        ).order_by(LoginAttempt.at)
    ).scalars())


def account_failure_count(session: Session, username: str, since: dt.datetime) -> int:
    """Counted failures of ``username`` from every address since ``since``."""
    return int(session.execute(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(False),
            LoginAttempt.throttled.is_(False), LoginAttempt.at >= since,
        )
    ).scalar_one())


def succeeded_from(session: Session, username: str, ip: str | None, since: dt.datetime) -> bool:
    return session.execute(
        select(LoginAttempt.id).where(
            LoginAttempt.username == username, _from(ip), LoginAttempt.success.is_(True),
            LoginAttempt.at >= since,
        ).limit(1)
    ).first() is not None


def password_history(session: Session, user_id: int, limit: int) -> list[str]:
    """The hashes of the account's last ``limit`` earlier passwords, newest first."""
    if limit <= 0:
        return []
    return list(session.execute(
        select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user_id)
        .order_by(PasswordHistory.id.desc()).limit(limit)
    ).scalars())


def prune_password_history(session: Session, user_id: int, keep: int) -> None:
    """Forget all but the account's last ``keep`` earlier passwords."""
    old = select(PasswordHistory.id).where(PasswordHistory.user_id == user_id) \
        .order_by(PasswordHistory.id.desc()).offset(keep)
    ids = list(session.execute(old).scalars())
    if ids:
        session.execute(delete(PasswordHistory).where(PasswordHistory.id.in_(ids)))


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


def colleagues(session: Session, user: User) -> list[User]:
    """The active people of ``user``'s unit but ``user`` (who may take over their work)."""
    return list(session.scalars(select(User).where(User.unit_id == user.unit_id, User.id != user.id,
                                                   User.active.is_(True), User.is_service.is_(False))
                                .order_by(User.display_name, User.id)))


def unit_with_region(session: Session, unit_id: int) -> tuple[Unit, Region] | None:
    unit = session.get(Unit, unit_id)
    return (unit, unit.region) if unit else None


def admins_over(session: Session, region_code: str | None) -> list[User]:
    """The active administrator accounts (not service accounts) whose scope covers
    ``region_code``: the province's always, a city's when the code lies in its region.
    Without a code (a client address, an unknown account name) only the province's."""
    rows = session.execute(
        select(User, Region.code).join(Unit, Unit.id == User.unit_id).join(Region, Region.id == Unit.region_id)
        .where(User.role == Role.admin, User.active.is_(True), User.is_service.is_(False)).order_by(User.id)
    ).unique().all()
    return [user for user, code in rows
            if len(region_prefix(code)) == 2 or (region_code is not None and in_region(code, region_code))]
