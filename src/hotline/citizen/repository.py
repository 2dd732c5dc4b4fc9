"""Queries of the citizen register."""

from __future__ import annotations

from sqlalchemy import select
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
