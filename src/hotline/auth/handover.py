"""Handing over a leaver's work (离职交接): what one person holds alone goes to a colleague.

Work on this platform belongs to units and queues — an order stays with its unit whoever signed
it — so a leaver's own work is what no one else can see: the agent's drafts, the saved searches.
Each domain that keeps such things registers a mover here (``register``); the account
administrator picks the colleague, and the answer lists item by item what moved and what could
not (the colleague may lack the role the item needs). Nothing is moved to a service account,
an inactive account or the leaver; the administrator must be able to manage both accounts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.models import User
from hotline.auth.principal import Principal
from hotline.kit.errors import InvalidInput


@dataclass(frozen=True)
class Item:
    """One thing of the leaver's: what it is, whether it moved, and why not."""

    kind: str  # the object type (intake_draft, saved_search)
    label: str  # what the administrator reads (a draft's title, a search's name)
    moved: bool
    reason: str | None = None


#: (session, administrator, leaver, colleague) → the items that mover handled.
Mover = Callable[[Session, Principal, User, User], list[Item]]
_MOVERS: list[Mover] = []


def register(mover: Mover) -> Mover:
    """Add a domain's mover (used as a decorator at import)."""
    if mover not in _MOVERS:
        _MOVERS.append(mover)
    return mover


def hand_over(session: Session, actor: Principal, leaver: User, colleague: User) -> list[Item]:
    """Move the leaver's own work to ``colleague`` (both reached through ``access_user`` with
    ``write=True`` by the caller). 422 naming ``to_user_id`` for a colleague who cannot take it."""
    if colleague.id == leaver.id:
        raise InvalidInput("to_user_id", "接收人不能是离职人员本人")
    if not colleague.active or colleague.is_service:
        raise InvalidInput("to_user_id", "接收人须为在用的工作人员账号")
    items = [item for mover in _MOVERS for item in mover(session, actor, leaver, colleague)]
    audit.record(session, actor, "user.handed_over", object_type="user", object_id=leaver.id,
                 detail={"to_user_id": colleague.id, "moved": sum(i.moved for i in items),
                         "refused": sum(not i.moved for i in items)})
    return items
