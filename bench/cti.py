"""Call-event ingest: events per second a PBX can post to ``/api/v1/cti/events``.

    python bench/cti.py [--concurrency 2] [--batch 100] [--rate EVENTS_PER_S] [--seconds 20] [--seats 100]
                        [--database-url postgresql+psycopg://…]
    python bench/cti.py --stats [--calls 3000000] [--days 30] [--reuse PATH]   (bench/cti_stats.py)

Starts its own server with a fresh database and the demo province, makes a CTI service
account with an API token and ``--seats`` seats (agents logged in on them), then
``--concurrency`` clients each play a realistic stream of calls — offered, an IVR choice
for most (key 1, the enterprise line, for one in five), queued, answered by a seat or
abandoned, a transfer now and then (blind or three-way), ended with a recording link — in
batches of ``--batch`` events, as a PBX's adapter would: mostly in order, a few events out of
order within a batch, about one in a hundred sent again (a retried batch's tail), a call's
events often spread over two batches. Without ``--rate`` each client posts its next batch as
soon as the last is answered (the most the server takes); with ``--rate`` the clients offer
that many events per second between them on a schedule, as PBXes do, and a request's time
runs from when it was due (queueing included). Prints one JSON object: ``events_per_s``,
``calls_per_s``, ``p50_ms``, ``p95_ms``, ``p99_ms`` (per request), ``errors`` (non-202 answers
or events rejected), ``duplicates``, and the server's CPU seconds with ``events_per_server_cpu_s``
(independent of what else the machine runs)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Client, instance, percentile, report

SETUP = """
import datetime as dt, json, sys
from sqlalchemy import select
from hotline.auth import service as auth
from hotline.auth.models import Role, User
from hotline.auth.principal import Principal
from hotline.config import get_settings
from hotline.kit import clock, crypto
from hotline.kit.db import make_engine, make_session_factory, transaction
from hotline.org import repository as org
from hotline.telephony.models import Seat

settings = get_settings()
crypto.configure(settings.pii_keys, settings.pii_index_key)
factory = make_session_factory(make_engine(settings.resolved_database_url))
with transaction(factory) as s:
    admin = Principal.of(s.execute(select(User).where(User.username == "admin")).scalar_one())
    centre = org.unit_by_code(s, "C-990000")
    user = auth.create_user(s, admin, username="bench_pbx", display_name="PBX", role=Role.cti,
                            unit_id=centre.id, password=None, is_service=True)
    token, _ = auth.issue_api_token(s, admin, user, name="bench", days=1)
    agents = list(s.execute(select(User.id).where(User.role == Role.agent)).scalars()) or [None]
    now = clock.now() - dt.timedelta(hours=3)  # logged in before the stream's first call
    for i in range(int(sys.argv[1])):
        agent = agents[i % len(agents)]
        s.add(Seat(code=f"S{i:04d}", region_id=centre.region_id, agent_id=agent, created_at=now,
                   state="ready" if agent else "logged_out", state_since=now if agent else None))
