"""The simulated call stream: every event valid per the contract, each call's ``seq``
increasing from 1, a realistic mix (IVR 1, abandons short and long, transfers blind and
three-way, repeat callers, resends and late events), no seat taking two calls at once; and
the stream played into the running test application lands as the plan says."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from sqlalchemy import func, select

from hotline.kit import clock
from hotline.org.models import Region
from hotline.telephony import schemas, simulate
from hotline.telephony.bridges.poster import EventPoster
from hotline.telephony.cli import run_stream
from hotline.telephony.models import Call, Seat

START = dt.datetime(2026, 12, 6, 1, 0, tzinfo=dt.UTC)
SEATS = simulate.Seats.of(["S001", "S002", "S003", "S004", "S005", "S006", "E001", "E002", "X001"])


def _calls(planned: list[simulate.Planned]) -> dict[str, list[dict]]:
    calls: dict[str, dict[int, dict]] = defaultdict(dict)
    for item in planned:
        calls[item.event["call_id"]][item.event["seq"]] = item.event
    return {cid: [events[s] for s in sorted(events)] for cid, events in calls.items()}


def test_every_planned_event_is_valid_per_the_contract_and_seq_counts_up_per_call():
    planned, summary = simulate.plan(400, 0.3, start=START, seats=SEATS, seed=7)
    events = [p.event for p in planned]
    parsed = [e for i in range(0, len(events), 1000) for e in schemas.parse_batch(events[i:i + 1000])]
    assert len(parsed) == len(planned) == summary.events + summary.resends  # the platform's own check passed
    calls = _calls(planned)
    assert len(calls) == summary.calls == 400
    for events in calls.values():
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        assert events[0]["type"] == "offered" and events[0]["called"] == "12345"
        assert events[-1]["type"] == "ended" and sum(e["type"] == "ended" for e in events) == 1
        instants = [dt.datetime.fromisoformat(e["at"]) for e in events]
        assert instants == sorted(instants)
        answered = [e for e in events if e["type"] == "answered"]
        assert (events[-1]["reason"] == "completed") == bool(answered)
        if answered:
            assert events[-1]["recording_url"].startswith("https://")
    assert [p.send_at for p in planned] == sorted(p.send_at for p in planned)


def test_the_mix_is_realistic():
    planned, summary = simulate.plan(2000, 0.3, start=START, seats=SEATS, seed=11)
    calls = _calls(planned)
    enterprise = [c for c in calls.values() if any(e.get("digits") == "1" for e in c)]
    assert 0.11 < len(enterprise) / 2000 < 0.19 and len(enterprise) == summary.enterprise
    assert all(e["queue"] == "enterprise" for c in enterprise for e in c if e["type"] == "queued")
    # answered on an enterprise seat first (a transfer may then reach an expert seat, who answers too)
    assert all(next(e for e in c if e["type"] == "answered")["seat"].startswith("E")
               for c in enterprise if any(e["type"] == "answered" for e in c))
    waits = {"short": 0, "long": 0}
    for events in calls.values():
        if events[-1]["reason"] == "abandoned":
            queued = next(e for e in events if e["type"] == "queued")
            ended = dt.datetime.fromisoformat(events[-1]["at"])
            wait = (ended - dt.datetime.fromisoformat(queued["at"])).total_seconds()
            waits["short" if wait < 0.5 else "long"] += 1  # 5 s at speed 10
    assert waits["short"] == summary.abandoned_short > 40 and waits["long"] > 60
    assert 0.75 < summary.answered / 2000 < 0.95
    transfers = [e for c in calls.values() for e in c if e["type"] == "transferred"]
    modes = {e["mode"] for e in transfers}
    assert modes == {"blind", "three_way"} and len(transfers) == summary.transfers > 80
    assert any(t.startswith("X") for t in (e["to"] for e in transfers))  # an expert seat
    for events in calls.values():  # whoever takes a transfer to an expert seat answers it on that seat
        handed = [e["to"] for e in events if e["type"] == "transferred" and e["to"].startswith("X")]
        assert handed == [e["seat"] for e in events if e["type"] == "answered" and e["seat"].startswith("X")]
    assert any(e["to"].endswith("-12345") for e in transfers if e["mode"] == "three_way")  # another city
    callers = [c[0]["caller"] for c in calls.values()]
    assert len(callers) - len(set(callers)) == summary.repeat_callers > 200
    assert summary.resends > 20 and summary.late > 20


def test_no_seat_takes_two_calls_at_once():
    planned, _ = simulate.plan(1500, 1.0, start=START, seats=SEATS, seed=3)  # overloaded: seats never idle
    spans: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for events in _calls(planned).values():
        answered = next((e for e in events if e["type"] == "answered"), None)
        if answered is None:
            continue
        blind = next((e for e in events if e["type"] == "transferred" and e["mode"] == "blind"), None)
        until = blind or events[-1]
        spans[answered["seat"]].append((dt.datetime.fromisoformat(answered["at"]),
                                        dt.datetime.fromisoformat(until["at"])))
    for seat, busy in spans.items():
        busy.sort()
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(busy)), seat


def test_the_same_seed_gives_the_same_stream_and_batches_are_small():
    first, _ = simulate.plan(50, 1.0, start=START, seats=SEATS, seed=5)
    second, _ = simulate.plan(50, 1.0, start=START, seats=SEATS, seed=5)
    assert [p.event for p in first] == [p.event for p in second]
    batches = simulate.batches(first, size=20)
    assert all(1 <= len(batch) <= 20 for _, batch in batches)
    assert sum(len(batch) for _, batch in batches) == len(first)


def test_the_stream_played_into_the_running_app_lands_as_planned(client, db, world):
    region_id = db.execute(select(Region.id).where(Region.code == "990100")).scalar_one()
    for code, kind in (("S001", "general"), ("S002", "general"), ("S003", "general"), ("E001", "enterprise")):
        db.add(Seat(code=code, kind=kind, region_id=region_id, created_at=clock.now()))
    db.commit()
    start = clock.now() - dt.timedelta(hours=1)  # sent at once: the instants are in the past
    planned, summary = simulate.plan(60, 0.5, start=start, seats=simulate.Seats.of(["S001", "S002", "S003", "E001"]),
                                     seed=2, prefix="sim-test")
    poster = EventPoster("http://testserver", world.tokens["pbx"], client=client)
    run_stream(poster, simulate.batches(planned, size=20), sleep=lambda s: None)
    totals = poster.totals
    assert totals.rejected == 0, totals.reasons
    assert totals.accepted == summary.events and totals.duplicates == summary.resends
    db.expire_all()
    calls = db.execute(select(Call).where(Call.call_id.like("sim-test-%"))).scalars().all()
    assert len(calls) == 60 and all(c.ended_at is not None for c in calls)
    assert sum(c.answered_at is not None for c in calls) == summary.answered
    assert sum(c.enterprise for c in calls) == summary.enterprise
    assert sum(c.transfers for c in calls) == summary.transfers
    assert db.execute(select(func.count()).select_from(Call).where(Call.end_reason == "abandoned")).scalar_one() \
        == summary.abandoned


def test_the_simulate_command_posts_the_stream_and_prints_a_json_summary(client, db, world, monkeypatch, capsys):
    import json

    from hotline import cli
    from hotline.telephony.bridges import poster

    region_id = db.execute(select(Region.id).where(Region.code == "990100")).scalar_one()
    for code in ("S001", "S002", "E001"):
        db.add(Seat(code=code, kind="enterprise" if code.startswith("E") else "general", region_id=region_id,
                    created_at=clock.now()))
    db.commit()
    monkeypatch.setattr(poster.httpx, "Client", lambda **kw: client)
    monkeypatch.setattr(client, "close", lambda: None)
    status = cli.main(["cti", "simulate", "--calls", "12", "--rate", "40", "--speed", "2000", "--seed", "4",
                       "--url", "http://testserver", "--key", world.tokens["pbx"], "--seats", "S001,S002,E001",
                       "--prefix", "cmd"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0 and summary["error"] is None
    assert summary["plan"]["calls"] == 12 and summary["sent"]["rejected"] == 0
    assert summary["sent"]["accepted"] == summary["plan"]["events"]
    db.expire_all()
    assert db.execute(select(func.count()).select_from(Call).where(Call.call_id.like("cmd-%"))).scalar_one() == 12
    refused = cli.main(["cti", "simulate", "--calls", "1", "--url", "http://testserver", "--key", "forged",
                        "--seats", "S001"])
    assert refused == 2 and "401" in json.loads(capsys.readouterr().out.strip().splitlines()[-1])["error"]
