"""Queries of the message boards (their own tables only: the orders are read through
``workorder.service``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from hotline.channels.boards.models import Board, BoardImport, BoardMessage
from hotline.kit.db import insert_many, table_of
from hotline.org.models import Channel, ChannelKind, Region, Unit


def board_channels(session: Session) -> list[tuple[Channel, Board | None]]:
    """Every message-board channel with its board settings (None: not set up as a board)."""
    stmt = (select(Channel, Board).outerjoin(Board, Board.channel_id == Channel.id)
            .where(Channel.kind == ChannelKind.message_board).order_by(Channel.id))
    return [(c, b) for c, b in session.execute(stmt)]


def board_by_code(session: Session, code: str, *, lock: bool = False) -> tuple[Board, Channel] | None:
    """A board and its channel by the channel's code. ``lock``: hold the board's row until the
    transaction ends (PostgreSQL; SQLite has one writer anyway), so that two imports of one
    board take their batches in turn and each sees what the other wrote."""
    stmt = select(Board, Channel).join(Channel, Channel.id == Board.channel_id).where(Channel.code == code)
    if lock:
        stmt = stmt.with_for_update(of=Board)
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row else None


def board_by_channel(session: Session, channel_id: int) -> Board | None:
    return session.execute(select(Board).where(Board.channel_id == channel_id)).scalar_one_or_none()


def centre_region_code(session: Session, board: Board) -> str:
    stmt = select(Region.code).join(Unit, Unit.region_id == Region.id).where(Unit.id == board.centre_unit_id)
    return str(session.execute(stmt).scalar_one())


def due_pulls(session: Session, now: dt.datetime) -> list[int]:
    """Boards whose pull is due: enabled, with a URL, and their next pull time reached."""
    stmt = select(Board.id).where(Board.pull_enabled.is_(True), Board.pull_url.is_not(None),
                                  (Board.next_pull_at.is_(None)) | (Board.next_pull_at <= now))
    return list(session.execute(stmt.order_by(Board.id)).scalars())


def known_messages(session: Session, board_id: int, refs: list[str]) -> dict[str, tuple[int, int, int]]:
    """ref → (id, likes, dislikes) of the board's messages already imported among ``refs``."""
    out: dict[str, tuple[int, int, int]] = {}
    unique = sorted(set(refs))
    for start in range(0, len(unique), 900):
        stmt = select(BoardMessage.ref, BoardMessage.id, BoardMessage.likes, BoardMessage.dislikes).where(
            BoardMessage.board_id == board_id, BoardMessage.ref.in_(unique[start:start + 900]))
        out.update({r[0]: (r[1], r[2], r[3]) for r in session.execute(stmt)})
    return out


def refresh_counts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Set likes and dislikes of known messages (``{"id", "likes", "dislikes", "updated_at"}``)."""
    if rows:
        table = table_of(BoardMessage)
        stmt = (table.update().where(table.c.id == bindparam("_id"))
                .values(likes=bindparam("likes"), dislikes=bindparam("dislikes"), updated_at=bindparam("updated_at")))
        session.execute(stmt, [{"_id": r["id"], "likes": r["likes"], "dislikes": r["dislikes"],
                                "updated_at": r["updated_at"]} for r in rows])


def insert_messages(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, BoardMessage, rows)


def messages(session: Session, board_id: int, *, limit: int = 50, offset: int = 0,
             text: str | None = None) -> tuple[list[BoardMessage], int]:
    stmt = select(BoardMessage).where(BoardMessage.board_id == board_id)
    if text:
        pattern = f"%{text}%"
        stmt = stmt.where(BoardMessage.ref.like(pattern) | BoardMessage.subject.like(pattern))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(BoardMessage.posted_at.desc(), BoardMessage.id.desc())
                           .limit(limit).offset(offset)).scalars()
    return list(rows), int(total)


def message_orders(session: Session, board_id: int) -> list[tuple[str, int]]:
    """(ref, order id) of every message of the board that became an order."""
    stmt = select(BoardMessage.ref, BoardMessage.work_order_id).where(
        BoardMessage.board_id == board_id, BoardMessage.work_order_id.is_not(None)).order_by(BoardMessage.id)
    return [(r[0], r[1]) for r in session.execute(stmt) if r[1] is not None]


def record_progress(session: Session, import_id: int, done: Any, now: dt.datetime) -> None:
    """Add a committed batch's counts (``service.Counts``) to its run and mark the time."""
    table = table_of(BoardImport)
    session.execute(table.update().where(table.c.id == import_id).values(
        created=table.c.created + done.created, merged=table.c.merged + done.merged,
        updated=table.c.updated + done.updated, progressed_at=now))


def close_stale_imports(session: Session, board_id: int, *, before: dt.datetime, now: dt.datetime,
                        reason: str) -> int:
    """Runs of the board still "running" that have not moved since ``before`` (their process
    ended without a word): recorded as failed. Returns how many."""
    table = table_of(BoardImport)
    result = session.execute(table.update().where(
        table.c.board_id == board_id, table.c.status == "running",
        func.coalesce(table.c.progressed_at, table.c.started_at) < before,
    ).values(status="failed", finished_at=now, errors=[reason]))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def imports(session: Session, board_id: int, limit: int = 50) -> list[BoardImport]:
    stmt = select(BoardImport).where(BoardImport.board_id == board_id).order_by(BoardImport.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


def message_count(session: Session, board_id: int) -> int:
    stmt = select(func.count()).select_from(BoardMessage).where(BoardMessage.board_id == board_id)
    return int(session.execute(stmt).scalar_one())


def board_by_code_id(session: Session, board: Board) -> Channel:
    """The channel of a board."""
    channel = session.get(Channel, board.channel_id)
    assert channel is not None
    return channel
