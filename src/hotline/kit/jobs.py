"""Background jobs in a table of the same database, drained by ``hotline worker``.

A worker claims one due job (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so many workers share
the queue; SQLite: its single write lock), runs the handler and marks the job done in the
same transaction. A crash rolls the whole thing back and the job stays pending: nothing
acknowledged is lost. A failing job is retried with exponential back-off, then parked as
``failed``. Periodic jobs are enqueued under a de-duplication key per period, so several
workers never run the same period twice.

A long job (training a model, a month's hotspots: seconds to minutes of computing) must not
hold a transaction that long — on SQLite every transaction holds the one write lock, and every
intake would wait behind it. Its handler (``long_handler``) is given the session factory and
opens its own short transactions: one to read, none while it computes, one to write. The
worker first leases the job (``run_at`` moved ``LEASE`` ahead, the attempt counted) and commits:
no other worker takes it meanwhile. While the handler runs, a heartbeat thread renews the lease
every ``HEARTBEAT``, so a job of any length stays the worker's; if the worker is killed the
heartbeat stops with it and the job is claimable again within ``LEASE`` (a minute) — nothing
acknowledged is lost, and nothing waits an hour. The worker runs long jobs in a thread of their
own, one at a time, so the minute's jobs (the early-warning scan) go on meanwhile."""

from __future__ import annotations

import datetime as dt
import enum
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from prometheus_client import Counter
from sqlalchemy import JSON, Connection, Integer, String, Text, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline.kit import cache, clock
from hotline.kit.db import Base, SessionFactory, UTCDateTime, transaction

log = logging.getLogger(__name__)
JOBS = Counter("hotline_jobs_total", "Background jobs run", ["kind", "outcome"])

Handler = Callable[[Session, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}
#: kind → period; a job of that kind is enqueued once per period.
PERIODIC: dict[str, dt.timedelta] = {}
LongHandler = Callable[[SessionFactory, dict[str, Any]], None]
LONG_HANDLERS: dict[str, LongHandler] = {}
#: How long a long job stays someone's without a heartbeat: a dead worker's job is claimable
#: again this long after its last heartbeat.
LEASE = dt.timedelta(seconds=60)
#: How often a running long job's lease is renewed (several beats fit in one lease, so a
#: busy database delaying one beat does not lose it).
HEARTBEAT = dt.timedelta(seconds=10)
Poller = Callable[[SessionFactory], int]
POLLERS: dict[str, Poller] = {}
#: name → seconds: pollers a running worker calls in a thread of their own, this often when
#: idle and at once again while they find work (the push: deliveries within a second)
FAST_POLLERS: dict[str, float] = {}


class JobStatus(enum.StrEnum):
    pending = "pending"
    done = "done"
    failed = "failed"


class Job(Base):
    """A unit of background work (a deadline sweep, a notification, housekeeping)."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.pending, index=True)
    run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


def handler(kind: str, every: dt.timedelta | None = None) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        if every is not None:
            PERIODIC[kind] = every
        return fn

    return register


def long_handler(kind: str, every: dt.timedelta | None = None) -> Callable[[LongHandler], LongHandler]:
    """Register the handler of a long job: it gets the session factory, not a session, and
    keeps its transactions short (see the module's docstring)."""
    def register(fn: LongHandler) -> LongHandler:
        LONG_HANDLERS[kind] = fn
        if every is not None:
            PERIODIC[kind] = every
        return fn

    return register


def poller(name: str, *, every: float | None = None) -> Callable[[Poller], Poller]:
    """Register a relay the worker calls on every round, beside the job queue: it takes its
    own due work from its own table (the notification outbox) and returns how much it did.
    With ``every``, a running worker calls it in a thread of its own instead, every ``every``
    seconds while it finds nothing to do (``drain`` still calls it: ``--once`` and tests)."""
    def register(fn: Poller) -> Poller:
        POLLERS[name] = fn
        if every is not None:
            FAST_POLLERS[name] = every
        return fn

    return register


def enqueue(session: Session, kind: str, payload: dict[str, Any] | None = None, *,
            run_at: dt.datetime | None = None, dedupe_key: str | None = None) -> None:
    """Add a job in the caller's transaction (it runs only if that transaction commits).
    With a ``dedupe_key`` a second enqueue of the same key does nothing."""
    values = {"kind": kind, "payload": payload or {}, "status": JobStatus.pending,
              "run_at": run_at or clock.now(), "attempts": 0, "max_attempts": 8,
              "dedupe_key": dedupe_key, "created_at": clock.now()}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Job).values(**values)
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    session.execute(stmt)


def schedule_periodic(session: Session) -> None:
    now = clock.now()
    for kind, every in PERIODIC.items():
        period = int(now.timestamp() // every.total_seconds())
        enqueue(session, kind, dedupe_key=f"{kind}:{period}")


def _claim(session: Session, limit: int, *, long_jobs: bool = True) -> list[Job]:
    stmt = select(Job).where(Job.status == JobStatus.pending, Job.run_at <= clock.now())
    if not long_jobs:
        stmt = stmt.where(Job.kind.not_in(list(LONG_HANDLERS)))
    stmt = stmt.order_by(Job.run_at, Job.id).limit(limit).with_for_update(skip_locked=True)
    return list(session.execute(stmt).scalars())


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 2 ** attempts * 5))


