"""Queries of the citizen register."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from hotline.citizen.models import Citizen


def by_phone_hash(session: Session, phone_hash: str) -> list[Citizen]:
    return list(session.execute(
        select(Citizen).where(Citizen.phone_hash == phone_hash).order_by(Citizen.id)
    ).scalars())


def by_id_number_hash(session: Session, id_hash: str) -> list[Citizen]:
    return list(session.execute(
        select(Citizen).where(Citizen.id_number_hash == id_hash).order_by(Citizen.id)
    ).scalars())


def recent(session: Session, limit: int) -> list[Citizen]:
    return list(session.execute(select(Citizen).order_by(Citizen.id.desc()).limit(limit)).scalars())


def all_ids(session: Session) -> list[int]:
    return list(session.execute(select(Citizen.id).order_by(Citizen.id)).scalars())


# --- the intake path: Core statements, no ORM objects ---------------------------------------


def first_by_phone_hash(session: Session, phone_hash: str) -> tuple[int, bool] | None:
    """``(id, has_name)`` of the earliest citizen with this phone, if any."""
    row = session.execute(
        select(Citizen.id, Citizen.name.is_not(None)).where(Citizen.phone_hash == phone_hash)
        .order_by(Citizen.id).limit(1)
    ).first()
    return (int(row[0]), bool(row[1])) if row is not None else None


def insert_citizen(session: Session, values: dict[str, Any]) -> int:
    """A new citizen row (personal data encrypted by the column types); returns its id."""
    return int(session.execute(insert(Citizen).values(**values).returning(Citizen.id)).scalar_one())


def set_name(session: Session, citizen_id: int, name: str, now: dt.datetime) -> None:
    session.execute(update(Citizen).where(Citizen.id == citizen_id, Citizen.name.is_(None))
                    .values(name=name, updated_at=now, version=Citizen.version + 1))
