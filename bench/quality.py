"""Agents' figures (quality inspection) over a month of calls: how long
``telephony.quality.service.figures`` takes for a centre with ``--calls`` answered calls,
as many wrap-up spells, ``--agents`` agents on as many seats (half of them an outsourced
operator's) and their registered orders, after the call-statistics rollup the figures read
(``bench/cti_stats.py`` times them on a province's month, 3 million calls). In-process, on a
fresh SQLite database (or a fresh PostgreSQL schema with ``--database-url``). Prints JSON:
``calls``, ``rollup_seconds``, ``p50_ms``, ``p95_ms``.

    PYTHONPATH=src .venv/bin/python bench/quality.py --calls 300000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HOTLINE_DATA_DIR", tempfile.mkdtemp(prefix="hotline-bench-quality-"))
os.environ.setdefault("HOTLINE_SECRET_KEY", "0" * 64)
os.environ.setdefault("HOTLINE_PII_KEYS", "t1:00112233445566778899aabbccddeeff")
os.environ.setdefault("HOTLINE_PII_INDEX_KEY", "11" * 32)
os.environ.setdefault("HOTLINE_ARGON2_TIME_COST", "1")
os.environ.setdefault("HOTLINE_ARGON2_MEMORY_KIB", "1024")
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    import sqlalchemy as sa
    from sqlalchemy.orm import Session
    from tests.factories import PASSWORD, build_world

    from hotline.auth import service as auth_service
    from hotline.auth.models import Role
    from hotline.config import get_settings
    from hotline.kit import crypto, migrate
    from hotline.kit.db import make_engine
    from hotline.telephony.models import Call, Seat, SeatState
    from hotline.telephony.quality import service as quality
    from hotline.telephony.stats import service as rollup

    if args.database_url:
        from bench._common import _fresh_postgres

        url, schema = _fresh_postgres(args.database_url)
    else:
        url, schema = f"sqlite:///{os.environ['HOTLINE_DATA_DIR']}/bench.db", ""
    settings = get_settings()
    assert settings.pii_keys and settings.pii_index_key
    crypto.configure(settings.pii_keys, settings.pii_index_key)
    migrate.upgrade(url)
    engine = make_engine(url)
    rng = random.Random(1)
    with Session(engine) as db:
        world = build_world(db)
        region = db.execute(sa.text("SELECT id FROM region WHERE code = '990100'")).scalar_one()
        agents = [auth_service.create_user(db, world.p("admin"), username=f"bench_agent_{i}", display_name=f"坐席{i}",
                                           role=Role.agent, unit_id=world.units["C-990100"], password=PASSWORD).id
                  for i in range(args.agents)]
        now = dt.datetime.now(dt.UTC)
        seats = []
        for i in range(args.agents):
            seat = Seat(code=f"B{i:04d}", region_id=region, operator="甲外包" if i % 2 else None, created_at=now)
            db.add(seat)
            seats.append(seat)
        db.flush()
        start = now - dt.timedelta(days=30)
        calls, spells = [], []
        for n in range(args.calls):
            i = rng.randrange(args.agents)
            answered = start + dt.timedelta(seconds=rng.uniform(0, 30 * 86400))
            talk = rng.uniform(30, 400)
            calls.append({"ref": f"{n:032x}", "call_id": f"bench-{n}", "region_id": region, "state": "ended",
                          "offered_at": answered - dt.timedelta(seconds=20), "answered_at": answered,
                          "ended_at": answered + dt.timedelta(seconds=talk), "end_reason": "completed",
                          "seat_id": seats[i].id, "agent_id": agents[i], "enterprise": False, "transfers": 0,
                          "three_way": 0, "wait_s": 20.0, "talk_s": talk, "last_seq": 5,
                          "last_event_at": answered, "updated_at": answered})
            ended = answered + dt.timedelta(seconds=talk)
            spells.append({"seat_id": seats[i].id, "agent_id": agents[i], "state": "wrap_up", "source": "pbx",
                           "started_at": ended, "ended_at": ended + dt.timedelta(seconds=rng.uniform(5, 60))})
        db.execute(sa.insert(Call), calls)
        db.execute(sa.insert(SeatState), spells)
        db.commit()
        began = time.perf_counter()
        rollup.rollup(db)  # what the minutely job keeps up to date: the figures read it
        db.commit()
        rollup_seconds = time.perf_counter() - began
        supervisor = world.p("supervisor")
        timings = []
        for _ in range(args.runs):
            began = time.perf_counter()
            tables = quality.figures(db, supervisor, start=start, end=now + dt.timedelta(seconds=1))
            timings.append((time.perf_counter() - began) * 1000)
            db.rollback()
        assert sum(f.calls_answered for f in tables.agents) == args.calls
    dialect = engine.dialect.name
    engine.dispose()
    if schema:
        from bench._common import _drop_postgres

        _drop_postgres(args.database_url, schema)
    timings.sort()
    print(json.dumps({"calls": args.calls, "agents": args.agents, "runs": args.runs,
                      "rollup_seconds": round(rollup_seconds, 1),
                      "p50_ms": round(timings[len(timings) // 2], 1),
                      "p95_ms": round(timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))], 1),
                      "database": dialect}))


if __name__ == "__main__":
    main()
