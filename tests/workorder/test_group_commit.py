"""Group commit of intakes: many plans written in one transaction, each answered with its own
order or its own error; the writer thread batches what queues up while it is busy."""

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from hotline.audit.models import AuditEvent
from hotline.citizen.models import Citizen
from hotline.kit.errors import Conflict
from hotline.kit.groupcommit import GroupCommitter
from hotline.notify.models import Notification
from hotline.workorder import service as wo
from hotline.workorder.models import IdempotencyKey, WorkOrder


def data(**change):
    fields = {"channel": "phone", "appeal_type": "complaint", "title": "小区路灯不亮",
              "content": "幸福路 12 号小区门口路灯坏了一个月", "phone": "13955550001", "region_code": "990102001"}
    return wo.IntakeData(**{**fields, **change})


def plan(db, world, key=None, **change):
    return wo.plan_intake(db, world.p("ivr"), data(**change), idempotency_key=key)


def count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_a_batch_writes_every_order_with_consecutive_numbers_events_and_texts(db, world):
    results = wo.write_intakes(db, [plan(db, world, content=f"第 {i} 件：路灯坏了") for i in range(5)])
    assert all(isinstance(r, wo.IntakeResult) and r.created for r in results)
    numbers = [r.number for r in results]
    assert [int(n[-6:]) for n in numbers] == list(range(int(numbers[0][-6:]), int(numbers[0][-6:]) + 5))
    db.commit()
    ids = [str(r.work_order_id) for r in results]
    assert count(db, AuditEvent, AuditEvent.action == "work_order.registered", AuditEvent.object_id.in_(ids)) == 5
    orders = db.scalars(select(WorkOrder).where(WorkOrder.number.in_(numbers))).all()
    assert {o.content for o in orders} == {f"第 {i} 件：路灯坏了" for i in range(5)}
    assert count(db, Notification, Notification.template == "order_accepted",
                 Notification.work_order_id.in_([r.work_order_id for r in results])) == 5


def test_one_new_caller_twice_in_a_batch_becomes_one_citizen(db, world):
    results = wo.write_intakes(db, [plan(db, world, phone="13955550002", name="赵六"),
                                    plan(db, world, phone="13955550002", content="又坏了一个")])
    orders = [db.get(WorkOrder, r.work_order_id) for r in results]
    assert orders[0].citizen_id == orders[1].citizen_id is not None
    assert db.get(Citizen, orders[0].citizen_id).name == "赵六"


def test_a_key_repeated_in_one_batch_makes_one_order_and_a_changed_body_is_refused(db, world):
    first, again, changed = wo.write_intakes(db, [
        plan(db, world, key="k-1"), plan(db, world, key="k-1"), plan(db, world, key="k-1", title="别的事"),
    ])
    assert first.created and not again.created and again.work_order_id == first.work_order_id
    assert isinstance(changed, Conflict)
    assert count(db, IdempotencyKey, IdempotencyKey.key == "k-1") == 1


def test_a_replay_in_a_later_batch_returns_the_first_order(db, world):
    (first,) = wo.write_intakes(db, [plan(db, world, key="k-2")])
    (again, other) = wo.write_intakes(db, [plan(db, world, key="k-2"), plan(db, world, key="k-3")])
    assert not again.created and again.number == first.number
    assert other.created and other.number != first.number


def test_the_writer_batches_what_queues_up_and_answers_each_after_the_commit(factory):
    batches: list[list[int]] = []
    gate = threading.Event()

    def write(session, items):
        gate.wait(5)  # hold the first batch until the rest has queued
        batches.append(list(items))
        return [item * 10 for item in items]

    committer: GroupCommitter[int, int] = GroupCommitter("test", factory, write)
    futures = [committer.submit(1)]
    time.sleep(0.05)
    futures += [committer.submit(i) for i in range(2, 6)]
    gate.set()
    assert [f.result(5) for f in futures] == [10, 20, 30, 40, 50]
    assert batches == [[1], [2, 3, 4, 5]]


def test_a_closed_committer_drains_its_queue_and_a_later_submit_starts_a_new_writer(factory):
    """An application's lifespan may end and run again (a second TestClient, a reload): what was
    queued before the close is written, and what comes after is not left waiting for a writer
    that has stopped."""
    committer: GroupCommitter[int, int] = GroupCommitter("test", factory, lambda session, items: [i + 1 for i in items])
    before = committer.submit(1)
    committer.close()
    assert before.done() and before.result() == 2
    for n in range(5):
        assert committer.submit(n).result(5) == n + 1
        committer.close()


def test_a_refused_item_fails_alone_and_a_failing_batch_is_retried_item_by_item(factory):
    gate = threading.Event()
    batches: list[list[int]] = []

    def write(session, items):
        if items == [0]:
            gate.wait(5)  # hold the first batch until the rest has queued
        batches.append(list(items))
        if 13 in items:  # a constraint fails the whole transaction
            raise IntegrityError("insert", {}, Exception("duplicate"))
        return [Conflict("refused") if item == 7 else item for item in items]

    committer: GroupCommitter[int, int] = GroupCommitter("test", factory, write)
    first = committer.submit(0)
    time.sleep(0.05)
    futures = {i: committer.submit(i) for i in (7, 13, 21)}
    gate.set()
    assert first.result(5) == 0
    assert futures[21].result(5) == 21
    with pytest.raises(Conflict):
        futures[7].result(5)
    with pytest.raises(IntegrityError):
        futures[13].result(5)
    assert batches == [[0], [7, 13, 21], [7], [13], [21]]


def test_concurrent_api_intakes_all_land_with_distinct_numbers(own_database):
    """A real instance on a database of its own: concurrent requests are batched by the
    writer, and every answer is a committed order."""
    from fastapi.testclient import TestClient

    from hotline.app import create_app
    from hotline.config import get_settings
    from hotline.kit.db import make_engine

    url, world = own_database
    app = create_app(get_settings().model_copy(update={"database_url": url}))
    answers: list[dict] = []

    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {world.tokens['ivr']}"

        def post(i):
            body = {"channel": "api", "appeal_type": "complaint", "title": "噪音扰民",
                    "content": f"楼下商铺音响太吵（第 {i} 次）", "phone": "13955550003", "region_code": "990102001"}
            r = client.post("/api/v1/work-orders", json=body, headers={"Idempotency-Key": f"c-{i}"})
            assert r.status_code == 201, r.text
            answers.append(r.json())

        threads = [threading.Thread(target=post, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    numbers = {a["number"] for a in answers}
    assert len(numbers) == 12
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(WorkOrder).where(WorkOrder.number.in_(numbers)))
            assert stored.scalar() == 12
            citizens = conn.execute(select(func.count(func.distinct(WorkOrder.citizen_id)))
                                    .where(WorkOrder.number.in_(numbers))).scalar()
            assert citizens == 1  # one caller, one citizen record, however the batches fell
    finally:
        engine.dispose()
