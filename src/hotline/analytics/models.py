"""The statistics cube: per China day (grain ``d``) and per month (grain ``m``), per centre,
enterprise or not, and one dimension's value, the counts of :mod:`hotline.analytics.measures`.

Each order is counted once in each dimension (``t`` appeal type, ``k`` category, ``r`` region,
``c`` channel, ``u`` lead unit, ``g`` urgency) of the day it was registered and of that month,
so a table sums a few thousand rows whatever the number of orders (docs/adr/0026)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base


class StatCell(Base):
    __tablename__ = "stat_cell"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    dim: Mapped[str] = mapped_column(String(1), primary_key=True)
    bucket: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # the day, or the month's first day
    centre_unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_enterprise: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" where the order has none
    received: Mapped[int] = mapped_column(Integer, default=0)
    answered_on_spot: Mapped[int] = mapped_column(Integer, default=0)
    dispatched: Mapped[int] = mapped_column(Integer, default=0)
    handled: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    rehandled: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    enterprise: Mapped[int] = mapped_column(Integer, default=0)
    dispatch_timed: Mapped[int] = mapped_column(Integer, default=0)
    dispatch_seconds: Mapped[float] = mapped_column(Float, default=0.0)
