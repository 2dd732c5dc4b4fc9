"""The inbox table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, UTCDateTime

KIND_NAMES = {
    "new_order": "新工单", "due_soon": "临期提醒", "overdue": "超期提醒", "sent_back": "退回重办",
    "letter": "督办文书", "escalated": "提级督办", "urged": "催办", "returned": "退单待审",
    "extension": "延期申请", "warning": "预警", "mention": "提到了您",
}


class InboxItem(Base):
    """One message in a user's inbox (站内消息): what happened, to which object, read or not.
    Written by the fan-out job from the events (``inbox.service.fan_out``); ``ref`` (128 random
    bits) names it in URLs. The text holds an order's number and title as the user may read
    them, never a caller's contact data."""

    __tablename__ = "inbox_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(300))
    work_order_id: Mapped[int | None] = mapped_column(Integer)
    event_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    # a user's newest messages, and the unread ones (the bell's count), from one index each
    __table_args__ = (Index("ix_inbox_item_user", "user_id", "id"),
                      Index("ix_inbox_item_unread", "user_id", "id", postgresql_where=text("read_at IS NULL"),
                            sqlite_where=text("read_at IS NULL")))
