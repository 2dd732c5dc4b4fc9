"""Durability under SIGKILL: nothing acknowledged is lost, no retried intake makes two orders,
and a killed worker re-sends at most the one text it had in flight.

    python bench/durability.py [--kills 5] [--interval 4] [--concurrency 4] [--gateway-ms 10]
                               [--gateway-dedupe] [--database-url postgresql+psycopg://…]

Starts a throw-away platform (the demo province; SQLite in a temp folder, or a fresh schema
of ``--database-url``) whose SMS adapter is ``http``, pointed at a fake gateway this script
runs on 127.0.0.1 (``--gateway-ms`` per message, like a real one; it records every request
with its ``Idempotency-Key``). Clients post appeals through the API, each with an
``Idempotency-Key``, retrying the same key after any failure until it is answered. Every
``--interval`` seconds the platform is killed with SIGKILL and started again, ``--kills``
times; then the load stops, the outbox drains, and the platform stops.

Which processes die: on SQLite the platform is ``hotline serve`` with its in-process worker
(the default deployment), so one SIGKILL takes the web process and the worker together. On
PostgreSQL it is ``hotline serve`` (no in-process worker) and a separate ``hotline worker``;
both are killed at once. ``--separate-worker`` runs SQLite that way too.

Prints one JSON object: ``acked`` (intakes answered 2xx), ``lost`` (acked order numbers
missing at the end), ``duplicate_orders`` (orders made beyond one per Idempotency-Key),
``duplicate_texts_per_kill`` ((texts delivered − distinct notifications) / kills), with
``kills``, ``texts_sent`` (requests the gateway took), ``texts_delivered`` (after its own
de-duplication, with ``--gateway-dedupe``), ``texts_expected`` (notifications sent at the
end), ``pending_left`` and ``database``. Targets: lost 0, duplicate_orders 0,
duplicate_texts_per_kill ≤ 1 (0 with ``--gateway-dedupe``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import HOTLINE, Client, _drop_postgres, _fresh_postgres, free_port, report

TOWNS = ["990102001", "990102002", "990103001", "990121001", "990202001", "990302002", "990321003"]
APPEALS = [("complaint", "小区门口的健身器材损坏多日无人维修"), ("help", "家里突然停水了，一直没有来水"),
           ("suggestion", "建议在公园增加公共厕所"), ("complaint", "深夜工地施工噪音扰民")]


class Gateway(BaseHTTPRequestHandler):
    """A stand-in SMS gateway: takes every message after ``delay`` seconds and records it; with
    ``dedupe`` a repeated ``Idempotency-Key`` is answered with the first id and not delivered."""

    delay: ClassVar[float] = 0.01
    dedupe: ClassVar[bool] = False
    lock = threading.Lock()
    requests: ClassVar[list[tuple[str | None, str, str]]] = []  # (key, phone, text)
    delivered: ClassVar[dict[str, str]] = {}  # key (or phone+text) → id
    texts_delivered: ClassVar[int] = 0

    def do_POST(self) -> None:
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = self.headers.get("Idempotency-Key")
        time.sleep(self.delay)
        with self.lock:
            self.requests.append((key, data["phone"], data["text"]))
            ident = key or f"{data['phone']}|{data['text']}"
            if self.dedupe and ident in self.delivered:
                message_id = self.delivered[ident]
            else:
                message_id = f"gw-{len(self.requests)}"
                self.delivered.setdefault(ident, message_id)
                Gateway.texts_delivered += 1
        answer = json.dumps({"id": message_id}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Platform:
    """The platform's processes: ``hotline serve``, and a ``hotline worker`` when separate."""

    def __init__(self, env: dict[str, str], cwd: Path, port: int, separate_worker: bool) -> None:
        self.env, self.cwd, self.port, self.separate_worker = env, cwd, port, separate_worker
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log = (cwd / "platform.log").open("ab")

    def start(self) -> None:
        serve = subprocess.Popen([str(HOTLINE), "serve", "--port", str(self.port)], env=self.env, cwd=self.cwd,
                                 stdout=self.log, stderr=subprocess.STDOUT)
        self.processes = [serve]
        if self.separate_worker:
            self.processes.append(subprocess.Popen([str(HOTLINE), "worker", "--poll", "0.2"], env=self.env,
                                                   cwd=self.cwd, stdout=self.log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if serve.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start: " + (self.cwd / "platform.log").read_text()[-2000:])
            time.sleep(0.1)

    def kill(self) -> None:
        for p in self.processes:
            p.send_signal(signal.SIGKILL)
        for p in self.processes:
            p.wait()

    def stop(self) -> None:
        for p in self.processes:
            p.terminate()
        for p in self.processes:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        self.log.close()


def appeal(n: int) -> dict[str, object]:
    rng = random.Random(n)
    appeal_type, text = rng.choice(APPEALS)
    return {"channel": "api", "appeal_type": appeal_type, "title": text[:20], "content": f"{text}（第{n}号）",
            "phone": f"139{rng.randrange(10**8):08d}", "region_code": rng.choice(TOWNS)}


async def load(port: int, token: str, concurrency: int, stop: threading.Event,
               acked: dict[str, str], disagreeing: list[str]) -> None:
    """Post appeals until ``stop``; a request that fails for any reason (the server killed) is
    retried with the same key until answered."""
    counter = iter(range(10**9))
    run = time.time_ns()

    async def client() -> None:
        conn = Client(port, token)
        while not stop.is_set():
            n = next(counter)
            key = f"durability-{run}-{n}"
            give_up = None
            while True:
                try:
                    status, data = await asyncio.wait_for(
                        conn.request("POST", "/api/v1/work-orders", appeal(n), {"Idempotency-Key": key}), 30)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    await conn.close()
                    conn = Client(port, token)
                    status, data = 0, None
                if 200 <= status < 300:
                    number = data["number"]
                    if acked.setdefault(key, number) != number:
                        disagreeing.append(key)
                    break
                if stop.is_set():  # after the load: keep retrying this key a little, then leave it
                    give_up = give_up or time.monotonic() + 30
                    if time.monotonic() > give_up:
                        break
                await asyncio.sleep(0.1)
        await conn.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))


