"""Excel export of an order search (导出): the rows of ``workorder.search`` with the search in the
header, streamed; personal data (the caller's name and phone) as the role may see it — in
full for centre staff who take and return calls, masked for everyone else, hidden on a
confidential report for those it is hidden from. Each export is audited (how many orders and,
when contact data left the platform unmasked, for how many callers).

Up to :data:`INLINE_ROWS` matching orders download at once; more run as an export job
(``workorder.export_jobs``) that writes the file in the background."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.principal import Principal
from hotline.citizen.models import Citizen
from hotline.kit import clock, crypto, excel
from hotline.kit.errors import Conflict
from hotline.workorder import search
from hotline.workorder.service.citizen import hides_reporters

#: Exports up to this many orders stream at once; larger ones are jobs.
INLINE_ROWS = 50_000
#: The most one export job writes (an .xlsx sheet holds 1,048,576 rows).
MAX_ROWS = 1_000_000
HEADERS = ["工单号", "受理时间", "标题", "状态", "渠道", "诉求类型", "诉求分类", "区域", "主办单位", "紧急程度",
           "办理期限", "办结时间", "是否超期", "市场主体", "催办次数", "退单次数", "重办次数", "是否并案", "满意度",
           "诉求人", "联系电话"]
BATCH = 1000


def _contacts(session: Session, principal: Principal, items: list[search.Found]) -> dict[int, tuple[str, str]]:
    """The callers of a batch as this role may see them: citizen id → (name, phone)."""
    ids = sorted({i.citizen_id for i in items if i.citizen_id is not None
                  and not (i.is_confidential and hides_reporters(principal))})
    if not ids:
        return {}
    found: dict[int, tuple[str, str]] = {}
    for citizen in session.scalars(select(Citizen).where(Citizen.id.in_(ids))):
        name, phone = citizen.name or "", citizen.phone or ""
        if not principal.sees_pii:
            name, phone = crypto.mask_name(name) or "", crypto.mask_phone(phone) or ""
        found[citizen.id] = (name, phone)
    return found


def _cst(value: dt.datetime | None) -> str:
    return f"{value.astimezone(clock.CST):%Y-%m-%d %H:%M}" if value else ""


def line(item: search.Found, contact: tuple[str, str] | None) -> list[Any]:
    return [item.number, _cst(item.registered_at), item.title, item.status_name, item.channel, item.appeal_type,
            item.category or "", item.region or "", item.lead_unit or "", search.URGENCY_NAMES[item.urgency],
            _cst(item.due_at), _cst(item.closed_at), "是" if item.overdue else "否",
            item.enterprise_name or ("是" if item.is_enterprise else "否"), item.urge_count, item.return_count,
            item.rehandle_count, "是" if item.merged else "否",
            search.VERDICT_NAMES.get(item.verdict or "", "") if item.verdict else "",
            *(contact or ("", ""))]


class Tally:
    """What an export wrote, for its audit record."""

    def __init__(self) -> None:
        self.orders = 0
        self.contacts: set[int] = set()


def lines(session: Session, principal: Principal, query: search.SearchQuery, *, now: dt.datetime,
          tally: Tally, limit: int, progress: Any = None) -> Iterator[list[Any]]:
    """The export's rows, a batch of orders at a time (their callers read per batch)."""
    batch: list[search.Found] = []

    def flush() -> Iterator[list[Any]]:
        contacts = _contacts(session, principal, batch)
        for item in batch:
            contact = contacts.get(item.citizen_id) if item.citizen_id is not None else None
            if contact is not None and item.citizen_id is not None:
                tally.contacts.add(item.citizen_id)
            tally.orders += 1
            yield line(item, contact)
        if progress is not None:
            progress(tally.orders)
        batch.clear()

    for item in search.rows_for_export(session, principal, query, now=now, batch=BATCH, limit=limit):
        batch.append(item)
        if len(batch) >= BATCH:
            yield from flush()
    if batch:
        yield from flush()


def preamble(session: Session, principal: Principal, query: search.SearchQuery, total: int,
             now: dt.datetime) -> list[tuple[str, str]]:
    described = search.summary(session, search.describe(session, query))
    return [("工单查询结果", principal.unit_name), ("查询条件", described),
            ("工单数", f"{total} 件"), ("导出人", principal.display_name), ("导出时间", _cst(now)),
            ("个人信息", "明文（依职责，已记录审计）" if principal.sees_pii else "已脱敏")]


def record(session: Session, principal: Principal, query: search.SearchQuery, tally: Tally, *,
           job: str | None = None) -> None:
    detail: dict[str, Any] = {"orders": tally.orders, "filters": [name for name, _ in query.params()]}
    if job is not None:
        detail["job"] = job
    audit.record(session, principal, "work_order.exported", object_type="work_order_search", detail=detail)
    if tally.contacts and principal.sees_pii:
        audit.record(session, principal, "pii.viewed", object_type="citizen",
                     detail={"fields": ["name", "phone"], "purpose": "export", "citizens": len(tally.contacts)})


def stream(session: Session, principal: Principal, query: search.SearchQuery) -> tuple[Iterator[bytes], str]:
    """The export as an .xlsx stream, when it is small enough to download at once (409 naming
    the export job otherwise). The file is written before the response starts, so the audit
    record commits with the request."""
    now = clock.now()
    total = search.count(session, principal, query, cap=INLINE_ROWS + 1)
    if total > INLINE_ROWS:
        raise Conflict(f"查询结果超过 {INLINE_ROWS} 条，请创建导出任务（后台生成，完成后下载）")
    tally = Tally()
    rows = lines(session, principal, query, now=now, tally=tally, limit=INLINE_ROWS)
    chunks = excel.stream("工单查询", preamble(session, principal, query, total, now), HEADERS, rows)
    record(session, principal, query, tally)
    search.audit_phone(session, principal, query, tally.orders, "export")
    return chunks, f"工单查询-{now.astimezone(clock.CST):%Y%m%d%H%M}.xlsx"
