"""Queries of the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEvent, AuditHead
from hotline.auth.models import User
from hotline.kit.db import insert_many, run, table_of

_HEAD = table_of(AuditHead)
#: Every commit that wrote anything reads and moves the head: built once (kit.db.run)
_LOCK_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))


def lock_head(session: Session) -> tuple[int, str]:
    """Take the chain's head row for update and return its ``(seq, hash)``: appends are
    serialised, briefly, at commit. On SQLite the transaction already holds the database
    write lock (BEGIN IMMEDIATE)."""
    row = run(session, _LOCK_HEAD).one()
    return int(row.seq), str(row.hash)


def append(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert chained rows (one multi-row statement) and move the head to the last of them.
    Core statements: the audit trail is written on every commit and needs no ORM objects."""
    insert_many(session, AuditEvent, rows)
    last = rows[-1]
    run(session, _MOVE_HEAD, {"new_seq": last["seq"], "new_hash": last["hash"]})


def iter_chain(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    last = -1
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).scalars().all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def head(session: Session) -> AuditHead:
    return session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()


@dataclass
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _filtered(f: AuditFilter) -> Select[AuditEvent]:
    stmt = select(AuditEvent)
    if f.actor:  # the login name, or the display name people know
        named = select(User.id).where(User.display_name == f.actor).scalar_subquery()
        stmt = stmt.where(or_(AuditEvent.actor_name == f.actor, AuditEvent.actor_id.in_(named)))
    if f.action:
        stmt = stmt.where(AuditEvent.action.startswith(f.action, autoescape=True))
    if f.object_type:
        stmt = stmt.where(AuditEvent.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditEvent.object_id == f.object_id)
    if f.since:
        stmt = stmt.where(AuditEvent.at >= f.since)
    if f.until:
        stmt = stmt.where(AuditEvent.at < f.until)
    return stmt


def search(session: Session, f: AuditFilter, *, limit: int, offset: int) -> tuple[list[AuditEvent], int]:
    stmt = _filtered(f)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.scalars(stmt.order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


def newest(session: Session, f: AuditFilter, *, limit: int) -> list[AuditEvent]:
    """The matching rows, newest first, at most ``limit`` (the export)."""
    return list(session.scalars(_filtered(f).order_by(AuditEvent.seq.desc()).limit(limit)).all())


def display_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Display names of the accounts behind audit rows."""
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(sorted(user_ids))))
    return {int(user_id): str(name) for user_id, name in rows}



def with_actions_since(session: Session, actions: Iterable[str], since: dt.datetime, *,
                       limit: int) -> list[AuditEvent]:
    """The rows of these exact action codes since ``since``, newest first, at most ``limit``."""
    stmt = (select(AuditEvent).where(AuditEvent.action.in_(sorted(actions)), AuditEvent.at >= since)
            .order_by(AuditEvent.seq.desc()).limit(limit))
    return list(session.scalars(stmt).all())
