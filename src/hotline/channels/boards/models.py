"""Tables of the merged online message boards (网络留言板): a board's own settings beside its
channel row, every message imported from it, and each import run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, UTCDateTime


class Board(Base):
    """A message board (网络留言板): a channel of kind ``message_board`` whose messages are
    imported from its export files or pulled from its HTTP JSON API. Its messages are
    registered by the board's own service account (a dispatcher of the board's centre with no
    password: it takes the appeals and merges the duplicates it finds), so every order and
    merge it makes is the board's in the audit trail."""

    __tablename__ = "board"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"), unique=True)
    centre_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    appeal_type: Mapped[str] = mapped_column(String(32), default="complaint")
    # the pull adapter (None: the board is imported from files only)
    pull_url: Mapped[str | None] = mapped_column(String(500))
    pull_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    pull_interval_seconds: Mapped[int] = mapped_column(Integer, default=900)
    field_map: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pull_cursor: Mapped[str | None] = mapped_column(String(200))
    pull_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_pull_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_pulled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class BoardMessage(Base):
    """A message (留言) of a board, keyed by the board's own id of it (留言编号). The board
    user is kept as the board's reference (``user_ref``), never as a citizen's name. The
    message became the order ``work_order_id``; likes and dislikes are refreshed by every
    import that sees it again."""

    __tablename__ = "board_message"
    __table_args__ = (UniqueConstraint("board_id", "ref", name="uq_board_message_board_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(100))
    user_ref: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200))
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    likes: Mapped[int] = mapped_column(Integer, default=0)
    dislikes: Mapped[int] = mapped_column(Integer, default=0)
    board_reply: Mapped[str | None] = mapped_column(Text)  # a reply the board already shows (答复意见)
    board_replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id", ondelete="SET NULL"), index=True)
    work_order_number: Mapped[str | None] = mapped_column(String(20))
    merged_into_number: Mapped[str | None] = mapped_column(String(20))  # the main order it was merged into
    import_id: Mapped[int | None] = mapped_column(ForeignKey("board_import.id", ondelete="SET NULL"))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class BoardImport(Base):
    """One import run of a board: an uploaded or command-line file, or a pull of its API —
    what was read, created, merged, refreshed, skipped and rejected, with the first errors."""

    __tablename__ = "board_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # file | upload | pull
    filename: Mapped[str | None] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: When the run last committed a batch (its counts are then those so far): a run left
    #: "running" that has not moved for ``service.STALE_RUN`` was stopped by its process' end.
    progressed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="done")  # running | done | rejected | failed
    read: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
