"""Tables of supervision and evaluation.

* :class:`LedgerEntry` — an order on one of the supervisors' ledgers (台账), written when the
  order first qualifies and kept (with when it was cleared) for the record.
* :class:`UnitDayStats` — per unit and day, the counts every evaluation rate is computed
  from, kept current by the projector from the work-order events, so that a ranking sums a
  few thousand rows instead of scanning every order.
* :class:`ProjectionCursor` — how far the projector has read the event log.
* :class:`EscalationRule` — the tunable rules of escalated supervision.
* :class:`SupervisionLetter`, :class:`LetterTemplate` — letters to units and their texts.
* :class:`SupervisionMeeting` — admonition talks and joint meetings.
* :class:`PublicNotice`, :class:`NoticeItem` — public notices of irregular orders.
* :class:`EvaluationFact` — the order behind each count, for drill-down.
* :class:`DailyLedgerReport` — the daily emergency and stability ledger sent to sector departments.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.kit.db import Base, UTCDateTime
from hotline.org.models import Region, Unit, str_enum


class LedgerKind(enum.StrEnum):
    overdue = "overdue"  # 超期未办结
    buck_passing = "buck_passing"  # 推诿扯皮：退单两次及以上
    perfunctory = "perfunctory"  # 敷衍应付：答复审核被退回
    dissatisfied_twice = "dissatisfied_twice"  # 两次回访不满意
    emergency = "emergency"  # 突发事件（自然灾害、安全生产）
    stability = "stability"  # 涉稳风险
    escalated = "escalated"  # 提级督办
    referred = "referred"  # 移交纪检监察
    letter_overdue = "letter_overdue"  # 督办文书逾期未回复
    knowledge_late = "knowledge_late"  # 政策文件 7 个工作日内未发布知识点 (an entry of a policy document, no order)
    coordination_overdue = "coordination_overdue"  # 管辖争议协调超过 3 个工作日未裁定
    urged = "urged"  # 群众催办：办理中再次来电催促


LEDGER_NAMES = {
    LedgerKind.overdue: "超期工单",
    LedgerKind.buck_passing: "推诿扯皮（多次退单）",
    LedgerKind.perfunctory: "敷衍应付（答复被退回）",
    LedgerKind.dissatisfied_twice: "两次不满意",
    LedgerKind.emergency: "突发事件",
    LedgerKind.stability: "涉稳风险",
    LedgerKind.escalated: "提级督办",
    LedgerKind.referred: "移交纪检监察",
    LedgerKind.letter_overdue: "文书逾期未回复",
    LedgerKind.knowledge_late: "知识库逾期未更新",
    LedgerKind.coordination_overdue: "协调超期未裁定",
    LedgerKind.urged: "群众催办",
}


class AuthorityKind(enum.StrEnum):
    business_environment = "business_environment"  # 营商环境主管部门 (told of rectification letters)
    discipline = "discipline"  # 纪委监委 (receives referrals)


AUTHORITY_NAMES = {AuthorityKind.business_environment: "营商环境主管部门", AuthorityKind.discipline: "纪检监察机关"}


class SupervisionAuthority(Base):
    """Which unit of a region is its business-environment authority or its discipline
    commission; an order's nearest one (township → county → city → province) is used."""

    __tablename__ = "supervision_authority"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    kind: Mapped[AuthorityKind] = mapped_column(str_enum(AuthorityKind, "authority_kind"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))

    unit: Mapped[Unit] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("region_id", "kind", name="uq_supervision_authority_region_kind"),)


class EscalationKind(enum.StrEnum):
    many_to_one = "many_to_one"  # 多人一诉: many orders on one issue (category) in one place within the window
    one_to_many = "one_to_many"  # 一人多诉: one caller, many orders within the window
    long_open = "long_open"  # 长期未解决: open longer than the threshold, in working days
    rehandled = "rehandled"  # 反复重办: re-handled more times than the threshold


ESCALATION_NAMES = {
    EscalationKind.many_to_one: "多人一诉",
    EscalationKind.one_to_many: "一人多诉",
    EscalationKind.long_open: "长期未解决",
    EscalationKind.rehandled: "反复重办",
}


