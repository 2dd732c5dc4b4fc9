"""Call statistics on a month of a province's calls, on SQLite.

    python bench/cti_stats.py [--calls 3000000] [--days 30] [--repeat 20]

Builds a fresh SQLite database (the test world: the city centre 990100 and its staff), then
bulk-inserts ``--calls`` calls over the ``--days`` ending now, spread as a hotline's day is
(quiet nights, peaks at 9–11 and 14–17 China time) over five queues, 150 seats and their agents,
with a realistic mix (about 85 % answered, short and long abandons, IVR-only hang-ups, transfers,
three-way calls, the enterprise line, repeat callers) and a wrap-up spell after each answered
call. It then runs the rollup from scratch (timed), marks the last minutes' calls changed after the
cursor (so the raw "dirty" path is exercised as in production), and times each statistics
endpoint and page in-process (``--repeat`` requests each after two warm-ups): the month, a day,
odd partial-hour ranges, one queue, the groupings, the Excel export, the wallboard and the agents'
figures (quality inspection: per agent, seat, team and operator, from the same rollup). Prints one
JSON object with each endpoint's p50/p95 in ms; the target is p95 < 300 ms."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, percentile, report

QUEUES = [("general", "general", 0.55), ("policy", "general", 0.15), ("complaint", "general", 0.1),
          ("enterprise", "enterprise", 0.15), ("expert", "expert", 0.05)]
SEATS = 150
#: The seats serving each queue (a seat belongs to one skill group; one in ten answers any queue).
SEAT_GROUPS = [range(0, 80), range(80, 100), range(100, 115), range(115, 140), range(140, 150)]
#: Share of the day's calls in each China-time hour 0..23.
HOUR_WEIGHTS = [0.4, 0.25, 0.2, 0.2, 0.25, 0.4, 0.8, 1.6, 3.2, 4.6, 4.8, 4.2, 2.8, 3.2, 4.4, 4.6, 4.2, 3.6,
                2.6, 2.2, 1.8, 1.4, 1.0, 0.7]
CST = dt.timezone(dt.timedelta(hours=8))


def _env(folder: str, url: str) -> None:
    os.environ.update({
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_DATA_DIR": folder, "HOTLINE_SECRET_KEY": "0" * 64,
        "HOTLINE_PII_KEYS": "t1:00112233445566778899aabbccddeeff", "HOTLINE_PII_INDEX_KEY": "11" * 32,
        "HOTLINE_ARGON2_TIME_COST": "1", "HOTLINE_ARGON2_MEMORY_KIB": "1024", "HOTLINE_LOG_LEVEL": "WARNING",
    })


def _stamp(epoch: float) -> str:
    """The text SQLAlchemy stores for an aware UTC datetime on SQLite."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class _Stamps:
    """Fast timestamps: the date-and-hour prefix cached, minutes and seconds formatted."""

    def __init__(self) -> None:
        self.hours: dict[int, str] = {}

    def __call__(self, epoch: float) -> str:
        whole = int(epoch)
        hour = whole - whole % 3600
        prefix = self.hours.get(hour)
        if prefix is None:
            prefix = self.hours[hour] = dt.datetime.fromtimestamp(hour, dt.UTC).strftime("%Y-%m-%d %H")
        rest = whole - hour
        return f"{prefix}:{rest // 60:02d}:{rest % 60:02d}.{int((epoch - whole) * 1e6):06d}"


