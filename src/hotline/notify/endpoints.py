"""JSON API of the messages: an order's message log, the region's messages by status (for the
administrator) and sending a failed one again."""

from __future__ import annotations

import datetime as dt

from fastapi import Response
from pydantic import BaseModel, Field

from hotline.auth import access
from hotline.notify import messages, wording
from hotline.notify.models import NotificationStatus
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["messages"], responses={
    401: {"description": "Not logged in"}, 403: {"description": "The role may not"},
    404: {"description": "Not found, or not the caller's"}, 409: {"description": "Not in a state that allows it"},
    413: {"description": "Upload too large"}, 422: {"description": "Invalid field (named)"}})


class MessageOut(BaseModel):
    ref: str
    template: str
    recipient_kind: str
    recipient: str
    body: str
    status: str
    attempts: int
    last_error: str | None
    gateway_id: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    number: str | None


def out(row: messages.MessageRow) -> MessageOut:
    return MessageOut.model_validate(row.__dict__)


@router.get("/work-orders/{number}/messages", response_model=list[MessageOut])
def order_messages(number: str, principal: CurrentPrincipal, db: Db) -> list[MessageOut]:
    """The texts sent about the order (numbers masked)."""
    from hotline.workorder import service as workorder_service

    order = access.access_work_order(db, principal, number)
    hidden = workorder_service.hides_reporter(principal, order)
    return [out(r) for r in messages.order_log(db, order) if not (hidden and r.recipient_kind == "citizen")]


@router.get("/messages", response_model=list[MessageOut])
def list_messages(principal: CurrentPrincipal, db: Db, status: NotificationStatus = NotificationStatus.failed
                  ) -> list[MessageOut]:
    rows, _ = messages.messages(db, principal, status=status)
    return [out(r) for r in rows]


@router.post("/messages/{ref}/retry", response_model=MessageOut)
def retry(ref: str, principal: CurrentPrincipal, db: Db) -> MessageOut:
    n = messages.retry(db, principal, ref)
    return out(messages._row(n, None))


class WordingOut(BaseModel):
    code: str
    default: str
    text: str
    custom: bool
    placeholders: list[str]


class WordingIn(BaseModel):
    text: str = Field(max_length=1000)


class PreviewOut(BaseModel):
    preview: str


@router.get("/sms-templates", response_model=list[WordingOut])
def list_templates(principal: CurrentPrincipal, db: Db) -> list[WordingOut]:
    return [WordingOut(**w.__dict__) for w in wording.wordings(db, principal)]


@router.put("/sms-templates/{code}", response_model=WordingOut)
def save_template(code: str, body: WordingIn, principal: CurrentPrincipal, db: Db) -> WordingOut:
    """Reword a template; 422 naming ``text`` when its placeholders differ from the default's."""
    wording.save(db, principal, code, body.text)
    return next(WordingOut(**w.__dict__) for w in wording.wordings(db, principal) if w.code == code)


@router.post("/sms-templates/{code}/preview", response_model=PreviewOut)
def preview_template(code: str, body: WordingIn, principal: CurrentPrincipal) -> PreviewOut:
    access.require_province_admin(principal)
    return PreviewOut(preview=wording.preview(code, body.text))


@router.delete("/sms-templates/{code}", status_code=204)
def reset_template(code: str, principal: CurrentPrincipal, db: Db) -> Response:
    wording.reset(db, principal, code)
    return Response(status_code=204)