class EscalationRule(Base):
    """A rule of escalated supervision (提级督办, S4) that an administrator tunes: orders it
    catches move into the higher-level centre's ledger and their lead unit is told.

    ``threshold`` is a count of orders (many-to-one, one-to-many), of working days open
    (long open) or of re-handlings (re-handled: more than this many); ``window_days`` is the
    look-back of the two counting rules, in calendar days."""

    __tablename__ = "escalation_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EscalationKind] = mapped_column(str_enum(EscalationKind, "escalation_kind"))
    threshold: Mapped[int] = mapped_column(Integer)
    window_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LedgerEntry(Base):
    """An order on a ledger (台账) — or, for ``knowledge_late``, a policy document whose
    knowledge items were not published in time (then ``work_order_id`` is empty)."""

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LedgerKind] = mapped_column(str_enum(LedgerKind, "ledger_kind"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"))
    policy_document_id: Mapped[int | None] = mapped_column(ForeignKey("policy_document.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # the lead unit when it entered
    centre_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))  # for sector viewers' scope
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # the order closed
    reason: Mapped[str] = mapped_column(String(200))

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id], lazy="joined")
    centre_unit: Mapped[Unit] = relationship(foreign_keys=[centre_unit_id], lazy="joined")
    region: Mapped[Region | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("kind", "work_order_id", name="uq_ledger_entry_kind_order"),
        UniqueConstraint("kind", "policy_document_id", name="uq_ledger_entry_kind_document"),
        Index("ix_ledger_entry_kind_entered", "kind", "entered_at"),
        Index("ix_ledger_entry_unit", "unit_id", "kind"),
        Index("ix_ledger_entry_order", "work_order_id"),
        Index("ix_ledger_entry_centre_entered", "centre_unit_id", "entered_at"),
        Index("ix_ledger_entry_entered", "entered_at"),
    )


#: The counters of :class:`UnitDayStats`, in the order the evaluation reads them.
COUNTERS = (
    "assigned",  # orders dispatched to the unit as lead
    "signed", "signed_on_time",
    "replied", "replied_on_time",
    "resolved", "partly_resolved", "not_resolved",
    "closed", "closed_on_time",
    "rated", "satisfied", "basically_satisfied", "dissatisfied",
    "returned", "unjustified_returns",
    "reply_rejected", "rehandled", "overdue",
    "kb_due", "kb_on_time",  # policy documents whose knowledge deadline fell that day / met it
)


class UnitDayStats(Base):
    __tablename__ = "unit_day_stats"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # China Standard Time day
    assigned: Mapped[int] = mapped_column(Integer, default=0)
    signed: Mapped[int] = mapped_column(Integer, default=0)
    signed_on_time: Mapped[int] = mapped_column(Integer, default=0)
    replied: Mapped[int] = mapped_column(Integer, default=0)
    replied_on_time: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    partly_resolved: Mapped[int] = mapped_column(Integer, default=0)
    not_resolved: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    closed_on_time: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    basically_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    dissatisfied: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    unjustified_returns: Mapped[int] = mapped_column(Integer, default=0)
    reply_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rehandled: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    kb_due: Mapped[int] = mapped_column(Integer, default=0)
    kb_on_time: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_unit_day_stats_day", "day"),)


class ProjectionCursor(Base):
    __tablename__ = "projection_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)



class LetterKind(enum.StrEnum):
    reminder = "reminder"  # 提示函
    supervision = "supervision"  # 督办函
    rectification = "rectification"  # 整改函


LETTER_NAMES = {
    LetterKind.reminder: "提示函",
    LetterKind.supervision: "督办函",
    LetterKind.rectification: "整改函",
}


class LetterTemplate(Base):
    """The editable text of a kind of supervision letter; ``{placeholders}`` are filled with
    the order's facts (never with the citizen's personal data)."""

    __tablename__ = "letter_template"

    kind: Mapped[LetterKind] = mapped_column(str_enum(LetterKind, "letter_kind"), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)


