"""Supervision at provincial scale: one deadline sweep over all open orders, and the ranking and
ledger pages, with N orders of realistic history.

    python bench/evaluation.py [--orders 1000000] [--database-url postgresql+psycopg://…]

Starts its own platform (fresh database, demo province, no in-process worker), then writes
``--orders`` work orders spread over the last 180 days straight into the database in bulk —
statuses by age (most old orders closed, some still open and overdue, recent ones at every
step), lead units, deadlines in working days, the marks an hourly sweep would have left, the
ledger entries and the per-unit daily counts the projector keeps. Then it times:

* ``sweep_s``: one sweep (every batch until nothing is left) over all open orders, marking the
  orders whose deadline passed or came near in the last hour, with their events and texts;
* ``burst_sweep_s``: the day's burst — every order due by the end of the next working day
  unwarned, then one sweep that warns them all (``burst_warned``);
* ``ranking_p95_ms``: the ranking page and API for the current month and quarter;
* ``ledger_p95_ms``: the ledger page and API, all ledgers, one ledger, open entries only.

Prints one JSON object as its last line."""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import importlib
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import instance, percentile, report

DAYS = 180
CHUNK = 20_000
REQUESTS = 30
CST = dt.timezone(dt.timedelta(hours=8))


def login(port: int, username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/api/v1/auth/login", json.dumps({"username": username, "password": "hotline2026"}),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("set-cookie") or ""
    conn.close()
    return cookie.split(";")[0]


def timed_gets(port: int, cookie: str, paths: list[str]) -> tuple[list[float], list[str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies: list[float] = []
    failures: list[str] = []
    for path in paths:
        for i in range(REQUESTS + 2):
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{path}: {response.status}")
            if i >= 2:  # two warm-up requests per page
                latencies.append((time.perf_counter() - started) * 1000)
    conn.close()
    return latencies, failures


def generate(url: str, n: int, seed: int = 12345) -> dict[str, Any]:
    """Bulk-write ``n`` orders with their histories; returns what was written."""
    import sqlalchemy as sa

    from hotline.kit.workcalendar import WorkCalendar
    from hotline.org.models import Category, Channel, Region, RegionLevel, Unit, UnitKind
    from hotline.supervision.models import COUNTERS, LedgerEntry, LedgerKind, UnitDayStats
    from hotline.workorder.lifecycle import Status
    from hotline.workorder.models import Assignment, AssignmentRole, AssignmentState, WorkOrder

    rng = random.Random(seed)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        towns = [tuple(r) for r in conn.execute(sa.select(Region.id, Region.code).where(
            Region.level == RegionLevel.township))]
        departments = list(conn.execute(sa.select(Unit.id).where(Unit.kind.in_(
            [UnitKind.department, UnitKind.government, UnitKind.utility]))).scalars())
        centres = list(conn.execute(sa.select(Unit.id).where(Unit.kind.in_(
            [UnitKind.hotline_centre, UnitKind.workstation]))).scalars())
        categories = list(conn.execute(sa.select(Category.id).where(Category.level == 3)).scalars())
        channels = list(conn.execute(sa.select(Channel.id)).scalars())
        start_id = conn.execute(sa.select(sa.func.coalesce(sa.func.max(WorkOrder.id), 0))).scalar_one() + 1
    calendar = WorkCalendar({})
    now = dt.datetime.now(dt.UTC)
    swept_until = now - dt.timedelta(hours=1)  # the sweep ran regularly until an hour ago
    from hotline.supervision.service import due_soon_cutoffs

    soon_then, _ = due_soon_cutoffs(calendar, swept_until)
    deadlines: dict[dt.date, tuple[dt.datetime, dt.datetime]] = {}
    appeal_types = ["complaint"] * 4 + ["help"] * 3 + ["consultation", "report", "suggestion"]
    counts: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    ledger_rows: list[dict[str, Any]] = []
    stats = {"open": 0, "overdue": 0, "closed": 0}
    wo_table, asg_table = WorkOrder.__table__, Assignment.__table__
    order_id = start_id
    day_seq: dict[str, int] = defaultdict(int)
    with engine.begin() as conn:
        rows: list[dict[str, Any]] = []
        assignments: list[dict[str, Any]] = []
        for _ in range(n):
            age = dt.timedelta(seconds=rng.random() ** 1.3 * DAYS * 86400)
            registered = now - age
            day = registered.astimezone(CST)
            key = day.strftime("%Y%m%d")
            day_seq[key] += 1
            lead = rng.choice(departments)
            region_id, _ = rng.choice(towns)
            if day.date() not in deadlines:  # deadlines depend on the day of intake alone
                deadlines[day.date()] = (calendar.add_working_days(registered, 5).at,
                                         calendar.add_working_days(registered, 1).at)
            due, sign_due = deadlines[day.date()]
            old = age > dt.timedelta(days=20)
            r = rng.random()
            if old:
                status = Status.closed if r < 0.96 else rng.choice(
                    [Status.handling, Status.dispatched, Status.callback])
            else:
                status = rng.choices([Status.closed, Status.callback, Status.replied, Status.handling,
                                      Status.dispatched, Status.registered], [45, 10, 5, 25, 10, 5])[0]
            replied = None
            if status in (Status.closed, Status.callback, Status.replied):
                replied = registered + dt.timedelta(hours=rng.uniform(2, 24 * 9))
                replied = min(replied, now - dt.timedelta(minutes=1))
            closed = replied + dt.timedelta(hours=rng.uniform(1, 48)) if status == Status.closed and replied else None
            if closed is not None:
                closed = min(closed, now)
            open_ = status in (Status.dispatched, Status.handling)
            overdue_at = due if open_ and due < swept_until else None
            # the marks the sweep left when it last ran (the same rule: supervision.service)
            warned = min(due, swept_until) - dt.timedelta(hours=1) if open_ and due < soon_then else None
            verdict = rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], [70, 20, 10])[0] \
                if status == Status.closed else None
            dispatched_at = None if status == Status.registered else \
                registered + dt.timedelta(minutes=rng.uniform(1, 90))
            rows.append({
                "id": order_id, "number": f"HL{key}{day_seq[key] + 500000:06d}", "status": status,
                "channel_id": rng.choice(channels), "appeal_type": rng.choice(appeal_types),
                "category_id": rng.choice(categories), "region_id": region_id, "address": None,
                "title": "小区路灯不亮", "content": "路灯坏了很久没人修，晚上出行不便。", "citizen_id": None,
                "is_confidential": False, "urgency": "normal", "is_enterprise": rng.random() < 0.08,
                "enterprise_name": None, "uscc": None, "centre_unit_id": rng.choice(centres),
                "lead_unit_id": None if status == Status.registered else lead, "created_by_id": None,
                "direct_rule_id": None, "answer": None, "registered_at": registered, "dispatched_at": dispatched_at,
                "dispatch_seconds": None, "signed_at": None, "replied_at": replied, "closed_at": closed,
                "sign_due_at": None if status == Status.registered else sign_due,
                "due_at": None if status == Status.registered else due, "due_covered": True,
                "due_soon_warned_at": warned, "overdue_at": overdue_at,
                "return_count": 0, "unjustified_return_count": 0, "rehandle_count": 0,
                "dissatisfied_count": 1 if verdict == "dissatisfied" else 0, "extension_count": 0,
                "supervision_flag": False, "supervision_reason": None, "final_result": None,
                "final_verdict": verdict, "version": 1,
            })
            if status != Status.registered:
                assignments.append({"work_order_id": order_id, "unit_id": lead, "role": AssignmentRole.lead,
                                    "state": AssignmentState.active if open_ else AssignmentState.done,
                                    "assigned_at": dispatched_at, "signed_at": None, "contribution": None,
                                    "contributed_at": None})
                c = counts[(lead, day.date())]
                c["assigned"] += 1
                if status != Status.dispatched:
                    c["signed"] += 1
                    c["signed_on_time"] += rng.random() < 0.93
                if replied is not None:
                    c["replied"] += 1
                    c["replied_on_time"] += replied <= due
                    c[rng.choices(["resolved", "partly_resolved", "not_resolved"], [80, 12, 8])[0]] += 1
                if closed is not None:
                    c["closed"] += 1
                    c["closed_on_time"] += bool(replied and replied <= due)
                    c["rated"] += 1
                    c[verdict or "satisfied"] += 1
                if rng.random() < 0.03:
                    c["returned"] += 1
                    c["unjustified_returns"] += rng.random() < 0.3
            stats["closed" if status == Status.closed else "open"] += 1
            ledger = None
            if overdue_at is not None:
                stats["overdue"] += 1
                ledger = (LedgerKind.overdue, "超过办理期限未答复", overdue_at)
            elif rng.random() < 0.01:
                ledger = (rng.choice([LedgerKind.buck_passing, LedgerKind.perfunctory, LedgerKind.emergency]),
                          "历史台账", registered)
            if ledger is not None:
                ledger_rows.append({"kind": ledger[0], "work_order_id": order_id, "unit_id": lead,
                                    "centre_unit_id": rows[-1]["centre_unit_id"], "region_id": region_id,
                                    "category_id": rows[-1]["category_id"],
                                    "entered_at": ledger[2], "cleared_at": closed, "reason": ledger[1]})
            order_id += 1
            if len(rows) >= CHUNK:
                conn.execute(sa.insert(wo_table), rows)
                conn.execute(sa.insert(asg_table), assignments)
                rows, assignments = [], []
        if rows:
            conn.execute(sa.insert(wo_table), rows)
        if assignments:
            conn.execute(sa.insert(asg_table), assignments)
        for start in range(0, len(ledger_rows), CHUNK):
            conn.execute(sa.insert(LedgerEntry.__table__), ledger_rows[start:start + CHUNK])
        stat_rows = [{"unit_id": u, "day": d, **{k: int(c.get(k, 0)) for k in COUNTERS}}
                     for (u, d), c in counts.items()]
        for start in range(0, len(stat_rows), CHUNK):
            conn.execute(sa.insert(UnitDayStats.__table__), stat_rows[start:start + CHUNK])
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return {**stats, "ledger_entries": len(ledger_rows), "unit_days": len(counts)}


def sweep(url: str) -> tuple[float, int, int]:
    from hotline.config import get_settings
    from hotline.kit import crypto
    from hotline.kit.db import make_engine, make_session_factory, transaction
    from hotline.supervision import service

    settings = get_settings()  # the instance's own keys (HOTLINE_DATA_DIR)
    settings.ensure_keys()
    assert settings.pii_keys and settings.pii_index_key
    crypto.configure(settings.pii_keys, settings.pii_index_key)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    warned = overdue = 0
    started = time.perf_counter()
    while True:
        with transaction(factory) as session:
            result = service.sweep_batch(session)
        warned, overdue = warned + result.warned, overdue + result.overdue
        if result.warned + result.overdue < service.SWEEP_BATCH:
            break
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, warned, overdue


def burst(url: str) -> tuple[float, int]:
    """The day's burst: at midnight every order due by the end of the next working day turns
    due soon at once. Unmark them, then time the sweep that warns them all again."""
    import sqlalchemy as sa

    from hotline.kit.workcalendar import WorkCalendar
    from hotline.supervision.service import due_soon_cutoffs
    from hotline.workorder.models import WorkOrder

    soon_before, _ = due_soon_cutoffs(WorkCalendar({}), dt.datetime.now(dt.UTC))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        w = WorkOrder.__table__.c
        conn.execute(sa.update(WorkOrder.__table__).where(
            w.status.in_(["dispatched", "handling"]), w.overdue_at.is_(None), w.due_at < soon_before,
        ).values(due_soon_warned_at=None))
    engine.dispose()
    elapsed, warned, _ = sweep(url)
    return elapsed, warned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    for module in ("hotline.models", "hotline.supervision.service"):  # imported before the long run
        importlib.import_module(module)

    with instance(args.database_url, extra_env={"HOTLINE_INPROCESS_WORKER": "false"}) as inst:
        os.environ.update({k: v for k, v in inst.env.items() if k.startswith("HOTLINE_")})
        started = time.perf_counter()
        written = generate(inst.database_url, args.orders)
        build_s = time.perf_counter() - started
        sweep_s, warned, overdue = sweep(inst.database_url)
        burst_s, burst_warned = burst(inst.database_url)
        cookie = login(inst.port, "supervisor")
        today = dt.datetime.now(CST).date()
        month, quarter = f"{today:%Y-%m}", f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        ranking, ranking_failures = timed_gets(inst.port, cookie, [
            f"/rankings?period={month}", f"/api/v1/rankings?period={month}", f"/api/v1/rankings?period={quarter}"])
        ledgers, ledger_failures = timed_gets(inst.port, cookie, [
            "/ledgers", "/ledgers?kind=overdue", "/api/v1/ledgers?open_only=true", "/ledgers?kind=emergency&open=1"])
    report({
        "benchmark": "evaluation", "database": "postgresql" if args.database_url else "sqlite",
        "orders": args.orders, **written, "build_s": round(build_s, 1),
        "sweep_s": round(sweep_s, 2), "sweep_warned": warned, "sweep_overdue": overdue,
        "burst_sweep_s": round(burst_s, 2), "burst_warned": burst_warned,
        "ranking_p50_ms": round(percentile(ranking, 50), 1), "ranking_p95_ms": round(percentile(ranking, 95), 1),
        "ledger_p50_ms": round(percentile(ledgers, 50), 1), "ledger_p95_ms": round(percentile(ledgers, 95), 1),
        "errors": ranking_failures + ledger_failures,
    })


if __name__ == "__main__":
    main()
