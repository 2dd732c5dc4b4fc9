"""Table of the statistics workbench's saved views."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, UTCDateTime


def new_ref() -> str:
    """A public identifier: 128 random bits as 32 hex digits (URLs never carry sequential ids)."""
    return secrets.token_hex(16)


class SavedView(Base):
    """A saved view (保存的视图) of the statistics workbench: a name and the workbench's state as
    its canonical query string (measures, dimension, period, filters). Private to the account
    that saved it; opening it shows the figures of the opener's own scope as of now."""

    __tablename__ = "saved_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
