"""Pages of accounts: login, logout, personal settings, account management."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.auth import access, handover, repository, service
from hotline.auth.endpoints import set_session_cookie, throttled_message
from hotline.auth.models import ROLE_NAMES, ApiToken, Role
from hotline.auth.roles import ROLE_UNIT_KINDS, UNIT_MANAGER_GRANTS, Cap
from hotline.kit.crypto import constant_time_equal, mask_phone
from hotline.kit.errors import Forbidden, HotlineError, NotFound
from hotline.org import repository as org_repository
from hotline.org.models import Unit
from hotline.web import forms, routing
from hotline.web.deps import SESSION_COOKIE, CurrentPrincipal, Db, IdPath, MaybePrincipal
from hotline.web.forms import Form, choice, error_map, flag, integer, text
from hotline.web.templating import render, templates

router = routing.router()
LOGIN_CSRF_COOKIE = "hotline_login_csrf"


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(request: Request, *, error: str | None = None, username: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(16)
    response = templates.TemplateResponse(
        request, "auth/login.html",
        {"error": error, "username": username, "login_csrf": token,
         "next": _safe_next(request.query_params.get("next"))},
        status_code=status,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, principal: MaybePrincipal) -> Response:
    if principal is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse)
def login_submit(request: Request, db: Db, form: Form) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    sent = text(form, "login_csrf") or ""
    username = (text(form, "username") or "")[:64]
    if not expected or not constant_time_equal(expected, sent):
        return _login_page(request, error="页面已过期，请重新登录", username=username, status=403)
    outcome = service.login(db, username=username, password=(text(form, "password") or "")[:128],
                            ip=request.client.host if request.client else None)
    if outcome.retry_after:
        # Committed by the request boundary: the refused attempt is kept for forensics.
        response = _login_page(request, error=throttled_message(outcome.retry_after), username=username,
                               status=429)
        response.headers["Retry-After"] = str(outcome.retry_after)
        return response
    if not outcome.ok or outcome.token is None:
        # The failed attempt is committed by the request boundary: throttling counts it.
        return _login_page(request, error="用户名或密码错误", username=username, status=401)
    response = RedirectResponse(_safe_next(text(form, "next")), status_code=303)
    set_session_cookie(request, response, outcome.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.logout(db, principal, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_class=HTMLResponse)
def me_page(request: Request, principal: CurrentPrincipal) -> Response:
    required = principal.must_change_password
    flash = None
    if principal.password_expired:
        flash = "您的密码已超过有效期，请设置新密码。"
    elif required:
        flash = "您正在使用初始密码或管理员重置的密码，请先设置自己的新密码。"
    return render(request, "auth/me.html", principal, title="个人设置", errors={}, flash=flash, flash_kind="warn")


@router.post("/me", response_class=HTMLResponse)
def me_submit(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        service.change_own_password(db, principal, current=text(form, "current_password") or "",
                                    new=text(form, "new_password") or "")
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return render(request, "auth/me.html", principal, status_code=422, title="个人设置", errors=errors,
                      flash=banner, flash_kind="err")
    return RedirectResponse("/?password_changed=1", status_code=303)


# --- account management ----------------------------------------------------------------------


def _unit_options(db: Db, principal: CurrentPrincipal) -> list[tuple[int, str]]:
    if principal.can(Cap.manage_users):
        units, _ = org_repository.list_units(db, region_prefix=principal.region_prefix, active=True,
                                             limit=5000)
        return [(u.id, f"{u.name}（{u.code}）") for u in units]
    unit = db.get(Unit, principal.unit_id)
    return [(unit.id, unit.name)] if unit else []


def _role_options(principal: CurrentPrincipal) -> list[tuple[str, str]]:
    roles = list(Role) if principal.can(Cap.manage_users) else sorted(UNIT_MANAGER_GRANTS)
    return [(r.value, ROLE_NAMES[r]) for r in roles]


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    if not access.can_list_users(principal):
        raise Forbidden("您的角色无权管理账号")
    q = request.query_params.get("q") or None
    role = request.query_params.get("role") or None
    offset = forms.offset(request)
    role_filter = choice(dict(request.query_params), "role", Role)
    rows, total = repository.list_users(db, lambda s: access.user_scope(principal, s), q=q,
                                        role=role_filter, limit=50, offset=offset)
    return render(request, "auth/users.html", principal, title="账号管理", users=rows, total=total,
                  offset=offset, q=q or "", role=role or "", roles=_role_options(principal), mask=mask_phone,
                  base=f"/admin/users?q={quote(q or '')}&role={quote(role or '')}&")


def _user_form(request: Request, principal: CurrentPrincipal, db: Db, *, user=None, errors=None,  # type: ignore[no-untyped-def]
               values=None, status: int = 200, flash: str | None = None, flash_kind: str = "ok",
               new_token: str | None = None, handed: list[handover.Item] | None = None) -> Response:
    tokens = repository.tokens_of(db, user.id) if user is not None and user.is_service else []
    colleagues = repository.colleagues(db, user) if user is not None and not user.is_service else []
    return render(request, "auth/user_form.html", principal, status_code=status,
                  title="编辑账号" if user else "新建账号", user=user, errors=errors or {},
                  values=values or {}, units=_unit_options(db, principal), roles=_role_options(principal),
                  tokens=tokens, flash=flash, flash_kind=flash_kind, new_token=new_token,
                  role_unit_kinds=ROLE_UNIT_KINDS, mask=mask_phone, colleagues=colleagues, handed=handed)


@router.get("/admin/users/new", response_class=HTMLResponse)
def new_user_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    if not access.can_list_users(principal):
        raise Forbidden("您的角色无权管理账号")
    return _user_form(request, principal, db)


@router.post("/admin/users/new", response_class=HTMLResponse)
def new_user_submit(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        user = service.create_user(
            db, principal, username=text(form, "username") or "", display_name=text(form, "display_name") or "",
            role=choice(form, "role", Role) or Role.unit_handler,
            unit_id=integer(form, "unit_id") or 0, password=text(form, "password"),
            phone=text(form, "phone"), is_service=flag(form, "is_service"),
        )
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _user_form(request, principal, db, errors=errors, values=form, status=422, flash=banner,
                          flash_kind="err")
    return RedirectResponse(f"/admin/users/{user.id}?created=1", status_code=303)


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def edit_user_page(request: Request, user_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    user = access.access_user(db, principal, user_id, write=True)
    flash = "账号已创建" if request.query_params.get("created") else None
    return _user_form(request, principal, db, user=user, flash=flash)


@router.post("/admin/users/{user_id}", response_class=HTMLResponse)
def edit_user_submit(request: Request, user_id: IdPath, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    user = access.access_user(db, principal, user_id, write=True)
    action = form.get("action", "save")
    new_token = None
    handed: list[handover.Item] | None = None
    try:
        if action == "password":
            service.reset_password(db, principal, user, password=text(form, "password") or "")
            message = "密码已重置，该账号下次登录须修改密码"
        elif action == "token":
            new_token, _ = service.issue_api_token(db, principal, user, name=text(form, "token_name") or "",
                                                   days=integer(form, "days"))
            message = "已签发新令牌：请立即复制保存，它只显示这一次"
        elif action == "handover":
            colleague = access.access_user(db, principal, integer(form, "to_user_id") or 0, write=True)
            handed = handover.hand_over(db, principal, user, colleague)
            moved = sum(i.moved for i in handed)
            message = f"已交接 {moved} 项给 {colleague.display_name}" + (
                f"，{len(handed) - moved} 项未能交接（见下表）" if moved < len(handed) else "")
        elif action == "revoke":
            token = db.get(ApiToken, integer(form, "token_id") or 0)
            if token is None or token.user_id != user.id:
                raise NotFound("令牌不存在")
            service.revoke_api_token(db, principal, token)
            message = "令牌已吊销"
        else:
            role = choice(form, "role", Role)
            unit_id = integer(form, "unit_id")
            service.update_user(
                db, principal, user, display_name=text(form, "display_name"),
                role=role if role != user.role else None,
                unit_id=unit_id if unit_id != user.unit_id else None,
                active=flag(form, "active") if flag(form, "active") != user.active else None,
                phone=text(form, "phone") if text(form, "phone") and "*" not in (text(form, "phone") or "") else None,
                version=integer(form, "version"),
            )
            message = "已保存"
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        user = access.access_user(db, principal, user_id, write=True)
        return _user_form(request, principal, db, user=user, errors=errors, values=form, status=exc.status_code,
                          flash=banner, flash_kind="err")
    db.flush()
    return _user_form(request, principal, db, user=user, flash=message, new_token=new_token, handed=handed)
