"""The reporter as shown to a viewer: hidden from sector viewers, revealed on request with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.citizen import service as citizen_service
from hotline.kit import validate
from hotline.kit.errors import Forbidden
from hotline.workorder import repository
from hotline.workorder.models import WorkOrder


@dataclass
class CitizenShown:
    name: str | None
    phone: str | None
    masked: bool
    revealable: bool = False  # masked, and the caller may reveal it with a reason (:func:`reveal_citizen`)


def hides_reporter(actor: Principal, order: WorkOrder) -> bool:
    """The reporter of a confidential report (举报) is hidden from the units that handle it and
    from sector viewers — the people the report may be about (S1 §10): no name, no phone, no
    reveal, and personal data in the text masked (:func:`order_text`)."""
    return order.is_confidential and hides_reporters(actor)


def hides_reporters(actor: Principal) -> bool:
    """Whether confidential reports hide their reporter from this caller (:func:`hides_reporter`);
    such a caller's text search does not look into them either, or a search for a name would
    tell whether the report names it."""
    return actor.can(Cap.handle) or actor.role == Role.sector_viewer


def citizen_shown(session: Session, actor: Principal, order: WorkOrder) -> CitizenShown | None:
    """Who filed the order, as this caller may see it (ADR 0004). Call-takers and centre
    supervisors (``PII_ROLES``) see the contact unmasked, audited; handling units see it
    masked and may reveal it for this order with a reason (:func:`reveal_citizen`); everyone
    else sees it masked. The reporter of a confidential report is hidden from units entirely
    (:func:`hides_reporter`)."""
    from hotline.kit import crypto

    citizen = repository.citizen_of(session, order)
    if citizen is None or hides_reporter(actor, order):
        return None
    if actor.sees_pii:
        audit.record(session, actor, "pii.viewed", object_type="citizen", object_id=citizen.id,
                     detail={"fields": ["name", "phone"], "purpose": "work_order", "number": order.number})
        return CitizenShown(citizen.name, citizen.phone, False)
    return CitizenShown(crypto.mask_name(citizen.name), crypto.mask_phone(citizen.phone), True,
                        revealable=actor.can(Cap.handle))


def reveal_citizen(session: Session, actor: Principal, order: WorkOrder, *, reason: str | None) -> CitizenShown:
    """查看联系方式: a handling unit reveals the caller's name and phone for one order it may
    see, stating why (required). Each reveal writes ``pii.revealed`` (who, which order, which
    fields, the reason — personal data in it masked) and counts as a read of the register.
    Other roles: 403. A confidential report's reporter is never revealed to a unit: 403, and
    the refusal is recorded as a denied access."""
    from hotline.kit import redact

    access.require(actor, Cap.handle)
    citizen = repository.citizen_of(session, order)
    if citizen is not None and hides_reporter(actor, order):
        access.deny(session, actor, "citizen", citizen.id, number=order.number, purpose="reveal")
        raise Forbidden("举报人信息依法保密，承办单位不可查看")
    why = validate.text(reason, "reason", max_length=200) or ""
    if citizen is None:
        from hotline.kit.errors import NotFound

        raise NotFound("该工单未留联系方式")
    citizen_service.count_read(session, actor)
    fields = [f for f in ("name", "phone") if getattr(citizen, f)]
    audit.record(session, actor, "pii.revealed", object_type="citizen", object_id=citizen.id,
                 detail={"fields": fields, "number": order.number, "reason": redact.mask_personal_text(why)})
    return CitizenShown(citizen.name, citizen.phone, False)


def order_text(actor: Principal, order: WorkOrder) -> tuple[str, str]:
    """The title and content as this caller may read them: on a confidential report, names
    after 我叫/本人/…, phone and ID numbers are masked for those the reporter is hidden from
    (:func:`hides_reporter`), so a reporter who named himself in the text stays hidden."""
    if not hides_reporter(actor, order):
        return order.title, order.content
    from hotline.kit import redact

    return redact.mask_personal_text(order.title), redact.mask_personal_text(order.content)


@dataclass
class CallerHistory:
    """What the platform knows of a caller (the screen-pop): their earlier orders, the open
    ones among them, and a market entity named on their latest enterprise order."""

    orders: list[WorkOrder]
    open_orders: list[WorkOrder]
    enterprise_name: str | None
    uscc: str | None


def caller_history(session: Session, actor: Principal, citizen_ids: list[int], *, limit: int = 10) -> CallerHistory:
    """The orders of these citizens that ``actor`` may see (``access.order_scope``), newest
    first, at most ``limit`` of each list; reporters' texts are shown through :func:`order_text`."""
    def scope(stmt: Select[WorkOrder]) -> Select[WorkOrder]:
        return access.order_scope(actor, stmt)

    orders = repository.orders_of_citizens(session, scope, citizen_ids, open_only=False, limit=limit)
    open_orders = repository.orders_of_citizens(session, scope, citizen_ids, open_only=True, limit=limit)
    enterprise = repository.enterprise_of_citizens(session, scope, citizen_ids)
    return CallerHistory(orders, open_orders, enterprise[0] if enterprise else None,
                         enterprise[1] if enterprise else None)
