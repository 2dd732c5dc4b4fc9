"""Use cases of the organisation model: maintain regions, units, categories, channels and
appeal types. Every rule that keeps the trees sound lives here: codes match their level,
parents exist and sit above their children, no cycles, no duplicates."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.access import region_writable, require, require_province_admin
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.kit import validate
from hotline.kit.errors import InvalidInput
from hotline.org import repository
from hotline.org.models import (
    HANDLING_KINDS,
    AppealType,
    Category,
    Channel,
    ChannelKind,
    Region,
    RegionLevel,
    Unit,
    UnitKind,
    UtilityType,
)


def lead_unit_options(session: Session, centre_region: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Active handling units a centre may name as lead or assisting unit, as (id, name): those in
    the centre's region, then those above it (provincial departments)."""
    units, _ = repository.list_units(session, active=True, limit=10_000)
    local, upper = [], []
    for u in units:
        if u.kind not in HANDLING_KINDS:
            continue
        if in_region(centre_region, u.region.code):
            local.append((u.id, u.name))
        elif in_region(u.region.code, centre_region):
            upper.append((u.id, u.name))
    return local, upper


UNIT_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{2,32}$")
CHANNEL_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
CATEGORY_CODE_RE = re.compile(r"^[0-9]{2}([0-9]{2}){0,2}$")

#: Which region levels each kind of unit may sit at.
UNIT_KIND_LEVELS: dict[UnitKind, frozenset[RegionLevel]] = {
    UnitKind.hotline_centre: frozenset({RegionLevel.province, RegionLevel.city}),
    UnitKind.workstation: frozenset({RegionLevel.county}),
    UnitKind.department: frozenset({RegionLevel.province, RegionLevel.city, RegionLevel.county}),
    UnitKind.government: frozenset(RegionLevel),
    UnitKind.utility: frozenset({RegionLevel.province, RegionLevel.city, RegionLevel.county}),
    UnitKind.other: frozenset(RegionLevel),
}


# --- regions -------------------------------------------------------------------------------


def create_region(
    session: Session, actor: Principal, *, code: str, name: str, short_name: str | None = None,
    parent_code: str | None = None,
) -> Region:
    require(actor, Cap.manage_org)
    code = validate.region_code(code)
    name_ = validate.text(name, "name", max_length=50) or ""
    short = validate.text(short_name, "short_name", max_length=20, required=False)
    if repository.region_by_code(session, code) is not None:
        raise InvalidInput("code", "区划代码已存在")
    candidates = validate.parent_codes(code)
    parent: Region | None = None
    if parent_code:
        if parent_code not in candidates:
            raise InvalidInput("parent_code", f"区划 {code} 的上级只能是 {' 或 '.join(candidates) or '无'}")
        parent = repository.region_by_code(session, parent_code)
        if parent is None:
            raise InvalidInput("parent_code", "上级区划不存在")
    elif candidates:
        for candidate in candidates:
            parent = repository.region_by_code(session, candidate)
            if parent is not None:
                break
        if parent is None:
            raise InvalidInput("parent_code", f"上级区划 {candidates[0]} 不存在，请先建立上级区划")
    if not in_region(actor.region_code, code):
        raise InvalidInput("code", "该区划不在您的管理范围内")
    region = Region(code=code, name=name_, short_name=short, parent_id=parent.id if parent else None,
                    level=RegionLevel(validate.region_level_of(code)), active=True)
    session.add(region)
    session.flush()
    audit.record(session, actor, "region.created", object_type="region", object_id=code)
    return region