#: Jobs claimed and committed together: fewer transactions under load, while a batch still
#: holds SQLite's write lock for only a few milliseconds.
BATCH = 20


class Lane:
    """The worker's thread for long jobs: one at a time, and a new one only when it is idle —
    a job waiting behind another would spend its lease waiting."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="long-job")
        self._running: Future[None] | None = None

    def idle(self) -> bool:
        return self._running is None or self._running.done()

    def run(self, fn: Callable[..., None], *args: object) -> None:
        self._running = self._pool.submit(fn, *args)

    def shutdown(self) -> None:
        """Leave the running job to finish; one that never started runs when its lease ends."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def run_batch(factory: SessionFactory, limit: int = BATCH, lane: Lane | None = None) -> int:
    """Run up to ``limit`` due jobs in one transaction, each in a savepoint of its own: a job
    that fails is rolled back alone and rescheduled with back-off (or marked failed after
    ``max_attempts``); the others commit with their done marks. Long jobs are only leased in
    that transaction, and run after it — in the ``lane`` when one is given (the worker's own
    thread for long jobs, so the minute's jobs go on meanwhile: then one long job at a time,
    and none while the lane is busy), else here. Returns how many ran (or went to the lane)."""
    leased: list[tuple[int, str, dict[str, Any], int]] = []
    ran = 0
    with transaction(factory) as session:
        for job in _claim(session, limit, long_jobs=lane is None or lane.idle()):
            kind, payload = job.kind, dict(job.payload)
            if kind in LONG_HANDLERS:
                if lane is not None and leased:
                    continue  # one at a time: it stays pending for a later round
                ran += 1
                job.attempts += 1
                job.run_at = clock.now() + LEASE
                leased.append((job.id, kind, payload, job.attempts))
                continue
            ran += 1
            try:
                with session.begin_nested():
                    fn = HANDLERS.get(kind)
                    if fn is None:
                        raise LookupError(f"no handler for job kind {kind!r}")
                    fn(session, payload)
            except Exception as exc:
                _record_failure(job, exc)
                continue
            job.status, job.finished_at, job.attempts = JobStatus.done, clock.now(), job.attempts + 1
            JOBS.labels(kind, "done").inc()
    for job_id, kind, payload, attempt in leased:
        if lane is None:
            _run_long(factory, job_id, kind, payload, attempt)
        else:
            lane.run(_run_long, factory, job_id, kind, payload, attempt)
    return ran


def renew_lease(session: Session, job_id: int, attempt: int) -> bool:
    """Move a leased long job's ``run_at`` a whole ``LEASE`` ahead again — only while it is
    still pending under this lease (``attempt``: the attempt count it was leased with; another
    worker taking it over counts one more). False when the lease is no longer this worker's."""
    stmt = (update(Job).where(Job.id == job_id, Job.status == JobStatus.pending, Job.attempts == attempt)
            .values(run_at=clock.now() + LEASE).execution_options(synchronize_session=False))
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


