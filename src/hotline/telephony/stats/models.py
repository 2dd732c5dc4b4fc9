"""Tables of call statistics: the hourly rollup of calls and of wrap-up spells, and the
rollup's cursors. The rollup is derived data: it can be dropped and rebuilt from ``call``,
``call_order`` and ``seat_state`` at any time (``hotline cti rollup --rebuild``)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, UTCDateTime
from hotline.telephony.models import Call, CallOrder, SeatState


class Grain(enum.StrEnum):
    """The grains of the rollup: what one row sums."""

    hour = "hour"  # one UTC hour, per queue, seat and agent
    queue_hour = "queue_hour"  # one UTC hour, per queue only (totals, queues, periods: few rows)
    day = "day"  # one China-time day (its midnight as ``hour``), per queue, seat and agent


class CallHour(Base):
    """The sums of the calls *offered* in one span of one region (``grain``: an hour or a
    China-time day starting at ``hour``), per queue, seat and agent (each may be empty;
    the ``queue_hour`` grain leaves seat and agent empty). Columns are the additive parts of
    the figures of :mod:`hotline.telephony.stats.rules`; rates and averages are computed when
    read."""

    __tablename__ = "cti_call_hour"
    __table_args__ = (Index("ix_cti_call_hour_grain_region_hour", "grain", "region_id", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("cti_queue.id"))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seat.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    abandoned_short: Mapped[int] = mapped_column(Integer, default=0)
    answered_15s: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum: Mapped[float] = mapped_column(Float, default=0.0)
    talked: Mapped[int] = mapped_column(Integer, default=0)
    talk_sum: Mapped[float] = mapped_column(Float, default=0.0)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    three_way: Mapped[int] = mapped_column(Integer, default=0)
    enterprise: Mapped[int] = mapped_column(Integer, default=0)
    ordered: Mapped[int] = mapped_column(Integer, default=0)
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    order_links: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class WrapHour(Base):
    """The wrap-up spells (话后整理) that *ended* in one UTC hour (or China-time day, by
    ``grain``), per seat and agent: their count and their total length. A spell is immutable
    once ended, so a rolled-up hour that lies before the cursor never changes."""

    __tablename__ = "cti_wrap_hour"
    __table_args__ = (Index("ix_cti_wrap_hour_grain_region_hour", "grain", "region_id", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    seat_id: Mapped[int] = mapped_column(ForeignKey("seat.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    spells: Mapped[int] = mapped_column(Integer, default=0)
    wrap_sum: Mapped[float] = mapped_column(Float, default=0.0)


class RollupCursor(Base):
    """How far the rollup has read. ``calls``: every call (and call-order link) changed at or
    before ``position`` is in :class:`CallHour`; ``wraps``: every wrap-up spell that ended
    before ``position`` (an hour boundary) is in :class:`WrapHour`."""

    __tablename__ = "cti_rollup_cursor"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


# The rollup finds the calls changed since its cursor, and the wrap-up spells that ended in an
# hour, through these indexes (one more index entry per call update: no extra statement).
Index("ix_call_updated_at", Call.updated_at)
Index("ix_seat_state_ended_at", SeatState.ended_at)
Index("ix_call_order_created_at", CallOrder.created_at)
# A repeat caller is found by probing this index alone (no table access per call).
Index("ix_call_caller_region_offered", Call.caller_hash, Call.region_id, Call.offered_at)