print(json.dumps({"token": token}))
"""


def iso(at: dt.datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def call_events(call_id: str, start: dt.datetime, rng: random.Random, seats: int) -> list[dict[str, Any]]:
    """One call's events, in the PBX's order."""
    caller = f"{rng.choice(('139', '138', '186', '150', '177'))}{rng.randrange(10**8):08d}"
    t = start
    seq = 0
    out: list[dict[str, Any]] = []

    def add(seconds: float, **fields: Any) -> None:
        nonlocal t, seq
        t += dt.timedelta(seconds=seconds)
        seq += 1
        out.append({"call_id": call_id, "seq": seq, "at": iso(t), **fields})

    add(0, type="offered", caller=caller, called="12345")
    digits = None
    if rng.random() < 0.8:
        digits = "1" if rng.random() < 0.2 else rng.choice("2345")
        add(rng.uniform(3, 12), type="ivr", digits=digits)
    add(rng.uniform(0.5, 2), type="queued", queue="enterprise" if digits == "1" else "general")
    if rng.random() < 0.12:
        add(rng.uniform(1, 60), type="ended", reason="abandoned")
        return out
    seat = f"S{rng.randrange(seats):04d}"
    add(rng.uniform(2, 40), type="answered", seat=seat)
    if rng.random() < 0.06:
        mode = rng.choice(["blind", "three_way"])
        add(rng.uniform(20, 120), type="transferred", seat=seat, to=f"专家坐席{rng.randrange(5)}", mode=mode)
    add(rng.uniform(30, 300), type="ended", reason="completed", recording_url=f"https://rec.example/{call_id}.wav")
    return out


def batches(client: int, batch: int, seats: int, run: str) -> Iterator[list[dict[str, Any]]]:
    """Endless batches of one client's stream: calls overlapping in time, events merged in
    time order, a few shuffled within a batch, a few sent again."""
    rng = random.Random(client)
    base = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=2)
    pending: list[tuple[str, int, dict[str, Any]]] = []  # (at, tiebreak, event)
    n = 0
    previous: list[dict[str, Any]] = []
    while True:
        while len(pending) < batch * 3:  # enough calls in flight that a batch cuts through many
            start = base + dt.timedelta(seconds=n * 0.4)
            for event in call_events(f"{run}-{client}-{n}", start, rng, seats):
                pending.append((event["at"], len(pending), event))
            n += 1
            pending.sort(key=lambda p: (p[0], p[1]))
        take = batch - (1 if previous and rng.random() < 0.5 else 0)
        out = [p[2] for p in pending[:take]]
        del pending[:take]
        for _ in range(len(out) // 20):  # out of order within the batch
            i, j = rng.randrange(len(out)), rng.randrange(len(out))
            out[i], out[j] = out[j], out[i]
        if take < batch:
            out.append(rng.choice(previous))  # sent again
        previous = out
        yield out


async def drive(port: int, token: str, concurrency: int, seconds: float, batch: int, seats: int,
                run: str, rate: float | None = None) -> dict[str, Any]:
    latencies: list[float] = []
    totals = {"events": 0, "accepted": 0, "duplicates": 0, "rejected": 0, "errors": 0, "calls": 0}
    statuses: dict[str, int] = {}
    samples: list[str] = []
    stop = time.monotonic() + seconds

    async def worker(i: int) -> None:
        client = Client(port, token)
        await client.connect()
        stream = batches(i, batch, seats, run)
        interval = concurrency * batch / rate if rate else 0.0
        due = time.perf_counter() + interval * i / concurrency
        while time.monotonic() < stop:
            body = next(stream)
            if rate:  # a PBX sends when its events happen: on schedule, late requests measured from it
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                started = due
                due += interval
            else:
                started = time.perf_counter()
            try:
                status, data = await client.request("POST", "/api/v1/cti/events", body)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                totals["errors"] += 1
                await client.close()
                await client.connect()
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 202:
                totals["errors"] += 1
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if len(samples) < 3:
                    samples.append(json.dumps(data, ensure_ascii=False)[:300])
                continue
            totals["events"] += len(body)
            totals["calls"] += sum(1 for e in body if e["type"] == "offered")
            totals["accepted"] += data["accepted"]
            totals["duplicates"] += data["duplicates"]
            totals["rejected"] += len(data["rejected"])
            if data["rejected"] and len(samples) < 3:
                samples.append(json.dumps(data["rejected"][:2], ensure_ascii=False))
        await client.close()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return {"latencies": latencies, "totals": totals, "statuses": statuses, "samples": samples}


def server_cpu_seconds(port: int) -> float | None:
    """CPU time (user + system) of the server's processes so far (Linux ``/proc``): events per
    CPU second do not depend on what else the machine is running."""
    total, found = 0.0, False
    tick = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            if b"serve" not in cmdline or str(port).encode() not in cmdline:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
        found = True
    return total if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rate", type=float, help="events per second to offer (default: as fast as answered)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1, help="web processes (hotline serve --workers)")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with instance(args.database_url, workers=args.workers) as inst:
        setup = subprocess.run([sys.executable, "-c", SETUP, str(args.seats)], env=inst.env, capture_output=True,
                               text=True, check=True)
        token = json.loads(setup.stdout.strip().splitlines()[-1])["token"]
        asyncio.run(drive(inst.port, token, 2, 2, args.batch, args.seats, "warm"))
        cpu_before = server_cpu_seconds(inst.port)
        started = time.monotonic()
        result = asyncio.run(drive(inst.port, token, args.concurrency, args.seconds, args.batch, args.seats, "run",
                                   args.rate))
        elapsed = time.monotonic() - started
        cpu_after = server_cpu_seconds(inst.port)
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    totals, latencies = result["totals"], result["latencies"]
    report({
        "benchmark": "cti_ingest", "database": "postgresql" if args.database_url else "sqlite",
        "concurrency": args.concurrency, "batch": args.batch, "rate": args.rate, "workers": args.workers,
        "seconds": round(elapsed, 1),
        "requests": len(latencies), "events": totals["events"],
        "events_per_s": round(totals["events"] / elapsed, 1), "calls_per_s": round(totals["calls"] / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "errors": totals["errors"] + totals["rejected"], "rejected": totals["rejected"],
        "duplicates": totals["duplicates"],
        "server_cpu_s": round(cpu, 2) if cpu is not None else None,
        "events_per_server_cpu_s": round(totals["events"] / cpu, 1) if cpu else None,
        "error_statuses": result["statuses"], "samples": result["samples"],
    })


if __name__ == "__main__":
    if "--stats" in sys.argv:  # the statistics pages on a month of calls: see bench/cti_stats.py
        sys.argv.remove("--stats")
        from cti_stats import main as stats_main

        stats_main()
    else:
        main()
