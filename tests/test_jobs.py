"""The job queue: runs due jobs once, retries failures with back-off, periodic jobs once per period."""

import datetime as dt

from sqlalchemy import select

import hotline.tasks  # noqa: F401  (registers the periodic housekeeping job)
from hotline.auth.models import AuthSession
from hotline.kit import clock, jobs
from hotline.kit.jobs import Job, JobStatus

CALLS: list[dict] = []


@jobs.handler("test.record")
def _record(session, payload):
    CALLS.append(payload)


@jobs.handler("test.explode")
def _explode(session, payload):
    raise RuntimeError("boom")


def test_a_job_runs_once_and_is_marked_done(db, factory):
    CALLS.clear()
    jobs.enqueue(db, "test.record", {"n": 1})
    db.commit()
    assert jobs.run_batch(factory) == 1
    assert jobs.run_batch(factory) == 0
    assert CALLS == [{"n": 1}]
    job = db.scalars(select(Job).where(Job.kind == "test.record")).one()
    db.refresh(job)
    assert job.status == JobStatus.done and job.attempts == 1


def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(db, factory):
    CALLS.clear()
    with db.begin_nested() as sp:
        jobs.enqueue(db, "test.record", {"n": 2})
        sp.rollback()
    assert jobs.run_batch(factory) == 0


def test_a_failing_job_is_retried_with_back_off_then_parked(db, factory, travel):
    jobs.enqueue(db, "test.explode")
    db.commit()
    assert jobs.run_batch(factory) == 1
    job = db.scalars(select(Job).where(Job.kind == "test.explode")).one()
    db.refresh(job)
    assert job.status == JobStatus.pending and job.attempts == 1 and "boom" in job.last_error
    assert job.run_at > clock.now()
    assert jobs.run_batch(factory) == 0  # not due yet
    for _ in range(job.max_attempts):
        travel.shift(3700)
        jobs.run_batch(factory)
    db.refresh(job)
    assert job.status == JobStatus.failed


def test_a_failing_job_in_a_batch_leaves_the_others_done(db, factory):
    CALLS.clear()
    jobs.enqueue(db, "test.record", {"n": 3})
    jobs.enqueue(db, "test.explode")
    jobs.enqueue(db, "test.record", {"n": 4})
    db.commit()
    assert jobs.run_batch(factory) == 3
    assert CALLS == [{"n": 3}, {"n": 4}]
    states = {(j.kind, j.status, j.attempts) for j in db.scalars(select(Job).where(Job.kind.like("test.%")))}
    assert states == {("test.record", JobStatus.done, 1), ("test.explode", JobStatus.pending, 1)}


def test_periodic_jobs_are_enqueued_once_per_period(db):
    jobs.schedule_periodic(db)
    jobs.schedule_periodic(db)
    kinds = db.scalars(select(Job.kind).where(Job.kind == "auth.housekeeping")).all()
    assert kinds == ["auth.housekeeping"]


def test_housekeeping_removes_expired_sessions(db, factory, world, client):
    from tests.factories import login

    login(client, "agent")
    db.add(AuthSession(token_hash="x" * 64, csrf_token="c", user_id=world.user_ids["agent"],
                       created_at=clock.now() - dt.timedelta(days=2), expires_at=clock.now() - dt.timedelta(days=1)))
    db.commit()

    jobs.drain(factory)
    hashes = db.scalars(select(AuthSession.token_hash)).all()
    assert "x" * 64 not in hashes and len(hashes) == 1


LONG: list[tuple[dict, int]] = []


@jobs.long_handler("test.long")
def _long(factory, payload):
    """While it computes, the worker holds no transaction: another can write at once (on
    SQLite this would wait for the write lock, and time out, if the worker held one)."""
    from hotline.kit.db import transaction

    with transaction(factory) as session:
        jobs.enqueue(session, "test.record", {"during": payload["n"]})
        leased = session.scalars(select(Job).where(Job.kind == "test.long")).one()
        LONG.append((payload, leased.attempts))
    if payload.get("fail"):
        raise RuntimeError("long boom")