def update_region(
    session: Session, actor: Principal, region: Region, *, name: str | None = None,
    short_name: str | None = None, active: bool | None = None,
) -> Region:
    if not region_writable(actor, region.code):
        raise InvalidInput("code", "该区划不在您的管理范围内")
    changed = []
    if name is not None:
        region.name = validate.text(name, "name", max_length=50) or region.name
        changed.append("name")
    if short_name is not None:
        region.short_name = validate.text(short_name, "short_name", max_length=20, required=False)
        changed.append("short_name")
    if active is not None and active != region.active:
        if not active and (repository.active_units_in_region(session, region.id)
                           or repository.active_child_regions(session, region.id)):
            raise InvalidInput("active", "该区划下仍有启用的下级区划或单位，不能停用")
        region.active = active
        changed.append("active")
    audit.record(session, actor, "region.updated", object_type="region", object_id=region.code,
                 detail={"fields": changed})
    return region


# --- units ---------------------------------------------------------------------------------


def _would_cycle(unit: Unit | None, parent: Unit) -> bool:
    seen: set[int] = set()
    node: Unit | None = parent
    while node is not None:
        if unit is not None and node.id == unit.id:
            return True
        if node.id in seen:
            return True
        seen.add(node.id)
        node = node.parent
    return False


def _unit_fields(
    session: Session, actor: Principal, unit: Unit | None, *, kind: UnitKind, region_code: str,
    parent_code: str | None, utility_type: UtilityType | None, uscc: str | None,
    contact_phone: str | None, category_codes: list[str] | None,
) -> dict[str, object]:
    region = repository.region_by_code(session, region_code)
    if region is None:
        raise InvalidInput("region_code", "区划不存在")
    if not region_writable(actor, region.code):
        raise InvalidInput("region_code", "该区划不在您的管理范围内")
    if region.level not in UNIT_KIND_LEVELS[kind]:
        raise InvalidInput("kind", "这类单位不能设在该级区划")
    if kind == UnitKind.utility and utility_type is None:
        raise InvalidInput("utility_type", "公共事业单位须注明类型（供水、供电、燃气、供热、通信）")
    if kind != UnitKind.utility and utility_type is not None:
        raise InvalidInput("utility_type", "只有公共事业单位有此类型")
    parent: Unit | None = None
    if parent_code:
        parent = repository.unit_by_code(session, parent_code)
        if parent is None:
            raise InvalidInput("parent_code", "上级单位不存在")
        if _would_cycle(unit, parent):
            raise InvalidInput("parent_code", "上级单位不能是本单位或其下级（形成环）")
        if not in_region(parent.region.code, region.code):
            raise InvalidInput("parent_code", "上级单位的区划须包含本单位的区划")
    fields: dict[str, object] = {
        "kind": kind, "region_id": region.id, "level": region.level,
        "parent_id": parent.id if parent else None, "utility_type": utility_type,
        "uscc": validate.uscc_code(uscc) if uscc else None,
        "contact_phone": validate.optional_phone(contact_phone, "contact_phone"),
    }
    if category_codes is not None:
        categories = []
        for code in dict.fromkeys(category_codes):
            category = repository.category_by_code(session, code)
            if category is None:
                raise InvalidInput("category_codes", f"分类 {code} 不存在")
            categories.append(category)
        fields["categories"] = categories
    return fields


def create_unit(
    session: Session, actor: Principal, *, code: str, name: str, kind: UnitKind, region_code: str,
    parent_code: str | None = None, utility_type: UtilityType | None = None, uscc: str | None = None,
    contact_phone: str | None = None, category_codes: list[str] | None = None,
) -> Unit:
    require(actor, Cap.manage_org)
    code = (code or "").strip()
    if not UNIT_CODE_RE.fullmatch(code):
        raise InvalidInput("code", "单位编码为 2–32 位字母、数字、横线或下划线")
    if repository.unit_by_code(session, code) is not None:
        raise InvalidInput("code", "单位编码已存在")
    name_ = validate.text(name, "name", max_length=100) or ""
    fields = _unit_fields(
        session, actor, None, kind=kind, region_code=region_code, parent_code=parent_code,
        utility_type=utility_type, uscc=uscc, contact_phone=contact_phone,
        category_codes=category_codes or [],
    )
    unit = Unit(code=code, name=name_, active=True, **fields)
    session.add(unit)
    session.flush()
    audit.record(session, actor, "unit.created", object_type="unit", object_id=unit.id,
                 detail={"code": code, "kind": kind.value})
    return unit


