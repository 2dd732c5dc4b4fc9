"""The public self-service pages (网上自助下单与进度查询): submit an appeal without an account
(form → the code texted to the phone → the order number), follow it with the order number and
the phone number it was filed with, withdraw it with a code texted to that phone while the unit
has not started on it. The rules and limits are :mod:`hotline.selfservice.service`'s.

No login and no staff session: the forms are protected by a double-submit token (a random
value in a cookie scoped to ``/public`` that each form must repeat), like the login form.
The pages never name a member of staff or a unit and never show internal notes: the order
is shown through :func:`hotline.workorder.endpoints.public_out`, the citizen's view."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from hotline.kit import validate
from hotline.kit.crypto import constant_time_equal
from hotline.kit.errors import HotlineError, IllegalTransition, InvalidInput, NotFound
from hotline.kit.ratelimit import TooManyRequests
from hotline.org import repository as org_repository
from hotline.org.models import RegionLevel
from hotline.selfservice import service as selfservice
from hotline.web import routing
from hotline.web.deps import Db
from hotline.web.forms import Form, error_map, text
from hotline.web.templating import templates
from hotline.workorder import service
from hotline.workorder.endpoints import public_out
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder

router = routing.router()

PUBLIC_CSRF_COOKIE = "hotline_public_csrf"
#: The handle of the visitor's appeal waiting for its SMS code (never in a URL).
PENDING_COOKIE = "hotline_public_pending"
#: Demo only: the code the demo would have texted (see selfservice.service.demo_codes).
DEMO_CODE_COOKIE = "hotline_public_demo_code"
_CODE_RE = re.compile(r"^[0-9]{6}$")
BAD_CODE = "请输入短信中的 6 位数字验证码"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{24,64}$")
_NUMBER_RE = re.compile(r"^HL[0-9]{14}$")
NOT_FOUND = selfservice.NOT_FOUND
TOO_LATE = "承办单位已开始办理，不能再撤回；如有需要请拨打 12345"
EXPIRED = "页面已过期，请刷新页面后重新提交"
#: What the submission form takes, with the longest value the form accepts.
FIELDS = {"appeal_type": 32, "title": 100, "content": 5000, "phone": 30, "name": 50, "region_code": 9,
          "address": 300, "enterprise_name": 100, "uscc": 18}
_INDENT = {RegionLevel.province: 0, RegionLevel.city: 0, RegionLevel.county: 1, RegionLevel.township: 2}


def _form_token(request: Request) -> str:
    """Keep the visitor's token while it is well formed (so two open tabs both work), else mint one."""
    current = request.cookies.get(PUBLIC_CSRF_COOKIE) or ""
    return current if _TOKEN_RE.fullmatch(current) else secrets.token_urlsafe(24)


def _token_ok(request: Request, form: dict[str, Any]) -> bool:
    expected = request.cookies.get(PUBLIC_CSRF_COOKIE) or ""
    sent = text(form, "form_token") or ""
    return bool(expected) and constant_time_equal(expected, sent)


def _page(request: Request, name: str, *, status: int = 200, private: bool = False, **context: Any) -> Response:
    token = _form_token(request)
    response = templates.TemplateResponse(request, name, {**context, "form_token": token}, status_code=status)
    response.set_cookie(PUBLIC_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/public",
                        secure=request.app.state.settings.cookie_secure)
    if private:  # the page shows the citizen's own appeal: never keep it in a shared cache
        response.headers["Cache-Control"] = "no-store"
    return response


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limited(response: Response, exc: TooManyRequests) -> Response:
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


# --- submit ----------------------------------------------------------------------------------


def _options(db: Db) -> dict[str, Any]:
    regions = [(r.code, "　" * _INDENT[r.level] + r.name) for r in org_repository.all_regions(db)
               if r.active and r.level != RegionLevel.province]
    types = [(t.code, t.name) for t in org_repository.list_appeal_types(db) if t.active]
    return {"regions": regions, "appeal_types": types, "max_files": selfservice.MAX_FILES}


def _home(request: Request, db: Db, *, status: int = 200, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, flash: str | None = None) -> Response:
    return _page(request, "workorder/public_home.html", status=status, title="我要反映", errors=errors or {},
                 values=values or {}, flash=flash, **_options(db))


def _precheck(form: dict[str, Any]) -> dict[str, str]:
    """Every missing or malformed field at once (the service stops at the first)."""
    errors: dict[str, str] = {}
    if not text(form, "appeal_type"):
        errors["appeal_type"] = "请选择诉求类型"
    if not text(form, "title"):
        errors["title"] = "请用一句话概括您的诉求"
    if not text(form, "content"):
        errors["content"] = "请写明诉求的具体内容"
    try:
        validate.phone(text(form, "phone") or "")
    except InvalidInput as exc:
        errors["phone"] = "请留下联系电话，以便告知办理结果" if not text(form, "phone") else exc.reason
    for key, limit in FIELDS.items():
        if key not in errors and len(text(form, key) or "") > limit:
            errors[key] = f"长度不能超过 {limit} 个字符"
    return errors


