"""Public notices (通报): drafted, published, withdrawn, read by the public, exported."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, validate
from hotline.kit.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from hotline.notify import service as notify
from hotline.org.models import Unit
from hotline.supervision import documents, repository, rules
from hotline.supervision.models import NOTICE_STATUS_NAMES, NoticeItem, NoticeStatus, PublicNotice
from hotline.supervision.service._common import _in_region, _require_supervisor
from hotline.workorder.models import WorkOrder


@dataclass(frozen=True)
class NoticeLine:
    number: str
    problem: str | None = None  # None: what the order's latest ledger entry says


def access_notice(session: Session, actor: Principal, notice_id: int) -> PublicNotice:
    """A notice of a centre in the caller's region (centre staff); not found otherwise."""
    notice = session.get(PublicNotice, notice_id)
    if (notice is None or actor.role not in access.CENTRE_ROLES or not actor.can(Cap.view_orders)
            or not _in_region(actor, notice.centre_unit)):
        raise NotFound("通报不存在")
    return notice


def notices(session: Session, actor: Principal, *, status: NoticeStatus | None = None, limit: int = 50,
            offset: int = 0) -> tuple[list[PublicNotice], int]:
    if actor.role not in access.CENTRE_ROLES or not actor.can(Cap.view_orders):
        raise Forbidden("无权查看通报")
    return repository.notices(session, centre_prefix=actor.region_prefix, status=status, limit=limit,
                              offset=offset)


def _notice_items(session: Session, actor: Principal, lines: list[NoticeLine]) -> list[NoticeItem]:
    if not 1 <= len(lines) <= rules.NOTICE_MAX_ITEMS:
        raise InvalidInput("items", f"通报应列 1 到 {rules.NOTICE_MAX_ITEMS} 件工单")
    items: list[NoticeItem] = []
    seen: set[str] = set()
    for line in lines:
        number = line.number.strip()
        if number in seen:
            raise InvalidInput("items", f"工单 {number} 重复")
        seen.add(number)
        order = access.access_work_order(session, actor, number)
        problem = validate.text(line.problem, "problem", max_length=500, required=False)
        latest = repository.latest_ledger_entry(session, order.id)
        problem = problem or (latest.reason if latest else None)
        if not problem:
            raise InvalidInput("problem", f"请写明工单 {number} 存在的问题")
        # the unit the ledger blames, not whoever holds the order now (a re-dispatched order)
        unit_id = latest.unit_id if latest is not None and latest.unit_id is not None else order.lead_unit_id
        items.append(NoticeItem(work_order_id=order.id, unit_id=unit_id, problem=problem,
                                position=len(items) + 1))
    return items


def create_notice(session: Session, actor: Principal, *, title: str, body: str,
                  lines: list[NoticeLine]) -> PublicNotice:
    """Draft a public notice (通报) of irregular orders; each line's problem defaults to what
    the order's latest ledger entry says."""
    _require_supervisor(actor)
    notice = PublicNotice(centre_unit_id=actor.unit_id, title=validate.text(title, "title", max_length=100) or "",
                          body=validate.text(body, "body", max_length=10000, multiline=True) or "",
                          status=NoticeStatus.draft, created_by_id=actor.user_id, created_at=clock.now(),
                          items=_notice_items(session, actor, lines))
    session.add(notice)
    session.flush()
    audit.record(session, actor, "public_notice.drafted", object_type="public_notice", object_id=notice.id,
                 detail={"title": notice.title, "items": len(notice.items)})
    return notice


def update_notice(session: Session, actor: Principal, notice: PublicNotice, *, title: str, body: str,
                  lines: list[NoticeLine]) -> PublicNotice:
    """Edit a draft: a published notice is a public record and never edited (withdraw it)."""
    _require_supervisor(actor)
    if notice.status != NoticeStatus.draft:
        raise IllegalTransition(f"{NOTICE_STATUS_NAMES[notice.status]}的通报不能修改", status=notice.status.value)
    title_text = validate.text(title, "title", max_length=100) or ""
    body_text = validate.text(body, "body", max_length=10000, multiline=True) or ""
    items = _notice_items(session, actor, lines)
    notice.items.clear()
    session.flush()  # the old lines go before the new ones take their (notice, order) keys
    notice.title, notice.body, notice.items = title_text, body_text, items
    session.flush()
    audit.record(session, actor, "public_notice.edited", object_type="public_notice", object_id=notice.id,
                 detail={"title": notice.title, "items": len(items)})
    return notice


def publish_notice(session: Session, actor: Principal, notice: PublicNotice) -> PublicNotice:
    """Publish a draft: it gets its number, appears on the public site, goes on each order's
    timeline and is sent to every unit it names."""
    _require_supervisor(actor)
    notice.status = rules.notice_step(notice.status, "publish")
    now = clock.now()
    notice.published_at = now
    notice.number = f"通报〔{now.astimezone(clock.CST).year}〕{notice.id}号"
    per_unit: dict[int, int] = defaultdict(int)
    for item in notice.items:
        order = session.get(WorkOrder, item.work_order_id)
        assert order is not None
        audit.record(session, actor, "work_order.notice_published", object_type="work_order", object_id=order.id,
                     detail={"number": order.number, "status": order.status.value, "notice": notice.number,
                             "note": item.problem})
        if item.unit_id is not None:
            per_unit[item.unit_id] += 1
    audit.record(session, actor, "public_notice.published", object_type="public_notice", object_id=notice.id,
                 detail={"number": notice.number, "items": len(notice.items)})
    for unit_id, count in per_unit.items():
        unit = session.get(Unit, unit_id)
        if unit is not None:
            notify.notify_unit(session, template="unit_notice", phone=unit.contact_phone,
                               body=notify.render("unit_notice", centre=notice.centre_unit.name,
                                                  notice=notice.number, count=count), unit_id=unit.id)
    return notice


def withdraw_notice(session: Session, actor: Principal, notice: PublicNotice, *, reason: str) -> PublicNotice:
    """Take a published notice off the public site (kept, with why, for the record)."""
    _require_supervisor(actor)
    text = validate.text(reason, "reason", max_length=500) or ""
    notice.status = rules.notice_step(notice.status, "withdraw")
    notice.withdrawn_at, notice.withdrawn_reason = clock.now(), text
    audit.record(session, actor, "public_notice.withdrawn", object_type="public_notice", object_id=notice.id,
                 detail={"number": notice.number, "reason": text})
    return notice


def notice_lines(session: Session, notice: PublicNotice) -> list[documents.NoticeLine]:
    orders = repository.orders_by_ids(session, (i.work_order_id for i in notice.items))
    lines: list[documents.NoticeLine] = []
    for item in notice.items:
        order = orders[item.work_order_id]
        lines.append(documents.NoticeLine(
            order_number=order.number, unit=item.unit.name if item.unit else "—",
            category=order.category.name if order.category else "—",
            region=order.region.name if order.region else "—", problem=item.problem))
    return lines


def public_notices(session: Session, *, limit: int = 20, offset: int = 0) -> tuple[list[PublicNotice], int]:
    return repository.notices(session, centre_prefix=None, status=NoticeStatus.published, limit=limit,
                              offset=offset)


def public_notice(session: Session, notice_id: int) -> PublicNotice:
    notice = session.get(PublicNotice, notice_id)
    if notice is None or notice.status != NoticeStatus.published:
        raise NotFound("通报不存在")
    return notice


def notice_docx(session: Session, notice: PublicNotice) -> bytes:
    return documents.notice_docx(notice, notice_lines(session, notice))
