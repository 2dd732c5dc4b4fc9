"""JSON API of the inbox: the caller's messages (newest first, unread only on request), the unread
count, and marking one or all read. Another user's message is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel

from hotline.inbox import service
from hotline.inbox.models import KIND_NAMES, InboxItem
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["inbox"], responses={
    401: {"description": "Not logged in"}, 403: {"description": "The role may not"},
    404: {"description": "Not found, or not the caller's"}, 409: {"description": "Not in a state that allows it"},
    413: {"description": "Upload too large"}, 422: {"description": "Invalid field (named)"}})


class MessageOut(BaseModel):
    ref: str
    kind: str
    kind_name: str
    title: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class CountOut(BaseModel):
    unread: int
    capped: bool


def out(item: InboxItem) -> MessageOut:
    return MessageOut(ref=item.ref, kind=item.kind, kind_name=KIND_NAMES.get(item.kind, item.kind), title=item.title,
                      url=item.url, created_at=item.created_at, read_at=item.read_at)


@router.get("/inbox", response_model=list[MessageOut])
def list_messages(principal: CurrentPrincipal, db: Db, unread: bool = False,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[MessageOut]:
    return [out(i) for i in service.messages(db, principal, unread_only=unread, limit=limit)]


@router.get("/inbox/count", response_model=CountOut)
def count(principal: CurrentPrincipal, db: Db) -> CountOut:
    n = service.unread(db, principal)
    return CountOut(unread=min(n, service.BELL_CAP - 1), capped=n >= service.BELL_CAP)


Ref = Annotated[str, Path(max_length=32)]


@router.post("/inbox/{ref}/read", response_model=MessageOut)
def read(ref: Ref, principal: CurrentPrincipal, db: Db) -> MessageOut:
    return out(service.mark_read(db, principal, service.access_item(db, principal, ref)))


@router.post("/inbox/read-all", response_model=CountOut)
def read_all(principal: CurrentPrincipal, db: Db) -> CountOut:
    service.mark_all_read(db, principal)
    return CountOut(unread=0, capped=False)
