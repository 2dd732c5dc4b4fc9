"""The public self-service lookup of an order by number and phone."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.citizen import service as citizen_service
from hotline.kit import validate
from hotline.kit.errors import InvalidInput
from hotline.workorder import repository
from hotline.workorder.models import WorkOrder


def public_lookup(session: Session, number: str, phone: str) -> WorkOrder:
    """The citizen follows an order with its number and the phone number it was filed with;
    a wrong pair answers exactly like a missing order."""
    from hotline.kit.errors import NotFound

    order = repository.by_number(session, (number or "").strip()[:20])
    try:
        digits = validate.phone(phone)
    except InvalidInput:
        raise NotFound("没有找到该工单，请核对工单号和手机号") from None
    citizen = repository.citizen_of(session, order) if order is not None else None
    if order is None or citizen is None or citizen.phone_hash != citizen_service.phone_hash(digits):
        raise NotFound("没有找到该工单，请核对工单号和手机号")
    return order
