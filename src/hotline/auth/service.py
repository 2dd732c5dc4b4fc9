"""Use cases of accounts: login and throttling, sessions, API tokens, account management.

Services take the session first and never commit; the request boundary does."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.audit import alerts
from hotline.audit import service as audit
from hotline.auth import passwords, repository
from hotline.auth.models import ApiToken, AuthSession, LoginAttempt, PasswordHistory, Role, User
from hotline.auth.principal import Principal
from hotline.auth.roles import ROLE_UNIT_KINDS, UNIT_MANAGER_GRANTS, Cap
from hotline.config import Settings, get_settings
from hotline.kit import clock, validate
from hotline.kit.cache import TtlCache
from hotline.kit.crypto import sha256_hex
from hotline.kit.errors import Forbidden, InvalidInput, NotFound
from hotline.org.models import Unit

#: The caller behind a session cookie or API token, kept a few seconds so that a request does
#: not open a database transaction just to learn who is calling. Any change to accounts,
#: sessions or tokens clears this process's copy when it commits; other processes follow
#: within the time-to-live (docs/adr/0006-request-path.md).
PRINCIPAL_TTL_SECONDS = 5
_PRINCIPALS: TtlCache[tuple[str, str], Principal] = TtlCache(PRINCIPAL_TTL_SECONDS)
_FORGET = "forget_principals"

log = logging.getLogger(__name__)

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
TOKEN_PREFIX = "hl_"  # noqa: S105 (a prefix, not a secret)


def _hasher() -> PasswordHasher:
    s = get_settings()
    return PasswordHasher(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


# A hash to verify against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH: str | None = None


def _verify(stored: str | None, password: str) -> bool:
    global _DUMMY_HASH
    if stored is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
        stored = _DUMMY_HASH
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher().verify(stored, password)
        return False
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str, field: str = "password", *, username: str = "",
                          display_name: str = "", phone: str | None = None) -> None:
    """The rules of :mod:`hotline.auth.passwords` (strength, complexity, no demo password,
    nothing of the account's own data)."""
    passwords.check(password, field, username=username, display_name=display_name, phone=phone)


def _set_password(session: Session, user: User, password: str, *, field: str) -> None:
    """Give ``user`` a new password that is neither the current one nor one of the last
    ``password_history_count``; the replaced hash joins the history."""
    settings = get_settings()
    keep = settings.password_history_count
    if user.password_hash and _verify(user.password_hash, password):
        raise InvalidInput(field, "新密码不能与当前密码相同")
    if any(_verify(old, password) for old in repository.password_history(session, user.id, keep)):
        raise InvalidInput(field, f"新密码不能与最近 {keep} 次使用过的密码相同")
    now = clock.now()
    if user.password_hash and keep > 0:
        session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, created_at=now))
        session.flush()
        repository.prune_password_history(session, user.id, keep)
    user.password_hash = hash_password(password)
    user.password_changed_at = now


@dataclass
class LoginOutcome:
    ok: bool
    token: str | None = None
    auth_session: AuthSession | None = None
    user: User | None = None
    #: Set when the attempt was refused unchecked: seconds before the caller may try again.
    retry_after: int | None = None


def _seconds(delta: dt.timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))


def _backoff(failures: int, threshold: int, settings: Settings) -> dt.timedelta:
    """The wait after ``failures`` counted failures: the first wait at the threshold,
    doubled with each further failure, up to the cap."""
    doublings = min(failures - threshold, 20)
    seconds = settings.login_backoff_seconds * 2 ** doublings
    return min(dt.timedelta(seconds=seconds), dt.timedelta(minutes=settings.login_backoff_max_minutes))


def _pair_threshold(session: Session, name: str, ip: str | None, now: dt.datetime, settings: Settings) -> int:
    """Failures of this account from this address before the back-off starts: normally
    ``login_max_failures``; one while the account is under a distributed attack, unless the
    account logged in from this address within ``login_trusted_days``."""
    attacked = repository.account_failure_count(
        session, name, now - dt.timedelta(minutes=settings.login_window_minutes)
    ) >= settings.login_attack_failures
    if attacked and not repository.succeeded_from(
        session, name, ip, now - dt.timedelta(days=settings.login_trusted_days)
    ):
        return 1
    return settings.login_max_failures


