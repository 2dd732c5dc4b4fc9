"""Request-scoped dependencies: the database session (committed before the response is
sent, so a 2xx means committed) and the calling principal (cookie session or bearer token)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from hotline.auth import service as auth_service
from hotline.auth.principal import Principal
from hotline.kit.crypto import constant_time_equal
from hotline.kit.db import MAX_ID
from hotline.kit.errors import Forbidden, PasswordChangeRequired, Unauthenticated

SESSION_COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_db(request: Request) -> Iterator[Session]:
    factory = request.app.state.session_factory
    session: Session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
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


def optional_principal(request: Request, db: Db, sent_csrf: SentCsrf) -> Principal | None:
    """Resolve the caller. Cookie sessions must prove CSRF on unsafe methods (header
    ``X-CSRF-Token`` or form field ``csrf_token``); bearer tokens need no CSRF.

    Synchronous on purpose: FastAPI runs it in the thread pool, so a database wait (SQLite's
    write lock) never stalls the event loop."""
    token = _bearer(request)
    if token is not None:
        principal = auth_service.principal_from_api_token(db, token)
        if principal is None:
            raise Unauthenticated("API 令牌无效、已过期或已吊销")
        request.state.principal = principal
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    principal = auth_service.principal_from_session_token(db, cookie)
    if principal is None:
        return None
    if request.method in UNSAFE and (
        not sent_csrf or not principal.csrf_token or not constant_time_equal(sent_csrf, principal.csrf_token)
    ):
        raise Forbidden("CSRF 校验失败，请刷新页面后重试")
    request.state.principal = principal
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


#: What an account that still has its initial (or reset) password may reach.
PASSWORD_CHANGE_PATHS = frozenset({"/me", "/logout", "/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"})


def current_principal(request: Request, principal: MaybePrincipal) -> Principal:
    if principal is None:
        raise Unauthenticated("请先登录")
    if principal.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired("请先修改初始密码")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


#: An object id in a URL: out of range is a 422, never an overflow in the database driver.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
