"""Intake throughput: work orders registered per second through the API.

    python bench/intake.py [--concurrency 16] [--seconds 20] [--workers 1] [--database-url postgresql+psycopg://…]

Starts its own server with a fresh database and the demo province, then ``--concurrency``
clients post appeals (integration token, ``Idempotency-Key`` on every request; about one in
five matches the direct-dispatch catalogue) for ``--seconds``. Prints one JSON object:
``orders_per_s``, ``server_cpu_ms_per_order`` (the CPU time the platform's processes — web
workers and job worker — spent per order, from their own clocks; on PostgreSQL also
``database_cpu_ms_per_order``), ``p50_ms``, ``p95_ms``, ``p99_ms``, ``errors``, and for direct-dispatch
orders ``direct_dispatched``, ``direct_dispatch_max_s`` (intake → dispatch) and
``repeats_joined`` (a second caller of one outage at one building: joined the open order)."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Client, instance, percentile, postgres_cpu_seconds, report

TOWNS = ["990102001", "990102002", "990103001", "990121001", "990202001", "990302002", "990321003"]
ORDINARY = [
    ("complaint", "小区门口的健身器材损坏多日无人维修"),
    ("help", "孩子入学需要办理哪些手续"),
    ("suggestion", "建议在公园增加公共厕所"),
    ("complaint", "单位拖欠工资三个月"),
    ("report", "某餐馆后厨卫生条件差"),
]
DIRECT = [("help", "家里突然停水了，一直没有来水"), ("complaint", "深夜工地施工噪音扰民")]
STREETS = ["人民路", "解放路", "建设路", "中山路", "滨江路"]
PLACES_PER_STREET = 60
CATEGORIES: list[str] = []
failures: dict[str, int] = {}  # status → count of non-201 answers
joined: list[str] = []  # repeat catalogue appeals that joined an open order instead of a dispatch
samples: list[str] = []  # level-3 category codes of the demo tree, read at start


def body(n: int) -> dict[str, object]:
    rng = random.Random(n)
    direct = rng.random() < 0.2
    appeal_type, text = rng.choice(DIRECT if direct else ORDINARY)
    category = rng.choice(CATEGORIES) if CATEGORIES else None
    # a catalogue appeal names its building: callers of one outage at one building join its
    # first order, outages elsewhere are dispatched on their own
    address = f"{rng.choice(STREETS)}{rng.randrange(1, PLACES_PER_STREET + 1)}号" if direct else None
    return {
        "channel": "api", "appeal_type": appeal_type, "title": text[:20], "content": f"{text}（第{n}号）",
        "phone": f"139{rng.randrange(10**8):08d}", "region_code": rng.choice(TOWNS),
        **({"category_code": category} if category else {}), **({"address": address} if address else {}),
    }


async def drive(port: int, token: str, concurrency: int, seconds: float,
                first: int = 0) -> tuple[list[float], int, list[str]]:
    latencies: list[float] = []
    errors = 0
    failures.clear()
    numbers: list[str] = []
    joined.clear()
    counter = iter(range(first, first + 10**9))
    run = time.monotonic_ns()
    stop = time.monotonic() + seconds

    async def worker(i: int) -> None:
        nonlocal errors
        client = Client(port, token)
        await client.connect()
        while time.monotonic() < stop:
            n = next(counter)
            started = time.perf_counter()
            try:
                status, data = await client.request("POST", "/api/v1/work-orders", body(n),
                                                    {"Idempotency-Key": f"bench-{run}-{n}"})
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                await client.close()
                await client.connect()
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 201:
                errors += 1
                failures[str(status)] = failures.get(str(status), 0) + 1
                if len(samples) < 3:
                    samples.append(str(data)[:300])
            elif data.get("direct_dispatch"):
                numbers.append(data["number"])
            elif data.get("merged_into"):
                joined.append(data["number"])
        await client.close()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return latencies, errors, numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=1, help="web processes (hotline serve --workers)")
    args = parser.parse_args()
    with instance(args.database_url, workers=args.workers) as inst:
        import sqlalchemy as sa

        engine = sa.create_engine(inst.database_url)
        with engine.connect() as conn:
            CATEGORIES.extend(conn.execute(sa.text("SELECT code FROM category WHERE level = 3")).scalars())
        engine.dispose()
        asyncio.run(drive(inst.port, inst.token, 4, 2, first=10**9))  # warm-up: appeals of its own
        cpu, db_cpu, started = inst.cpu_seconds(), postgres_cpu_seconds(), time.monotonic()
        latencies, errors, direct = asyncio.run(drive(inst.port, inst.token, args.concurrency, args.seconds))
        elapsed = time.monotonic() - started
        cpu, db_cpu = inst.cpu_seconds() - cpu, postgres_cpu_seconds() - db_cpu
        max_dispatch = None
        if direct:
            import sqlalchemy as sa

            engine = sa.create_engine(inst.database_url)
            with engine.connect() as conn:
                max_dispatch = conn.execute(sa.text(
                    "SELECT max(dispatch_seconds) FROM work_order WHERE direct_rule_id IS NOT NULL")).scalar()
            engine.dispose()
    report({
        "benchmark": "intake", "database": "postgresql" if args.database_url else "sqlite",
        "concurrency": args.concurrency, "workers": args.workers, "seconds": round(elapsed, 1),
        "orders": len(latencies) - errors,
        "orders_per_s": round((len(latencies) - errors) / elapsed, 1),
        "server_cpu_ms_per_order": round(cpu * 1000 / max(1, len(latencies) - errors), 2),
        "server_cpu_utilisation": round(cpu / elapsed, 2),
        **({"database_cpu_ms_per_order": round(db_cpu * 1000 / max(1, len(latencies) - errors), 2)}
           if args.database_url else {}),
        "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1), "errors": errors,
        "error_statuses": failures, "direct_dispatched": len(direct),
        "repeats_joined": len(joined),
        "direct_dispatch_max_s": round(max_dispatch, 3) if max_dispatch is not None else None,
    })


if __name__ == "__main__":
    main()
