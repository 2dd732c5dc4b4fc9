"""Every query of telephony."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.org.models import Region
from hotline.telephony.models import Seat, SeatState

# --- seats ------------------------------------------------------------------------------------

def seat_by_code(session: Session, code: str, *, lock: bool = False) -> Seat | None:
    stmt = select(Seat).where(Seat.code == code)
    return session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()


def seat_by_ref(session: Session, ref: str) -> Seat | None:
    return session.execute(select(Seat).where(Seat.ref == ref)).scalar_one_or_none()


def seat_of_agent(session: Session, agent_id: int) -> Seat | None:
    return session.execute(select(Seat).where(Seat.agent_id == agent_id)).scalars().first()


def close_state_spell(session: Session, seat_id: int, at: dt.datetime) -> None:
    """End the seat's open state spell (if any) at ``at``."""
    session.execute(update(SeatState).where(SeatState.seat_id == seat_id, SeatState.ended_at.is_(None))
                    .values(ended_at=at))


def seat_region_code(session: Session, seat: Seat) -> str:
    return session.execute(select(Region.code).where(Region.id == seat.region_id)).scalar_one()
