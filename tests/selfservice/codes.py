"""Reading what the public door texted, as the phone's owner would: the newest code SMS to a phone."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.notify.models import Notification


def texts(db: Session, phone: str, template: str | None = None) -> list[Notification]:
    """Every SMS queued to ``phone`` (the recipient is encrypted: compared after decryption)."""
    db.expire_all()
    rows = db.execute(select(Notification).order_by(Notification.id)).scalars()
    return [n for n in rows if n.recipient == phone and (template is None or n.template == template)]


def last_code(db: Session, phone: str, template: str = "public_code") -> str:
    sent = texts(db, phone, template)
    assert sent, f"no {template} SMS to {phone}"
    found = re.search(r"验证码为(\d{6})", sent[-1].body)
    assert found, sent[-1].body
    return found.group(1)


def confirm_api(client, db: Session, appeal: dict, status: int = 201) -> dict:  # type: ignore[no-untyped-def]
    """Both steps of a public appeal through the API; the order as the citizen sees it."""
    pending = client.post("/api/v1/public/appeals", json=appeal)
    assert pending.status_code == 202, pending.text
    code = last_code(db, appeal["phone"])
    done = client.post("/api/v1/public/appeals/confirm", json={"token": pending.json()["token"], "code": code})
    assert done.status_code == status, done.text
    return dict(done.json())
