"""An agent's console form kept before it is registered (暂存草稿).

A call drops, another comes in, the caller will ring back with the address: the agent keeps
the form as it stands and finds it on the workbench and the console. A draft is not an order —
no number, no queue, no deadline; nothing in it is checked but its size — and it is its
owner's alone (404 for anyone else). Registering the order from the console removes it. The
fields are personal data and are kept encrypted; the audit events name the draft, never what
it holds."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access, handover
from hotline.auth.models import User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.workorder import repository
from hotline.workorder.models import IntakeDraft

#: What a draft keeps of the console form, with the longest value it takes.
FIELDS = {"channel": 32, "appeal_type": 32, "title": 100, "content": 5000, "phone": 30, "name": 50,
          "category_code": 16, "region_code": 12, "address": 300, "urgency": 16, "enterprise_name": 100,
          "uscc": 18}
FLAGS = ("is_confidential", "is_enterprise")
#: Drafts an agent may keep at once (an agent's day, not an archive).
MAX_DRAFTS = 20


def _require(actor: Principal) -> None:
    """Drafts are kept by people taking calls: an intake role, never a service account."""
    access.require(actor, Cap.intake)
    if actor.is_service:
        raise Forbidden("服务账号没有受理草稿")


def clean(values: dict[str, Any]) -> dict[str, Any]:
    """The draft's fields out of ``values`` (a form or a JSON body): strings within their
    length (422 naming the field otherwise), the two flags as booleans, nothing else."""
    out: dict[str, Any] = {}
    for name, longest in FIELDS.items():
        value = values.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise InvalidInput(name, "应为文本")
        if len(value) > longest:
            raise InvalidInput(name, f"不能超过 {longest} 个字符")
        out[name] = value
    for name in FLAGS:
        if values.get(name) in (True, "1", "on", "true"):
            out[name] = True
    if not any(out.get(k) for k in ("title", "content", "phone", "name", "address")):
        raise InvalidInput("content", "草稿至少要有标题、内容、电话、姓名或地址之一")
    return out


def save(session: Session, actor: Principal, values: dict[str, Any], *, ref: str | None = None) -> IntakeDraft:
    """Keep the form as a new draft, or over the actor's draft ``ref``."""
    _require(actor)
    fields = json.dumps(clean(values), ensure_ascii=False)
    now = clock.now()
    if ref:
        draft = mine(session, actor, ref)
        draft.fields, draft.updated_at = fields, now
    else:
        if repository.count_drafts(session, actor.user_id) >= MAX_DRAFTS:
            raise Conflict(f"草稿最多保留 {MAX_DRAFTS} 份，请先受理或删除旧草稿")
        draft = IntakeDraft(ref=secrets.token_hex(16), owner_id=actor.user_id, fields=fields, created_at=now,
                            updated_at=now)
        session.add(draft)
    session.flush()
    audit.record(session, actor, "intake_draft.saved", object_type="intake_draft", object_id=draft.ref)
    return draft


def mine(session: Session, actor: Principal, ref: str) -> IntakeDraft:
    """The actor's draft ``ref`` (404 for anyone else's, as for one that does not exist)."""
    _require(actor)
    draft = repository.draft_by_ref(session, ref) if len(ref or "") == 32 else None
    if draft is None or draft.owner_id != actor.user_id:
        raise NotFound("草稿不存在")
    return draft


def drafts(session: Session, actor: Principal) -> list[IntakeDraft]:
    """The actor's drafts, the latest saved first."""
    _require(actor)
    return repository.drafts_of(session, actor.user_id)


def fields_of(draft: IntakeDraft) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(draft.fields)
    return loaded


def title_of(draft: IntakeDraft) -> str:
    """What a list shows of a draft: its title, else the opening of its text."""
    fields = fields_of(draft)
    return str(fields.get("title") or (fields.get("content") or "")[:30] or "（未填标题）")


def delete(session: Session, actor: Principal, ref: str, *, registered: str | None = None) -> None:
    """Remove the actor's draft (``registered``: the number of the order it became)."""
    draft = mine(session, actor, ref)
    session.delete(draft)
    session.flush()
    audit.record(session, actor, "intake_draft.deleted", object_type="intake_draft", object_id=ref,
                 detail={"number": registered} if registered else None)


@handover.register
def hand_over(session: Session, actor: Principal, leaver: User, colleague: User) -> list[handover.Item]:
    """A leaver's drafts go to a colleague who takes calls too (离职交接)."""
    taker = Principal.of(colleague)
    out = []
    for draft in repository.drafts_of(session, leaver.id):
        label = title_of(draft)
        if not taker.can(Cap.intake):
            out.append(handover.Item("intake_draft", label, moved=False, reason="接收人没有受理权限"))
            continue
        draft.owner_id = colleague.id
        audit.record(session, actor, "intake_draft.handed_over", object_type="intake_draft", object_id=draft.ref,
                     detail={"from_user_id": leaver.id, "to_user_id": colleague.id})
        out.append(handover.Item("intake_draft", label, moved=True))
    session.flush()
    return out