def test_a_long_job_is_leased_then_run_outside_the_workers_transaction(db, factory):
    LONG.clear()
    jobs.enqueue(db, "test.long", {"n": 1})
    db.commit()
    assert jobs.run_batch(factory) == 1
    assert LONG == [({"n": 1}, 1)]  # the lease (its attempt counted) was committed before it ran
    job = db.scalars(select(Job).where(Job.kind == "test.long")).one()
    db.refresh(job)
    assert job.status == JobStatus.done and job.attempts == 1
    assert db.scalars(select(Job.payload).where(Job.kind == "test.record")).all() == [{"during": 1}]


def test_a_long_job_whose_worker_died_runs_again_within_a_minute(db, factory, travel, monkeypatch):
    LONG.clear()
    jobs.enqueue(db, "test.long", {"n": 2})
    db.commit()
    monkeypatch.setattr(jobs, "_run_long", lambda *args: None)  # the worker is killed after the lease
    assert jobs.run_batch(factory) == 1
    monkeypatch.undo()
    assert jobs.run_batch(factory) == 0  # leased: no other worker takes it
    travel.shift(30)
    assert jobs.run_batch(factory) == 0
    travel.shift(31)  # a minute without a heartbeat
    assert jobs.run_batch(factory) == 1
    assert LONG == [({"n": 2}, 2)]
    job = db.scalars(select(Job).where(Job.kind == "test.long")).one()
    db.refresh(job)
    assert job.status == JobStatus.done


def test_a_running_long_jobs_heartbeat_keeps_other_workers_off_it_past_its_first_lease(
        own_database, travel, monkeypatch):
    """A training longer than the lease is not taken over while its worker lives: the
    heartbeat renews the lease (here every 20 ms, while the clock runs minutes ahead)."""
    import threading
    import time

    from hotline.kit.db import make_engine, make_session_factory, transaction

    url, _ = own_database
    engine = make_engine(url)
    factory = make_session_factory(engine)
    monkeypatch.setattr(jobs, "HEARTBEAT", dt.timedelta(milliseconds=20))
    release, started, runs = threading.Event(), threading.Event(), []

    @jobs.long_handler("test.training")
    def _training(factory, payload):
        runs.append(threading.current_thread().name)
        started.set()
        if len(runs) == 1:
            assert release.wait(10)

    with transaction(factory) as session:
        jobs.enqueue(session, "test.training")
    lane = jobs.Lane()
    try:
        assert jobs.run_batch(factory, lane=lane) == 1
        assert started.wait(10)
        for _ in range(5):  # five minutes of computing
            travel.shift(jobs.LEASE.total_seconds() - 1)
            time.sleep(0.2)  # several heartbeats
            assert jobs.run_batch(factory) == 0  # a second worker finds nothing to take
        release.set()
        lane._running.result(timeout=10)
    finally:
        release.set()
        lane.shutdown()
        jobs.LONG_HANDLERS.pop("test.training")
        with transaction(factory) as session:
            job = session.scalars(select(Job).where(Job.kind == "test.training")).one()
            state = (job.status, job.attempts)
        engine.dispose()
    assert len(runs) == 1
    assert state == (JobStatus.done, 1)


def test_a_heartbeat_does_not_renew_a_lease_another_worker_has_taken_over(db, factory, travel, monkeypatch):
    jobs.enqueue(db, "test.long", {"n": 4})
    db.commit()
    monkeypatch.setattr(jobs, "_run_long", lambda *args: None)
    jobs.run_batch(factory)  # leased with attempt 1, then its worker stalls
    travel.shift(jobs.LEASE.total_seconds() + 1)
    jobs.run_batch(factory)  # a second worker takes it over: attempt 2
    job = db.scalars(select(Job).where(Job.kind == "test.long")).one()
    db.refresh(job)
    taken_over_until = job.run_at
    with factory() as session:
        assert jobs.renew_lease(session, job.id, 1) is False  # the first worker's late heartbeat
        assert jobs.renew_lease(session, job.id, 2) is True
        session.commit()
    db.refresh(job)
    assert job.attempts == 2 and job.run_at > taken_over_until


