"""The demo's telephony: the 青川市 centre's queues and a dozen seats (some staffed by an
outsourced operator, an expert seat of the housing bureau), three weeks of past calls taken
in through the call-event ingest (the demo citizens call again, so the screen-pop has a
repeat caller to show), a CTI key printed at start-up, and — while the demo serves — a
simulated call stream posted to the local server so the wallboard moves."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import urllib.error
import urllib.request

from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.org import repository as org_repository
from hotline.telephony import admin, repository, schemas, service, simulate
from hotline.telephony.models import QueueKind

log = logging.getLogger(__name__)

CENTRE = "C-990100"
REGION = "990100"
QUEUES = [("general", QueueKind.general, "综合话务"), ("enterprise", QueueKind.enterprise, "企业专线"),
          ("expert", QueueKind.expert, "专家坐席")]
OUTSOURCED = "蜀信外包呼叫服务有限公司"
#: (code, kind, unit code of an expert seat, outsourced operator)
SEATS = [(f"S{n:03d}", QueueKind.general, None, OUTSOURCED if n > 6 else None) for n in range(1, 9)] + [
    ("E001", QueueKind.enterprise, None, None), ("E002", QueueKind.enterprise, None, None),
    ("E003", QueueKind.enterprise, None, OUTSOURCED), ("X001", QueueKind.expert, "990100-zj", None)]
DEMO_KEY_NAME = "演示：青川市中心交换机"
#: The demo citizens' phones (demo/data.py): they called before, so they are repeat callers.
CITIZEN_PHONES = ("13800138000", "13912345678")
HISTORY_DAYS = 21
CALLS_PER_DAY = 90


def _admin(session: Session) -> Principal:
    user = auth_repository.user_by_username(session, "admin")
    assert user is not None
    return Principal.of(user)


def load_telephony(session: Session) -> None:
    """Queues, seats and the past weeks' calls (taken in as a PBX would post them)."""
    actor = _admin(session)
    for name, kind, label in QUEUES:
        admin.put_queue(session, actor, name=name, kind=kind.value, label=label)
    for code, kind, unit, operator in SEATS:
        admin.add_seat(session, actor, code=code, kind=kind.value, region_code=REGION, unit_code=unit,
                       operator=operator)
    load_history(session)


def load_history(session: Session, *, days: int = HISTORY_DAYS, per_day: int = CALLS_PER_DAY) -> int:
    """``days`` past days of calls, 08:00–20:00 each day, through the ingest service; some
    of them from the demo citizens. Returns the number of calls."""
    centre = org_repository.unit_by_code(session, CENTRE)
    assert centre is not None
    seats = simulate.Seats.of([code for code, *_ in SEATS],
                              {code: kind.value for code, kind, *_ in SEATS})
    today = clock.now().astimezone(clock.CST).date()
    total = 0
    for back in range(days, 0, -1):
        day = today - dt.timedelta(days=back)
        start = dt.datetime.combine(day, dt.time(8, 0), clock.CST)
        planned, summary = simulate.plan(per_day, per_day / (12 * 3600), start=start, seats=seats, seed=back,
                                         speed=1.0, prefix=f"demo-{day:%Y%m%d}", known_callers=CITIZEN_PHONES,
                                         profile=simulate.Profile(resend=0.0, late=0.0))
        events = [p.event for p in planned]
        if back % 3 == 0:  # a demo citizen calls every few days
            first = next(e for e in events if e["type"] == "offered")
            first["caller"] = CITIZEN_PHONES[(back // 3) % len(CITIZEN_PHONES)]
        for i in range(0, len(events), schemas.MAX_BATCH):
            batch = service.Batch(unit_id=centre.id, events=schemas.parse_batch(events[i:i + schemas.MAX_BATCH]))
            service.ingest(session, batch)
        total += summary.calls
    return total


def issue_demo_key(session: Session) -> str:
    """A fresh CTI key for the demo centre's PBX (the one printed at the previous start is
    revoked)."""
    actor = _admin(session)
    for row in admin.list_keys(session, actor):
        if row.name == DEMO_KEY_NAME and row.revoked_at is None:
            admin.revoke_key(session, actor, row.id)
    key, _ = admin.issue_key(session, actor, name=DEMO_KEY_NAME, unit_code=CENTRE)
    return key


def seat_kinds(session: Session) -> dict[str, str]:
    return {code: kind for code, kind in ((c, k.value) for c, k, *_ in SEATS)
            if code in set(repository.active_seat_codes(session))}


def start_stream(url: str, key: str, seats: dict[str, str], *, rate: float = 0.15, speed: float = 10.0,
                 stop: threading.Event | None = None) -> threading.Thread:
    """A daemon thread that waits for the local server, then posts simulated calls to it, a
    round of 60 calls after another, until ``stop`` is set or the process ends."""
    from hotline.telephony.bridges.poster import EventPoster
    from hotline.telephony.cli import run_stream

    stopping = stop or threading.Event()

    def run() -> None:
        deadline = time.monotonic() + 300
        while not stopping.is_set() and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 (the local demo server)
                    break
            except (urllib.error.URLError, OSError):
                stopping.wait(1.0)
        poster = EventPoster(url, key, retries=3)
        round_ = 0
        while not stopping.is_set():
            round_ += 1
            start = clock.now() + dt.timedelta(seconds=1)
            # the demo citizens call again now and then: an agent on a seat gets their history on the pop
            planned, _ = simulate.plan(60, rate, start=start, seats=simulate.Seats.of(seats, seats), speed=speed,
                                       prefix=f"live-{start:%Y%m%d%H%M%S}-{round_}", known_callers=CITIZEN_PHONES)
            try:
                run_stream(poster, simulate.batches(planned), stop=stopping)
            except Exception as exc:  # the demo goes on without its stream; say why once per round
                log.warning("the demo's simulated call stream paused: %s", exc)
                stopping.wait(30)

    thread = threading.Thread(target=run, name="demo-call-stream", daemon=True)
    thread.start()
    return thread
