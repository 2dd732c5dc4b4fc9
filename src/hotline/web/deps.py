"""Request-scoped dependencies: the database session (committed before the response is
sent, so a 2xx means committed) and the calling principal (cookie session or bearer token)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hotline.auth import service as auth_service
from hotline.auth.principal import Principal
from hotline.kit.crypto import constant_time_equal
from hotline.kit.db import MAX_ID, SessionFactory, transaction
from hotline.kit.errors import Forbidden, PasswordChangeRequired, Unauthenticated

SESSION_COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"
log = logging.getLogger(__name__)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's session. Synchronous endpoints commit it in their own thread (see
    :mod:`hotline.web.routing`); what is still open here — an async endpoint's work, or a
    lazy load after that commit — is committed before the response is sent, and a failure
    rolls everything back. Creating a session touches no database, so this runs on the event
    loop and only goes to the thread pool when there is something to commit or roll back."""
    factory = request.app.state.session_factory
    session: Session = factory()
    try:
        yield session
        if session.in_transaction() or session.new or session.dirty or session.deleted:
            await run_in_threadpool(session.commit)
    except BaseException:
        await run_in_threadpool(_rollback_and_close, session)
        await _record_denials(factory, session)
        raise
    finally:
        if not session.in_transaction():
            session.close()
    await _record_denials(factory, session)


async def _record_denials(factory: SessionFactory, session: Session) -> None:
    """Write the accesses the request was refused (``auth.access.deny``) once its own
    transaction is over — committed or rolled back, and the session closed, so on SQLite the
    engine's single connection is back in the pool and a second transaction cannot wait on
    the first. A failure to write them is logged, never turned into the response."""
    from hotline.auth import access

    denials = access.take_denials(session)
    if not denials:
        return
    if session.in_transaction():  # cannot happen after close; never risk a self-deadlock
        log.error("denied accesses not recorded: the request's transaction is still open")
        return
    try:
        await run_in_threadpool(access.record_denials, factory, denials)
    except Exception:
        log.exception("denied accesses not recorded")


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


Db = Annotated[Session, Depends(get_db, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _form_csrf(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def _sent_csrf(request: Request) -> str | None:
    """The CSRF token a write request carries (header or form field). Async because reading
    a form is; it touches no database, so nothing blocks the event loop."""
    if request.method not in UNSAFE:
        return None
    return request.headers.get(CSRF_HEADER) or await _form_csrf(request)


SentCsrf = Annotated[str | None, Depends(_sent_csrf)]


def _resolve(factory: SessionFactory, kind: str, token: str) -> Principal | None:
    with transaction(factory) as session:  # its own short transaction, never the request's
        if kind == "api":
            return auth_service.principal_from_api_token(session, token)
        return auth_service.principal_from_session_token(session, token)


async def optional_principal(request: Request, sent_csrf: SentCsrf) -> Principal | None:
    """Resolve the caller. Cookie sessions must prove CSRF on unsafe methods (header
    ``X-CSRF-Token`` or form field ``csrf_token``); bearer tokens need no CSRF.

    A caller seen in the last few seconds comes from the cache without touching the
    database; otherwise the lookup runs in the thread pool in a transaction of its own, so
    the request's own transaction starts only when the endpoint needs it."""
    kind, token = "api", _bearer(request)
    if token is None:
        kind, token = "session", request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
    principal = auth_service.remembered_principal(kind, token)
    if principal is None:
        principal = await run_in_threadpool(_resolve, request.app.state.session_factory, kind, token)
    if principal is None:
        if kind == "api":
            raise Unauthenticated("API 令牌无效、已过期或已吊销")
        return None
    if kind == "session" and request.method in UNSAFE and (
        not sent_csrf or not principal.csrf_token or not constant_time_equal(sent_csrf, principal.csrf_token)
    ):
        raise Forbidden("CSRF 校验失败，请刷新页面后重试")
    request.state.principal = principal
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


#: What an account that still has its initial (or reset) password may reach.
PASSWORD_CHANGE_PATHS = frozenset({"/me", "/logout", "/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"})


async def current_principal(request: Request, principal: MaybePrincipal) -> Principal:
    if principal is None:
        raise Unauthenticated("请先登录")
    if principal.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired("请先修改密码（初始密码、重置的密码或已过期的密码）")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


#: An object id in a URL: out of range is a 422, never an overflow in the database driver.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