def test_a_failing_long_job_is_retried_with_back_off(db, factory):
    LONG.clear()
    jobs.enqueue(db, "test.long", {"n": 3, "fail": True})
    db.commit()
    assert jobs.run_batch(factory) == 1
    job = db.scalars(select(Job).where(Job.kind == "test.long")).one()
    db.refresh(job)
    assert job.status == JobStatus.pending and job.attempts == 1 and "long boom" in job.last_error
    assert clock.now() < job.run_at < clock.now() + jobs.LEASE  # back-off, not the lease


def test_while_a_long_job_computes_in_its_lane_the_minutes_jobs_go_on(db, factory):
    """The worker hands long jobs to a thread of their own, one at a time: the short jobs
    (the early-warning scan) are not held up by a training, and a second long job waits,
    not leased, until the lane is free."""
    import threading

    CALLS.clear()
    release, started = threading.Event(), threading.Event()
    ran: list[int] = []

    @jobs.long_handler("test.slow")
    def _slow(factory, payload):
        ran.append(payload["n"])
        started.set()
        assert release.wait(10)

    jobs.enqueue(db, "test.slow", {"n": 1})
    jobs.enqueue(db, "test.slow", {"n": 2})
    db.commit()
    lane = jobs.Lane()
    try:
        assert jobs.run_batch(factory, lane=lane) == 1  # one long job at a time
        assert started.wait(10)
        jobs.enqueue(db, "test.record", {"n": 5})
        db.commit()
        assert jobs.run_batch(factory, lane=lane) == 1 and CALLS == [{"n": 5}]  # the slow one still computes
        second = db.scalars(select(Job).where(Job.kind == "test.slow", Job.attempts == 0)).one()
        assert second.payload == {"n": 2}  # not leased while the lane is busy
        release.set()
        lane._running.result(timeout=10)
        assert jobs.run_batch(factory, lane=lane) == 1
        lane._running.result(timeout=10)
    finally:
        release.set()
        lane.shutdown()
        jobs.LONG_HANDLERS.pop("test.slow")
    assert ran == [1, 2]
    states = {j.status for j in db.scalars(select(Job).where(Job.kind == "test.slow").execution_options(
        populate_existing=True))}
    assert states == {JobStatus.done}


_REGISTRY_CHECK = r'''
import importlib, json, pkgutil, sys
import hotline
from hotline.kit import jobs

assert not jobs.HANDLERS and not jobs.LONG_HANDLERS and not jobs.POLLERS, "the kit registers nothing itself"
seen = {}
jobs.run_worker = lambda factory, **kw: seen.update(
    handlers=sorted(jobs.HANDLERS), long=sorted(jobs.LONG_HANDLERS), pollers=sorted(jobs.POLLERS))
from hotline import cli
cli.main(["db", "upgrade"])  # the worker refuses an unmigrated database (start-up checks)
assert not jobs.HANDLERS, "migrating loads no domain's jobs"
cli.main(["worker", "--once"])
tasks_modules = [m.name for m in pkgutil.walk_packages(hotline.__path__, "hotline.") if m.name.endswith(".tasks")]
kinds = set()
for name in tasks_modules + [n[:-len("tasks")] + "service" for n in tasks_modules]:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError:
        continue
    kinds |= {v for k, v in vars(module).items() if k.endswith("_JOB") and isinstance(v, str)}
print(json.dumps({**seen, "kinds": sorted(kinds), "missing_modules": [
    m for m in tasks_modules if m != "hotline.tasks" and m not in sys.modules]}))
'''


def test_the_worker_started_from_the_command_line_knows_every_domains_jobs(tmp_path):
    """The kit knows no domain: ``hotline worker`` (and the app) fill the registry at start-up,
    with every domain's ``tasks`` module and every job kind a domain enqueues."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path), "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path}/w.db"}
    out = subprocess.run([sys.executable, "-c", _REGISTRY_CHECK], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["missing_modules"] == []
    assert set(seen["kinds"]) <= set(seen["handlers"]) | set(seen["long"]), seen
    assert "auth.housekeeping" in seen["handlers"] and "notify.deliver" in seen["pollers"]


def test_the_job_kit_imports_no_domain():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(jobs.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert {m for m in imported if m.startswith("hotline") and not m.startswith("hotline.kit")} == set()