def update_unit(
    session: Session, actor: Principal, unit: Unit, *, name: str | None = None,
    kind: UnitKind | None = None, region_code: str | None = None, parent_code: str | None = None,
    clear_parent: bool = False, utility_type: UtilityType | None = None, clear_utility_type: bool = False,
    uscc: str | None = None, contact_phone: str | None = None, category_codes: list[str] | None = None,
    active: bool | None = None,
) -> Unit:
    if not region_writable(actor, unit.region.code):
        raise InvalidInput("region_code", "该单位不在您的管理范围内")
    if name is not None:
        unit.name = validate.text(name, "name", max_length=100) or unit.name
    current_parent = None if clear_parent else (parent_code or (unit.parent.code if unit.parent else None))
    new_kind = kind or unit.kind
    current_utility = None if clear_utility_type or new_kind != UnitKind.utility else (
        utility_type or unit.utility_type)
    fields = _unit_fields(
        session, actor, unit, kind=new_kind, region_code=region_code or unit.region.code,
        parent_code=current_parent, utility_type=current_utility,
        uscc=unit.uscc if uscc is None else uscc,
        contact_phone=unit.contact_phone if contact_phone is None else contact_phone,
        category_codes=category_codes,
    )
    for key, value in fields.items():
        setattr(unit, key, value)
    if active is not None:
        unit.active = active
    session.flush()
    audit.record(session, actor, "unit.updated", object_type="unit", object_id=unit.id,
                 detail={"code": unit.code, "active": unit.active})
    return unit


# --- categories ----------------------------------------------------------------------------


def descendants(session: Session, category_id: int) -> set[int]:
    """Every category below ``category_id`` (the tree is small: walk it in memory)."""
    children: dict[int | None, list[int]] = {}
    for cid, pid in repository.category_parent_map(session).items():
        children.setdefault(pid, []).append(cid)
    found: set[int] = set()
    stack = list(children.get(category_id, []))
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children.get(node, []))
    return found


def _subtree_depth(session: Session, category_id: int) -> int:
    """How many levels hang below ``category_id`` (0 for a leaf)."""
    parents = repository.category_parent_map(session)
    depth = 0
    for node in descendants(session, category_id):
        steps, current = 1, parents.get(node)
        while current is not None and current != category_id:
            current = parents.get(current)
            steps += 1
        depth = max(depth, steps)
    return depth


def _next_category_code(session: Session, parent: Category | None) -> str:
    prefix = parent.code if parent else ""
    used = [c[len(prefix):len(prefix) + 2] for c in repository.max_child_code(session, parent.id if parent else None)
            if c.startswith(prefix) and len(c) == len(prefix) + 2]
    numbers = [int(u) for u in used if u.isdigit()]
    nxt = max(numbers, default=0) + 1
    if nxt > 99:
        raise InvalidInput("code", "该层级编码已用完，请手工指定编码")
    return f"{prefix}{nxt:02d}"


def create_category(
    session: Session, actor: Principal, *, name: str, parent_code: str | None = None, code: str | None = None,
) -> Category:
    require_province_admin(actor)
    name_ = validate.text(name, "name", max_length=50) or ""
    parent: Category | None = None
    if parent_code:
        parent = repository.category_by_code(session, parent_code)
        if parent is None:
            raise InvalidInput("parent_code", "上级分类不存在")
        if parent.level >= 3:
            raise InvalidInput("parent_code", "分类最多三级")
    if code:
        code = code.strip()
        if not CATEGORY_CODE_RE.fullmatch(code):
            raise InvalidInput("code", "分类编码为 2、4 或 6 位数字")
        if repository.category_by_code(session, code) is not None:
            raise InvalidInput("code", "分类编码已存在")
    else:
        code = _next_category_code(session, parent)
    if repository.sibling_named(session, parent.id if parent else None, name_, None):
        raise InvalidInput("name", "同一上级下已有同名分类")
    category = Category(code=code, name=name_, level=(parent.level + 1) if parent else 1,
                        parent_id=parent.id if parent else None, active=True)
    session.add(category)
    session.flush()
    audit.record(session, actor, "category.created", object_type="category", object_id=code)
    return category


