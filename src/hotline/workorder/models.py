"""Tables of work orders and everything that happens to them."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.kit.db import Base, EncryptedString, UTCDateTime
from hotline.org.models import Category, Channel, Region, Unit, str_enum
from hotline.workorder.lifecycle import Status
from hotline.workorder.sla import Urgency


class AssignmentRole(enum.StrEnum):
    lead = "lead"  # 主办
    assist = "assist"  # 协办
    copy = "copy"  # 抄送督办 (county government / city department on a direct dispatch)


class AssignmentState(enum.StrEnum):
    active = "active"
    done = "done"  # the lead replied / the assisting unit handed in its part
    revoked = "revoked"  # re-dispatched elsewhere


class ReplyResult(enum.StrEnum):
    resolved = "resolved"  # 已解决
    partly_resolved = "partly_resolved"  # 部分解决
    not_resolved = "not_resolved"  # 未解决（已解释说明）


RESULT_NAMES = {ReplyResult.resolved: "已解决", ReplyResult.partly_resolved: "部分解决",
                ReplyResult.not_resolved: "未解决（已解释说明）"}


class Decision(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


DECISION_NAMES = {Decision.pending: "待审核", Decision.accepted: "通过", Decision.rejected: "退回"}


class Verdict(enum.StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"


class DirectTarget(enum.StrEnum):
    utility = "utility"  # the public utility of that type serving the place
    county_government = "county_government"  # the county (district) government
    competent_department = "competent_department"  # the county department competent for the category


#: The condition of the sweep's partial index (the migration spells it out the same way).
SWEEP_INDEX_WHERE = ("status IN ('dispatched', 'handling') "
                     "AND (due_soon_warned_at IS NULL OR overdue_at IS NULL)")
#: The condition of the intake's main-order lookup index: only direct-dispatched orders.
DIRECT_INDEX_WHERE = "direct_rule_id IS NOT NULL"
#: The workbenches' partial indexes (their queries repeat the condition with literals): the
#: callbacks due, oldest reply first; the orders in a unit's hands warned or past their
#: deadline, by centre and unit (the supervisor's figures). Each holds the few open orders
#: concerned, not the province's millions.
CALLBACK_INDEX_WHERE = "status = 'callback'"
LATE_INDEX_WHERE = ("status IN ('dispatched', 'handling') "
                    "AND (overdue_at IS NOT NULL OR due_soon_warned_at IS NOT NULL)")
#: The order search's rare flags (``workorder.search``), each a partial index in registration
#: (id) order holding only the orders that carry it: a search for urged or re-handled orders
#: reads those, newest first, instead of every order of the province. An order enters one of
#: them only when it gets the flag, so ordinary writes do not pay for them.
#: Every open status, as the search writes it beside the list of them (a planner proves a
#: partial index usable only from the same literal term)
OPEN_TERM = "work_order.status NOT IN ('closed', 'withdrawn')"
#: Open orders: by centre and status (a city's open orders, the workbenches' figures of a
#: status — at 5 M orders a walk back through every city's orders, or two bitmaps of 300,000)
OPEN_INDEX_WHERE = "status NOT IN ('closed', 'withdrawn')"
#: Open and overdue, by category (the three bitmaps of open, overdue and a category subtree
#: cost 300 ms together at 5 M orders; this index holds the few concerned)
OPEN_OVERDUE_INDEX_WHERE = "overdue_at IS NOT NULL AND status NOT IN ('closed', 'withdrawn')"
SEARCH_FLAG_INDEXES = {
    "ix_work_order_urged": "urge_count > 0",
    "ix_work_order_returned": "return_count > 0",
    "ix_work_order_rehandled": "rehandle_count > 0",
    "ix_work_order_overdue": "overdue_at IS NOT NULL",
    "ix_work_order_not_normal": "urgency <> 'normal'",
    "ix_work_order_dissatisfied": "final_verdict = 'dissatisfied'",
}


class WorkOrder(Base):
    """A work order (工单): the record that carries one appeal through intake, dispatch,
    handling, reply review, callback and close. ``version`` guards concurrent changes."""

    __tablename__ = "work_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[Status] = mapped_column(str_enum(Status, "work_order_status"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    appeal_type: Mapped[str] = mapped_column(ForeignKey("appeal_type.code"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))  # indexed with the time, below
    address: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id"))  # indexed with the time, below
    is_confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency, "urgency"), default=Urgency.normal)
    is_enterprise: Mapped[bool] = mapped_column(Boolean, default=False)
    enterprise_name: Mapped[str | None] = mapped_column(String(100))
    uscc: Mapped[str | None] = mapped_column(String(18))
    centre_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    direct_rule_id: Mapped[int | None] = mapped_column(ForeignKey("direct_dispatch_rule.id"))
    answer: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    dispatch_seconds: Mapped[float | None] = mapped_column()
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sign_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    due_covered: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Set by the deadline sweep (supervision): the due-soon warning went out / the order
    #: passed its deadline. Cleared when a new deadline is set (dispatch, extension, re-handling).
    due_soon_warned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    overdue_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    unjustified_return_count: Mapped[int] = mapped_column(Integer, default=0)
    rehandle_count: Mapped[int] = mapped_column(Integer, default=0)
    dissatisfied_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    supervision_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    supervision_reason: Mapped[str | None] = mapped_column(String(200))
    final_result: Mapped[ReplyResult | None] = mapped_column(str_enum(ReplyResult, "reply_result"))
    final_verdict: Mapped[Verdict | None] = mapped_column(str_enum(Verdict, "verdict"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: A duplicate merged into another order (并案): handled with it, answered with its reply.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    #: 催办: repeat appeals about this open order that joined it at intake instead of making
    #: an order of their own (docs/adr/0014-merging-catalogue-duplicates.md).
    urge_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    channel: Mapped[Channel] = relationship(lazy="joined")
    category: Mapped[Category | None] = relationship(lazy="joined")
    region: Mapped[Region | None] = relationship(lazy="joined")
    centre_unit: Mapped[Unit] = relationship(foreign_keys=[centre_unit_id], lazy="joined")
    lead_unit: Mapped[Unit | None] = relationship(foreign_keys=[lead_unit_id], lazy="joined")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="work_order", order_by="Assignment.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_work_order_status_due", "status", "due_at"),
        # The deadline sweep's candidates: orders in a unit's hands still lacking a mark. Orders
        # already marked overdue (most open orders past due) are not in it, so a sweep reads
        # only what it may mark, in deadline order, however many orders the province holds.
        Index("ix_work_order_sweep", "due_at", "id", postgresql_where=text(SWEEP_INDEX_WHERE),
              sqlite_where=text(SWEEP_INDEX_WHERE)),
        # The duplicate lookup's candidates: a place's latest orders of a category, and of all.
        Index("ix_work_order_region_category_registered", "region_id", "category_id", "registered_at"),
        Index("ix_work_order_region_registered", "region_id", "registered_at"),
        # Sector viewers' and category-filtered statistics: a few categories over a period.
        Index("ix_work_order_category_registered", "category_id", "registered_at"),
        Index("ix_work_order_citizen_registered", "citizen_id", "registered_at"),
        # Agents' figures: the orders each agent registered in a period.
        Index("ix_work_order_created_by_registered", "created_by_id", "registered_at"),
        # The intake's lookup of an open main order: a catalogue entry's recent orders at a place.
        Index("ix_work_order_direct_place", "direct_rule_id", "region_id", "registered_at",
              postgresql_where=text(DIRECT_INDEX_WHERE), sqlite_where=text(DIRECT_INDEX_WHERE)),
        *(Index(name, "id", postgresql_where=text(where), sqlite_where=text(where))
          for name, where in SEARCH_FLAG_INDEXES.items()),
        Index("ix_work_order_open_centre", "centre_unit_id", "status", "id", postgresql_where=text(OPEN_INDEX_WHERE),
              sqlite_where=text(OPEN_INDEX_WHERE)),
        Index("ix_work_order_open_overdue", "category_id", "id", postgresql_where=text(OPEN_OVERDUE_INDEX_WHERE),
              sqlite_where=text(OPEN_OVERDUE_INDEX_WHERE)),
        # the search's channel and appeal-type filters, newest first
        Index("ix_work_order_channel_id", "channel_id", "id"),
        Index("ix_work_order_appeal_type_id", "appeal_type", "id"),
        Index("ix_work_order_callback_due", "replied_at", "id",
              postgresql_where=text(CALLBACK_INDEX_WHERE), sqlite_where=text(CALLBACK_INDEX_WHERE)),
        Index("ix_work_order_in_hand_late", "centre_unit_id", "lead_unit_id", "overdue_at", "due_soon_warned_at",
              postgresql_where=text(LATE_INDEX_WHERE), sqlite_where=text(LATE_INDEX_WHERE)),
    )


class Assignment(Base):
    """A unit's part in a work order: the lead unit (主办), an assisting unit (协办) or a
    supervising copy (抄送). A unit's inbox is its active assignments."""

    __tablename__ = "work_order_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    role: Mapped[AssignmentRole] = mapped_column(str_enum(AssignmentRole, "assignment_role"))
    state: Mapped[AssignmentState] = mapped_column(str_enum(AssignmentState, "assignment_state"))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    contribution: Mapped[str | None] = mapped_column(Text)
    contributed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    work_order: Mapped[WorkOrder] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship(lazy="joined")

    # the order id too: a unit's orders (its order scope, its statistics) read from the index alone
    __table_args__ = (Index("ix_work_order_assignment_inbox", "unit_id", "state", "work_order_id"),)


