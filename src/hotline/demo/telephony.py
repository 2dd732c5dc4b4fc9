"""The demo's telephony: the 青川市 centre's queues and a dozen seats (some staffed by an
outsourced operator, an expert seat of the housing bureau), duty agents signed in on ten of
them (S001 is left for the ``agent`` account, X001 for the bureau's ``handler``), three weeks
of past calls taken in through the call-event ingest (the demo citizens call again, so the
screen-pop has a repeat caller to show), a CTI key printed at start-up, and — while the demo
serves — a simulated call stream posted to the local server so the wallboard moves, the duty
agents returning to ready after each wrap-up as a person would on the console."""

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
from hotline.auth.roles import Role
from hotline.kit import clock
from hotline.kit.db import SessionFactory, transaction
from hotline.org import repository as org_repository
from hotline.telephony import admin, repository, schemas, seats, service, simulate
from hotline.telephony.models import AgentState, QueueKind

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
#: Phones of two callers of the demo's sample orders (demo/data.py ``load_sample_orders``): an
#: open order and a replied one, both handled by the housing bureau. They called before, so the
#: pop shows them as repeat callers with their orders (the bureau's specialist sees them too).
CITIZEN_PHONES = ("13900000002", "13900000005")
#: Every this many live calls, a demo citizen with orders calls (the agent on S001 soon gets a pop with history).
CITIZEN_EVERY = 2
HISTORY_DAYS = 21
CALLS_PER_DAY = 90
#: Seats the demo's duty agents (值守话务员, demo password) sit on; S001 and X001 stay free.
DUTY_SEATS = [code for code, *_ in SEATS if code not in ("S001", "X001")]
#: How long a duty agent's wrap-up lasts before they choose ready again (speed 10: 40 s → 4 s).
DUTY_WRAP_UP = dt.timedelta(seconds=4)


def _admin(session: Session) -> Principal:
    user = auth_repository.user_by_username(session, "admin")
    assert user is not None
    return Principal.of(user)


def load_telephony(session: Session) -> None:
    """Queues, seats and the past weeks' calls (taken in as a PBX would post them)."""
    actor = _admin(session)
    for name, kind, label in QUEUES:
        admin.put_queue(session, actor, name=name, kind=kind.value, label=label, region_code=REGION)
    for code, kind, unit, operator in SEATS:
        admin.add_seat(session, actor, code=code, kind=kind.value, region_code=REGION, unit_code=unit,
                       operator=operator)
    staff_seats(session)
    load_history(session)
    release_wrap_ups(session, after=dt.timedelta(0))


def duty_username(code: str) -> str:
    return f"duty_{code.lower()}"


def staff_seats(session: Session) -> None:
    """A duty agent signed in on each of :data:`DUTY_SEATS`: the past calls are theirs (agents'
    figures, quality samples) and the wallboard's seats change state with the live stream."""
    from hotline.demo.data import demo_account

    actor = _admin(session)
    centre = org_repository.unit_by_code(session, CENTRE)
    assert centre is not None
    for n, code in enumerate(DUTY_SEATS, start=1):
        user = demo_account(session, actor, username=duty_username(code), display_name=f"值守话务员{code}",
                            role=Role.agent, unit_id=centre.id, phone=f"1370009{n:04d}")
        seats.log_in(session, Principal.of(user), seat_code=code)


def release_wrap_ups(session: Session, *, after: dt.timedelta = DUTY_WRAP_UP) -> int:
    """The duty agents whose wrap-up has lasted ``after`` choose ready (on a seat still in
    wrap-up when they do). Returns how many did."""
    moved = 0
    cutoff = clock.now() - after
    for code in DUTY_SEATS:
        user = auth_repository.user_by_username(session, duty_username(code))
        seat = repository.seat_of_agent(session, user.id) if user is not None else None
        if user is None or seat is None or seat.state != AgentState.wrap_up.value:
            continue
        if seat.state_since is not None and seat.state_since > cutoff:
            continue
        seats.choose_state(session, Principal.of(user), state=AgentState.ready.value)
        moved += 1
    return moved


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


def roll_up_history(session: Session) -> int:
    """Roll the past calls up into the call statistics, with the cursor moved to now — the
    load is committed and nothing else writes yet, so the rollup's lag for late commits is not
    needed — so that a demo server's worker does not spend its first minute on weeks of hours
    (nor its second on them again). Returns the hours rolled up."""
    from hotline.telephony.stats import repository as stats_repository
    from hotline.telephony.stats import service as stats

    hours = stats.rollup(session).call_hours
    stats_repository.set_cursor(session, stats.CALLS, clock.now(), clock.now())
    return hours


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
            calls = sorted({p.event["call_id"] for p in planned})
            citizen = {call_id: CITIZEN_PHONES[n % len(CITIZEN_PHONES)]
                       for n, call_id in enumerate(calls[::CITIZEN_EVERY])}
            for p in planned:  # the offered event and its resends alike
                if p.event["type"] == "offered" and p.event["call_id"] in citizen:
                    p.event["caller"] = citizen[p.event["call_id"]]
            try:
                run_stream(poster, simulate.batches(planned), stop=stopping)
            except Exception as exc:  # the demo goes on without its stream; say why once per round
                log.warning("the demo's simulated call stream paused: %s", exc)
                stopping.wait(30)

    thread = threading.Thread(target=run, name="demo-call-stream", daemon=True)
    thread.start()
    return thread


def start_duty_agents(factory: SessionFactory, *, every: float = 2.0,
                      stop: threading.Event | None = None) -> threading.Thread:
    """A daemon thread that, every ``every`` seconds, has the duty agents whose wrap-up is
    over choose ready (:func:`release_wrap_ups`), each round its own transaction."""
    stopping = stop or threading.Event()

    def run() -> None:
        while not stopping.wait(every):
            try:
                with transaction(factory) as session:
                    release_wrap_ups(session)
            except Exception as exc:  # a busy database now and then: the next round tries again
                log.warning("the demo's duty agents skipped a round: %s", exc)

    thread = threading.Thread(target=run, name="demo-duty-agents", daemon=True)
    thread.start()
    return thread
