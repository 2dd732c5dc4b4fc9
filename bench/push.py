"""Push under a flaky receiver: every committed event delivered, none lost, fast when the receiver is up.

    python bench/push.py [--rate 250] [--seconds 20] [--fail 0.3] [--down-at 6] [--down 5]
                         [--drain 180] [--database-url postgresql+psycopg://…]
                         [--separate-worker [--worker-processes N]]

Starts its own platform (fresh database, demo province; the push relay runs in the job worker
``hotline serve`` starts beside itself on SQLite, in the server's own worker thread on
PostgreSQL, or in ``--worker-processes`` ``hotline worker`` processes with ``--separate-worker``)
and a receiver on 127.0.0.1 that checks every signature, fails ``--fail`` of the requests with
503 and is down (connection refused) for ``--down`` seconds from ``--down-at``. A
subscription of 青川市's centre supervisor takes ``order.created``; clients register appeals at
``--rate`` per second for ``--seconds``, each answered 201 = one committed event. Then it waits
up to ``--drain`` seconds for the relay to catch up and prints one JSON object:

- ``events``: orders committed (201 answers), ``events_per_s`` the rate reached;
- ``delivered``: distinct events the receiver accepted; ``lost`` = events − delivered (must be 0);
- ``duplicates_seen``: accepted requests carrying an event id already accepted (at-least-once);
- ``refused_signatures``: requests whose signature did not verify (must be 0);
- ``p95_delivery_s`` / ``p50_delivery_s``: from the 201 to the receiver's first acceptance, for
  events committed while the receiver was up (``p95_delivery_all_s`` over every event).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sqlalchemy as sa
from _common import HOTLINE, Client, Instance, instance, percentile, report

from hotline.integration.webhooks.receiver import Receiver

TOWNS = ["990102001", "990102002", "990103001", "990121001"]  # towns of 青川市, the subscriber's city
TEXTS = ["小区门口的健身器材损坏多日无人维修", "孩子入学需要办理哪些手续", "建议在公园增加公共厕所",
         "单位拖欠工资三个月", "某餐馆后厨卫生条件差"]


async def drive(port: int, token: str, rate: float, seconds: float, concurrency: int,
                committed: dict[str, float]) -> int:
    """Register appeals at ``rate`` per second; ``committed`` maps each order number to the time
    its 201 arrived. Returns the count of other answers."""
    errors = 0
    started = time.monotonic()
    issued = 0
    lock = asyncio.Lock()

    async def one(client: Client) -> None:
        nonlocal errors, issued
        while True:
            async with lock:
                n = issued
                issued += 1
            due = started + n / rate
            if due - started >= seconds:
                return
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            body = {"channel": "api", "appeal_type": "help", "title": TEXTS[n % len(TEXTS)][:20],
                    "content": f"{TEXTS[n % len(TEXTS)]}（推送压测第{n}号）", "phone": f"139{n:08d}",
                    "region_code": TOWNS[n % len(TOWNS)]}
            status, answer = await client.request("POST", "/api/v1/work-orders", body,
                                                  headers={"Idempotency-Key": f"push-bench-{n}"})
            if status == 201:
                committed[answer["number"]] = time.time()
            else:
                errors += 1

    clients = [Client(port, token) for _ in range(concurrency)]
    await asyncio.gather(*(one(c) for c in clients))
    for c in clients:
        await c.close()
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=250.0, help="appeals registered per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--fail", type=float, default=0.3, help="share of requests the receiver fails")
    parser.add_argument("--down-at", type=float, default=6.0, help="seconds into the run the receiver goes down")
    parser.add_argument("--down", type=float, default=5.0, help="seconds the receiver stays down")
    parser.add_argument("--drain", type=float, default=180.0, help="seconds allowed to catch up after the load")
    parser.add_argument("--database-url", help="PostgreSQL URL (a fresh schema is made); default SQLite")
    parser.add_argument("--separate-worker", action="store_true",
                        help="run the relay in a `hotline worker` process of its own, as a deployment on PostgreSQL "
                             "does (default: the worker `hotline serve` runs)")
    parser.add_argument("--worker-processes", type=int, default=1,
                        help="with --separate-worker: how many `hotline worker` processes")
    args = parser.parse_args()

    receiver = Receiver(secret="", fail_ratio=args.fail).start()
    committed: dict[str, float] = {}
    down_window: tuple[float, float] = (0.0, 0.0)
    extra = {"HOTLINE_INPROCESS_WORKER": "false"} if args.separate_worker else None
    with (instance(args.database_url, extra_env=extra) as platform,
          worker(platform, args.separate_worker, args.worker_processes)):
        def hotline(*argv: str) -> str:
            return subprocess.run([str(HOTLINE), *argv], env=platform.env, cwd=platform.env["HOTLINE_DATA_DIR"],
                                  capture_output=True, text=True, check=True).stdout

        hotline("webhooks", "target", "add", "127.0.0.1", "--http", "--note", "bench receiver")
        receiver.secret = hotline("webhooks", "subscription", "add", "--name", "压测接收方", "--owner", "supervisor",
                                  "--url", receiver.url, "--events", "order.created").strip().splitlines()[-1]

        async def run() -> int:
            nonlocal down_window
            load = asyncio.create_task(drive(platform.port, platform.token, args.rate, args.seconds,
                                             args.concurrency, committed))
            await asyncio.sleep(args.down_at)
            receiver.stop()
            went_down = time.time()
            await asyncio.sleep(args.down)
            receiver.start()
            down_window = (went_down, time.time())
            return await load

        started = time.monotonic()
        errors = asyncio.run(run())
        load_seconds = time.monotonic() - started
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and not set(committed) <= _delivered_numbers(receiver):
            time.sleep(0.5)
        missing = sorted(set(committed) - _delivered_numbers(receiver))
        if missing:
            _explain(platform.database_url, missing)
    receiver.stop()

    first: dict[str, float] = {}
    for r in receiver.accepted:
        number = r.payload.get("order", {}).get("number")
        if number in committed and number not in first:
            first[number] = r.at
    ids = receiver.events()
    latencies = [first[n] - at for n, at in committed.items() if n in first]
    up = [first[n] - at for n, at in committed.items()
          if n in first and not (down_window[0] <= at <= down_window[1])]
    report({
        "events": len(committed), "events_per_s": round(len(committed) / load_seconds, 1), "errors": errors,
        "delivered": len(first), "lost": len(committed) - len(first), "duplicates_seen": len(ids) - len(set(ids)),
        "refused_signatures": receiver.refused_signatures, "failed_on_purpose": receiver.failed_on_purpose,
        "down_s": round(down_window[1] - down_window[0], 1),
        "p50_delivery_s": round(percentile(up, 50), 3), "p95_delivery_s": round(percentile(up, 95), 3),
        "p95_delivery_all_s": round(percentile(latencies, 95), 3), "max_delivery_s": round(max(latencies or [0]), 3),
        "database": "postgresql" if args.database_url else "sqlite",
        "relay": (f"{args.worker_processes} worker process(es)" if args.separate_worker
                  else "hotline serve's own worker process" if not args.database_url else "in-process"),
    })


@contextlib.contextmanager
def worker(platform: Instance, separate: bool, count: int = 1) -> Iterator[None]:
    """``count`` `hotline worker` processes beside the server, when asked."""
    if not separate:
        yield
        return
    processes = [subprocess.Popen([str(HOTLINE), "worker"], env=platform.env, cwd=platform.env["HOTLINE_DATA_DIR"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)


def _explain(url: str, numbers: list[str]) -> None:
    """For each order never delivered: its order.created event and its delivery rows (stderr)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        for number in numbers[:20]:
            order = conn.execute(sa.text("select id from work_order where number = :n"), {"n": number}).first()
            key = {"i": str(order[0]) if order else ""}
            events = conn.execute(sa.text("select seq, action, at from audit_event where object_type = 'work_order' "
                                          "and object_id = :i order by seq"), key).all()
            deliveries = conn.execute(sa.text(
                "select seq, status, attempts, last_error, next_attempt_at, last_status_code from webhook_delivery "
                "where seq in (select seq from audit_event where object_type = 'work_order' and object_id = :i)"),
                key).all()
            cursor = conn.execute(sa.text("select cursor from webhook_subscription")).all()
            print(f"missing {number}: order={order} events={events} deliveries={deliveries} cursors={cursor}",
                  file=sys.stderr)
    engine.dispose()


def _delivered_numbers(receiver: Receiver) -> set[str]:
    with receiver._lock:
        return {r.payload.get("order", {}).get("number") for r in receiver.accepted}


if __name__ == "__main__":
    main()