class Reply(Base):
    """The lead unit's reply (答复), reviewed by the centre (答复认定) before callback."""

    __tablename__ = "work_order_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    result: Mapped[ReplyResult] = mapped_column(str_enum(ReplyResult, "reply_result"))
    text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    review: Mapped[Decision] = mapped_column(str_enum(Decision, "decision"), default=Decision.pending)
    review_reason: Mapped[str | None] = mapped_column(String(500))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ReturnRequest(Base):
    """A unit's return (退单): "not our duty". The centre re-dispatches, rejects it as
    unjustified (无理退单, counted against the unit) or opens a coordination case."""

    __tablename__ = "work_order_return"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    suggested_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decision: Mapped[str] = mapped_column(String(16), default="pending")  # pending|redispatched|rejected|coordinating
    unjustified: Mapped[bool] = mapped_column(Boolean, default=False)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Extension(Base):
    """A request for more time (延期), approved with a new deadline or refused."""

    __tablename__ = "work_order_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    working_days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decision: Mapped[Decision] = mapped_column(str_enum(Decision, "decision"), default=Decision.pending)
    new_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CoordinationCase(Base):
    """An order whose competent unit is unclear, settled by coordination within 3 working
    days (S4 泸州); the decision binds the named unit."""

    __tablename__ = "coordination_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    candidate_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(500))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    decision_note: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Set once by supervision when the case passes its 3 working days undecided (warned,
    #: on the ledger, escalated).
    overdue_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Callback(Base):
    """One callback attempt (回访): reached or not; if reached, resolved or not and the
    citizen's verdict. ``round`` counts reply–callback cycles (re-handling starts a new one)."""

    __tablename__ = "work_order_callback"
    # Agents' figures: the callback attempts each agent recorded in a period.
    __table_args__ = (Index("ix_work_order_callback_agent_at", "agent_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reached: Mapped[bool] = mapped_column(Boolean)
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    verdict: Mapped[Verdict | None] = mapped_column(str_enum(Verdict, "verdict"))
    unit_fault: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(500))


class DirectDispatchRule(Base):
    """An entry of the direct-dispatch catalogue (直派目录): appeals of these categories (or
    whose text has one of these keywords) skip the queue and go straight to the local unit
    or utility, with copies to the county government and the city department."""

    __tablename__ = "direct_dispatch_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    target: Mapped[DirectTarget] = mapped_column(str_enum(DirectTarget, "direct_target"))
    utility_type: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DeadlineRuleRow(Base):
    """An admin-maintained deadline rule; the most specific match wins (``workorder.sla``)."""

    __tablename__ = "deadline_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_type: Mapped[str | None] = mapped_column(ForeignKey("appeal_type.code"))
    category_prefix: Mapped[str | None] = mapped_column(String(16))
    urgency: Mapped[Urgency | None] = mapped_column(str_enum(Urgency, "urgency"))
    working_days: Mapped[int | None] = mapped_column(Integer)
    hours: Mapped[int | None] = mapped_column(Integer)


class GreenChannelRow(Base):
    """An admin-maintained green-channel rule (涉企诉求绿色通道, S2): how much shorter the
    deadline of an enterprise's appeal of one type (``None`` = any type) is
    (``workorder.sla.green_channel``). An empty table means no green channel."""

    __tablename__ = "green_channel_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_type: Mapped[str | None] = mapped_column(ForeignKey("appeal_type.code"), unique=True)
    working_days: Mapped[int | None] = mapped_column(Integer)
    percent: Mapped[int | None] = mapped_column(Integer)


class IdempotencyKey(Base):
    """A remembered intake request: a retry with the same key gets the same answer."""

    __tablename__ = "idempotency_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("principal_id", "key", name="uq_idempotency_key_principal_key"),)


class NumberCounter(Base):
    """Daily sequence behind readable order numbers (``HL20261122000123``)."""

    __tablename__ = "number_counter"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class OrderSource(Base):
    """Where an appeal came from outside the platform: the channel's own id of it (a board's
    留言编号, an Open311 request, a PBX call id) and the time that source gives it (a message
    posted before a backlog import keeps its own time). One row per ``(channel, ref)``: an
    intake repeating one gets the order the first made (docs/adr/0017-channel-model.md)."""

    __tablename__ = "work_order_source"
    __table_args__ = (UniqueConstraint("channel_id", "ref", name="uq_work_order_source_channel_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    ref: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The pictures and files the source showed with the appeal (a board message's images),
    #: kept as the source's http(s) links: never fetched by the platform (ADR 0032).
    links: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class OrderText(Base):
    """The order's text as the search index reads it: the distinct character bigrams of its
    title, content and place (``kit.grams.document``), written with the order. SQLite indexes
    them in the FTS5 table ``work_order_fts`` (kept by triggers), PostgreSQL in a GIN index
    over the generated array ``grams`` (both made by the migration)."""

    __tablename__ = "work_order_text"

    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), primary_key=True)
    terms: Mapped[str] = mapped_column(Text)


class SavedSearch(Base):
    """A saved order search (常用查询): a name and the search's canonical query string.
    Private to the account that saved it; ``ref`` (128 random bits) names it in URLs."""

    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class OrderNote(Base):
    """An internal note on an order (工单备注): staff who work on it leave word for each other and
    name a colleague with ``@username`` (who then finds it in the inbox). Not shown to the
    citizen; ``ref`` (128 random bits) names it."""

    __tablename__ = "work_order_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    author_name: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class IntakeDraft(Base):
    """An agent's console form kept before it is registered (暂存草稿): the call dropped, another
    came in, the caller will ring back with the address. Its owner alone sees it; the fields (a
    JSON object) are personal data, encrypted; ``ref`` (128 random bits) names it."""

    __tablename__ = "intake_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    fields: Mapped[str] = mapped_column(EncryptedString())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ExportJob(Base):
    """An export of a large search (more than 50,000 orders) written in the background: the
    search, how far it got, the file once written (under the data directory, kept 7 days).
    Its owner alone sees it; ``ref`` (128 random bits) names it."""

    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed | expired
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