def _wait(session: Session, name: str, ip: str | None, now: dt.datetime, settings: Settings) -> int:
    """Seconds this client must wait before trying this account again (0: it may try now).

    Rules (docs/adr/0015-login-throttling.md): a client address with
    ``login_client_max_failures`` failures within ``login_client_window_minutes``, whatever
    the accounts, waits until the oldest of them leaves the window (password spraying); an
    account and address pair waits ``login_backoff_seconds`` after its threshold of failures,
    twice as long after each further failure. Other addresses of the same account are never
    held up by this pair's failures."""
    window = dt.timedelta(minutes=settings.login_client_window_minutes)
    limit = settings.login_client_max_failures
    client = repository.client_failures(session, ip, now - window)
    if len(client) >= limit:
        until = client[len(client) - limit] + window
        if until > now:
            return _seconds(until - now)
    pair = repository.pair_failures(
        session, name, ip, now - dt.timedelta(hours=settings.login_failure_memory_hours)
    )
    threshold = _pair_threshold(session, name, ip, now, settings)
    if len(pair) >= threshold:
        until = pair[-1] + _backoff(len(pair), threshold, settings)
        if until > now:
            return _seconds(until - now)
    return 0


def _after_failure(session: Session, name: str, ip: str | None, now: dt.datetime, settings: Settings) -> None:
    """Raise the alerts a counted failure may cross: this address is now slowed down for this
    account; this address is spraying passwords; this account is under a distributed attack
    (the last two are security alerts: :func:`hotline.audit.alerts.raise_alert`)."""
    window = dt.timedelta(minutes=settings.login_window_minutes)
    pair = repository.pair_failures(session, name, ip, now - dt.timedelta(hours=settings.login_failure_memory_hours))
    threshold = _pair_threshold(session, name, ip, now, settings)
    if len(pair) >= threshold:
        wait = _seconds(_backoff(len(pair), threshold, settings))
        audit.record(session, None, "login.throttled", actor_name=name,
                     detail={"failures": len(pair), "wait_seconds": wait})
        if len(pair) == threshold:
            log.warning("login throttled: account %s from %s after %d failures", name, ip, len(pair))
    client = repository.client_failures(
        session, ip, now - dt.timedelta(minutes=settings.login_client_window_minutes)
    )
    if len(client) >= settings.login_client_max_failures:
        alerts.raise_alert(session, "security.password_spraying", subject=f"ip:{ip}",
                           object_type="login", detail={"failures": len(client)})
    failures = repository.account_failure_count(session, name, now - window)
    if failures >= settings.login_attack_failures:
        _account_under_attack(session, name, failures)


def _account_under_attack(session: Session, name: str, failures: int) -> None:
    """The alert of a distributed attack on ``name``: when the account exists, its
    administrators are told and the text names it; a name that does not exist is typed by
    the attacker (it could be anything, a citizen's number too) and goes to the province's
    administrators without being repeated."""
    user = repository.user_by_username(session, name)
    detail: dict[str, object] = {"account": name, "failures": failures}
    if user is not None:
        detail["user_id"] = user.id
    alerts.raise_alert(session, "security.account_under_attack", subject=f"account:{name}", object_type="login",
                       detail=detail, account=user.username if user else None,
                       region_code=user.unit.region.code if user else None)


def login(session: Session, *, username: str, password: str, ip: str | None) -> LoginOutcome:
    """Check a password login. Failures never say whether the username or the password was
    wrong. A caller being slowed down (see :func:`_wait`) is refused without the password
    being checked, with the seconds to wait; known and unknown account names are treated
    alike, so throttling reveals nothing. Every attempt is recorded (never the password)."""
    settings = get_settings()
    now = clock.now()
    name = "".join(ch for ch in username.strip().lower() if ch.isprintable())[:64]
    wait = _wait(session, name, ip, now, settings)
    if wait:
        session.add(LoginAttempt(username=name, at=now, success=False, ip=ip, throttled=True))
        return LoginOutcome(ok=False, retry_after=wait)
    user = repository.user_by_username(session, name)
    usable = user is not None and user.active and not user.is_service
    ok = _verify(user.password_hash if usable and user else None, password)
    session.add(LoginAttempt(username=name, at=now, success=ok, ip=ip, throttled=False))
    if not ok or user is None:
        audit.record(session, None, "login.failed", actor_name=name, detail={"reason": "bad_credentials"})
        session.flush()
        _after_failure(session, name, ip, now, settings)
        return LoginOutcome(ok=False)
    token = secrets.token_urlsafe(32)
    auth_session = AuthSession(
        token_hash=sha256_hex(token), csrf_token=secrets.token_urlsafe(24), user_id=user.id,
        created_at=now, expires_at=now + dt.timedelta(hours=settings.session_hours), ip=ip,
    )
    session.add(auth_session)
    if user.password_hash and _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, Principal.of(user), "login.succeeded", object_type="user", object_id=user.id)
    return LoginOutcome(ok=True, token=token, auth_session=auth_session, user=user)


def remembered_principal(kind: str, token: str) -> Principal | None:
    """The cached caller for a ``"session"`` cookie or ``"api"`` token, if still fresh."""
    return _PRINCIPALS.get((kind, sha256_hex(token)))


