"""Use cases of the citizen register: register, find by phone, view (masked or not), edit.

Whether a caller sees personal data unmasked is decided by role (``auth.roles.PII_ROLES``);
every unmasked view is audited with the fields shown, never their values."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hotline.audit import service as audit
from hotline.auth.access import require
from hotline.auth.models import User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.citizen import repository
from hotline.citizen.models import Citizen
from hotline.kit import clock, crypto, validate
from hotline.kit.errors import StaleVersion

PII_FIELDS = ("name", "phone", "id_number", "address")


@dataclass
class CitizenView:
    id: int
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
        created_by_id=actor.user_id, created_at=now, updated_at=now,
    )
    session.add(citizen)
    session.flush()
    audit.record(session, actor, "citizen.created", object_type="citizen", object_id=citizen.id)
    return citizen


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
    """Exact lookup through the keyed hash: no decryption of the table."""
    require(actor, Cap.view_citizens)
    number = validate.phone(phone)
    return repository.by_phone_hash(session, phone_hash(number))


def view(session: Session, actor: Principal, citizens: list[Citizen], *, purpose: str) -> list[CitizenView]:
    """What ``actor`` may see of these citizens. Unmasked views are audited, one event per
    citizen, naming the fields shown and why (``purpose``)."""
    masked = not actor.sees_pii
    out = []
    for c in citizens:
        if masked:
            out.append(CitizenView(c.id, crypto.mask_name(c.name), crypto.mask_phone(c.phone),
                                   crypto.mask_id_number(c.id_number), crypto.mask_address(c.address),
                                   c.note, True, c.version))
            continue
        shown = [f for f in PII_FIELDS if getattr(c, f)]
        audit.record(session, actor, "pii.viewed", object_type="citizen", object_id=c.id,
                     detail={"fields": shown, "purpose": purpose})
        out.append(CitizenView(c.id, c.name, c.phone, c.id_number, c.address, c.note, False, c.version))
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
