"""The console's seat poll (``/cti/console/panel?v=…``, once a second per logged-in agent): the
one statement behind it, ``telephony.repository.console_status``, timed against a month of a
busy centre's calls.

A fresh SQLite database (or a fresh schema of ``--database-url``) is migrated to head; ``--seats``
seats get ``--calls`` answered calls spread over 30 days, each seat with an agent on it; then
the poll is run ``--polls`` times for random agents. Prints JSON: ``p50_ms``, ``p95_ms``,
``polls_per_s`` and the query plan, which must find the seat by its agent's index and the
call by its primary key.

    PYTHONPATH=src python bench/cti_pop.py --calls 300000 --seats 200 --polls 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm

from hotline.kit import migrate
from hotline.kit.db import make_engine, make_session_factory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300_000)
    parser.add_argument("--seats", type=int, default=200)
    parser.add_argument("--polls", type=int, default=5_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (a fresh schema is used)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url, schema = args.database_url, None
        if url:
            schema = f"bench_pop_{secrets.token_hex(3)}"
            admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            admin.dispose()
            url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            print(json.dumps(run(engine, args.calls, args.seats, args.polls), ensure_ascii=False))
        finally:
            engine.dispose()
            if schema and args.database_url:
                admin = sa.create_engine(args.database_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


def run(engine: sa.Engine, calls: int, seats: int, polls: int) -> dict[str, object]:
    from hotline.telephony import repository

    now = dt.datetime.now(dt.UTC)
    rng = random.Random(20)
    import hotline.models  # noqa: F401  (every table on the metadata)
    from hotline.kit.db import Base

    region, unit, user, seat, call = (Base.metadata.tables[n]
                                      for n in ("region", "unit", "user_account", "seat", "call"))
    with engine.begin() as conn:
        conn.execute(region.insert(), [{"id": 1, "code": "990100", "name": "青川市", "level": "city", "active": True}])
        conn.execute(unit.insert(), [{"id": 1, "code": "C-990100", "name": "青川市热线中心", "kind": "city_centre",
                                      "level": "city", "region_id": 1, "active": True}])
        conn.execute(user.insert(), [
            {"id": i, "username": f"agent{i}", "display_name": f"话务员{i}", "role": "agent", "unit_id": 1,
             "active": True, "is_service": False, "must_change_password": False, "created_at": now,
             "version": 1}
            for i in range(1, seats + 1)])
        conn.execute(seat.insert(), [
            {"id": i, "ref": secrets.token_hex(16), "code": f"S{i:04d}", "kind": "general", "region_id": 1,
             "agent_id": i, "state": "busy", "state_since": now, "active": True, "created_at": now}
            for i in range(1, seats + 1)])
        batch = []
        for n in range(1, calls + 1):
            s = rng.randint(1, seats)
            answered = now - dt.timedelta(seconds=rng.randint(0, 30 * 86_400))
            batch.append({"id": n, "ref": secrets.token_hex(16), "call_id": f"c{n}", "region_id": 1, "state": "ended",
                          "offered_at": answered - dt.timedelta(seconds=20), "answered_at": answered,
                          "ended_at": answered + dt.timedelta(seconds=120), "seat_id": s, "agent_id": s,
                          "enterprise": False, "transfers": 0, "three_way": 0, "last_seq": 5,
                          "last_event_at": answered, "updated_at": answered})
            if len(batch) == 20_000:
                conn.execute(call.insert(), batch)
                batch = []
        if batch:
            conn.execute(call.insert(), batch)
    with engine.begin() as conn:  # each seat's agent last answered the seat's newest call
        conn.execute(sa.text("UPDATE seat SET call_id = (SELECT id FROM call WHERE call.seat_id = seat.id "
                             "ORDER BY answered_at DESC LIMIT 1)"))
    stmt = repository.console_status_statement(1)
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
        explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
        plan = [str(row[-1]).strip() for row in conn.execute(sa.text(f"{explain} {compiled}"))]
    factory = make_session_factory(engine)
    times = []
    with factory() as session:
        for _ in range(polls):
            agent = rng.randint(1, seats)
            t = time.perf_counter()
            found = repository.console_status(session, agent)
            times.append((time.perf_counter() - t) * 1000)
            assert found is not None
        session.rollback()
    times.sort()
    return {"bench": "cti_pop", "database": engine.dialect.name, "calls": calls, "seats": seats, "polls": polls,
            "p50_ms": round(times[len(times) // 2], 3), "p95_ms": round(times[int(len(times) * 0.95)], 3),
            "polls_per_s": round(polls / (sum(times) / 1000), 1), "plan": plan}


if __name__ == "__main__":
    main()
