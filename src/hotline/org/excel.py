"""Excel import and export of regions, units, categories and channels.

An import is all or nothing: every row is checked (each in a savepoint, so later rows can
refer to earlier ones), and if any row is bad the whole file is refused with the row number,
the column and the reason of every error. Rows are matched by code: new codes are created,
known codes updated. Export writes the same columns, so an exported file re-imports as is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.access import require, require_province_admin
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import excel
from hotline.kit.errors import InvalidInput, RowErrors
from hotline.org import repository, service
from hotline.org.models import (
    CHANNEL_KIND_NAMES,
    UNIT_KIND_NAMES,
    UTILITY_TYPE_NAMES,
    ChannelKind,
    UnitKind,
    UtilityType,
)


@dataclass(frozen=True)
class Sheet:
    kind: str
    title: str
    headers: tuple[str, ...]
    required: tuple[str, ...]
    columns: dict[str, str]  # header → field name used in error reports


REGIONS = Sheet("regions", "行政区划", ("区划代码", "名称", "简称", "上级区划代码", "启用"), ("区划代码", "名称"),
                {"区划代码": "code", "名称": "name", "简称": "short_name", "上级区划代码": "parent_code",
                 "启用": "active"})
UNITS = Sheet("units", "单位",
              ("单位编码", "名称", "类型", "区划代码", "上级单位编码", "公共事业类型", "统一社会信用代码",
               "联系电话", "主管分类编码", "启用"),
              ("单位编码", "名称", "类型", "区划代码"),
              {"单位编码": "code", "名称": "name", "类型": "kind", "区划代码": "region_code",
               "上级单位编码": "parent_code", "公共事业类型": "utility_type", "统一社会信用代码": "uscc",
               "联系电话": "contact_phone", "主管分类编码": "category_codes", "启用": "active"})
CATEGORIES = Sheet("categories", "诉求分类", ("分类编码", "名称", "上级分类编码", "启用"), ("分类编码", "名称"),
                   {"分类编码": "code", "名称": "name", "上级分类编码": "parent_code", "启用": "active"})
CHANNELS = Sheet("channels", "渠道", ("渠道编码", "名称", "类型", "启用"), ("渠道编码", "名称", "类型"),
                 {"渠道编码": "code", "名称": "name", "类型": "kind", "启用": "active"})
SHEETS = {s.kind: s for s in (REGIONS, UNITS, CATEGORIES, CHANNELS)}


def _by_name(names: dict[Any, str], value: str, field: str) -> Any:
    for member, name in names.items():
        if value in (name, member.value):
            return member
    raise InvalidInput(field, f"应为：{'、'.join(names.values())}")


def _header_of(sheet: Sheet, field: str) -> str:
    return next((h for h, f in sheet.columns.items() if f == field), field)


def _region_row(session: Session, actor: Principal, r: dict[str, str]) -> bool:
    active = excel.yes_no(r.get("启用", ""), "active")
    region = repository.region_by_code(session, r["区划代码"])
    if region is None:
        service.create_region(session, actor, code=r["区划代码"], name=r["名称"],
                              short_name=r.get("简称") or None, parent_code=r.get("上级区划代码") or None)
        return True
    service.update_region(session, actor, region, name=r["名称"], short_name=r.get("简称", ""), active=active)
    return False


def _unit_row(session: Session, actor: Principal, r: dict[str, str]) -> bool:
    kind = _by_name(UNIT_KIND_NAMES, r["类型"], "kind")
    utility = _by_name(UTILITY_TYPE_NAMES, r["公共事业类型"], "utility_type") if r.get("公共事业类型") else None
    codes = [c.strip() for c in r.get("主管分类编码", "").replace("，", ",").split(",") if c.strip()]
    active = excel.yes_no(r.get("启用", ""), "active")
    unit = repository.unit_by_code(session, r["单位编码"])
    common: dict[str, Any] = {
        "name": r["名称"], "kind": kind, "region_code": r["区划代码"], "utility_type": utility,
        "uscc": r.get("统一社会信用代码") or None, "contact_phone": r.get("联系电话") or None,
        "category_codes": codes,
    }
    if unit is None:
        created = service.create_unit(session, actor, code=r["单位编码"],
                                      parent_code=r.get("上级单位编码") or None, **common)
        created.active = active
        return True
    service.update_unit(session, actor, unit, parent_code=r.get("上级单位编码") or None,
                        clear_parent=not r.get("上级单位编码"), clear_utility_type=utility is None,
                        active=active, **common)
    return False


def _category_row(session: Session, actor: Principal, r: dict[str, str]) -> bool:
    active = excel.yes_no(r.get("启用", ""), "active")
    category = repository.category_by_code(session, r["分类编码"])
    parent = r.get("上级分类编码") or None
    if category is None:
        service.create_category(session, actor, code=r["分类编码"], name=r["名称"], parent_code=parent)
        return True
    service.update_category(session, actor, category, name=r["名称"], parent_code=parent,
                            make_root=parent is None, active=active)
    return False


def _channel_row(session: Session, actor: Principal, r: dict[str, str]) -> bool:
    kind = _by_name(CHANNEL_KIND_NAMES, r["类型"], "kind")
    active = excel.yes_no(r.get("启用", ""), "active")
    channel = repository.channel_by_code(session, r["渠道编码"])
    if channel is None:
        service.create_channel(session, actor, code=r["渠道编码"], name=r["名称"], kind=kind).active = active
        return True
    service.update_channel(session, actor, channel, name=r["名称"], kind=kind, active=active)
    return False


ROW_HANDLERS: dict[str, Callable[[Session, Principal, dict[str, str]], bool]] = {
    "regions": _region_row, "units": _unit_row, "categories": _category_row, "channels": _channel_row,
}


def import_file(session: Session, actor: Principal, kind: str, data: bytes) -> tuple[int, int]:
    """Import one file; returns ``(created, updated)`` or raises :class:`RowErrors`."""
    sheet = SHEETS[kind]
    _require(actor, kind)
    rows = excel.read(data, sheet.headers, sheet.required)
    errors: list[dict[str, Any]] = []
    created = updated = 0
    for number, values in rows:
        missing = [h for h in sheet.required if not values.get(h)]
        if missing:
            errors.append({"row": number, "column": missing[0], "field": sheet.columns[missing[0]],
                           "reason": "不能为空"})
            continue
        savepoint = session.begin_nested()
        try:
            if ROW_HANDLERS[kind](session, actor, values):
                created += 1
            else:
                updated += 1
            session.flush()
            savepoint.commit()
        except InvalidInput as exc:
            savepoint.rollback()
            errors.append({"row": number, "column": _header_of(sheet, exc.field), "field": exc.field,
                           "reason": exc.reason})
    if errors:
        raise RowErrors(errors)
    audit.record(session, actor, f"{sheet.kind}.imported", object_type=sheet.kind,
                 detail={"created": created, "updated": updated})
    return created, updated


def _require(actor: Principal, kind: str) -> None:
    if kind in ("categories", "channels"):
        require_province_admin(actor)
    else:
        require(actor, Cap.manage_org)


def export_file(session: Session, actor: Principal, kind: str) -> bytes:
    sheet = SHEETS[kind]
    require(actor, Cap.view_org)
    rows: list[list[Any]]
    if kind == "regions":
        rows = [[r.code, r.name, r.short_name, r.parent.code if r.parent else "", "是" if r.active else "否"]
                for r in repository.all_regions(session)]
    elif kind == "units":
        rows = [[u.code, u.name, UNIT_KIND_NAMES[UnitKind(u.kind)], u.region.code,
                 u.parent.code if u.parent else "",
                 UTILITY_TYPE_NAMES[UtilityType(u.utility_type)] if u.utility_type else "",
                 u.uscc, u.contact_phone, ",".join(c.code for c in u.categories),
                 "是" if u.active else "否"] for u in repository.all_units(session)]
    elif kind == "categories":
        rows = [[c.code, c.name, c.parent.code if c.parent else "", "是" if c.active else "否"]
                for c in repository.all_categories(session)]
    else:
        rows = [[c.code, c.name, CHANNEL_KIND_NAMES[ChannelKind(c.kind)], "是" if c.active else "否"]
                for c in repository.list_channels(session)]
    audit.record(session, actor, f"{kind}.exported", object_type=kind, detail={"rows": len(rows)})
    return excel.write(sheet.title, sheet.headers, rows)