def forget_principals(session: Session) -> None:
    """Drop every cached caller once this transaction commits (accounts, sessions or tokens
    changed); dropped before the commit, a concurrent request could cache the old state."""
    session.info[_FORGET] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop(_FORGET, False):
        _PRINCIPALS.clear()


@event.listens_for(Session, "after_soft_rollback")
def _keep_after_rollback(session: Session, _previous_transaction: object) -> None:
    session.info.pop(_FORGET, None)


def clear_principal_cache() -> None:
    _PRINCIPALS.clear()


def logout(session: Session, principal: Principal, token: str) -> None:
    forget_principals(session)
    auth_session = repository.session_by_token_hash(session, sha256_hex(token))
    if auth_session is not None:
        session.delete(auth_session)
    audit.record(session, principal, "logout", object_type="user", object_id=principal.user_id)


def _principal(session: Session, user: User, csrf: str | None) -> Principal:
    sectors = (
        repository.sector_category_ids(session, user.unit_id) if user.role == Role.sector_viewer
        else frozenset()
    )
    return Principal.of(user, csrf_token=csrf, sector_category_ids=sectors)


def principal_of(session: Session, user: User) -> Principal:
    """The principal an account acts as outside a request (the owner of a push subscription)."""
    return _principal(session, user, None)


def principal_from_session_token(session: Session, token: str) -> Principal | None:
    auth_session = repository.session_by_token_hash(session, sha256_hex(token))
    if auth_session is None or auth_session.expires_at <= clock.now():
        return None
    user = session.get(User, auth_session.user_id)
    if user is None or not user.active:
        return None
    principal = _principal(session, user, auth_session.csrf_token)
    _PRINCIPALS.put(("session", auth_session.token_hash), principal, not_after=auth_session.expires_at)
    return principal


def principal_from_api_token(session: Session, token: str) -> Principal | None:
    api_token = repository.token_by_hash(session, sha256_hex(token))
    now = clock.now()
    if api_token is None or api_token.revoked_at is not None:
        return None
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    user = session.get(User, api_token.user_id)
    if user is None or not user.active:
        return None
    # Coarse last-use stamp: at most one write per token per minute.
    if api_token.last_used_at is None or now - api_token.last_used_at > dt.timedelta(minutes=1):
        api_token.last_used_at = now
    principal = _principal(session, user, None)
    _PRINCIPALS.put(("api", api_token.token_hash), principal, not_after=api_token.expires_at)
    return principal


# --- accounts ------------------------------------------------------------------------------


def _check_role_and_unit(session: Session, actor: Principal, role: Role, unit_id: int) -> Unit:
    if not actor.can(Cap.manage_users) and actor.can(Cap.manage_unit_users) and role not in UNIT_MANAGER_GRANTS:
        raise InvalidInput("role", "单位负责人只能授予承办人员或单位负责人角色")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise InvalidInput("unit_id", "单位不存在")
    if unit.kind not in ROLE_UNIT_KINDS[role]:
        raise InvalidInput("unit_id", "该角色不能属于这类单位")
    if actor.can(Cap.manage_users):
        if not unit.region.code.startswith(actor.region_prefix):
            raise InvalidInput("unit_id", "单位不在您的管理范围内")
    elif actor.can(Cap.manage_unit_users):
        if unit.id != actor.unit_id:
            raise InvalidInput("unit_id", "只能为本单位创建账号")
    else:
        raise Forbidden("您的角色无权管理账号")
    return unit


def create_user(
    session: Session,
    actor: Principal,
    *,
    username: str,
    display_name: str,
    role: Role,
    unit_id: int,
    password: str | None,
    phone: str | None = None,
    is_service: bool = False,
) -> User:
    name = username.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise InvalidInput("username", "用户名为 3–64 位小写字母、数字、点、横线或下划线，以字母开头")
    if repository.user_by_username(session, name) is not None:
        raise InvalidInput("username", "用户名已存在")
    shown = validate.text(display_name, "display_name", max_length=50)
    _check_role_and_unit(session, actor, role, unit_id)
    if is_service:
        if not actor.can(Cap.manage_users):
            raise Forbidden("只有管理员可以创建服务账号")
        password_hash = None
    else:
        if not password:
            raise InvalidInput("password", "请设置初始密码")
        check_password_policy(password, username=name, display_name=shown or "", phone=phone)
        password_hash = hash_password(password)
    now = clock.now()
    user = User(
        username=name, display_name=shown, role=role, unit_id=unit_id, password_hash=password_hash,
        phone=validate.optional_phone(phone), is_service=is_service, active=True,
        must_change_password=not is_service, created_at=now,
        password_changed_at=None if is_service else now,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", object_type="user", object_id=user.id,
                 detail={"role": role.value, "unit_id": unit_id, "is_service": is_service})
    return user


