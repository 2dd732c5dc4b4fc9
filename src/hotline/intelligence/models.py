"""Tables of the platform's own intelligence (智能辅助).

* :class:`ModelVersion` — one trained version of a dispatch-suggestion model: what it
  predicts (the category, or the lead unit), what it was trained on, its metrics on orders it
  did not see, and the model itself. One version of each kind is active; activating an
  older one is the roll-back.
* :class:`PlaceName` — a street, community or landmark the place finder knows (the region
  tree's own names it knows already), in the region it lies in.
* :class:`EarlyWarning` — a warning raised to supervisors: an hour's appeals in a category
  and county far above their own weekly rhythm, or an appeal naming an emergency (flood,
  landslide, gas leak, collapse, mass incident), with the orders behind it.
* :class:`HotspotSnapshot` — a month's top hotspots of a centre's region, as last computed, and
  :class:`SpecialList` — a hotspot a supervisor turned into a 专题专办 list with a lead unit.
* :class:`HotspotTerm` — a term of the hotspot dictionary (a name kept whole, its synonyms).
* :class:`DispatchFeedback` — at each dispatch, what the active models suggested and what the
  dispatcher chose: how often suggestions are taken, per model version. The choice itself
  (the order's category and lead unit) is what the next training learns from.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from hotline.kit.db import Base, UTCDateTime
from hotline.org.models import str_enum


class ModelKind(enum.StrEnum):
    category = "category"  # 诉求分类
    lead_unit = "lead_unit"  # 主办单位


MODEL_KIND_NAMES = {ModelKind.category: "诉求分类", ModelKind.lead_unit: "主办单位"}


class ModelStatus(enum.StrEnum):
    active = "active"  # 在用
    standby = "standby"  # 备用（可回滚启用）


class ModelVersion(Base):
    """A trained model. ``metrics`` holds accuracy, macro F1 and milliseconds per order on a
    held-out fifth of the training orders (``test_examples`` of them)."""

    __tablename__ = "model_version"
    __table_args__ = (Index("ix_model_version_kind_status", "kind", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ModelKind] = mapped_column(str_enum(ModelKind, "model_kind"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[ModelStatus] = mapped_column(str_enum(ModelStatus, "model_status"))
    trained_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    trained_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    examples: Mapped[int] = mapped_column(Integer)
    labels: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    artifact: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))


class DispatchFeedback(Base):
    """What was suggested at a dispatch and what was chosen. ``suggested_*`` hold the top
    three as ``[label, confidence]``; ``*_rank`` is where the choice stood among them (1–3),
    0 when it was none of them, None when no model was active."""

    __tablename__ = "dispatch_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    category_model_id: Mapped[int | None] = mapped_column(ForeignKey("model_version.id"))
    unit_model_id: Mapped[int | None] = mapped_column(ForeignKey("model_version.id"))
    suggested_categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    suggested_units: Mapped[list[Any]] = mapped_column(JSON, default=list)
    chosen_category: Mapped[str | None] = mapped_column(String(32))
    chosen_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    category_rank: Mapped[int | None] = mapped_column(Integer)
    unit_rank: Mapped[int | None] = mapped_column(Integer)


class PlaceKind(enum.StrEnum):
    street = "street"  # 街路巷
    community = "community"  # 小区、社区、村
    landmark = "landmark"  # 地标（公园、学校、医院、市场……）


PLACE_KIND_NAMES = {PlaceKind.street: "街路巷", PlaceKind.community: "小区社区", PlaceKind.landmark: "地标"}


class PlaceName(Base):
    """A place name the place finder reads in appeal texts, in the region it lies in (the
    deepest region known: usually a township)."""

    __tablename__ = "place_name"
    __table_args__ = (UniqueConstraint("name", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PlaceKind] = mapped_column(str_enum(PlaceKind, "place_kind"))
    latitude: Mapped[float | None] = mapped_column(Float)  # WGS-84 degrees, when known
    longitude: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class WarningKind(enum.StrEnum):
    spike = "spike"  # 诉求量异常激增
    emergency = "emergency"  # 突发事件关键词


WARNING_KIND_NAMES = {WarningKind.spike: "诉求激增", WarningKind.emergency: "突发事件"}


class EarlyWarning(Base):
    """One warning. ``key`` makes it once per cell (or term and place) and hour, however
    often the scan sees it; ``order_ids`` are the orders behind it."""

    __tablename__ = "early_warning"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[WarningKind] = mapped_column(str_enum(WarningKind, "warning_kind"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    centre_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float | None] = mapped_column()
    p_value: Mapped[float | None] = mapped_column()
    term: Mapped[str | None] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(200))
    order_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class HotspotSnapshot(Base):
    """The top hotspots of a month among the orders of a centre's region, as computed at
    ``computed_at`` (``hotspots`` holds each one's label, keywords, place, count, heat, trend,
    growth, samples and member order ids)."""

    __tablename__ = "hotspot_snapshot"
    __table_args__ = (UniqueConstraint("centre_unit_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    orders: Mapped[int] = mapped_column(Integer)
    hotspots: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class SpecialList(Base):
    """专题专办: a hotspot handed to a lead unit as one list of orders to settle together."""

    __tablename__ = "special_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    month: Mapped[str] = mapped_column(String(7))
    centre_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    place: Mapped[str | None] = mapped_column(String(100))
    heat: Mapped[float] = mapped_column()
    order_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(500))


def new_ref() -> str:
    """A public identifier: 128 random bits as 32 hex digits (URLs never carry sequential ids)."""
    return secrets.token_hex(16)


class HotspotTerm(Base):
    """A term of the hotspot dictionary (热点词库): a name people use — a place, an estate, a
    road, a company, a platform, a school, a hospital — that the hotspot engine keeps whole and
    under which it merges the ``synonyms`` (市一医院 → A市第一人民医院). ``region_id``: the
    region of the administrator who keeps it; it applies to the hotspots of that region, of the
    regions above it and of those within it. An inactive term is kept (and audited) but not
    used."""

    __tablename__ = "hotspot_term"
    __table_args__ = (UniqueConstraint("region_id", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    term: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(16))  # one of terms.KINDS
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
