"""Queries of the citizen register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, bindparam, select, text, update
from sqlalchemy.orm import Session

from hotline.citizen.models import Citizen
from hotline.kit.db import run, table_of


def by_phone_hash(session: Session, phone_hash: str, *,
                  scope: Callable[[Select[Any]], Select[Any]] | None = None) -> list[Citizen]:
    """Citizens with this phone (keyed hash), restricted by ``scope`` when given."""
    stmt = select(Citizen).where(Citizen.phone_hash == phone_hash).order_by(Citizen.id)
    return list(session.execute(scope(stmt) if scope else stmt).scalars())


def by_id_number_hash(session: Session, id_hash: str) -> list[Citizen]:
    return list(session.execute(
        select(Citizen).where(Citizen.id_number_hash == id_hash).order_by(Citizen.id)
    ).scalars())


def recent(session: Session, limit: int) -> list[Citizen]:
    return list(session.execute(select(Citizen).order_by(Citizen.id.desc()).limit(limit)).scalars())


def all_ids(session: Session) -> list[int]:
    return list(session.execute(select(Citizen.id).order_by(Citizen.id)).scalars())


# --- the intake path: Core statements, no ORM objects ---------------------------------------


def first_by_phone_hashes(session: Session, phone_hashes: list[str]) -> dict[str, tuple[int, bool]]:
    """For each phone hash, ``(id, has_name)`` of the earliest citizen with that phone.

    On PostgreSQL each phone is first locked for the rest of the transaction (an advisory
    lock, taken in sorted order so that two writers cannot deadlock): a concurrent intake
    from the same new caller waits, then finds the record this one creates, instead of
    creating a second. SQLite has one writer, so nothing can race there."""
    wanted = sorted(set(phone_hashes))
    if wanted and session.get_bind().dialect.name == "postgresql":
        keys = [int.from_bytes(bytes.fromhex(h[:16]), "big", signed=True) for h in wanted]
        session.execute(text("SELECT count(pg_advisory_xact_lock(k)) FROM "
                             "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS phones"), {"keys": keys})
    found: dict[str, tuple[int, bool]] = {}
    for row in run(session, _BY_PHONES, {"hashes": wanted}):
        found.setdefault(row.phone_hash, (int(row.id), bool(row.has_name)))
    return found


_CITIZENS = table_of(Citizen)
#: the batch's callers by phone, built once (kit.db.run): every intake batch runs it
_BY_PHONES = (select(_CITIZENS.c.phone_hash, _CITIZENS.c.id, _CITIZENS.c.name.is_not(None).label("has_name"))
              .where(_CITIZENS.c.phone_hash.in_(bindparam("hashes", expanding=True))).order_by(_CITIZENS.c.id))


def insert_citizens(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """New citizen rows, one statement; their ids in the rows' order."""
    from hotline.kit.db import insert_many, reserve_ids

    ids = reserve_ids(session, Citizen, len(rows))
    from hotline.citizen.models import new_ref

    insert_many(session, Citizen, [{"ref": new_ref(), "region_id": None, **row, "id": i}
                                   for row, i in zip(rows, ids, strict=True)])
    return ids


def set_name(session: Session, citizen_id: int, name: str, now: dt.datetime) -> None:
    session.execute(update(Citizen).where(Citizen.id == citizen_id, Citizen.name.is_(None))
                    .values(name=name, updated_at=now, version=Citizen.version + 1))


def by_ref(session: Session, ref: str) -> Citizen | None:
    return session.execute(select(Citizen).where(Citizen.ref == ref)).scalar_one_or_none()
