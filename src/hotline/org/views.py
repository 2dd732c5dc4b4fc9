"""Pages of the organisation model: the unit directory and the admin pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, region_prefix
from hotline.kit.errors import HotlineError, InvalidInput, NotFound, RowErrors
from hotline.org import excel, repository, service
from hotline.org.models import (
    CHANNEL_KIND_NAMES,
    UNIT_KIND_NAMES,
    UTILITY_TYPE_NAMES,
    AppealType,
    ChannelKind,
    UnitKind,
    UtilityType,
)
from hotline.web import forms, routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.web.forms import Form, choice, error_map, flag, integer, text
from hotline.web.templating import render

router = routing.router()
PAGE = 100


# --- unit directory (all staff) ----------------------------------------------------------------


def _unit_list(request: Request, db: Db, principal: Principal, template: str, title: str,
               **extra: Any) -> Response:
    access.require(principal, Cap.view_org)
    q = request.query_params.get("q") or None
    kind = request.query_params.get("kind") or None
    region = request.query_params.get("region") or None
    offset = forms.offset(request)
    units, total = repository.list_units(
        db, q=q, kind=choice(dict(request.query_params), "kind", UnitKind),
        region_prefix=region_prefix(region) if region and region.isdigit() else None,
        limit=PAGE, offset=offset,
    )
    base = f"{request.url.path}?q={quote(q or '')}&kind={quote(kind or '')}&region={quote(region or '')}&"
    return render(request, template, principal, title=title, units=units, total=total, offset=offset,
                  q=q or "", kind=kind or "", region=region or "", base=base, limit=PAGE,
                  regions=_region_options(db), **extra)


def _region_options(db: Db) -> list[tuple[str, str]]:
    return [(r.code, ("　" * ["province", "city", "county", "township"].index(r.level.value)) + r.name)
            for r in repository.all_regions(db)]


@router.get("/org/units", response_class=HTMLResponse)
def unit_directory(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _unit_list(request, db, principal, "org/units.html", "单位名录", admin=False)


# --- regions ---------------------------------------------------------------------------------


def _regions_page(request: Request, principal: Principal, db: Db, *, status: int = 200,
                  errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                  flash: str | None = None, flash_kind: str = "ok",
                  import_errors: list[dict[str, Any]] | None = None) -> Response:
    access.require(principal, Cap.manage_org)
    q = request.query_params.get("q") or None
    rows, total = repository.list_regions(db, q=q, prefix=principal.region_prefix, limit=2000)
    return render(request, "org/regions.html", principal, status_code=status, title="行政区划", regions=rows,
                  total=total, q=q or "", errors=errors or {}, values=values or {}, flash=flash,
                  flash_kind=flash_kind, import_errors=import_errors)


@router.get("/admin/regions", response_class=HTMLResponse)
def regions_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _regions_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/admin/regions", response_class=HTMLResponse)
def create_region(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        region = service.create_region(db, principal, code=text(form, "code") or "", name=text(form, "name") or "",
                                       short_name=text(form, "short_name"), parent_code=text(form, "parent_code"))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _regions_page(request, principal, db, status=exc.status_code, errors=errors, values=form,
                             flash=banner, flash_kind="err")
    return RedirectResponse(f"/admin/regions?ok={quote('已新增区划 ' + region.code)}", status_code=303)


@router.get("/admin/regions/{code}", response_class=HTMLResponse)
def region_page(request: Request, code: str, principal: CurrentPrincipal, db: Db) -> Response:
    region = access.access_region(db, principal, code, write=True)
    return render(request, "org/region_form.html", principal, title=f"区划 {code}", region=region, errors={})


@router.post("/admin/regions/{code}", response_class=HTMLResponse)
def update_region(request: Request, code: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    region = access.access_region(db, principal, code, write=True)
    try:
        service.update_region(db, principal, region, name=text(form, "name"),
                              short_name=text(form, "short_name") or "", active=flag(form, "active"))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        region = access.access_region(db, principal, code, write=True)
        return render(request, "org/region_form.html", principal, status_code=exc.status_code,
                      title=f"区划 {code}", region=region, errors=errors, flash=banner, flash_kind="err")
    return RedirectResponse(f"/admin/regions?ok={quote('已保存区划 ' + code)}", status_code=303)


# --- units -----------------------------------------------------------------------------------


@router.get("/admin/units", response_class=HTMLResponse)
def units_admin(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.manage_org)
    return _unit_list(request, db, principal, "org/units.html", "单位管理", admin=True,
                      flash=request.query_params.get("ok"))


def _unit_form(request: Request, principal: Principal, db: Db, *, unit: Any = None, status: int = 200,
               errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               flash: str | None = None, flash_kind: str = "ok") -> Response:
    categories = repository.all_categories(db)
    selected = values.get("category_codes") if values and "category_codes" in values else (
        [c.code for c in unit.categories] if unit else [])
    return render(
        request, "org/unit_form.html", principal, status_code=status, title="编辑单位" if unit else "新增单位",
        unit=unit, errors=errors or {}, values=values or {}, flash=flash, flash_kind=flash_kind,
        kinds=[(k.value, UNIT_KIND_NAMES[k]) for k in UnitKind],
        utilities=[(u.value, UTILITY_TYPE_NAMES[u]) for u in UtilityType],
        regions=[(c, n) for c, n in _region_options(db) if c.startswith(principal.region_prefix)],
        categories=[(c.code, ("　" * (c.level - 1)) + f"{c.code} {c.name}") for c in categories],
        selected=selected or [],
    )


@router.get("/admin/units/new", response_class=HTMLResponse)
def new_unit_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.manage_org)
    return _unit_form(request, principal, db)


def _unit_args(form: dict[str, Any]) -> dict[str, Any]:
    kind = choice(form, "kind", UnitKind)
    if kind is None:
        raise InvalidInput("kind", "请选择单位类型")
    return {
        "name": text(form, "name") or "", "kind": kind, "region_code": text(form, "region_code") or "",
        "utility_type": choice(form, "utility_type", UtilityType),
        "uscc": text(form, "uscc"), "contact_phone": text(form, "contact_phone"),
        "category_codes": form.get("category_codes") or [],
    }


@router.post("/admin/units/new", response_class=HTMLResponse)
def create_unit(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        unit = service.create_unit(db, principal, code=text(form, "code") or "",
                                   parent_code=text(form, "parent_code"), **_unit_args(form))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _unit_form(request, principal, db, status=exc.status_code, errors=errors, values=form,
                          flash=banner, flash_kind="err")
    return RedirectResponse(f"/admin/units?ok={quote('已新增单位 ' + unit.name)}", status_code=303)


@router.get("/admin/units/{unit_id}", response_class=HTMLResponse)
def edit_unit_page(request: Request, unit_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    unit = access.access_unit(db, principal, unit_id, write=True)
    return _unit_form(request, principal, db, unit=unit)


@router.post("/admin/units/{unit_id}", response_class=HTMLResponse)
def update_unit(request: Request, unit_id: IdPath, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    unit = access.access_unit(db, principal, unit_id, write=True)
    try:
        args = _unit_args(form)
        parent = text(form, "parent_code")
        service.update_unit(db, principal, unit, parent_code=parent, clear_parent=parent is None,
                            clear_utility_type=args["utility_type"] is None, active=flag(form, "active"),
                            **{**args, "uscc": args["uscc"] or "", "contact_phone": args["contact_phone"] or ""})
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        unit = access.access_unit(db, principal, unit_id, write=True)
        return _unit_form(request, principal, db, unit=unit, status=exc.status_code, errors=errors, values=form,
                          flash=banner, flash_kind="err")
    return RedirectResponse(f"/admin/units?ok={quote('已保存单位 ' + unit.name)}", status_code=303)


# --- categories ----------------------------------------------------------------------------


def _categories_page(request: Request, principal: Principal, db: Db, *, status: int = 200,
                     errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                     flash: str | None = None, flash_kind: str = "ok",
                     import_errors: list[dict[str, Any]] | None = None) -> Response:
    """The tree of categories, collapsed to its first level; each category's edit form is
    fetched when asked for (``category_form``), so the page stays small with hundreds of them."""
    access.require_province_admin(principal)
    rows = repository.all_categories(db)
    children: dict[int | None, list[Any]] = {}
    for c in rows:
        children.setdefault(c.parent_id, []).append(c)
    return render(request, "org/categories.html", principal, status_code=status, title="诉求分类",
                  categories=rows, children=children, errors=errors or {}, values=values or {}, flash=flash,
                  flash_kind=flash_kind, parents=_category_parents(rows), import_errors=import_errors)


def _category_parents(rows: list[Any]) -> list[tuple[str, str]]:
    return [(c.code, ("　" * (c.level - 1)) + f"{c.code} {c.name}") for c in rows if c.level < 3]


@router.get("/admin/categories", response_class=HTMLResponse)
def categories_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _categories_page(request, principal, db, flash=request.query_params.get("ok"))


@router.get("/admin/categories/{code}/form", response_class=HTMLResponse)
def category_form(request: Request, code: str, principal: CurrentPrincipal, db: Db) -> Response:
    """One category's edit form (a fragment the tree loads on demand)."""
    access.require_province_admin(principal)
    category = repository.category_by_code(db, code)
    if category is None:
        raise NotFound("分类不存在")
    return render(request, "org/_category_form.html", principal, c=category,
                  parents=_category_parents(repository.all_categories(db)))