class Heartbeat:
    """Renews a long job's lease every ``HEARTBEAT`` in a thread of its own, while the job's
    handler runs; stops when told, or when the lease turns out lost. A session factory bound
    to one connection (a test's transaction) cannot serve a second thread: then no beat."""

    def __init__(self, factory: SessionFactory, job_id: int, attempt: int) -> None:
        self._factory, self._job_id, self._attempt = factory, job_id, attempt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        if not isinstance(self._factory.kw.get("bind"), Connection):
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT.total_seconds()):
            try:
                with transaction(self._factory) as session:
                    kept = renew_lease(session, self._job_id, self._attempt)
            except Exception:
                log.warning("job %s: lease renewal failed, trying again", self._job_id, exc_info=True)
                continue
            if not kept:
                log.warning("job %s: lease lost (finished or taken over); heartbeat stopped", self._job_id)
                return


def _run_long(factory: SessionFactory, job_id: int, kind: str, payload: dict[str, Any], attempt: int) -> None:
    try:
        with Heartbeat(factory, job_id, attempt):
            LONG_HANDLERS[kind](factory, payload)
    except Exception as exc:
        with transaction(factory) as session:
            job = session.get(Job, job_id)
            if job is not None:
                _record_failure(job, exc, counted=True)
        return
    with transaction(factory) as session:
        job = session.get(Job, job_id)
        if job is not None:
            job.status, job.finished_at = JobStatus.done, clock.now()
    JOBS.labels(kind, "done").inc()


def _record_failure(job: Job, exc: Exception, *, counted: bool = False) -> None:
    """``counted``: the attempt was counted already (a long job's, when it was leased)."""
    log.warning("job %s (%s) failed: %s", job.id, job.kind, type(exc).__name__)
    JOBS.labels(job.kind, "error").inc()
    if not counted:
        job.attempts += 1
    job.last_error = "".join(traceback.format_exception_only(type(exc), exc))[-2000:]
    if job.attempts >= job.max_attempts:
        job.status = JobStatus.failed
        job.finished_at = clock.now()
    else:
        job.run_at = clock.now() + backoff(job.attempts)


def drain(factory: SessionFactory, limit: int = 1000, lane: Lane | None = None, *, fast: bool = True) -> int:
    """Schedule periodic jobs and run every due job (without a ``lane``, long jobs too before
    returning: ``--once`` and tests); ``fast``: the fast pollers too (a running worker has
    threads of their own for them)."""
    cache.notice_changes(factory)  # reference rows another process changed
    with transaction(factory) as session:
        schedule_periodic(session)
    count = 0
    while count < limit:
        ran = run_batch(factory, min(BATCH, limit - count), lane)
        for name, relay in POLLERS.items():
            if not fast and name in FAST_POLLERS:
                continue
            try:
                ran += relay(factory)
            except Exception:
                log.exception("relay %s failed", name)
        if not ran:
            break
        count += ran
    return count


def _run_fast(name: str, factory: SessionFactory, stop: threading.Event) -> None:
    relay, every = POLLERS[name], FAST_POLLERS[name]
    while not stop.is_set():
        try:
            did = relay(factory)
        except Exception:
            log.exception("relay %s failed", name)
            did = 0
        if not did:
            stop.wait(every)


def run_worker(factory: SessionFactory, *, once: bool = False, poll_seconds: float = 1.0,
               stop: threading.Event | None = None) -> None:
    """Drain the queue until ``stop``. The handlers must be registered first — the kit knows no
    domain: ``hotline worker`` and ``hotline serve`` fill the registry at start-up
    (``hotline.app.load_tasks``)."""
    stop = stop or threading.Event()
    if not HANDLERS and not LONG_HANDLERS:
        log.warning("worker started with no job handlers registered")
    log.info("worker started")
    lane = None if once else Lane()
    fast = [] if once else [threading.Thread(target=_run_fast, args=(name, factory, stop), daemon=True,
                                             name=f"poller-{name}") for name in FAST_POLLERS]
    for thread in fast:
        thread.start()
    try:
        while not stop.is_set():
            try:
                drain(factory, lane=lane, fast=once)
            except Exception:
                log.exception("worker loop error")
            if once:
                return
            stop.wait(poll_seconds)
    finally:
        if lane is not None:
            lane.shutdown()