def update_user(
    session: Session,
    actor: Principal,
    user: User,
    *,
    display_name: str | None = None,
    role: Role | None = None,
    unit_id: int | None = None,
    active: bool | None = None,
    phone: str | None = None,
    version: int | None = None,
) -> User:
    from hotline.kit.errors import StaleVersion

    forget_principals(session)
    if version is not None and version != user.version:
        raise StaleVersion("账号已被他人修改，请刷新后重试", current_version=user.version)
    if user.id == actor.user_id and (role is not None or active is False):
        raise InvalidInput("role" if role is not None else "active", "不能修改自己的角色或停用自己")
    changed: list[str] = []
    if display_name is not None:
        user.display_name = validate.text(display_name, "display_name", max_length=50) or user.display_name
        changed.append("display_name")
    new_role, new_unit = role or user.role, unit_id or user.unit_id
    if role is not None or unit_id is not None:
        _check_role_and_unit(session, actor, new_role, new_unit)
        user.role, user.unit_id = new_role, new_unit
        changed += [f for f, v in (("role", role), ("unit_id", unit_id)) if v is not None]
    if phone is not None:
        user.phone = validate.optional_phone(phone)
        changed.append("phone")
    if active is not None and active != user.active:
        user.active = active
        changed.append("active")
        if not active:
            repository.delete_sessions_of(session, user.id)
    session.flush()
    audit.record(session, actor, "user.updated", object_type="user", object_id=user.id,
                 detail={"fields": changed, "role": user.role.value, "active": user.active})
    return user


def reset_password(session: Session, actor: Principal, user: User, *, password: str,
                   own_account: bool = False) -> None:
    """An administrator sets another account's password; that account must change it at its
    next login. One's own password is changed with the current one (``/me/password``), never
    here: a stolen session must not be enough to take the account over. Only the shell
    (``hotline user set-password``, the recovery path) passes ``own_account``."""
    if user.id == actor.user_id and not own_account:
        raise Forbidden("不能在此重置自己的密码，请在“个人设置”中修改（POST /api/v1/me/password，需提供当前密码）")
    if user.is_service:
        raise InvalidInput("password", "服务账号不使用密码，请签发 API 令牌")
    check_password_policy(password, username=user.username, display_name=user.display_name, phone=user.phone)
    forget_principals(session)
    _set_password(session, user, password, field="password")
    user.must_change_password = user.id != actor.user_id
    repository.delete_sessions_of(session, user.id)
    audit.record(session, actor, "user.password_reset", object_type="user", object_id=user.id)


def change_own_password(session: Session, actor: Principal, *, current: str, new: str) -> None:
    """Change one's own password: the current one is required, the new one must follow the
    rules and be none of the recent ones (see :func:`_set_password`)."""
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("用户不存在")
    if not _verify(user.password_hash, current):
        raise InvalidInput("current_password", "当前密码不正确")
    check_password_policy(new, "new_password", username=user.username, display_name=user.display_name,
                          phone=user.phone)
    forget_principals(session)
    _set_password(session, user, new, field="new_password")
    user.must_change_password = False
    audit.record(session, actor, "user.password_changed", object_type="user", object_id=user.id)


def issue_api_token(
    session: Session, actor: Principal, user: User, *, name: str, days: int | None
) -> tuple[str, ApiToken]:
    """A new bearer token for a service account; the plaintext is returned once only."""
    if not actor.can(Cap.manage_users):
        raise Forbidden("只有管理员可以签发 API 令牌")
    if not user.is_service:
        raise InvalidInput("user_id", "只能为服务账号签发 API 令牌")
    label = validate.text(name, "name", max_length=100) or ""
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("days", "有效期应为 1–3650 天")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(
        user_id=user.id, name=label, prefix=plaintext[:10], token_hash=sha256_hex(plaintext),
        created_at=now, expires_at=now + dt.timedelta(days=days) if days else None,
    )
    session.add(token)
    session.flush()
    audit.record(session, actor, "api_token.issued", object_type="api_token", object_id=token.id,
                 detail={"user_id": user.id, "days": days})
    return plaintext, token


def revoke_api_token(session: Session, actor: Principal, token: ApiToken) -> None:
    if not actor.can(Cap.manage_users):
        raise Forbidden("只有管理员可以吊销 API 令牌")
    if token.revoked_at is None:
        forget_principals(session)
        token.revoked_at = clock.now()
        audit.record(session, actor, "api_token.revoked", object_type="api_token", object_id=token.id)