def build(path: Path, *, calls: int, days: int, seed: int) -> dict[str, object]:
    """The schema, the world, the queues/seats/agents, then the calls and wrap-up spells."""
    from sqlalchemy.orm import Session
    from tests.factories import build_world

    from hotline.config import get_settings
    from hotline.kit import crypto, migrate
    from hotline.kit.db import make_engine

    url = f"sqlite:///{path}"
    settings = get_settings()
    crypto.configure(settings.pii_keys, settings.pii_index_key)  # type: ignore[arg-type]
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        build_world(session)
        session.commit()
    engine.dispose()
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA journal_mode=WAL")
    region = con.execute("SELECT id FROM region WHERE code='990100'").fetchone()[0]
    template = con.execute("SELECT * FROM user_account WHERE username='agent'").fetchone()
    columns = [d[1] for d in con.execute("PRAGMA table_info(user_account)")]
    now = dt.datetime.now(dt.UTC)
    stamp = _Stamps()
    agents = []
    for n in range(SEATS):
        row = dict(zip(columns, template, strict=True))
        row.update(id=None, username=f"bench_agent_{n:03d}", display_name=f"话务员{n:03d}")
        cur = con.execute(f"INSERT INTO user_account ({','.join(row)}) VALUES ({','.join('?' * len(row))})",  # noqa: S608 (column names from PRAGMA)
                          list(row.values()))
        agents.append(cur.lastrowid)
    queue_ids = []
    for name, kind, _ in QUEUES:
        cur = con.execute("INSERT INTO cti_queue (name, kind, label, created_at) VALUES (?, ?, NULL, ?)",
                          (name, kind, _stamp(now.timestamp())))
        queue_ids.append(cur.lastrowid)
    seat_ids = []
    for n in range(SEATS):
        operator = "某外包公司" if n >= 120 else None
        cur = con.execute("INSERT INTO seat (ref, code, kind, region_id, unit_id, operator, agent_id, state, "
                          "state_since, active, created_at) VALUES (?, ?, 'general', ?, NULL, ?, ?, ?, ?, 1, ?)",
                          (f"{rng.getrandbits(128):032x}", f"S{n:03d}", region, operator, agents[n],
                           rng.choice(["ready", "busy", "busy", "wrap_up", "break", "logged_out"]),
                           _stamp(now.timestamp() - rng.randrange(600)), _stamp(now.timestamp())))
        seat_ids.append(cur.lastrowid)
    con.commit()

    end = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    start = end - dt.timedelta(days=days)
    weights = []
    hour = start
    while hour < end:
        weights.append(HOUR_WEIGHTS[hour.astimezone(CST).hour])
        hour += dt.timedelta(hours=1)
    total_weight = sum(weights)
    queue_cum = []
    acc = 0.0
    for _, _, share in QUEUES:
        acc += share
        queue_cum.append(acc)
    callers = int(calls * 0.55)
    call_sql = ("INSERT INTO call (ref, call_id, region_id, caller, caller_hash, called, state, offered_at, queued_at, "
                "answered_at, ended_at, end_reason, ivr_digits, queue_id, seat_id, agent_id, enterprise, transfers, "
                "three_way, wait_s, talk_s, recording_url, last_seq, last_event_at, updated_at) VALUES "
                "(?, ?, ?, NULL, ?, '12345', 'ended', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)")
    wrap_sql = ("INSERT INTO seat_state (seat_id, agent_id, state, source, started_at, ended_at) "
                "VALUES (?, ?, 'wrap_up', 'pbx', ?, ?)")
    made = 0
    started = time.perf_counter()
    base = start.timestamp()
    for h, weight in enumerate(weights):
        n_calls = round(calls * weight / total_weight) if h < len(weights) - 1 else calls - made
        n_calls = min(n_calls, calls - made)
        if n_calls <= 0:
            continue
        rows, wraps = [], []
        for _ in range(n_calls):
            offered = base + h * 3600 + rng.random() * 3600
            caller = rng.randrange(callers) if rng.random() < 0.8 else rng.randrange(callers // 20)
            roll = rng.random()
            q = next(i for i, c in enumerate(queue_cum) if roll <= c)
            digits = "1" if QUEUES[q][0] == "enterprise" else str(rng.choice("2345"))
            fate = rng.random()
            queued: float | None = offered + 5 + rng.random() * 20
            answered = ended = None
            seat = agent = None
            wait = talk = None
            transfers = three_way = 0
            if fate < 0.03:  # hung up in the IVR
                queued, ended, q_id, reason, wait = None, offered + 3 + rng.random() * 15, None, "abandoned", 0.0
            else:
                q_id = queue_ids[q]
                if fate < 0.86:
                    wait = rng.expovariate(1 / 9)
                    answered = queued + wait  # type: ignore[operator]
                    talk = 30 + rng.expovariate(1 / 150)
                    ended = answered + talk
                    s = rng.randrange(SEATS) if rng.random() < 0.1 else rng.choice(SEAT_GROUPS[q])
                    seat, agent, reason = seat_ids[s], agents[s], "completed"
                    if rng.random() < 0.06:
                        transfers = 1
                        three_way = 1 if rng.random() < 0.4 else 0
                    wraps.append((seat, agent, stamp(ended), stamp(ended + 5 + rng.expovariate(1 / 25))))
                else:
                    wait = rng.random() * 4.9 if rng.random() < 0.4 else 5 + rng.expovariate(1 / 40)
                    ended, reason = queued + wait, "abandoned"  # type: ignore[operator]
            made += 1
            last = ended if ended is not None else offered
            rows.append((f"{rng.getrandbits(128):032x}", f"pbx-{made:09d}", region, f"{caller:064x}",
                         stamp(offered), stamp(queued) if queued else None, stamp(answered) if answered else None,
                         stamp(ended), reason, digits if fate >= 0.03 or rng.random() < 0.5 else None, q_id, seat,
                         agent, 1 if QUEUES[q][1] == "enterprise" and q_id else 0, transfers, three_way, wait, talk,
                         5, stamp(last), stamp(last + 1)))
        con.executemany(call_sql, rows)
        con.executemany(wrap_sql, wraps)
        if h % 48 == 47:
            con.commit()
    con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()
    return {"calls": made, "from": start.isoformat(), "to": end.isoformat(),
            "insert_seconds": round(time.perf_counter() - started, 1)}


def _time(client, path: str, params: dict[str, str], repeat: int) -> dict[str, float]:
    for _ in range(2):
        response = client.get(path, params=params)
        assert response.status_code == 200, (path, params, response.status_code, response.text[:300])
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(path, params=params)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    return {"p50_ms": round(percentile(samples, 50), 1), "p95_ms": round(percentile(samples, 95), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=3_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", type=Path, help="time again on the database a previous run left (no build; "
                        "its schema is upgraded, and rolled up again from scratch when a migration asks)")
    parser.add_argument("--only", default="", help="time only the cases whose name contains this")
    args = parser.parse_args()
    folder = str(args.reuse.parent) if args.reuse else tempfile.mkdtemp(prefix="hotline-bench-cti-stats-")
    path = args.reuse or Path(folder) / "bench.db"
    _env(folder, f"sqlite:///{path}")
    sys.path.insert(0, str(ROOT))
    t = time.perf_counter()
    if args.reuse:
        from hotline.kit import migrate

        migrate.upgrade(f"sqlite:///{path}")  # a database a previous version left: its schema brought up to date
        con = sqlite3.connect(path)
        first, last, count = con.execute("SELECT min(offered_at), max(offered_at), count(*) FROM call").fetchone()
        con.close()
        lo = dt.datetime.fromisoformat(first).replace(tzinfo=dt.UTC).replace(minute=0, second=0, microsecond=0)
        hi = dt.datetime.fromisoformat(last).replace(tzinfo=dt.UTC).replace(minute=0, second=0, microsecond=0)
        built: dict[str, object] = {"calls": count, "from": lo.isoformat(),
                                    "to": (hi + dt.timedelta(hours=1)).isoformat(), "reused": str(path)}
    else:
        built = build(path, calls=args.calls, days=args.days, seed=args.seed)
        built["build_seconds"] = round(time.perf_counter() - t, 1)

    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session
    from tests.factories import login

    from hotline.app import create_app
    from hotline.config import get_settings
    from hotline.kit.db import make_engine
    from hotline.telephony.stats import service

    engine = make_engine(f"sqlite:///{path}")
    t = time.perf_counter()
    with Session(engine) as session:
        result = service.rollup(session, rebuild=not args.reuse)
        session.commit()
    rollup_seconds = time.perf_counter() - t
    # the last 200 calls changed after the cursor, as ingest's latest batches would leave them
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE call SET updated_at = ? WHERE id > (SELECT max(id) - 200 FROM call)",
                             (_stamp(time.time() + 5),))
    with Session(engine) as session:
        dirty = len(service.dirty_hours(session, result.position))
    t = time.perf_counter()
    with Session(engine) as session:
        incremental = service.rollup(session)
        session.commit()
    incremental_seconds = time.perf_counter() - t
    with engine.begin() as conn:  # and again: dirty hours for the timed requests
        conn.exec_driver_sql("UPDATE call SET updated_at = ? WHERE id > (SELECT max(id) - 200 FROM call)",
                             (_stamp(time.time() + 5),))
    engine.dispose()

    app = create_app(get_settings())
    end = dt.datetime.fromisoformat(str(built["to"]))
    start = dt.datetime.fromisoformat(str(built["from"]))
    day = (end - dt.timedelta(days=2)).astimezone(CST).replace(hour=0)
    odd_from = (start + (end - start) / 10 + dt.timedelta(minutes=17, seconds=23)).astimezone(CST).isoformat()
    odd_to = (end - (end - start) / 6 - dt.timedelta(minutes=42, seconds=5)).astimezone(CST).isoformat()
    month = {"from": start.astimezone(CST).isoformat(), "to": end.astimezone(CST).isoformat()}
    a_day = {"from": day.isoformat(), "to": (day + dt.timedelta(days=1)).isoformat()}
    odd = {"from": odd_from, "to": odd_to}
    short = {"from": (day + dt.timedelta(hours=9, minutes=13)).isoformat(),
             "to": (day + dt.timedelta(hours=10, minutes=47, seconds=30)).isoformat()}
    local = {k: dt.datetime.fromisoformat(v).strftime("%Y-%m-%dT%H:%M") for k, v in month.items()}
    cases = {
        "api month": ("/api/v1/cti/stats", month),
        "api month one queue": ("/api/v1/cti/stats", {**month, "queue": "enterprise"}),
        "api month by day": ("/api/v1/cti/stats", {**month, "group": "day"}),
        "api month by hour": ("/api/v1/cti/stats", {**month, "group": "hour"}),
        "api month by agent": ("/api/v1/cti/stats", {**month, "group": "agent"}),
        "api month by seat": ("/api/v1/cti/stats", {**month, "group": "seat"}),
        "api month by operator": ("/api/v1/cti/stats", {**month, "group": "operator"}),
        "api a day by hour": ("/api/v1/cti/stats", {**a_day, "group": "hour"}),
        "api odd partial hours": ("/api/v1/cti/stats", odd),
        "api 94 minutes": ("/api/v1/cti/stats", short),
        "page month by day": ("/cti/stats", {**local, "group": "day"}),
        "page month by agent": ("/cti/stats", {**local, "group": "agent"}),
        "export month by day": ("/cti/stats/export.xlsx", {**local, "group": "day"}),
        "api agents' figures month": ("/api/v1/cti/quality/figures", month),
        "api agents' figures odd partial hours": ("/api/v1/cti/quality/figures", odd),
        "page agents' figures month": ("/cti/quality/figures", {k: v[:10] for k, v in local.items()}),
        "wallboard page": ("/cti/wallboard", {}),
        "wallboard panel": ("/cti/wallboard/panel", {}),
        "wallboard api": ("/api/v1/cti/wallboard", {}),
    }
    timings = {}
    with TestClient(app) as client:
        login(client, "supervisor")
        offered = client.get("/api/v1/cti/stats", params=month).json()["offered"]
        for name, (path_, params) in cases.items():
            if args.only not in name:
                continue
            timings[name] = _time(client, path_, params, args.repeat)
    report({
        "benchmark": "cti_stats", **built, "offered_in_month_api": offered,
        "rollup_rebuild_seconds": round(rollup_seconds, 1), "rollup_call_hours": result.call_hours,
        "dirty_hours_after_200_changes": dirty, "rollup_incremental_seconds": round(incremental_seconds, 2),
        "incremental_call_hours": incremental.call_hours,
        "max_p95_ms": max(v["p95_ms"] for v in timings.values()), "endpoints": timings,
    })


if __name__ == "__main__":
    main()
