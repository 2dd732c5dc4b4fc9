"""Tables of spot checks (抽查) and rectification lists (整改清单).

URLs carry the random ``ref`` of each object, never its sequential id."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, UTCDateTime


def new_ref() -> str:
    """A public identifier: 128 random bits as 32 hex digits."""
    return secrets.token_hex(16)


class SpotCheck(Base):
    """A spot check (抽查): a provincial department (a sector viewer, within its sectors) or an
    inspection team (a centre's supervisors) draws a sample of the orders in its scope —
    at random or stratified by unit, region or category, over a period, with a recorded seed so
    the same draw can be repeated — and records a finding per order. ``issuer_unit_id`` is the
    checker's unit: the check belongs to it (its people see and work on the check)."""

    __tablename__ = "spot_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    title: Mapped[str] = mapped_column(String(100))
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    method: Mapped[str] = mapped_column(String(16))  # random | stratified
    stratify_by: Mapped[str | None] = mapped_column(String(16))  # unit | region | category
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    #: What the sample was drawn from: filters, population size, the strata and their shares.
    criteria: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    sample_size: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(32))
    correction_working_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SpotCheckItem(Base):
    """One sampled order of a spot check: the finding (correct, or a problem of a type), the
    citizen re-callback (复核回访) if made, and for a problem the required correction (整改要求)
    with its deadline, which the responsible unit answers and the checker accepts or sends back.
    ``unit_id`` is the order's lead unit when it was drawn: the unit that must correct."""

    __tablename__ = "spot_check_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_check.id", ondelete="CASCADE"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    stratum: Mapped[str | None] = mapped_column(String(40))
    finding: Mapped[str | None] = mapped_column(String(16))  # None (unchecked) | correct | problem
    problem_type: Mapped[str | None] = mapped_column(String(24))
    finding_note: Mapped[str | None] = mapped_column(String(1000))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    recall_verdict: Mapped[str | None] = mapped_column(String(24))  # satisfied … dissatisfied | unreached
    recall_note: Mapped[str | None] = mapped_column(String(500))
    recall_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recall_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: none | open | answered | accepted | returned (sent back: open again)
    correction_state: Mapped[str] = mapped_column(String(16), default="none")
    correction_required: Mapped[str | None] = mapped_column(String(1000))
    correction_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    correction_answer: Mapped[str | None] = mapped_column(Text)
    correction_answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    correction_answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    correction_decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    correction_decision_note: Mapped[str | None] = mapped_column(String(500))
    #: the accepted answer came in before the deadline (set on acceptance)
    correction_on_time: Mapped[bool | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("spot_check_id", "work_order_id", name="uq_spot_check_item_order"),
        Index("ix_spot_check_item_check", "spot_check_id", "id"),
        Index("ix_spot_check_item_unit_state", "unit_id", "correction_state"),
    )


class RectificationList(Base):
    """A rectification list (整改清单): items to fix, each with a responsible unit and a deadline,
    issued by a centre's supervisors or a provincial department (``issuer_unit_id``), built
    from a spot check's findings, from ledger entries or by hand."""

    __tablename__ = "rectification_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    title: Mapped[str] = mapped_column(String(100))
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))  # spot_check | ledger | manual
    spot_check_id: Mapped[int | None] = mapped_column(ForeignKey("spot_check.id"))
    note: Mapped[str | None] = mapped_column(String(500))


class RectificationItem(Base):
    """One item of a rectification list: what the responsible unit must fix and by when. The
    unit reports progress and finally done (``reported``); the issuer confirms (``done``) or
    sends it back (``open`` again, with the reason)."""

    __tablename__ = "rectification_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    list_id: Mapped[int] = mapped_column(ForeignKey("rectification_list.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    description: Mapped[str] = mapped_column(String(1000))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | in_progress | reported | done
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    source_kind: Mapped[str] = mapped_column(String(16))  # finding | ledger | manual
    spot_check_item_id: Mapped[int | None] = mapped_column(ForeignKey("spot_check_item.id"))
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id", ondelete="SET NULL"))
    progress: Mapped[str | None] = mapped_column(Text)
    progress_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    return_note: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_rectification_item_list", "list_id", "id"),
        Index("ix_rectification_item_unit_status", "unit_id", "status"),
    )
