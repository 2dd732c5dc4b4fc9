"""The administrator's Open311 page (开放311接口): API keys (issue — shown once —, list,
revoke) and the categories opened as services, each with its description and extra
questions. Province administrators only, as all reference data."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.channels.open311 import rules, service
from hotline.kit.errors import HotlineError, InvalidInput
from hotline.org import repository as org_repository
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.web.forms import Form, error_map, flag, integer, refused, text
from hotline.web.templating import render

router = routing.router()


def _page(request: Request, principal: Principal, db: Db, *, status: int = 200, errors: dict[str, str] | None = None,
          flash: str | None = None, flash_kind: str = "ok", new_key: str | None = None,
          values: dict[str, Any] | None = None) -> Response:
    access.require_province_admin(principal)
    rows = service.service_rows(db, principal)
    channels = [(c.code, f"{c.name}（{c.code}）") for c in org_repository.list_channels(db) if c.active]
    return render(request, "channels/open311.html", principal, status_code=status, title="开放311接口",
                  keys=service.list_keys(db, principal), opened=[r for r in rows if r.enabled],
                  closed_with_settings=[r for r in rows if not r.enabled and r.attributes],
                  categories=[(r.code, f"{r.code} {'　' * (r.level - 1)}{r.name}") for r in rows],
                  channels=channels, errors=errors or {}, flash=flash, flash_kind=flash_kind, new_key=new_key,
                  values=values or {}, base=str(request.base_url).rstrip("/"))


@router.get("/admin/open311", response_class=HTMLResponse)
def open311_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/admin/open311/keys", response_class=HTMLResponse)
def create_key(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require_province_admin(principal)
    try:
        rate = integer(form, "rate_per_minute", maximum=6000)
        if text(form, "rate_per_minute") and rate is None:
            raise InvalidInput("rate_per_minute", "每分钟请求上限应为 1–6000")
        plaintext, key = service.issue_key(db, principal, name=text(form, "name") or "", channel=text(form, "channel"),
                                           rate_per_minute=rate or 60)
    except HotlineError as exc:
        return refused(db, exc, partial(_page, request, principal, db),
                       values={k: text(form, k) for k in ("name", "channel", "rate_per_minute")})
    return _page(request, principal, db, status=201, new_key=plaintext,
                 flash=f"已签发接口密钥“{key.name}”：请立即复制保存，密钥只显示这一次")


@router.post("/admin/open311/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key(request: Request, principal: CurrentPrincipal, db: Db, key_id: IdPath) -> Response:
    key = service.revoke_key(db, principal, key_id)
    return RedirectResponse(f"/admin/open311?ok={quote('已吊销接口密钥 ' + key.name)}", status_code=303)


def _service_page(request: Request, principal: Principal, db: Db, code: str, *, status: int = 200,
                  errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
                  values: dict[str, Any] | None = None) -> Response:
    access.require_province_admin(principal)
    row = next((r for r in service.service_rows(db, principal) if r.code == code), None)
    if row is None:
        from hotline.kit.errors import NotFound

        raise NotFound("没有这个诉求分类")
    shown = values or {"enabled": row.enabled, "description": row.description or "", "keywords": row.keywords or "",
                       "type": row.type, "attributes": rules.attribute_lines(row.attributes)}
    return render(request, "channels/open311_service.html", principal, status_code=status,
                  title=f"开放311服务：{row.name}", row=row, values=shown, errors=errors or {}, flash=flash,
                  flash_kind=flash_kind, datatypes=rules.DATATYPE_NAMES,
                  types=[("realtime", "realtime（即时受理）"), ("batch", "batch（批量受理）")])


@router.get("/admin/open311/services/{code}", response_class=HTMLResponse)
def service_page(request: Request, principal: CurrentPrincipal, db: Db, code: str) -> Response:
    return _service_page(request, principal, db, code[:16], flash=request.query_params.get("ok"))


@router.post("/admin/open311/services", response_class=HTMLResponse)
def open_service(request: Request, principal: CurrentPrincipal, form: Form) -> Response:
    """The "open a category" form: go to its definition page."""
    access.require_province_admin(principal)
    code = (text(form, "code") or "")[:16]
    return RedirectResponse(f"/admin/open311/services/{quote(code)}", status_code=303)


@router.post("/admin/open311/services/{code}", response_class=HTMLResponse)
def save_service(request: Request, principal: CurrentPrincipal, db: Db, form: Form, code: str) -> Response:
    code = code[:16]
    access.require_province_admin(principal)
    enabled = flag(form, "enabled")
    description, keywords = text(form, "description") or "", text(form, "keywords") or ""
    kind = text(form, "type") or "realtime"
    lines = form.get("attributes") if isinstance(form.get("attributes"), str) else ""
    values = {"enabled": enabled, "description": description, "keywords": keywords, "type": kind, "attributes": lines}
    try:
        attributes = rules.parse_attribute_lines(str(lines))
        service.save_service(db, principal, code, enabled=enabled, description=description, keywords=keywords,
                             type=kind, attributes=attributes)
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        if isinstance(exc, InvalidInput) and exc.field.startswith("attributes"):
            errors = {"attributes": exc.reason if exc.field == "attributes" else f"{exc.field}：{exc.reason}"}
        return _service_page(request, principal, db, code, status=exc.status_code, errors=errors, flash=banner,
                             flash_kind="err", values=values)
    return RedirectResponse(f"/admin/open311/services/{quote(code)}?ok={quote('已保存')}", status_code=303)
