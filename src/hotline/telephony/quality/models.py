"""Tables of quality inspection (质检): checklist versions and their items, sample draws,
inspections and their item scores."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.kit.db import Base, UTCDateTime
from hotline.telephony.models import new_ref


class Checklist(Base):
    """One version of a region's quality checklist (质检评分表). Versions are immutable: an
    edit makes the next version, and every inspection keeps the version it was scored on, so
    old scores keep their checklist. The region's current checklist is its highest version;
    a region without one uses its nearest parent region's."""

    __tablename__ = "qa_checklist"
    __table_args__ = (UniqueConstraint("region_id", "version", name="uq_qa_checklist_region_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    version: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    items: Mapped[list[ChecklistItem]] = relationship(order_by="ChecklistItem.position", lazy="selectin")

    @property
    def max_score(self) -> float:
        return sum(i.max_points for i in self.items)


class ChecklistItem(Base):
    """An item of a checklist version (质检项): e.g. 问候语规范, 登记准确, 分类正确, 答复正确,
    服务态度, each worth up to ``max_points``."""

    __tablename__ = "qa_checklist_item"
    __table_args__ = (UniqueConstraint("checklist_id", "code", name="uq_qa_checklist_item_checklist_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("qa_checklist.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))
    max_points: Mapped[float] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer)


class Sample(Base):
    """A sample draw (抽检): ``share`` of each agent's answered calls and registered orders in
    ``[period_start, period_end)`` of a region, drawn with the recorded ``seed`` so the same
    draw can be repeated and checked."""

    __tablename__ = "qa_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_ref())
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    share: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Inspection(Base):
    """An inspection (质检单) of one agent's call or order: scored on a checklist version by an
    inspector, seen by the agent, who may appeal once; a second inspector (or a supervisor)
    decides the appeal. ``work_at`` (the call's answer, the order's registration) puts it in
    a month; ``unit_id`` (the agent's unit: the team) and ``operator`` (the outsourced
    operator staffing the seat) are kept as they were when the work was done."""

    __tablename__ = "qa_inspection"
    __table_args__ = (Index("ix_qa_inspection_region_work", "region_id", "work_at"),
                      Index("ix_qa_inspection_agent_work", "agent_id", "work_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_ref())
    kind: Mapped[str] = mapped_column(String(8))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seat.id"))
    operator: Mapped[str | None] = mapped_column(String(100))
    work_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("qa_sample.id"), index=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("qa_checklist.id"))
    status: Mapped[str] = mapped_column(String(16))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    score: Mapped[float | None] = mapped_column(Float)
    original_score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    feedback: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    scores: Mapped[list[Score]] = relationship(order_by="Score.id", lazy="selectin", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Score(Base):
    """Points given to one checklist item of an inspection; ``first_points`` keeps the
    inspector's points when an upheld appeal adjusted them."""

    __tablename__ = "qa_score"
    __table_args__ = (UniqueConstraint("inspection_id", "item_id", name="uq_qa_score_inspection_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("qa_inspection.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("qa_checklist_item.id"))
    points: Mapped[float] = mapped_column(Float)
    first_points: Mapped[float] = mapped_column(Float)
