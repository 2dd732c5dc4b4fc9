"""Whole work-order lifecycles per second through the API.

    python bench/lifecycle.py [--concurrency 8] [--seconds 20] [--database-url postgresql+psycopg://…]

Each client runs complete loops — intake (agent) → dispatch (dispatcher) → sign → reply
(handler) → review (dispatcher) → satisfied callback (agent) → closed — each step a real API
call with the role's own session. Prints one JSON object: ``lifecycles_per_s``,
``requests_per_s``, ``server_cpu_ms_per_action`` (the CPU time the platform's processes spent
per request, from their own clocks; on PostgreSQL also ``database_cpu_ms_per_action``),
``p50_ms``/``p95_ms``/``p99_ms`` per request, ``errors``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Client, instance, percentile, postgres_cpu_seconds, report

PASSWORD = "hotline2026"  # noqa: S105 (the published demo password)


def login(port: int, username: str) -> tuple[str, str]:
    """A session cookie and CSRF token for a demo account."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/login", method="POST",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as response:  # noqa: S310 (loopback)
        cookie = response.headers["set-cookie"].split(";")[0]
        return cookie, json.load(response)["csrf_token"]


class RoleClient(Client):
    def __init__(self, port: int, cookie: str, csrf: str) -> None:
        super().__init__(port, "")
        self.extra = {"Cookie": cookie, "X-CSRF-Token": csrf}

    async def call(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        return await self.request(method, path, body, self.extra)


async def drive(port: int, creds: dict[str, tuple[str, str]], unit_id: int, concurrency: int,
                seconds: float) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    done = errors = 0
    stop = time.monotonic() + seconds

    async def worker(i: int) -> None:
        nonlocal done, errors
        c = {role: RoleClient(port, *creds[role]) for role in creds}
        n = 0
        while time.monotonic() < stop:
            n += 1
            appeal = {"channel": "phone", "appeal_type": "complaint", "title": "健身器材损坏",
                      "content": f"小区健身器材损坏（{i}-{n}）", "phone": f"137{i:03d}{n:05d}",
                      "region_code": "990102001"}
            try:
                status, data = await c["agent"].call("POST", "/api/v1/work-orders", appeal)
                if status != 201:
                    errors += 1
                    continue
                number = data["number"]  # type: ignore[index]
                for role, path, body in (
                    ("dispatcher", "dispatch", {"lead_unit_id": unit_id}),
                    ("handler", "sign", {}),
                    ("handler", "reply", {"result": "resolved", "text": "已修复"}),
                    ("dispatcher", "review", {"accept": True}),
                    ("agent", "callback", {"reached": True, "resolved": True, "verdict": "satisfied"}),
                ):
                    started = time.perf_counter()
                    status, _ = await c[role].call("POST", f"/api/v1/work-orders/{number}/{path}", body)
                    latencies.append((time.perf_counter() - started) * 1000)
                    if status != 200:
                        errors += 1
                        break
                else:
                    done += 1
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
        for client in c.values():
            await client.close()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return done, latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=1, help="web processes (hotline serve --workers)")
    args = parser.parse_args()
    with instance(args.database_url, workers=args.workers) as inst:
        creds = {role: login(inst.port, role) for role in ("agent", "dispatcher", "handler")}
        import sqlalchemy as sa

        engine = sa.create_engine(inst.database_url)
        with engine.connect() as conn:
            unit_id = conn.execute(sa.text("SELECT id FROM unit WHERE code = '990100-zj'")).scalar_one()
        engine.dispose()
        cpu, db_cpu, started = inst.cpu_seconds(), postgres_cpu_seconds(), time.monotonic()
        done, latencies, errors = asyncio.run(drive(inst.port, creds, unit_id, args.concurrency, args.seconds))
        elapsed = time.monotonic() - started
        cpu, db_cpu = inst.cpu_seconds() - cpu, postgres_cpu_seconds() - db_cpu
    report({
        "benchmark": "lifecycle", "database": "postgresql" if args.database_url else "sqlite",
        "concurrency": args.concurrency, "workers": args.workers, "seconds": round(elapsed, 1), "lifecycles": done,
        "lifecycles_per_s": round(done / elapsed, 2), "requests_per_s": round(len(latencies) / elapsed, 1),
        "server_cpu_ms_per_action": round(cpu * 1000 / max(1, len(latencies)), 2),
        "server_cpu_ms_per_lifecycle": round(cpu * 1000 / max(1, done), 2),
        "server_cpu_utilisation": round(cpu / elapsed, 2),
        **({"database_cpu_ms_per_action": round(db_cpu * 1000 / max(1, len(latencies)), 2)}
           if args.database_url else {}),
        "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1), "errors": errors,
    })


if __name__ == "__main__":
    main()
