"""Cross-city transfer between two live platforms: every transfer accepted, handled, flowed back
and closed at the origin, nothing lost, even when the peer is down for a while.

    python bench/federation.py [--transfers 100] [--rate 20] [--down-at 2] [--down 3] [--drain 180]

Starts two platforms in this process (each a fresh SQLite database holding the test world,
its own uvicorn server on 127.0.0.1 and its own federation relay thread), peers them with a
pair key, then registers ``--transfers`` appeals on A at ``--rate`` per second and sends each
to B (the dispatcher's 转至他市). A "city B" thread works every order that arrives: dispatch,
sign, reply, review, callback (satisfied) — each step flows back to A. B's server is stopped
for ``--down`` seconds from ``--down-at`` (A's outbox queues and retries). Prints one JSON
object:

- ``transferred``: orders B registered from A's transfers (each once: ``duplicates`` counts
  more than one order on B for a transfer, must be 0);
- ``synced``: A's orders closed by the flow-back with B's reply; ``lost`` = transfers − synced
  (must be 0); ``failed_messages``: messages given up on either side (must be 0);
- ``p95_roundtrip_s`` / ``p50_roundtrip_s``: from A's transfer commit to A's order closed;
  ``p95_accept_s``: from the transfer commit to A learning B's order number.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
_TMP = Path(tempfile.mkdtemp(prefix="hotline-bench-federation-"))
os.environ.update({"HOTLINE_DATA_DIR": str(_TMP), "HOTLINE_LOG_LEVEL": "WARNING",
                   "HOTLINE_ARGON2_TIME_COST": "1", "HOTLINE_ARGON2_MEMORY_KIB": "1024"})
os.environ.pop("HOTLINE_DATABASE_URL", None)

import uvicorn  # noqa: E402
from _common import percentile, report  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from tests.factories import World, build_world  # noqa: E402

from hotline.app import create_app  # noqa: E402
from hotline.config import get_settings  # noqa: E402
from hotline.integration.federation import service as federation  # noqa: E402
from hotline.integration.federation import tasks  # noqa: E402
from hotline.integration.federation.models import Message, Transfer  # noqa: E402
from hotline.kit import crypto, migrate  # noqa: E402
from hotline.kit.db import make_engine, make_session_factory, transaction  # noqa: E402
from hotline.workorder import service as wo  # noqa: E402
from hotline.workorder.lifecycle import Status  # noqa: E402
from hotline.workorder.models import ReplyResult, Verdict, WorkOrder  # noqa: E402


class Platform:
    def __init__(self, tag: str, port: int) -> None:
        settings = get_settings()
        settings.ensure_keys()
        assert settings.pii_keys and settings.pii_index_key
        crypto.configure(settings.pii_keys, settings.pii_index_key)
        url = f"sqlite:///{_TMP / tag}.db"
        migrate.upgrade(url)
        engine = make_engine(url)
        self.factory = make_session_factory(engine)
        with Session(engine) as session:
            self.world: World = build_world(session)
            session.commit()
        self.app = create_app(get_settings(), session_factory=self.factory)
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        self.stop_relay = threading.Event()
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None
        self.start()
        threading.Thread(target=self._relay, daemon=True).start()

    def start(self) -> None:
        server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        self.server, self.thread = server, thread

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
            self.server = self.thread = None

    def _relay(self) -> None:
        while not self.stop_relay.is_set():
            try:
                if not tasks.relay(self.factory):
                    time.sleep(0.05)
            except Exception as exc:
                print(f"relay error: {exc!r}", file=sys.stderr)
                time.sleep(0.2)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def work_on_b(b: Platform, stop: threading.Event) -> None:
    """City B's staff: every order that came from A is dispatched, handled, reviewed and closed."""
    p = b.world.p
    while not stop.is_set():
        with transaction(b.factory) as s:
            ids = list(s.execute(select(Transfer.work_order_id).join(WorkOrder, WorkOrder.id == Transfer.work_order_id)
                                 .where(Transfer.direction == "in", WorkOrder.status != Status.closed)).scalars())
        if not ids:
            time.sleep(0.05)
            continue
        for order_id in ids:
            try:
                with transaction(b.factory) as s:
                    order = s.get(WorkOrder, order_id)
                    assert order is not None
                    if order.status == Status.registered:
                        wo.dispatch(s, p("dispatcher"), order, lead_unit_id=b.world.units["990100-zj"])
                    elif order.status == Status.dispatched:
                        wo.sign(s, p("handler"), order)
                        wo.reply(s, p("handler"), order, result=ReplyResult.resolved, text="已处理完毕")
                    elif order.status == Status.replied:
                        wo.review_reply(s, p("dispatcher"), order, accept=True)
                        wo.record_callback(s, p("agent"), order, reached=True, resolved=True,
                                           verdict=Verdict.satisfied)
            except Exception as exc:
                print(f"city B error: {exc!r}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transfers", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--down-at", type=float, default=2.0)
    parser.add_argument("--down", type=float, default=3.0)
    parser.add_argument("--drain", type=float, default=180.0)
    args = parser.parse_args()

    a, b = Platform("a", free_port()), Platform("b", free_port())
    with transaction(a.factory) as s:
        _, secret = federation.add_peer(s, a.world.p("admin"), federation.PeerData(
            name="b", url=b.url, display_name="乙市", contact_policy="full"))
        key_id = federation.repository.peer_by_name(s, "b").key_id  # type: ignore[union-attr]
    with transaction(b.factory) as s:
        federation.add_peer(s, b.world.p("admin"), federation.PeerData(
            name="a", url=a.url, display_name="甲市", key_id=key_id, secret=secret, contact_policy="full"))
    stop = threading.Event()
    threading.Thread(target=work_on_b, args=(b, stop), daemon=True).start()

    sent: dict[str, float] = {}
    started = time.monotonic()
    down_started = False
    for i in range(args.transfers):
        due = started + i / args.rate
        time.sleep(max(0.0, due - time.monotonic()))
        if args.down and not down_started and time.monotonic() - started >= args.down_at:
            down_started = True
            b.stop()
            threading.Timer(args.down, b.start).start()
        with transaction(a.factory) as s:
            order, _ = wo.intake(s, a.world.p("agent"), wo.IntakeData(
                channel="phone", appeal_type="complaint", title="路灯不亮", content=f"幸福路路灯不亮（第 {i} 件）",
                region_code="990102", category_code=a.world.categories["lamp"], phone="13812348000"))
            federation.send_order(s, a.world.p("dispatcher"), order, peer_ref="b", reason="属乙市辖区")
            number = order.number
        sent[number] = time.monotonic()

    closed: dict[str, float] = {}
    accepted: dict[str, float] = {}
    deadline = time.monotonic() + args.drain
    while time.monotonic() < deadline and len(closed) < len(sent):
        with transaction(a.factory) as s:
            rows = s.execute(select(WorkOrder.number, WorkOrder.status, Transfer.remote_number)
                             .join(Transfer, Transfer.work_order_id == WorkOrder.id)
                             .where(WorkOrder.number.in_(list(sent)))).all()
        now = time.monotonic()
        for number, status, remote in rows:
            if remote and number not in accepted:
                accepted[number] = now
            if status == Status.closed and number not in closed:
                closed[number] = now
        time.sleep(0.05)
    stop.set()
    a.stop_relay.set()
    b.stop_relay.set()

    with transaction(b.factory) as s:
        per_transfer = list(s.execute(select(Transfer.ref).where(Transfer.direction == "in")).scalars())
        failed_b = len(s.execute(select(Message.id).where(Message.status == "failed")).all())
    with transaction(a.factory) as s:
        failed_a = len(s.execute(select(Message.id).where(Message.status == "failed")).all())
        answered = len(s.execute(select(WorkOrder.id).where(WorkOrder.number.in_(list(closed)),
                                                            WorkOrder.answer == "已处理完毕")).all())
    roundtrips = [closed[n] - sent[n] for n in closed]
    accepts = [accepted[n] - sent[n] for n in accepted]
    report({
        "transfers": len(sent), "transferred": len(set(per_transfer)),
        "duplicates": len(per_transfer) - len(set(per_transfer)), "synced": answered,
        "lost": len(sent) - answered, "failed_messages": failed_a + failed_b,
        "peer_down_s": args.down, "p50_roundtrip_s": round(percentile(roundtrips, 50), 3),
        "p95_roundtrip_s": round(percentile(roundtrips, 95), 3),
        "p95_accept_s": round(percentile(accepts, 95), 3),
    })


if __name__ == "__main__":
    main()
