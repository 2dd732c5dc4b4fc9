"""Background jobs of the intelligence package: the early-warning scan every minute, the
weekly retraining of the dispatch suggestion models (a new version replaces the active one
only if it scores about as well), and training asked for by an administrator (too long for a
web request)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.intelligence import repository, service
from hotline.intelligence.models import ModelKind
from hotline.kit import clock, jobs
from hotline.kit.errors import Conflict
from hotline.org.models import Unit

log = logging.getLogger(__name__)

RETRAIN_JOB = "intelligence.retrain"
WARNING_JOB = "intelligence.warnings"
HOTSPOT_JOB = service.HOTSPOT_JOB
DAILY_HOTSPOTS_JOB = "intelligence.daily_hotspots"
TRAIN_JOB = service.TRAIN_JOB


@jobs.handler(RETRAIN_JOB, every=dt.timedelta(days=7))
def retrain(session: Session, payload: dict[str, Any]) -> None:
    for kind in ModelKind:
        try:
            version = service.train(session, None, kind, activate=None)
        except Conflict as exc:  # not enough closed orders yet: nothing to learn from
            log.info("retraining %s skipped: %s", kind.value, exc.message)
            continue
        log.info("retrained %s: version %d, macro F1 %.3f, %s", kind.value, version.number,
                 version.metrics.get("macro_f1", 0), version.status.value)


@jobs.handler(TRAIN_JOB)
def train(session: Session, payload: dict[str, Any]) -> None:
    kind = ModelKind(payload["kind"])
    requested_by = payload.get("requested_by")
    try:
        service.train(session, None, kind, activate=bool(payload.get("activate", True)),
                      requested_by=int(requested_by) if requested_by else None)
    except Conflict as exc:  # too little history: say so where the administrator looks
        log.warning("training %s refused: %s", kind.value, exc.message)
        audit.record(session, None, "model_version.train_refused", object_type="model_version",
                     detail={"kind": kind.value, "reason": exc.message}, actor_name="system")


@jobs.handler(WARNING_JOB, every=dt.timedelta(minutes=1))
def scan_warnings(session: Session, payload: dict[str, Any]) -> None:
    service.scan_warnings(session)


@jobs.handler(HOTSPOT_JOB)
def compute_hotspots(session: Session, payload: dict[str, Any]) -> None:
    centre = session.get(Unit, int(payload["centre_unit_id"]))
    if centre is not None:
        service.compute_hotspots(session, centre, str(payload["month"]))


@jobs.handler(DAILY_HOTSPOTS_JOB, every=dt.timedelta(days=1))
def daily_hotspots(session: Session, payload: dict[str, Any]) -> None:
    """Every city and province centre's hotspots of the month so far (and, early in a month,
    of the month before, which the monthly top 10 reports)."""
    today = clock.now().astimezone(clock.CST)
    months = [today.strftime("%Y-%m")]
    if today.day <= 3:
        months.append((today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m"))
    for centre in repository.centres(session):
        for month in months:
            jobs.enqueue(session, HOTSPOT_JOB, {"centre_unit_id": centre.id, "month": month})
