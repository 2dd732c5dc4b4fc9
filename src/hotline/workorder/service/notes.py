"""Internal notes on an order (工单备注) and the colleagues they mention.

Whoever may see an order in their work (centre staff of its centre, the units holding it, a
sector viewer of its sector) may leave a note; ``@username`` names a colleague, who must be
able to see the order too (422 otherwise: a mention never shows an order to someone outside
its scope). The event ``work_order.noted`` carries who wrote and whom it names — never the
text, which may hold personal data — and the inbox tells those named."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.models import User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, validate
from hotline.kit.errors import Forbidden, InvalidInput
from hotline.workorder.models import OrderNote, WorkOrder
from hotline.workorder.service._common import _event

MENTION = re.compile(r"@([A-Za-z0-9_.\-]{2,64})")
MAX_MENTIONS = 10


def notes(session: Session, order: WorkOrder) -> list[OrderNote]:
    return list(session.scalars(select(OrderNote).where(OrderNote.work_order_id == order.id)
                                .order_by(OrderNote.id)))


def _sees(session: Session, user: User, order: WorkOrder) -> bool:
    reader = Principal.of(user)
    if reader.is_service or not reader.can(Cap.view_orders):
        return False
    stmt = access.order_scope(reader, select(WorkOrder).where(WorkOrder.id == order.id))
    return session.execute(stmt.with_only_columns(WorkOrder.id)).first() is not None


def add_note(session: Session, actor: Principal, order: WorkOrder, *, text: str) -> OrderNote:
    """Leave a note on ``order`` (the caller has already been given it by ``access_work_order``)."""
    if actor.is_service:
        raise Forbidden("服务账号不能添加备注")
    body = validate.text(text, "text", max_length=1000) or ""
    names = list(dict.fromkeys(MENTION.findall(body)))
    if len(names) > MAX_MENTIONS:
        raise InvalidInput("text", f"一条备注最多提到 {MAX_MENTIONS} 人")
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))} if names else {}
    for name in names:
        user = users.get(name)
        if user is None or not user.active:
            raise InvalidInput("text", f"没有账号 @{name}")
        if not _sees(session, user, order):
            raise InvalidInput("text", f"@{name} 无权查看该工单，不能提到")
    note = OrderNote(ref=secrets.token_hex(16), work_order_id=order.id, author_id=actor.user_id,
                     author_name=actor.display_name, text=body, created_at=clock.now())
    session.add(note)
    session.flush()
    _event(session, actor, order, "noted", note=note.ref, mentions=names or None, by=actor.display_name)
    return note


def attached(session: Session, actor: Principal | None, order: WorkOrder, *, context: str, content_type: str,
             public: bool, by: str | None = None) -> None:
    """A file was put on the order (``hotline.attachments``): its entry on the timeline. The event
    names why it came and its type — never its name, which may name a person."""
    _event(session, actor, order, "attached", context=context, content_type=content_type, public=public or None,
           actor_name=by if actor is None else None)
