"""The attachment table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, UTCDateTime

#: Where a file came in, as the order page names it.
CONTEXT_NAMES = {"intake": "受理", "public": "群众上传", "reply": "答复", "extension": "延期申请",
                 "letter": "督办文书", "handling": "办理过程"}


class Attachment(Base):
    """A file on a work order: its name, type, size and SHA-256, where the storage keeps it (and
    its thumbnail), why it came (``context``), whether the citizen may see it (``public``) and
    what the virus scan said. ``ref`` (128 random bits) names it in URLs."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    context: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    scan: Mapped[str] = mapped_column(String(16))  # clean | skipped
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_by_name: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
