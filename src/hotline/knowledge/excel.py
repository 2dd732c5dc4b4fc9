"""Excel import and export of knowledge items.

An import creates draft items of the caller's unit, all or nothing: every row is checked (in a
savepoint of its own) and if any row is bad, nothing is imported and every error comes back
with its row number, column and reason. A policy document named by its number must have been
registered by the unit. The export lists the items the caller manages with their state and
usage, in the import's columns first, so an exported sheet can be edited and imported as new
drafts."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, excel
from hotline.kit.errors import InvalidInput, RowErrors
from hotline.knowledge import repository, service
from hotline.knowledge.models import POLICY_CLASS_NAMES, VERSION_STATUS_NAMES, PolicyClass

#: header → field name used in error reports (the import's columns)
COLUMNS = {
    "问题": "question", "答复": "answer", "政策类别": "policy_class", "诉求分类编码": "category_code",
    "适用区划代码": "region_code", "政策文件文号": "doc_number", "生效日期": "effective_on", "失效日期": "expires_on",
    "关键词": "keywords",
}
REQUIRED = ("问题", "答复")
EXTRA = ("编号", "版本", "状态", "发布单位", "浏览", "答复次数", "有用", "没用")


def _date(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise InvalidInput(field, "日期格式应为 YYYY-MM-DD") from None


def _policy_class(value: str) -> PolicyClass | None:
    if not value:
        return None
    for member, name in POLICY_CLASS_NAMES.items():
        if value in (name, member.value):
            return member
    raise InvalidInput("policy_class", f"应为：{'、'.join(POLICY_CLASS_NAMES.values())}")


def _row(session: Session, actor: Principal, r: dict[str, str]) -> None:
    document_id = None
    if r.get("政策文件文号"):
        from hotline.knowledge import lifecycle

        try:
            number = lifecycle.doc_number(r["政策文件文号"])
        except ValueError as exc:
            raise InvalidInput("doc_number", str(exc)) from None
        doc = repository.document_by_number(session, number)
        if doc is None or doc.owner_unit_id != actor.unit_id:
            raise InvalidInput("doc_number", "本单位尚未登记该政策文件")
        document_id = doc.id
    service.create_item(session, actor, service.ItemData(
        question=r.get("问题", ""), answer=r.get("答复", ""), policy_class=_policy_class(r.get("政策类别", "")),
        category_code=r.get("诉求分类编码") or None, region_code=r.get("适用区划代码") or None,
        document_id=document_id, effective_on=_date(r.get("生效日期", ""), "effective_on"),
        expires_on=_date(r.get("失效日期", ""), "expires_on"), keywords=r.get("关键词", ""),
    ))


def import_items(session: Session, actor: Principal, data: bytes) -> int:
    """Create a draft for each row; returns how many. ``RowErrors`` (422) lists every bad row."""
    access.require(actor, Cap.edit_knowledge)
    rows = excel.read(data, list(COLUMNS), REQUIRED)
    if not rows:
        raise InvalidInput("file", "没有可导入的数据行")
    errors: list[dict[str, Any]] = []
    for number, values in rows:
        try:
            with session.begin_nested():
                _row(session, actor, values)
        except InvalidInput as exc:
            column = next((h for h, f in COLUMNS.items() if f == exc.field), exc.field)
            errors.append({"row": number, "column": column, "field": exc.field, "reason": exc.reason})
    if errors:
        raise RowErrors(errors)
    return len(rows)


def export_items(session: Session, actor: Principal) -> tuple[bytes, str]:
    items, _ = service.items(session, actor, repository.ItemFilter(), limit=excel.MAX_ROWS)
    rows = []
    for item in items:
        v = item.latest_version
        assert v is not None
        rows.append((
            v.question, v.answer, POLICY_CLASS_NAMES[v.policy_class] if v.policy_class else "",
            v.category.code if v.category else "", v.region.code,
            v.policy_document.doc_number if v.policy_document else "", v.effective_on.isoformat(),
            v.expires_on.isoformat() if v.expires_on else "", "、".join(v.keywords),
            item.id, v.number, VERSION_STATUS_NAMES[v.status], item.owner_unit.name, item.views, item.answers,
            item.helpful, item.not_helpful,
        ))
    data = excel.write("知识库", [*COLUMNS, *EXTRA], rows)
    return data, quote(f"知识库-{clock.today():%Y%m%d}.xlsx")
