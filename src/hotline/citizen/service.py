"""Use cases of the citizen register: register, find by phone, view (masked or not), edit.

Whether a caller sees personal data unmasked is decided by role (``auth.roles.PII_ROLES``);
every unmasked view is audited with the fields shown, never their values. Which citizens a
caller reaches at all is decided by ``auth.access.citizen_scope``; reading many in a row is
rate-limited per account (:func:`count_read`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hotline.audit import alerts
from hotline.audit import service as audit
from hotline.auth.access import citizen_scope, require
from hotline.auth.models import User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.citizen import repository
from hotline.citizen.models import Citizen
from hotline.config import get_settings
from hotline.kit import clock, crypto, ratelimit, validate
from hotline.kit.errors import StaleVersion

PII_FIELDS = ("name", "phone", "id_number", "address")


@dataclass
class CitizenView:
    ref: str
    name: str | None
    phone: str | None
    id_number: str | None
    address: str | None
    note: str | None
    masked: bool
    version: int


def phone_hash(phone: str) -> str:
    return crypto.cipher().blind_index(phone)


def register(
    session: Session, actor: Principal, *, phone: str, name: str | None = None,
    id_number: str | None = None, address: str | None = None, note: str | None = None,
) -> Citizen:
    require(actor, Cap.edit_citizens)
    number = validate.phone(phone)
    idn = validate.id_number(id_number) if id_number else None
    now = clock.now()
    citizen = Citizen(
        phone=number, phone_hash=phone_hash(number),
        name=validate.text(name, "name", max_length=50, required=False),
        id_number=idn, id_number_hash=crypto.cipher().blind_index(idn) if idn else None,
        address=validate.text(address, "address", max_length=300, required=False),
        note=validate.text(note, "note", max_length=500, required=False),
        created_by_id=actor.user_id, created_at=now, updated_at=now, region_id=_region_of(session, actor),
    )
    session.add(citizen)
    session.flush()
    audit.record(session, actor, "citizen.created", object_type="citizen", object_id=citizen.id)
    return citizen


def _region_of(session: Session, actor: Principal) -> int:
    """The scope a record registered by ``actor`` belongs to: the region of their unit."""
    from hotline.org.models import Unit

    unit = session.get(Unit, actor.unit_id)
    assert unit is not None
    return unit.region_id


def update(
    session: Session, actor: Principal, citizen: Citizen, *, version: int | None = None,
    **changes: str | None,
) -> Citizen:
    require(actor, Cap.edit_citizens)
    if version is not None and version != citizen.version:
        raise StaleVersion("诉求人信息已被他人修改，请刷新后重试", current_version=citizen.version)
    changed = []
    if changes.get("phone") is not None:
        number = validate.phone(changes["phone"] or "")
        citizen.phone, citizen.phone_hash = number, phone_hash(number)
        changed.append("phone")
    if changes.get("id_number") is not None:
        raw = changes["id_number"] or ""
        idn = validate.id_number(raw) if raw.strip() else None
        citizen.id_number = idn
        citizen.id_number_hash = crypto.cipher().blind_index(idn) if idn else None
        changed.append("id_number")
    for field, limit in (("name", 50), ("address", 300), ("note", 500)):
        if changes.get(field) is not None:
            setattr(citizen, field, validate.text(changes[field], field, max_length=limit, required=False))
            changed.append(field)
    citizen.updated_at = clock.now()
    session.flush()
    audit.record(session, actor, "citizen.updated", object_type="citizen", object_id=citizen.id,
                 detail={"fields": changed})
    return citizen


def find_by_phone(session: Session, actor: Principal, phone: str) -> list[Citizen]:
    """Exact lookup through the keyed hash (no decryption of the table), among the citizens
    the caller may see only. Every search counts as a read of the register."""
    require(actor, Cap.view_citizens)
    number = validate.phone(phone)
    count_read(session, actor)
    return repository.by_phone_hash(session, phone_hash(number), scope=lambda stmt: citizen_scope(actor, stmt))


def ids_by_phone_hash(session: Session, number_hash: str) -> list[int]:
    """The ids (nothing else) of the citizens with this number's keyed hash: the expert seat's
    screen-pop shows the caller's orders its unit may see (``order_scope``) without reading
    the register, which the unit may not."""
    return [c.id for c in repository.by_phone_hash(session, number_hash)]


#: Purposes whose unmasked views were already counted as one read (the search that found them)
#: or are the caller's own writing.
UNCOUNTED = frozenset({"phone_lookup", "intake_lookup", "registered", "updated"})


def _read_limit() -> ratelimit.Limit:
    settings = get_settings()
    return ratelimit.Limit("citizen_read", settings.citizen_read_limit,
                           dt.timedelta(seconds=settings.citizen_read_window_seconds),
                           "查看诉求人信息过于频繁，请稍后再试")


def count_read(session: Session, actor: Principal) -> None:
    """One read of the register by ``actor`` (an unmasked profile, a phone search, a revealed
    contact). Past ``citizen_read_limit`` in the window the read is refused (429); the
    ``citizen_read_alert_at``-th read of a window raises the security alert
    ``citizen.bulk_read_alert`` (audited, logged, texted to the administrators of the
    account's region; :func:`hotline.audit.alerts.raise_alert`), so an account walking the
    register is noticed before it is stopped."""
    settings = get_settings()
    decision = ratelimit.hit(session, _read_limit(), f"user:{actor.user_id}")
    if decision.count == settings.citizen_read_alert_at:
        alerts.raise_alert(session, "citizen.bulk_read_alert", subject=f"user:{actor.user_id}", actor=actor,
                           account=actor.username, region_code=actor.region_code, object_type="user_account",
                           object_id=actor.user_id,
                           detail={"count": decision.count, "window_seconds": settings.citizen_read_window_seconds})


def view(session: Session, actor: Principal, citizens: list[Citizen], *, purpose: str) -> list[CitizenView]:
    """What ``actor`` may see of these citizens. Unmasked views are audited, one event per
    citizen, naming the fields shown and why (``purpose``), and each counts as a read of the
    register (:func:`count_read`) unless a search already counted it."""
    masked = not actor.sees_pii
    out = []
    for c in citizens:
        if masked:
            out.append(CitizenView(c.ref, crypto.mask_name(c.name), crypto.mask_phone(c.phone),
                                   crypto.mask_id_number(c.id_number), crypto.mask_address(c.address),
                                   c.note, True, c.version))
            continue
        if purpose not in UNCOUNTED:
            count_read(session, actor)
        shown = [f for f in PII_FIELDS if getattr(c, f)]
        audit.record(session, actor, "pii.viewed", object_type="citizen", object_id=c.id,
                     detail={"fields": shown, "purpose": purpose})
        out.append(CitizenView(c.ref, c.name, c.phone, c.id_number, c.address, c.note, False, c.version))
    return out


def rotate_keys(session: Session) -> int:
    """Re-encrypt every stored personal field with the current key and recompute the keyed
    hashes (run after adding a new key at the front of ``HOTLINE_PII_KEYS``, or after
    changing ``HOTLINE_PII_INDEX_KEY``). Returns the number of rows rewritten."""
    count = 0
    for cid in repository.all_ids(session):
        c = session.get(Citizen, cid)
        assert c is not None
        # Decrypted on load; flagging the fields makes the ORM write them back, encrypted anew.
        for field in PII_FIELDS:
            if getattr(c, field) is not None:
                flag_modified(c, field)
        c.phone_hash = phone_hash(c.phone)
        c.id_number_hash = crypto.cipher().blind_index(c.id_number) if c.id_number else None
        count += 1
        if count % 500 == 0:
            session.flush()
            session.expunge_all()
    for user in session.execute(select(User).where(User.phone.is_not(None))).scalars():
        flag_modified(user, "phone")
        count += 1
    session.flush()
    audit.record(session, None, "pii.keys_rotated",
                 detail={"rows": count, "key_id": crypto.cipher().current_key_id})
    return count
