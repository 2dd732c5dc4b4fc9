"""Two web processes taking in the same calls at once (a PBX's adapter retrying on another
connection): every event is stored once, every batch answered 202, the facts complete."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.config import get_settings
from hotline.kit import clock
from hotline.kit.db import make_engine
from hotline.telephony.models import Call, CallEvent
from tests.telephony.test_ingest import URL, stream


def test_two_processes_posting_the_same_new_calls_store_each_event_once(own_database):
    url, world = own_database
    settings = get_settings().model_copy(update={"database_url": url})
    from hotline.app import create_app

    t0 = clock.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    calls = [stream(f"race-{n}", t0 + dt.timedelta(seconds=n), answered=False) for n in range(40)]
    events = [e for call in calls for e in call]
    batches = [events[i:i + 25] for i in range(0, len(events), 25)]
    headers = {"Authorization": f"Bearer {world.tokens['pbx']}"}
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        def post(job: tuple[TestClient, list[dict]]) -> tuple[int, dict]:
            client, batch = job
            response = client.post(URL, json=batch, headers=headers)
            return response.status_code, response.json()

        jobs = [(one, b) for b in batches] + [(two, b) for b in reversed(batches)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(post, jobs))
    assert {status for status, _ in answers} == {202}, answers
    assert sum(a["accepted"] for _, a in answers) == len(events)
    assert sum(a["duplicates"] for _, a in answers) == len(events)
    assert not any(a["rejected"] for _, a in answers)
    engine = make_engine(url)
    with Session(engine) as db:
        assert db.execute(select(func.count()).select_from(CallEvent)).scalar_one() == len(events)
        states = db.execute(select(Call.state, Call.end_reason, Call.last_seq)).all()
    engine.dispose()
    assert len(states) == 40 and set(states) == {("ended", "abandoned", 5)}
