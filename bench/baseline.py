"""Our intake beside the naive stack, in the same run on the same machine.

    python bench/baseline.py [--concurrency 16] [--seconds 30] [--rounds 3] [--workers 1]

Starts our platform (demo province, SQLite) and the naive stack of ``bench/_baseline_app.py``
(FastAPI, a plain ``def`` endpoint, one SQLAlchemy session per request, one order row and
one event row, commit; uvicorn with one worker; SQLite in WAL with ``synchronous=NORMAL``),
then drives both with the same client (bench/intake.py's: the same appeals, ``--concurrency``
keep-alive connections), alternating in ``--rounds`` rounds of ``--seconds``/``--rounds``
each, ours first, so that both see the machine in the same state. Each server's CPU time is
read from its own processes' clocks.

Prints one JSON object: ``baseline_orders_per_s``, ``ours_orders_per_s``, ``ratio`` (ours /
baseline), each side's ``p50_ms``/``p95_ms``, ``server_cpu_ms_per_order`` and errors."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import intake
from _common import free_port, instance, percentile, report, tree_cpu_seconds

HERE = Path(__file__).resolve().parent


def start_baseline() -> tuple[subprocess.Popen[bytes], int, Path]:
    tmp = Path(tempfile.mkdtemp(prefix="hotline-baseline-"))
    port = free_port()
    env = {**os.environ, "BASELINE_DB": str(tmp / "baseline.db")}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "_baseline_app:app", "--port", str(port),
                               "--workers", "1", "--log-level", "warning", "--no-access-log"],
                              cwd=HERE, env=env, stdout=(tmp / "server.log").open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=2) as answer:
                if answer.status == 200:
                    return server, port, tmp
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the baseline did not start: " + (tmp / "server.log").read_text()[-2000:])
        time.sleep(0.2)


class Side:
    def __init__(self, name: str, port: int, token: str, pid: int) -> None:
        self.name, self.port, self.token, self.pid = name, port, token, pid
        self.latencies: list[float] = []
        self.errors = 0
        self.seconds = 0.0
        self.cpu = 0.0

    def run(self, seconds: float, concurrency: int, first: int) -> None:
        cpu, started = tree_cpu_seconds(self.pid), time.monotonic()
        latencies, errors, _ = asyncio.run(intake.drive(self.port, self.token, concurrency, seconds, first=first))
        self.seconds += time.monotonic() - started
        self.cpu += tree_cpu_seconds(self.pid) - cpu
        self.latencies += latencies
        self.errors += errors

    def figures(self) -> dict[str, Any]:
        done = len(self.latencies) - self.errors
        return {"orders": done, "orders_per_s": round(done / self.seconds, 1),
                "p50_ms": round(percentile(self.latencies, 50), 1), "p95_ms": round(percentile(self.latencies, 95), 1),
                "server_cpu_ms_per_order": round(self.cpu * 1000 / max(1, done), 2), "errors": self.errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30, help="per side, over all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="our web processes (hotline serve --workers)")
    args = parser.parse_args()
    baseline, port, _tmp = start_baseline()
    try:
        with instance(workers=args.workers) as inst:
            import sqlalchemy as sa

            engine = sa.create_engine(inst.database_url)
            with engine.connect() as conn:
                intake.CATEGORIES.extend(conn.execute(sa.text("SELECT code FROM category WHERE level = 3")).scalars())
            engine.dispose()
            ours, theirs = Side("ours", inst.port, inst.token, inst.pid), Side("baseline", port, "-", baseline.pid)
            for side in (ours, theirs):  # warm-up: appeals of its own
                asyncio.run(intake.drive(side.port, side.token, 4, 2, first=10**9))
            per_round = args.seconds / args.rounds
            for r in range(args.rounds):
                for side in (ours, theirs):
                    side.run(per_round, args.concurrency, first=r * 10**6)
    finally:
        baseline.terminate()
        baseline.wait(10)
    mine, base = ours.figures(), theirs.figures()
    report({
        "benchmark": "baseline", "database": "sqlite", "concurrency": args.concurrency, "workers": args.workers,
        "rounds": args.rounds, "baseline_orders_per_s": base["orders_per_s"], "ours_orders_per_s": mine["orders_per_s"],
        "ratio": round(mine["orders_per_s"] / base["orders_per_s"], 2) if base["orders_per_s"] else None,
        "ours": mine, "baseline": base,
    })


if __name__ == "__main__":
    main()