@router.get("/public", response_class=HTMLResponse)
def public_home(request: Request, db: Db) -> Response:
    """The appeal form; ``?title=…&content=…`` fill it in (the assistant hands over what the
    person already typed when it could not answer: 自助下单)."""
    q = request.query_params
    values = {key: (q.get(key) or "").strip()[:FIELDS[key]] for key in ("title", "content") if q.get(key)}
    return _home(request, db, values=values)


@router.post("/public", response_class=HTMLResponse)
def public_submit(request: Request, db: Db, form: Form) -> Response:
    values = {k: text(form, k) or "" for k in FIELDS}
    if not _token_ok(request, form):
        return _home(request, db, status=403, values=values, flash=EXPIRED)
    errors = _precheck(form)
    if errors:
        return _home(request, db, status=422, errors=errors, values=values, flash="请按提示修改后再提交")
    enterprise_name, uscc = text(form, "enterprise_name"), text(form, "uscc")
    data = service.IntakeData(
        channel="web", appeal_type=values["appeal_type"], title=values["title"], content=values["content"],
        phone=values["phone"], name=text(form, "name"), region_code=text(form, "region_code"),
        address=text(form, "address"), is_enterprise=bool(enterprise_name or uscc),
        enterprise_name=enterprise_name, uscc=uscc.upper() if uscc else None,
    )
    uploads = form.get("files") or []
    files = [(u.filename or "", u.file.read()) for u in uploads if isinstance(u, UploadFile)]
    try:
        pending = selfservice.submit(db, data, client=_client(request), files=files)
    except TooManyRequests as exc:
        db.rollback()
        return _limited(_home(request, db, status=429, values=values, flash=exc.message), exc)
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _home(request, db, status=exc.status_code, errors=errors, values=values,
                     flash="请按提示修改后再提交" if errors else banner)
    # Post/redirect/get: reloading the code page cannot file the appeal twice or text again.
    response = RedirectResponse("/public/confirm", status_code=303)
    for name, value in ((PENDING_COOKIE, pending.token), (DEMO_CODE_COOKIE, pending.demo_code)):
        if value:
            response.set_cookie(name, value, httponly=True, samesite="strict", path="/public",
                                max_age=int(selfservice.limits().code_ttl.total_seconds()),
                                secure=request.app.state.settings.cookie_secure)
    return response


