"""JSON API of the organisation model, with Excel import and export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import File, Query, UploadFile
from fastapi.responses import Response

from hotline.auth import access
from hotline.auth.roles import Cap
from hotline.auth.schemas import Page
from hotline.kit.db import MAX_ID
from hotline.kit.errors import NotFound
from hotline.kit.excel import XLSX_MEDIA_TYPE
from hotline.org import excel, repository, service
from hotline.org.models import AppealType, Category, Channel, Region, RegionLevel, Unit, UnitKind
from hotline.org.schemas import (
    AppealTypeOut,
    AppealTypeUpdate,
    CategoryCreate,
    CategoryOut,
    CategoryRef,
    CategoryUpdate,
    ChannelCreate,
    ChannelOut,
    ChannelUpdate,
    ImportResult,
    RegionCreate,
    RegionOut,
    RegionUpdate,
    UnitCreate,
    UnitOut,
    UnitUpdate,
)
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath

router = routing.router(tags=["organisation"])
ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"},
    404: {"description": "Not found"}, 409: {"description": "Conflict"}, 422: {"description": "Invalid field"},
}
Kind = Literal["regions", "units", "categories", "channels"]


def region_out(r: Region) -> RegionOut:
    return RegionOut(code=r.code, name=r.name, short_name=r.short_name, level=r.level,
                     parent_code=r.parent.code if r.parent else None, active=r.active)


def unit_out(u: Unit) -> UnitOut:
    return UnitOut(
        id=u.id, code=u.code, name=u.name, kind=u.kind, level=u.level, region_code=u.region.code,
        region_name=u.region.name, parent_code=u.parent.code if u.parent else None,
        utility_type=u.utility_type, uscc=u.uscc, contact_phone=u.contact_phone, active=u.active,
        categories=[CategoryRef.model_validate(c) for c in u.categories],
    )


def category_out(c: Category) -> CategoryOut:
    return CategoryOut(id=c.id, code=c.code, name=c.name, level=c.level,
                       parent_code=c.parent.code if c.parent else None, active=c.active)


# --- regions -------------------------------------------------------------------------------


@router.get("/regions", response_model=Page[RegionOut], responses=ERRORS)
def list_regions(
    principal: CurrentPrincipal, db: Db,
    q: Annotated[str | None, Query(max_length=50)] = None,
    parent_code: Annotated[str | None, Query(max_length=9)] = None,
    level: RegionLevel | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Page[RegionOut]:
    access.require(principal, Cap.view_org)
    rows, total = repository.list_regions(db, q=q, parent_code=parent_code, level=level, limit=limit,
                                          offset=offset)
    return Page[RegionOut](items=[region_out(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("/regions", response_model=RegionOut, status_code=201, responses=ERRORS)
def create_region(body: RegionCreate, principal: CurrentPrincipal, db: Db) -> RegionOut:
    return region_out(service.create_region(db, principal, **body.model_dump()))


@router.get("/regions/{code}", response_model=RegionOut, responses=ERRORS)
def get_region(code: str, principal: CurrentPrincipal, db: Db) -> RegionOut:
    return region_out(access.access_region(db, principal, code))


@router.patch("/regions/{code}", response_model=RegionOut, responses=ERRORS)
def update_region(code: str, body: RegionUpdate, principal: CurrentPrincipal, db: Db) -> RegionOut:
    region = access.access_region(db, principal, code, write=True)
    return region_out(service.update_region(db, principal, region, **body.model_dump(exclude_unset=True)))


# --- units ---------------------------------------------------------------------------------


@router.get("/units", response_model=Page[UnitOut], responses=ERRORS)
def list_units(
    principal: CurrentPrincipal, db: Db,
    q: Annotated[str | None, Query(max_length=100)] = None,
    kind: UnitKind | None = None,
    region_code: Annotated[str | None, Query(max_length=9)] = None,
    category_code: Annotated[str | None, Query(max_length=16)] = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Page[UnitOut]:
    access.require(principal, Cap.view_org)
    from hotline.auth.roles import region_prefix

    category = repository.category_by_code(db, category_code) if category_code else None
    if category_code and category is None:
        return Page[UnitOut](items=[], total=0, limit=limit, offset=offset)
    rows, total = repository.list_units(
        db, q=q, kind=kind, region_prefix=region_prefix(region_code) if region_code else None,
        category_id=category.id if category else None, active=active, limit=limit, offset=offset,
    )
    return Page[UnitOut](items=[unit_out(u) for u in rows], total=total, limit=limit, offset=offset)


@router.post("/units", response_model=UnitOut, status_code=201, responses=ERRORS)
def create_unit(body: UnitCreate, principal: CurrentPrincipal, db: Db) -> UnitOut:
    return unit_out(service.create_unit(db, principal, **body.model_dump()))


@router.get("/units/{unit_id}", response_model=UnitOut, responses=ERRORS)
def get_unit(unit_id: IdPath, principal: CurrentPrincipal, db: Db) -> UnitOut:
    return unit_out(access.access_unit(db, principal, unit_id))


@router.patch("/units/{unit_id}", response_model=UnitOut, responses=ERRORS)
def update_unit(unit_id: IdPath, body: UnitUpdate, principal: CurrentPrincipal, db: Db) -> UnitOut:
    unit = access.access_unit(db, principal, unit_id, write=True)
    return unit_out(service.update_unit(db, principal, unit, **body.model_dump(exclude_unset=True)))


# --- categories, channels, appeal types ------------------------------------------------------


@router.get("/categories", response_model=list[CategoryOut], responses=ERRORS)
def list_categories(principal: CurrentPrincipal, db: Db) -> list[CategoryOut]:
    access.require(principal, Cap.view_org)
    return [category_out(c) for c in repository.all_categories(db)]


@router.post("/categories", response_model=CategoryOut, status_code=201, responses=ERRORS)
def create_category(body: CategoryCreate, principal: CurrentPrincipal, db: Db) -> CategoryOut:
    return category_out(service.create_category(db, principal, **body.model_dump()))


@router.patch("/categories/{code}", response_model=CategoryOut, responses=ERRORS)
def update_category(code: str, body: CategoryUpdate, principal: CurrentPrincipal, db: Db) -> CategoryOut:
    access.require_province_admin(principal)
    category = repository.category_by_code(db, code)
    if category is None:
        raise NotFound("分类不存在")
    return category_out(service.update_category(db, principal, category, **body.model_dump(exclude_unset=True)))


@router.get("/channels", response_model=list[ChannelOut], responses=ERRORS)
def list_channels(principal: CurrentPrincipal, db: Db) -> list[ChannelOut]:
    access.require(principal, Cap.view_org)
    return [ChannelOut.model_validate(c) for c in repository.list_channels(db)]


@router.post("/channels", response_model=ChannelOut, status_code=201, responses=ERRORS)
def create_channel(body: ChannelCreate, principal: CurrentPrincipal, db: Db) -> ChannelOut:
    return ChannelOut.model_validate(service.create_channel(db, principal, **body.model_dump()))


@router.patch("/channels/{code}", response_model=ChannelOut, responses=ERRORS)
def update_channel(code: str, body: ChannelUpdate, principal: CurrentPrincipal, db: Db) -> ChannelOut:
    access.require_province_admin(principal)
    channel: Channel | None = repository.channel_by_code(db, code)
    if channel is None:
        raise NotFound("渠道不存在")
    return ChannelOut.model_validate(
        service.update_channel(db, principal, channel, **body.model_dump(exclude_unset=True)))


@router.get("/appeal-types", response_model=list[AppealTypeOut], responses=ERRORS)
def list_appeal_types(principal: CurrentPrincipal, db: Db) -> list[AppealTypeOut]:
    access.require(principal, Cap.view_org)
    return [AppealTypeOut.model_validate(a) for a in repository.list_appeal_types(db)]


@router.patch("/appeal-types/{code}", response_model=AppealTypeOut, responses=ERRORS)
def update_appeal_type(code: str, body: AppealTypeUpdate, principal: CurrentPrincipal, db: Db) -> AppealTypeOut:
    access.require_province_admin(principal)
    appeal_type = db.get(AppealType, code)
    if appeal_type is None:
        raise NotFound("诉求类型不存在")
    return AppealTypeOut.model_validate(
        service.update_appeal_type(db, principal, appeal_type, **body.model_dump(exclude_unset=True)))


# --- Excel ---------------------------------------------------------------------------------


@router.get("/export/{kind}.xlsx", responses={**ERRORS, 200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def export_xlsx(kind: Kind, principal: CurrentPrincipal, db: Db) -> Response:
    data = excel.export_file(db, principal, kind)
    return Response(data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{kind}.xlsx"'})


@router.post("/import/{kind}", response_model=ImportResult, responses=ERRORS)
def import_xlsx(kind: Kind, principal: CurrentPrincipal, db: Db,
                file: Annotated[UploadFile, File()]) -> ImportResult:
    """All or nothing: 422 with ``errors: [{row, column, field, reason}]`` if any row is bad."""
    data = file.file.read(excel.excel.MAX_BYTES + 1)
    created, updated = excel.import_file(db, principal, kind, data)
    return ImportResult(created=created, updated=updated)
