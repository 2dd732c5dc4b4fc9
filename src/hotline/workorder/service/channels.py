"""What an outside channel reads of the orders its appeals became: the orders themselves (to
merge a duplicate it found), their state, and the answers accepted for them — each order's
own accepted reply or, for an order merged into a main order, the main order's
(docs/adr/0017-channel-model.md). Channels never query the order's tables themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.workorder import repository
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder


def orders_by_id(session: Session, ids: Sequence[int]) -> dict[int, WorkOrder]:
    """The orders with these ids (those that exist)."""
    return repository.orders_by_id(session, list(ids))


def orders_visible(session: Session, actor: Principal, ids: Sequence[int]) -> set[int]:
    """Which of these orders ``actor`` may see (``access.order_scope``): a channel lists the
    orders of its records and links only those."""
    def scope(stmt: Select[WorkOrder]) -> Select[WorkOrder]:
        return access.order_scope(actor, stmt)

    return repository.ids_in_scope(session, scope, list(ids))


@dataclass(frozen=True)
class OrderState:
    number: str
    status: Status
    main_number: str | None  # the main order it was merged into


def order_states(session: Session, ids: Sequence[int]) -> dict[int, OrderState]:
    """Number, status and main order of each order (for a channel's list of its appeals)."""
    return {i: OrderState(*row) for i, row in repository.order_states(session, list(ids)).items()}


@dataclass(frozen=True)
class ChannelAnswer:
    """The answer an outside source gets: the accepted reply's text and when it was accepted,
    and the number of the order that was replied (the main order, for a merged one)."""

    text: str
    answered_at: dt.datetime
    replied_number: str


def accepted_answers(session: Session, ids: Sequence[int], *, since: dt.datetime | None = None
                     ) -> dict[int, ChannelAnswer]:
    """The accepted answer of each order that has one (accepted at or after ``since``): its
    own latest accepted reply, or its main order's when it was merged into one."""
    return {i: ChannelAnswer(*row) for i, row in repository.accepted_answers(session, list(ids), since=since).items()}