def _confirm_page(request: Request, db: Db, *, status: int = 200, errors: dict[str, str] | None = None,
                  flash: str | None = None, reason: str | None = None) -> Response:
    token = request.cookies.get(PENDING_COOKIE) or ""
    pending = selfservice.pending(db, token) if reason is None else None
    minutes = int(selfservice.limits().code_ttl.total_seconds() // 60)
    demo_code = request.cookies.get(DEMO_CODE_COOKIE) if selfservice.demo_codes() else None
    response = _page(request, "workorder/public_confirm.html", status=status, private=True, title="短信验证",
                     pending=pending, minutes=minutes, errors=errors or {}, flash=flash, reason=reason,
                     demo_code=demo_code)
    if pending is None:
        _forget_pending(response)
    return response


def _forget_pending(response: Response) -> None:
    response.delete_cookie(PENDING_COOKIE, path="/public")
    response.delete_cookie(DEMO_CODE_COOKIE, path="/public")


@router.get("/public/confirm", response_class=HTMLResponse)
def public_confirm_page(request: Request, db: Db) -> Response:
    """Step 2 of a public appeal: the code texted to the phone (masked on the page)."""
    if not request.cookies.get(PENDING_COOKIE):
        return RedirectResponse("/public", status_code=303)
    return _confirm_page(request, db)


@router.post("/public/confirm", response_class=HTMLResponse)
def public_confirm(request: Request, db: Db, form: Form) -> Response:
    if not _token_ok(request, form):
        return _confirm_page(request, db, status=403, flash=EXPIRED)
    code = text(form, "code") or ""
    if not _CODE_RE.fullmatch(code):
        return _confirm_page(request, db, status=422, errors={"code": BAD_CODE}, flash=BAD_CODE)
    try:
        order, _ = selfservice.confirm(db, token=request.cookies.get(PENDING_COOKIE) or "", code=code)
    except selfservice.WrongCode as exc:
        db.commit()  # the wrong code counts
        return _confirm_page(request, db, status=403, errors={"code": exc.message}, flash=exc.message)
    except (selfservice.CodeUnusable, NotFound) as exc:
        db.commit()
        return _confirm_page(request, db, status=exc.status_code, reason=exc.message)
    response = RedirectResponse(f"/public/submitted?number={quote(order.number)}", status_code=303)
    _forget_pending(response)
    return response


@router.get("/public/submitted", response_class=HTMLResponse)
def public_submitted(request: Request) -> Response:
    number = request.query_params.get("number") or ""
    if not _NUMBER_RE.fullmatch(number):
        return RedirectResponse("/public", status_code=303)
    return _page(request, "workorder/public_submitted.html", title="提交成功", number=number)


# --- track and withdraw ------------------------------------------------------------------------


def _track_form(request: Request, *, number: str = "", status: int = 200, flash: str | None = None,
                flash_kind: str = "err") -> Response:
    return _page(request, "workorder/public_track.html", status=status, title="进度查询", order=None,
                 number=number, flash=flash, flash_kind=flash_kind)


def _shown(request: Request, db: Db, order: WorkOrder, phone: str, *, flash: str | None = None,
           flash_kind: str = "ok", status: int = 200) -> Response:
    return _page(request, "workorder/public_track.html", status=status, private=True, title="进度查询",
                 order=public_out(db, order), withdrawn=order.status == Status.withdrawn, phone=phone, flash=flash,
                 flash_kind=flash_kind)


def _withdraw_step(request: Request, number: str, phone: str, *, status: int = 200, flash: str | None = None,
                   flash_kind: str = "ok", errors: dict[str, str] | None = None,
                   demo_code: str | None = None) -> Response:
    """The code-and-reason form; it shows nothing of the order (the pair is not proven here)."""
    return _page(request, "workorder/public_track.html", status=status, private=True, title="撤回诉求", order=None,
                 withdraw_step=True, number=number, phone=phone, flash=flash, flash_kind=flash_kind,
                 errors=errors or {}, demo_code=demo_code)


def _pair(form: dict[str, Any]) -> tuple[str, str]:
    return (text(form, "number") or "").upper()[:20], (text(form, "phone") or "")[:30]


@router.get("/public/track", response_class=HTMLResponse)
def public_track_page(request: Request) -> Response:
    number = (request.query_params.get("number") or "").strip()
    return _track_form(request, number=number if _NUMBER_RE.fullmatch(number) else "")


@router.post("/public/track", response_class=HTMLResponse)
def public_track(request: Request, db: Db, form: Form) -> Response:
    """Limited per visitor; wrong pairs lock the number for the hour (see selfservice.lookup)."""
    number, phone = _pair(form)
    if not _token_ok(request, form):
        return _track_form(request, number=number, status=403, flash=EXPIRED)
    try:
        order = selfservice.lookup(db, number=number, phone=phone, client=_client(request))
    except TooManyRequests as exc:
        db.rollback()
        return _limited(_track_form(request, number=number, status=429, flash=exc.message), exc)
    except selfservice.NoSuchPair:
        db.commit()  # the wrong guess counts
        # One message whichever part is wrong: the page must not confirm that a number exists.
        return _track_form(request, number=number, status=404, flash=NOT_FOUND)
    return _shown(request, db, order, phone)


@router.post("/public/track/withdraw/code", response_class=HTMLResponse)
def public_withdrawal_code(request: Request, db: Db, form: Form) -> Response:
    """Text a withdrawal code to the order's phone; the page answers alike whether or not the
    pair matched."""
    number, phone = _pair(form)
    if not _token_ok(request, form):
        return _track_form(request, number=number, status=403, flash=EXPIRED)
    try:
        sent = selfservice.send_withdrawal_code(db, number=number, phone=phone, client=_client(request))
    except TooManyRequests as exc:
        db.rollback()
        return _limited(_track_form(request, number=number, status=429, flash=exc.message), exc)
    db.commit()
    return _withdraw_step(request, number, phone, flash=sent.message, demo_code=sent.demo_code)


@router.post("/public/track/withdraw", response_class=HTMLResponse)
def public_withdraw(request: Request, db: Db, form: Form) -> Response:
    number, phone = _pair(form)
    if not _token_ok(request, form):
        return _track_form(request, number=number, status=403, flash=EXPIRED)
    code = text(form, "code") or ""
    if not _CODE_RE.fullmatch(code):
        return _withdraw_step(request, number, phone, status=422, flash=BAD_CODE, flash_kind="err",
                              errors={"code": BAD_CODE})
    try:
        order = selfservice.withdraw(db, number=number, phone=phone, code=code, reason=text(form, "reason"),
                                     client=_client(request))
    except TooManyRequests as exc:
        db.rollback()
        return _limited(_track_form(request, number=number, status=429, flash=exc.message), exc)
    except selfservice.NoSuchPair:
        db.commit()
        return _track_form(request, number=number, status=404, flash=NOT_FOUND)
    except (selfservice.WrongCode, selfservice.CodeUnusable) as exc:
        db.commit()  # the wrong code counts
        return _withdraw_step(request, number, phone, status=exc.status_code, flash=exc.message, flash_kind="err",
                              errors={"code": exc.message})
    except (IllegalTransition, InvalidInput) as exc:
        db.rollback()
        message = exc.reason if isinstance(exc, InvalidInput) else TOO_LATE
        return _shown(request, db, service.public_lookup(db, number, phone), phone, flash=message,
                      flash_kind="err", status=exc.status_code)
    # This request is the transaction boundary: commit now so that the timeline shown below
    # already holds the withdrawal (events are appended to the audit chain at commit).
    db.commit()
    return _shown(request, db, order, phone, flash="您的诉求已撤回，工单已终止办理。")