def update_category(
    session: Session, actor: Principal, category: Category, *, name: str | None = None,
    parent_code: str | None = None, make_root: bool = False, active: bool | None = None,
) -> Category:
    require_province_admin(actor)
    if parent_code is not None or make_root:
        parent = None
        if parent_code:
            parent = repository.category_by_code(session, parent_code)
            if parent is None:
                raise InvalidInput("parent_code", "上级分类不存在")
            if parent.id == category.id or parent.id in descendants(session, category.id):
                raise InvalidInput("parent_code", "不能把分类移到它自己或它的下级之下（形成环）")
        new_level = (parent.level + 1) if parent else 1
        if new_level + _subtree_depth(session, category.id) > 3:
            raise InvalidInput("parent_code", "移动后分类将超过三级")
        shift = new_level - category.level
        category.parent_id = parent.id if parent else None
        category.level = new_level
        if shift:
            for node_id in descendants(session, category.id):
                node = session.get(Category, node_id)
                if node is not None:
                    node.level += shift
    if name is not None:
        new_name = validate.text(name, "name", max_length=50) or category.name
        if repository.sibling_named(session, category.parent_id, new_name, category.id):
            raise InvalidInput("name", "同一上级下已有同名分类")
        category.name = new_name
    if active is not None:
        category.active = active
    session.flush()
    audit.record(session, actor, "category.updated", object_type="category", object_id=category.code)
    return category


# --- channels and appeal types ---------------------------------------------------------------


def create_channel(session: Session, actor: Principal, *, code: str, name: str, kind: ChannelKind) -> Channel:
    require_province_admin(actor)
    code = (code or "").strip()
    if not CHANNEL_CODE_RE.fullmatch(code):
        raise InvalidInput("code", "渠道编码为 2–32 位小写字母、数字或下划线，以字母开头")
    if repository.channel_by_code(session, code) is not None:
        raise InvalidInput("code", "渠道编码已存在")
    channel = Channel(code=code, name=validate.text(name, "name", max_length=50), kind=kind, active=True)
    session.add(channel)
    session.flush()
    audit.record(session, actor, "channel.created", object_type="channel", object_id=code)
    return channel


def update_channel(
    session: Session, actor: Principal, channel: Channel, *, name: str | None = None,
    kind: ChannelKind | None = None, active: bool | None = None,
) -> Channel:
    require_province_admin(actor)
    if name is not None:
        channel.name = validate.text(name, "name", max_length=50) or channel.name
    if kind is not None:
        channel.kind = kind
    if active is not None:
        channel.active = active
    audit.record(session, actor, "channel.updated", object_type="channel", object_id=channel.code)
    return channel


def update_appeal_type(
    session: Session, actor: Principal, appeal_type: AppealType, *, name: str | None = None,
    sort: int | None = None, active: bool | None = None,
) -> AppealType:
    require_province_admin(actor)
    if name is not None:
        appeal_type.name = validate.text(name, "name", max_length=20) or appeal_type.name
    if sort is not None:
        if not 0 <= sort <= 999:
            raise InvalidInput("sort", "排序值应为 0–999")
        appeal_type.sort = sort
    if active is not None:
        appeal_type.active = active
    audit.record(session, actor, "appeal_type.updated", object_type="appeal_type", object_id=appeal_type.code)
    return appeal_type
