"""Tables of telephony: queues (skill groups), seats and their agents' states, calls, the
events the PBX reported for them, and the orders a call produced."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, EncryptedString, UTCDateTime


def new_ref() -> str:
    """A public identifier: 128 random bits as 32 hex digits (URLs never carry sequential ids)."""
    return secrets.token_hex(16)


class QueueKind(enum.StrEnum):
    """The skill group a queue belongs to."""

    general = "general"  # 综合话务
    enterprise = "enterprise"  # 企业专线（IVR 按 1，专席坐席）
    expert = "expert"  # 专家坐席（部门专家，接受转接）


QUEUE_KIND_NAMES = {QueueKind.general: "综合话务", QueueKind.enterprise: "企业专线", QueueKind.expert: "专家坐席"}


class AgentState(enum.StrEnum):
    """An agent's state on a seat (坐席状态)."""

    ready = "ready"  # 空闲（示闲）
    busy = "busy"  # 通话中
    wrap_up = "wrap_up"  # 话后整理
    break_ = "break"  # 小休（示忙）
    logged_out = "logged_out"  # 签出


AGENT_STATE_NAMES = {AgentState.ready: "空闲", AgentState.busy: "通话中", AgentState.wrap_up: "话后整理",
                     AgentState.break_: "小休", AgentState.logged_out: "签出"}


class CtiQueue(Base):
    """A call queue (队列/技能组) of one centre's PBX, as the PBX names it: its ``name`` within
    the centre's region (two cities' PBXs may both send ``general``). A name the PBX sends for
    the first time makes a new queue of kind ``general``; the region's administrator may then
    map it to a skill group (``kind``) and give it a Chinese ``label``."""

    __tablename__ = "cti_queue"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default=QueueKind.general.value)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Seat(Base):
    """A seat (坐席): a position of the PBX, known by its ``code`` (the seat id the PBX
    sends). An agent binds their account to it when logging in (``agent_id``); ``state``
    and ``state_since`` are the agent's current state; ``call_id`` is the call the agent last
    answered on it (the screen-pop: after a blind transfer the seat that takes the call over
    answers it too, so it is not always the call's first seat). It has no foreign key: seat
    and call name each other, and a seat only ever points at a call that exists. An expert seat belongs to a
    department's ``unit_id``; ``operator`` names the outsourced operator staffing the seat,
    if any (figures per operator for contract review)."""

    __tablename__ = "seat"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_ref())
    code: Mapped[str] = mapped_column(String(50), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=QueueKind.general.value)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    operator: Mapped[str | None] = mapped_column(String(100))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=AgentState.logged_out.value)
    state_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    call_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SeatState(Base):
    """One spell of an agent's state on a seat: from ``started_at`` until ``ended_at`` (open
    while current). ``source`` says who reported it: ``pbx`` or ``console``."""

    __tablename__ = "seat_state"
    __table_args__ = (Index("ix_seat_state_agent_started", "agent_id", "started_at"),
                      Index("ix_seat_state_seat_started", "seat_id", "started_at"),
                      Index("ix_seat_state_seat_open", "seat_id", "ended_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seat.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Call(Base):
    """A call (来电) as the PBX reported it, keyed by the PBX's ``call_id``; ``ref`` is its
    public identifier. The columns after ``state`` are facts derived from the call's events
    by :func:`hotline.telephony.lifecycle.fold` (kept on the row so statistics never re-read
    events): ``wait_s`` runs from queued to answered (or to ended when abandoned), ``talk_s``
    from answered to ended. The caller's number is personal data: encrypted, found through
    its keyed hash. ``region_id`` is the region of the centre whose PBX reported the call."""

    __tablename__ = "call"
    # answered_at in the (region, offered) index: the calls answered across a period's bound
    # (agents' figures) are found in the index alone.
    __table_args__ = (Index("ix_call_region_offered_answered", "region_id", "offered_at", "answered_at"),
                      Index("ix_call_open_last_event", "ended_at", "last_event_at"),
                      Index("ix_call_seat_answered", "seat_id", "answered_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_ref())
    call_id: Mapped[str] = mapped_column(String(100), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    caller: Mapped[str | None] = mapped_column(EncryptedString(200))
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    called: Mapped[str | None] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(16))  # the last event's type: offered … ended
    offered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(16))
    ivr_digits: Mapped[str | None] = mapped_column(String(50))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("cti_queue.id"))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seat.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    enterprise: Mapped[bool] = mapped_column(Boolean, default=False)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    three_way: Mapped[int] = mapped_column(Integer, default=0)
    wait_s: Mapped[float | None] = mapped_column(Float)
    talk_s: Mapped[float | None] = mapped_column(Float)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_event_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CallEvent(Base):
    """An event the PBX reported for a call, kept as received (``data``: the event's other
    fields, without the caller's number). ``(call, seq)`` is unique: the same event sent
    again is a duplicate."""

    __tablename__ = "call_event"
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_call_event_call_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CallOrder(Base):
    """A work order registered from a call: the order keeps its call(s), a call its order(s)."""

    __tablename__ = "call_order"

    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