@router.post("/admin/categories", response_class=HTMLResponse)
def create_category(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        category = service.create_category(db, principal, name=text(form, "name") or "",
                                           parent_code=text(form, "parent_code"), code=text(form, "code"))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _categories_page(request, principal, db, status=exc.status_code, errors=errors, values=form,
                                flash=banner, flash_kind="err")
    return RedirectResponse(f"/admin/categories?ok={quote('已新增分类 ' + category.code)}#c-{category.code}",
                            status_code=303)


@router.post("/admin/categories/{code}", response_class=HTMLResponse)
def update_category(request: Request, code: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require_province_admin(principal)
    category = repository.category_by_code(db, code)
    if category is None:
        raise NotFound("分类不存在")
    try:
        parent = text(form, "parent_code")
        service.update_category(db, principal, category, name=text(form, "name"), parent_code=parent,
                                make_root=parent is None and "parent_code" in form, active=flag(form, "active"))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _categories_page(request, principal, db, status=exc.status_code, errors=errors,
                                flash=f"{code}：{banner}", flash_kind="err")
    return RedirectResponse(f"/admin/categories?ok={quote('已保存分类 ' + code)}#c-{code}", status_code=303)


# --- channels and appeal types ---------------------------------------------------------------


def _channels_page(request: Request, principal: Principal, db: Db, *, status: int = 200,
                   errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
                   import_errors: list[dict[str, Any]] | None = None) -> Response:
    access.require_province_admin(principal)
    return render(request, "org/channels.html", principal, status_code=status, title="渠道与诉求类型",
                  channels=repository.list_channels(db), appeal_types=repository.list_appeal_types(db),
                  kinds=[(k.value, n) for k, n in CHANNEL_KIND_NAMES.items()],
                  errors=errors or {}, flash=flash, flash_kind=flash_kind, import_errors=import_errors)


@router.get("/admin/channels", response_class=HTMLResponse)
def channels_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _channels_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/admin/channels", response_class=HTMLResponse)
def save_channel(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require_province_admin(principal)
    try:
        kind = choice(form, "kind", ChannelKind)
        if kind is None:
            raise InvalidInput("kind", "请选择渠道类型")
        existing = repository.channel_by_code(db, text(form, "code") or "")
        if form.get("action") == "update" and existing is not None:
            service.update_channel(db, principal, existing, name=text(form, "name"), kind=kind,
                                   active=flag(form, "active"))
            message = "已保存渠道 " + existing.code
        else:
            channel = service.create_channel(db, principal, code=text(form, "code") or "",
                                             name=text(form, "name") or "", kind=kind)
            message = "已新增渠道 " + channel.code
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _channels_page(request, principal, db, status=exc.status_code, errors=errors, flash=banner,
                              flash_kind="err")
    return RedirectResponse(f"/admin/channels?ok={quote(message)}", status_code=303)


@router.post("/admin/appeal-types/{code}", response_class=HTMLResponse)
def save_appeal_type(request: Request, code: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require_province_admin(principal)
    appeal_type = db.get(AppealType, code)
    if appeal_type is None:
        raise NotFound("诉求类型不存在")
    try:
        sort = integer(form, "sort", maximum=999)
        if text(form, "sort") is not None and sort is None:
            raise InvalidInput("sort", "排序值应为 0–999 的整数")
        service.update_appeal_type(db, principal, appeal_type, name=text(form, "name"), sort=sort,
                                   active=flag(form, "active"))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _channels_page(request, principal, db, status=exc.status_code, errors=errors, flash=banner,
                              flash_kind="err")
    return RedirectResponse(f"/admin/channels?ok={quote('已保存诉求类型 ' + code)}", status_code=303)


# --- Excel import --------------------------------------------------------------------------

IMPORT_PAGES = {"regions": _regions_page, "categories": _categories_page, "channels": _channels_page}


@router.post("/admin/import/{kind}", response_class=HTMLResponse)
def import_page(request: Request, kind: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    if kind not in excel.SHEETS:
        raise NotFound("没有这种导入")
    upload = form.get("file")
    data = upload.file.read(excel.excel.MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        created, updated = excel.import_file(db, principal, kind, data)
    except RowErrors as exc:
        db.rollback()
        return _import_result(request, principal, db, kind, status=422, import_errors=exc.errors,
                              flash=f"{len(exc.errors)} 行有错误，整份文件未导入", flash_kind="err")
    except HotlineError as exc:
        db.rollback()
        return _import_result(request, principal, db, kind, status=exc.status_code, flash=exc.message,
                              flash_kind="err")
    target = {"units": "/admin/units"}.get(kind, f"/admin/{kind}")
    return RedirectResponse(f"{target}?ok={quote(f'导入完成：新增 {created} 条，更新 {updated} 条')}",
                            status_code=303)


def _import_result(request: Request, principal: Principal, db: Db, kind: str, **kw: Any) -> Response:
    if kind == "units":
        access.require(principal, Cap.manage_org)
        status = kw.pop("status", 200)
        response = _unit_list(request, db, principal, "org/units.html", "单位管理", admin=True, **kw)
        response.status_code = status
        return response
    return IMPORT_PAGES[kind](request, principal, db, **kw)
