"""Turning errors into responses: JSON for the API, a page (or the login redirect) for the UI."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline.kit.errors import Conflict, HotlineError, PasswordChangeRequired, Unauthenticated
from hotline.kit.ratelimit import TooManyRequests

log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _page(request: Request, status: int, message: str) -> Response:
    from hotline.web.templating import render

    principal = getattr(request.state, "principal", None)
    return render(request, "web/error.html", principal, status_code=status, status=status, message=message)


def hotline_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HotlineError)
    if _is_api(request) or request.headers.get("hx-request"):
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else {}
        if isinstance(exc, TooManyRequests):
            headers["Retry-After"] = str(exc.retry_after)
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers or None)
    if isinstance(exc, Unauthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if isinstance(exc, PasswordChangeRequired):
        return RedirectResponse("/me?required=1", status_code=303)
    page = _page(request, exc.status_code, exc.message)
    if isinstance(exc, TooManyRequests):
        page.headers["Retry-After"] = str(exc.retry_after)
    return page


def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        errors.append({"field": ".".join(loc) or "body", "reason": err.get("msg", "invalid")})
    first = errors[0] if errors else {"field": "body", "reason": "invalid"}
    body = {"error": "invalid", "message": f"{first['field']}: {first['reason']}", **first, "errors": errors}
    return JSONResponse(body, status_code=422)


def stale_error(request: Request, exc: Exception) -> Response:
    return hotline_error(request, Conflict("数据已被他人修改，请刷新后重试"))


def integrity_error(request: Request, exc: Exception) -> Response:
    log.warning("integrity error: %s", type(exc).__name__)
    return hotline_error(request, Conflict("数据冲突（可能已存在相同编码），请刷新后重试"))


def data_error(request: Request, exc: Exception) -> Response:
    """A value the database refuses (PostgreSQL takes no NUL character in text) that slipped
    past validation: the transaction is rolled back, the caller told which input is wrong."""
    log.warning("data error: %s", type(exc.__cause__ or exc).__name__)
    body = {"error": "invalid", "field": "body", "reason": "包含数据库不接受的字符或取值",
            "message": "输入包含不允许的字符或取值"}
    if _is_api(request):
        return JSONResponse(body, status_code=422)
    return _page(request, 422, body["message"])


def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _is_api(request):
        return JSONResponse({"error": "http", "message": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))
    return _page(request, exc.status_code, "页面不存在" if exc.status_code == 404 else str(exc.detail))


def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error")
    if _is_api(request):
        return JSONResponse({"error": "internal", "message": "服务器内部错误"}, status_code=500)
    return _page(request, 500, "服务器内部错误，请稍后重试")


def install(app: FastAPI) -> None:
    app.add_exception_handler(HotlineError, hotline_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StaleDataError, stale_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(DataError, data_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
