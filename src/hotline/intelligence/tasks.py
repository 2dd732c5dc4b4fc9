"""Background jobs of the intelligence package: the early-warning scan every minute, the
weekly retraining of the dispatch suggestion models (a new version replaces the active one
only if it scores about as well), and training asked for by an administrator (too long for a
web request). Training and hotspots are long jobs: they read in one short transaction,
compute outside any, and write in another."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.intelligence import hotspots, repository, service
from hotline.intelligence.models import ModelKind, ModelVersion
from hotline.kit import clock, jobs
from hotline.kit.db import SessionFactory, transaction
from hotline.kit.errors import Conflict
from hotline.org.models import Unit

log = logging.getLogger(__name__)

RETRAIN_JOB = "intelligence.retrain"
WARNING_JOB = "intelligence.warnings"
HOTSPOT_JOB = service.HOTSPOT_JOB
DAILY_HOTSPOTS_JOB = "intelligence.daily_hotspots"
TRAIN_JOB = service.TRAIN_JOB


def train_model(factory: SessionFactory, kind: ModelKind, *, limit: int = service.TRAINING_LIMIT,
                activate: bool | None = True, requested_by: int | None = None) -> ModelVersion:
    """Train and store a version of the kind's model in three steps — read the history, fit
    (minutes, outside any transaction: on SQLite a transaction holds the write lock, and intake
    would wait), store — as the background jobs and ``hotline model train`` do. Conflict when
    the history is too small."""
    with transaction(factory) as session:
        texts, labels = service.training_set(session, kind, limit)
    fitted = service.fit(texts, labels)
    with transaction(factory) as session:
        return service.store(session, None, kind, fitted, activate=activate, requested_by=requested_by)


#: The weekly retraining leaves a kind alone whose latest version is younger than this (one
#: trained on request, or at the first start, when the week's turn comes right after).
RETRAIN_MIN_AGE = dt.timedelta(days=1)


@jobs.long_handler(RETRAIN_JOB, every=dt.timedelta(days=7))
def retrain(factory: SessionFactory, payload: dict[str, Any]) -> None:
    for kind in ModelKind:
        with transaction(factory) as session:
            last = repository.last_trained(session, kind)
        if last is not None and clock.now() - last < RETRAIN_MIN_AGE:
            log.info("retraining %s skipped: version trained at %s", kind.value, last.isoformat())
            continue
        try:
            version = train_model(factory, kind, activate=None)
        except Conflict as exc:  # not enough closed orders yet: nothing to learn from
            log.info("retraining %s skipped: %s", kind.value, exc.message)
            continue
        log.info("retrained %s: version %d, macro F1 %.3f, %s", kind.value, version.number,
                 version.metrics.get("macro_f1", 0), version.status.value)


@jobs.long_handler(TRAIN_JOB)
def train(factory: SessionFactory, payload: dict[str, Any]) -> None:
    kind = ModelKind(payload["kind"])
    requested_by = payload.get("requested_by")
    try:
        train_model(factory, kind, activate=bool(payload.get("activate", True)),
                    requested_by=int(requested_by) if requested_by else None)
    except Conflict as exc:  # too little history: say so where the administrator looks
        log.warning("training %s refused: %s", kind.value, exc.message)
        with transaction(factory) as session:
            audit.record(session, None, "model_version.train_refused", object_type="model_version",
                         detail={"kind": kind.value, "reason": exc.message}, actor_name="system")


@jobs.handler(WARNING_JOB, every=dt.timedelta(minutes=1))
def scan_warnings(session: Session, payload: dict[str, Any]) -> None:
    service.scan_warnings(session)


@jobs.long_handler(HOTSPOT_JOB)
def compute_hotspots(factory: SessionFactory, payload: dict[str, Any]) -> None:
    """Read the month's orders, cluster them outside any transaction, store the top 10."""
    month = str(payload["month"])
    with transaction(factory) as session:
        centre = session.get(Unit, int(payload["centre_unit_id"]))
        if centre is None:
            return
        centre_id, appeals = centre.id, service.hotspot_appeals(session, centre, month)
        dictionary = service.dictionary_for(session, centre.region.code, fresh=True)
    found = hotspots.find(appeals, top=service.TOP_HOTSPOTS, dictionary=dictionary)
    with transaction(factory) as session:
        service.store_hotspots(session, centre_id, month, found, len(appeals))


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
