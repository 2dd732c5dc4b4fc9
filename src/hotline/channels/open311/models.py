"""Tables of the Open311 channel: API keys, the categories opened as services with their
extra questions, and what a posted request gave that the order does not keep (its point,
address id, media link, answers to the extra questions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, UTCDateTime


class Open311Key(Base):
    """An Open311 API key (开放311接口密钥): one partner system (a city app, a partner
    portal) posting service requests. Its requests are recorded under ``channel_id`` and
    registered by ``account_id`` (an integration service account). Only the SHA-256 of the
    key is stored; the key itself is shown once, when it is made."""

    __tablename__ = "open311_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))  # the key's first characters, to tell keys apart in lists
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Open311Service(Base):
    """A category as an Open311 service (服务): whether it is open to Open311, how it is
    described to clients, and its extra questions (service definition attributes: code,
    datatype, required, order, description, values). ``service_code`` is the category code."""

    __tablename__ = "open311_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(String(500))
    keywords: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16), default="realtime")  # realtime | batch
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Open311Request(Base):
    """A request posted through Open311: its ``token`` (the ``source_ref`` of the order it
    made), the order's number, and what the order itself does not keep — the point, the
    address id, the media link and the answers to the service's extra questions. No
    personal data (name, phone, e-mail go to the order's citizen record or nowhere)."""

    __tablename__ = "open311_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    number: Mapped[str] = mapped_column(String(20), index=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_key.id"))
    service_code: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)
    address_id: Mapped[str | None] = mapped_column(String(100))
    zipcode: Mapped[str | None] = mapped_column(String(20))
    media_url: Mapped[str | None] = mapped_column(String(500))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
