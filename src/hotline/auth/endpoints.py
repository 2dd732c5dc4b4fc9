"""JSON API of accounts: login, the current account, account management, API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hotline.auth import access, handover, repository, service
from hotline.auth.models import ROLE_NAMES, ApiToken, Role, User
from hotline.auth.principal import Principal
from hotline.auth.schemas import (
    LoginIn,
    MeOut,
    Page,
    PasswordChangeIn,
    PasswordResetIn,
    TokenCreate,
    TokenIssued,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from hotline.kit.crypto import mask_phone
from hotline.kit.db import MAX_ID
from hotline.kit.errors import Forbidden, NotFound
from hotline.web import routing
from hotline.web.deps import SESSION_COOKIE, CurrentPrincipal, Db, IdPath

router = routing.router(tags=["accounts"])
ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"},
    404: {"description": "Not found or outside your scope"}, 409: {"description": "Conflict"},
    422: {"description": "Invalid field"},
}


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.cookie_secure,
        max_age=settings.session_hours * 3600, path="/",
    )


def user_out(user: User, viewer: Principal) -> UserOut:
    out = UserOut.model_validate(user)
    if user.id != viewer.user_id:
        out.phone = mask_phone(user.phone)
    return out


def me_out(principal: Principal) -> MeOut:
    return MeOut(
        id=principal.user_id, username=principal.username, display_name=principal.display_name,
        role=principal.role, role_name=ROLE_NAMES[principal.role], unit_id=principal.unit_id,
        unit_name=principal.unit_name, region_code=principal.region_code,
        must_change_password=principal.must_change_password, csrf_token=principal.csrf_token,
    )


def throttled_message(seconds: int) -> str:
    wait = f"{seconds} 秒" if seconds < 60 else f"{(seconds + 59) // 60} 分钟"
    return f"登录失败次数过多，请 {wait}后再试"


@router.post("/auth/login", response_model=MeOut, responses={
    401: {"description": "Login failed"},
    429: {"description": "Too many failed logins from this client: wait Retry-After seconds"},
})
def login(body: LoginIn, request: Request, response: Response, db: Db) -> MeOut | JSONResponse:
    """Password login for browsers and scripts; sets the session cookie and returns the CSRF
    token to send as ``X-CSRF-Token`` on writes. Integrations use API tokens instead. Too many
    failures from one client answer 429 with ``Retry-After`` (docs/adr/0015-login-throttling.md)."""
    outcome = service.login(db, username=body.username, password=body.password,
                            ip=request.client.host if request.client else None)
    if outcome.retry_after:
        return JSONResponse({"error": "too_many_requests", "message": throttled_message(outcome.retry_after),
                             "retry_after": outcome.retry_after},
                            status_code=429, headers={"Retry-After": str(outcome.retry_after)})
    if not outcome.ok or outcome.user is None or outcome.token is None or outcome.auth_session is None:
        return JSONResponse({"error": "login_failed", "message": "用户名或密码错误"}, status_code=401)
    set_session_cookie(request, response, outcome.token)
    return me_out(Principal.of(outcome.user, csrf_token=outcome.auth_session.csrf_token))


@router.post("/auth/logout", status_code=204, responses=ERRORS)
def logout(request: Request, response: Response, principal: CurrentPrincipal, db: Db) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.logout(db, principal, token)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=MeOut, responses=ERRORS)
def me(principal: CurrentPrincipal) -> MeOut:
    return me_out(principal)


@router.post("/me/password", status_code=204, responses=ERRORS)
def change_password(body: PasswordChangeIn, principal: CurrentPrincipal, db: Db) -> None:
    service.change_own_password(db, principal, current=body.current_password, new=body.new_password)


@router.get("/users", response_model=Page[UserOut], responses=ERRORS)
def list_users(
    principal: CurrentPrincipal, db: Db,
    q: Annotated[str | None, Query(max_length=64)] = None,
    role: Role | None = None,
    unit_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Page[UserOut]:
    if not access.can_list_users(principal):
        raise Forbidden("您的角色无权查看账号列表")
    rows, total = repository.list_users(
        db, lambda stmt: access.user_scope(principal, stmt), q=q, role=role, unit_id=unit_id,
        limit=limit, offset=offset,
    )
    return Page[UserOut](items=[user_out(u, principal) for u in rows], total=total, limit=limit, offset=offset)


@router.post("/users", response_model=UserOut, status_code=201, responses=ERRORS)
def create_user(body: UserCreate, principal: CurrentPrincipal, db: Db) -> UserOut:
    user = service.create_user(db, principal, **body.model_dump())
    return user_out(user, principal)


@router.get("/users/{user_id}", response_model=UserOut, responses=ERRORS)
def get_user(user_id: IdPath, principal: CurrentPrincipal, db: Db) -> UserOut:
    return user_out(access.access_user(db, principal, user_id), principal)


@router.patch("/users/{user_id}", response_model=UserOut, responses=ERRORS)
def update_user(user_id: IdPath, body: UserUpdate, principal: CurrentPrincipal, db: Db) -> UserOut:
    user = access.access_user(db, principal, user_id, write=True)
    service.update_user(db, principal, user, **body.model_dump(exclude_unset=True))
    return user_out(user, principal)


class HandOverIn(BaseModel):
    to_user_id: int = Field(ge=1, le=MAX_ID)


class HandedItem(BaseModel):
    kind: str
    label: str
    moved: bool
    reason: str | None


class HandOverOut(BaseModel):
    items: list[HandedItem]


@router.post("/users/{user_id}/hand-over", response_model=HandOverOut, responses=ERRORS)
def hand_over(user_id: IdPath, body: HandOverIn, principal: CurrentPrincipal, db: Db) -> HandOverOut:
    """离职交接: the account's own work (drafts, saved searches) goes to a colleague, item by item
    (what could not move says why). The caller must manage both accounts."""
    leaver = access.access_user(db, principal, user_id, write=True)
    colleague = access.access_user(db, principal, body.to_user_id, write=True)
    items = handover.hand_over(db, principal, leaver, colleague)
    return HandOverOut(items=[HandedItem(kind=i.kind, label=i.label, moved=i.moved, reason=i.reason) for i in items])


@router.post("/users/{user_id}/password", status_code=204, responses=ERRORS)
def reset_password(user_id: IdPath, body: PasswordResetIn, principal: CurrentPrincipal, db: Db) -> None:
    user = access.access_user(db, principal, user_id, write=True)
    service.reset_password(db, principal, user, password=body.password)


@router.get("/users/{user_id}/tokens", response_model=list[TokenOut], responses=ERRORS)
def list_tokens(user_id: IdPath, principal: CurrentPrincipal, db: Db) -> list[TokenOut]:
    user = access.access_user(db, principal, user_id, write=True)
    return [TokenOut.model_validate(t) for t in repository.tokens_of(db, user.id)]


@router.post("/users/{user_id}/tokens", response_model=TokenIssued, status_code=201, responses=ERRORS)
def issue_token(user_id: IdPath, body: TokenCreate, principal: CurrentPrincipal, db: Db) -> TokenIssued:
    user = access.access_user(db, principal, user_id, write=True)
    plaintext, token = service.issue_api_token(db, principal, user, name=body.name, days=body.days)
    return TokenIssued(**TokenOut.model_validate(token).model_dump(), token=plaintext)


@router.delete("/users/{user_id}/tokens/{token_id}", status_code=204, responses=ERRORS)
def revoke_token(user_id: IdPath, token_id: IdPath, principal: CurrentPrincipal, db: Db) -> None:
    user = access.access_user(db, principal, user_id, write=True)
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("令牌不存在")
    service.revoke_api_token(db, principal, token)