class SupervisionLetter(Base):
    """A supervision letter (督办文书) sent to the unit handling an order: a reminder,
    supervision or rectification letter with its own response deadline, and the unit's
    written response."""

    __tablename__ = "supervision_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LetterKind] = mapped_column(str_enum(LetterKind, "letter_kind"))
    number: Mapped[str | None] = mapped_column(String(40))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    centre_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    response: Mapped[str | None] = mapped_column(Text)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="joined")
    centre_unit: Mapped[Unit] = relationship(foreign_keys=[centre_unit_id], lazy="joined")


class MeetingKind(enum.StrEnum):
    admonition = "admonition"  # 约谈: the centre talks to a unit's leaders about its handling
    joint_meeting = "joint_meeting"  # 联席会议: several units settle a shared or disputed issue


MEETING_NAMES = {MeetingKind.admonition: "约谈", MeetingKind.joint_meeting: "联席会议"}

meeting_unit = Table(
    "supervision_meeting_unit", Base.metadata,
    Column("meeting_id", ForeignKey("supervision_meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True, index=True),
)
meeting_order = Table(
    "supervision_meeting_order", Base.metadata,
    Column("meeting_id", ForeignKey("supervision_meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("work_order_id", ForeignKey("work_order.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class SupervisionMeeting(Base):
    """An admonition talk (约谈) or a joint meeting (联席会议) held by a hotline centre: when
    and where, who took part (units, and the people present with their posts), what was
    decided and by when, and the orders it was about."""

    __tablename__ = "supervision_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind, "meeting_kind"))
    centre_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    held_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[str] = mapped_column(Text)  # one person per line: name and post (officials, not citizens)
    decisions: Mapped[str] = mapped_column(Text)
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # the deadline the decisions set, if any
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    centre_unit: Mapped[Unit] = relationship(foreign_keys=[centre_unit_id], lazy="joined")
    units: Mapped[list[Unit]] = relationship(secondary=meeting_unit, order_by=Unit.id, lazy="selectin")


class NoticeStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"


NOTICE_STATUS_NAMES = {NoticeStatus.draft: "草稿", NoticeStatus.published: "已发布", NoticeStatus.withdrawn: "已撤回"}


class PublicNotice(Base):
    """A public notice (通报) of irregular orders: drafted by a centre from its ledgers, then
    published on the public site (unit, category, place and the problem found — never the
    appeal's text or anything about the person) and sent to the units named."""

    __tablename__ = "public_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(40))  # given at publication
    centre_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[NoticeStatus] = mapped_column(str_enum(NoticeStatus, "notice_status"), default=NoticeStatus.draft)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))

    centre_unit: Mapped[Unit] = relationship(lazy="joined")
    items: Mapped[list[NoticeItem]] = relationship(back_populates="notice", order_by="NoticeItem.position",
                                                   cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (Index("ix_public_notice_status_published", "status", "published_at"),)


class NoticeItem(Base):
    """One irregular order named in a notice, with the unit held to account and the problem."""

    __tablename__ = "public_notice_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("public_notice.id", ondelete="CASCADE"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    problem: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer)

    notice: Mapped[PublicNotice] = relationship(back_populates="items")
    unit: Mapped[Unit | None] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("notice_id", "work_order_id", name="uq_public_notice_item_order"),)


class EvaluationFact(Base):
    """One count behind a unit's day counters: the order that made it. The projector writes
    one row for each counter it adds to, so that every figure of a ranking drills down to
    exactly the orders behind it without reading the event log."""

    __tablename__ = "evaluation_fact"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    day: Mapped[dt.date] = mapped_column(Date)  # China Standard Time day
    counter: Mapped[str] = mapped_column(String(24))  # one of COUNTERS
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"))

    __table_args__ = (Index("ix_evaluation_fact_unit_counter_day", "unit_id", "counter", "day"),)


class DailyLedgerReport(Base):
    """The daily emergency and stability ledger (突发事件与涉稳风险日报) as sent to one
    provincial sector department: the previous China day's entries in its sectors, counted,
    and the text telling it so. One row per department and day, so a re-run sends nothing twice."""

    __tablename__ = "daily_ledger_report"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    emergency: Mapped[int] = mapped_column(Integer)
    stability: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship(lazy="joined")