def counts(url: str) -> dict[str, Any]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        result = {
            "numbers": set(conn.execute(sa.text("SELECT number FROM work_order")).scalars()),
            "keys": conn.execute(sa.text("SELECT count(*) FROM idempotency_key")).scalar_one(),
            "pending": conn.execute(sa.text("SELECT count(*) FROM notification WHERE status = 'pending'")).scalar_one(),
            "sent": conn.execute(sa.text("SELECT count(*) FROM notification WHERE status = 'sent'")).scalar_one(),
        }
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--interval", type=float, default=4.0, help="seconds of load between kills")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--gateway-ms", type=float, default=10.0, help="the fake gateway's time per message")
    parser.add_argument("--gateway-dedupe", action="store_true", help="the gateway honours Idempotency-Key")
    parser.add_argument("--separate-worker", action="store_true", help="SQLite too: serve + hotline worker")
    parser.add_argument("--drain-seconds", type=float, default=240, help="how long to wait for the outbox")
    parser.add_argument("--database-url")
    args = parser.parse_args()

    Gateway.delay, Gateway.dedupe = args.gateway_ms / 1000, args.gateway_dedupe
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    gateway.daemon_threads = True
    threading.Thread(target=gateway.serve_forever, daemon=True).start()

    tmp = Path(tempfile.mkdtemp(prefix="hotline-durability-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update({"HOTLINE_DATA_DIR": str(tmp), "HOTLINE_LOG_LEVEL": "WARNING", "HOTLINE_SMS_ADAPTER": "http",
                "HOTLINE_SMS_URL": f"http://127.0.0.1:{gateway.server_address[1]}/send",
                "HOTLINE_SMS_API_KEY": "durability"})
    schema = None
    separate = bool(args.database_url) or args.separate_worker
    if args.database_url:
        url, schema = _fresh_postgres(args.database_url)
        env["HOTLINE_DATABASE_URL"] = url
    else:
        url = f"sqlite:///{tmp / 'hotline.db'}"
    env["HOTLINE_INPROCESS_WORKER"] = "false" if separate else "true"
    platform = None
    try:
        setup = subprocess.run([str(HOTLINE), "demo", "--no-serve"], env=env, cwd=tmp, capture_output=True,
                               text=True, check=True)
        token = next(line.split("：")[-1].strip() for line in setup.stdout.splitlines() if "API 令牌" in line)
        before = counts(url)
        platform = Platform(env, tmp, free_port(), separate)
        platform.start()

        acked: dict[str, str] = {}
        disagreeing: list[str] = []
        stop = threading.Event()
        driver = threading.Thread(target=lambda: asyncio.run(
            load(platform.port, token, args.concurrency, stop, acked, disagreeing)), daemon=True)
        started = time.monotonic()
        driver.start()
        for _ in range(args.kills):
            time.sleep(args.interval)
            platform.kill()
            platform.start()
        time.sleep(args.interval)
        stop.set()
        driver.join(60)
        load_seconds = time.monotonic() - started

        deadline = time.monotonic() + args.drain_seconds  # leased texts wait out their lease
        while (after := counts(url))["pending"] and time.monotonic() < deadline:
            time.sleep(1)
        platform.stop()
        platform = None
        after = counts(url)
        shutil.rmtree(tmp, ignore_errors=True)  # kept, with platform.log, when the run fails
    finally:
        if platform is not None:
            with contextlib.suppress(Exception):
                platform.kill()
        gateway.shutdown()
        if schema and args.database_url:
            _drop_postgres(args.database_url, schema)

    requests = list(Gateway.requests)
    distinct = len({key or f"{phone}|{text}" for key, phone, text in requests})
    created = len(after["numbers"] - before["numbers"])
    report({
        "benchmark": "durability", "database": "postgresql" if args.database_url else "sqlite",
        "worker": "separate" if separate else "in-process", "kills": args.kills,
        "load_seconds": round(load_seconds, 1),
        "acked": len(acked),
        "lost": len(set(acked.values()) - after["numbers"]),
        "duplicate_orders": created - (after["keys"] - before["keys"]) + len(disagreeing),
        "duplicate_texts_per_kill": round((Gateway.texts_delivered - distinct) / max(1, args.kills), 2),
        "texts_sent": len(requests), "texts_delivered": Gateway.texts_delivered, "distinct_texts": distinct,
        "texts_expected": after["sent"], "pending_left": after["pending"],
        "resent_requests_per_kill": round((len(requests) - distinct) / max(1, args.kills), 2),
        "gateway_dedupe": args.gateway_dedupe, "gateway_ms": args.gateway_ms,
    })


if __name__ == "__main__":
    main()
