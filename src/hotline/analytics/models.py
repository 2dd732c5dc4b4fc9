"""The statistics cube: per China day (grain ``d``) and per month (grain ``m``), per area,
enterprise or not, placed or not, and one dimension's value, the counts of
:mod:`hotline.analytics.measures`.

The area is the city of the centre that owns the order (a province-level centre's orders: the
province), and area 0 holds the whole province again, so a city's table and the province's each
read only their own rows. Each order is counted once in each dimension (``t`` appeal type, ``k``
category, ``r`` region, ``c`` channel, ``u`` lead unit, ``g`` urgency) of the day it was
registered and of that month, in its area and in area 0 (docs/adr/0026).

Beside it, ``stat_pair`` crosses two dimensions the cube keeps apart: the category and the
county (an order placed in a township counts in its county; above a county, in its own region;
without a region, region 0), for the tables by region of a provincial sector viewer and of a
centre filtering one category — read from the orders, those were the slowest shapes at scale."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base


class _Counts:
    """The counts of :mod:`hotline.analytics.measures` (one column each) and the sums."""

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


class StatCell(_Counts, Base):
    __tablename__ = "stat_cell"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    dim: Mapped[str] = mapped_column(String(1), primary_key=True)
    area_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # a region id; 0: the whole province
    bucket: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # the day, or the month's first day
    is_enterprise: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    placed: Mapped[bool] = mapped_column(Boolean, primary_key=True)  # the order has a region (sector scopes)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" where the order has none


class StatPair(_Counts, Base):
    __tablename__ = "stat_pair"

    # category before bucket: a sector's or a filter's categories are read as ranges of months
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    region_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the county (or above); 0: no region
    is_enterprise: Mapped[bool] = mapped_column(Boolean, primary_key=True)
