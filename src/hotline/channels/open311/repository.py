"""Queries of the Open311 channel: its own tables, and the coordinates of places and regions
(reference data) that place a request given as a point. Never the order's tables: orders
are read through ``workorder.service.public_records``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.channels.open311.models import Open311Key, Open311Request, Open311Service
from hotline.channels.open311.rules import KnownPoint
from hotline.intelligence.models import PlaceName
from hotline.kit import cache
from hotline.org.models import Category, Channel, Region

cache.watch(Region, PlaceName)
_POINTS = cache.reference_cache()


def key_by_hash(session: Session, key_hash: str) -> Open311Key | None:
    return session.execute(select(Open311Key).where(Open311Key.key_hash == key_hash)).scalar_one_or_none()


def key_by_id(session: Session, key_id: int) -> Open311Key | None:
    return session.get(Open311Key, key_id)


def keys(session: Session) -> list[tuple[Open311Key, Channel]]:
    """Every key with its channel, newest first."""
    stmt = (select(Open311Key, Channel).join(Channel, Channel.id == Open311Key.channel_id)
            .order_by(Open311Key.created_at.desc(), Open311Key.id.desc()))
    return [(k, c) for k, c in session.execute(stmt)]


def touch_key(session: Session, key_id: int, now: dt.datetime) -> None:
    """Record the key's use; at most once a minute, so reads do not each write."""
    session.execute(update(Open311Key).where(
        Open311Key.id == key_id,
        (Open311Key.last_used_at.is_(None)) | (Open311Key.last_used_at < now - dt.timedelta(minutes=1)),
    ).values(last_used_at=now))


def services(session: Session, *, enabled_only: bool) -> list[tuple[Open311Service, Category]]:
    """Service definitions with their categories, in category-code order (active categories
    only when ``enabled_only``)."""
    stmt = select(Open311Service, Category).join(Category, Category.id == Open311Service.category_id)
    if enabled_only:
        stmt = stmt.where(Open311Service.enabled.is_(True), Category.active.is_(True))
    return [(s, c) for s, c in session.execute(stmt.order_by(Category.code))]


def service_of(session: Session, category_id: int) -> Open311Service | None:
    return session.execute(
        select(Open311Service).where(Open311Service.category_id == category_id)).scalar_one_or_none()


def known_points(session: Session, region_prefix: str | None) -> list[KnownPoint]:
    """Place names and region seats with coordinates, of active regions under the prefix
    (reference data: cached for a minute, afresh after a change in this process)."""

    def load() -> list[KnownPoint]:
        place = (select(PlaceName.latitude, PlaceName.longitude, Region.code, PlaceName.name)
                 .join(Region, Region.id == PlaceName.region_id)
                 .where(PlaceName.latitude.is_not(None), PlaceName.longitude.is_not(None), Region.active.is_(True)))
        seat = select(Region.latitude, Region.longitude, Region.code, Region.name).where(
            Region.latitude.is_not(None), Region.longitude.is_not(None), Region.active.is_(True))
        if region_prefix is not None:
            place = place.where(Region.code.startswith(region_prefix, autoescape=True))
            seat = seat.where(Region.code.startswith(region_prefix, autoescape=True))
        return [KnownPoint(float(lat), float(lon), code, name)
                for stmt in (place, seat) for lat, lon, code, name in session.execute(stmt)
                if lat is not None and lon is not None]

    if cache.changes_reference(session):
        return load()
    return list(_POINTS.get_or_load(("points", region_prefix), load))


def region_seats(session: Session, codes: list[str]) -> dict[str, tuple[float, float]]:
    if not codes:
        return {}
    stmt = select(Region.code, Region.latitude, Region.longitude).where(
        Region.code.in_(codes), Region.latitude.is_not(None), Region.longitude.is_not(None))
    return {code: (float(lat), float(lon)) for code, lat, lon in session.execute(stmt)
            if lat is not None and lon is not None}


def requests_by_number(session: Session, numbers: list[str]) -> dict[str, Open311Request]:
    if not numbers:
        return {}
    stmt = select(Open311Request).where(Open311Request.number.in_(numbers))
    return {r.number: r for r in session.execute(stmt).scalars()}


def request_by_token(session: Session, token: str) -> Open311Request | None:
    return session.execute(select(Open311Request).where(Open311Request.token == token)).scalar_one_or_none()
