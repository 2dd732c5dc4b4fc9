"""同一诉求合并派单只派1件 (S4): a repeat of a catalogue appeal joins the open order already
dispatched for it instead of reaching the utility again; and duplicates already with a unit
can still be merged into a main order while it is open, their citizens then answered and called
back with the main order's reply (docs/adr/0014-merging-catalogue-duplicates.md)."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEvent
from hotline.auth import service as auth_service
from hotline.auth.models import Role
from hotline.config import get_settings
from hotline.kit.errors import Conflict
from hotline.notify.models import Notification
from hotline.org import service as org
from hotline.org.models import Unit
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import AssignmentState, DirectDispatchRule, DirectTarget, ReplyResult, Verdict, WorkOrder
from tests.factories import PASSWORD

OUTAGE = {"channel": "phone", "appeal_type": "help", "title": "家里停水", "content": "从早上开始停水，一直没有来水",
          "region_code": "990102001"}


@pytest.fixture
def water(db, world):
    """The catalogue entry 停水 → the local water company (which gets a text per new order)."""
    db.get(Unit, world.units["990100-wat"]).contact_phone = "13700009999"
    rule = DirectDispatchRule(name="停水", category_codes=[], keywords=["停水"], target=DirectTarget.utility,
                              utility_type="water", active=True)
    db.add(rule)
    db.commit()
    return rule


def report(api, phone, status=201, **change):
    r = api("agent").post("/api/v1/work-orders", json={**OUTAGE, "phone": phone, **change})
    assert r.status_code == status, r.text
    return r.json()


def texts(db, template, order_id=None):
    stmt = select(Notification).where(Notification.template == template)
    if order_id is not None:
        stmt = stmt.where(Notification.work_order_id == order_id)
    return db.execute(stmt).scalars().all()


def events(db, order, name):
    return db.execute(select(AuditEvent).where(
        AuditEvent.object_type == "work_order", AuditEvent.object_id == str(order.id),
        AuditEvent.action == f"work_order.{name}")).scalars().all()


def order(db, number):
    db.expire_all()
    return db.execute(select(WorkOrder).where(WorkOrder.number == number)).unique().scalar_one()


def test_thirty_callers_reporting_one_outage_make_one_dispatched_order_and_twenty_nine_merged(api, db, water):
    answers = [report(api, f"1390000{i:04d}") for i in range(30)]
    first, repeats = answers[0], answers[1:]
    assert first["status"] == "dispatched" and first["direct_dispatch"] is True and first["merged_into"] is None
    assert {a["status"] for a in repeats} == {"merged"}
    assert {a["merged_into"] for a in repeats} == {first["number"]}
    assert all(a["direct_dispatch"] is False and a["assignments"] == [] for a in repeats)
    main = order(db, first["number"])
    assert main.urge_count == 29 and len(events(db, main, "urged")) == 29
    assert db.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.merged_into_id == main.id)) == 29
    assert db.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.status == Status.dispatched)) == 1
    assert len(texts(db, "unit_new_order")) == 1  # the utility hears of it once
    child = order(db, repeats[-1]["number"])
    assert child.lead_unit_id is None and child.due_at is None and child.direct_rule_id is None
    assert [e.detail["into"] for e in events(db, child, "merged")] == [main.number]
    told = texts(db, "order_merged", child.id)
    assert len(told) == 1 and main.number in told[0].body and child.number in told[0].body
    assert texts(db, "order_accepted", child.id) == []
    shown = api("dispatcher").get(f"/api/v1/work-orders/{main.number}").json()
    assert shown["urge_count"] == 29 and len(shown["merged"]) == 29
    page = api("dispatcher").get(f"/orders/{main.number}").text
    assert 'id="urge-count"' in page and "29 次" in page
    assert "催办：同一诉求再次来电" in page and f"重复来电工单：{child.number}" in page  # the timeline


def test_repeats_arriving_in_one_batch_join_the_first_of_them(db, world, water):
    plans = [wo.plan_intake(db, world.p("agent"), wo.IntakeData(**OUTAGE, phone=f"1390000{i:04d}")) for i in range(3)]
    results = wo.write_intakes(db, plans)
    assert all(isinstance(r, wo.IntakeResult) for r in results)
    first, *others = results
    assert first.merged_into is None and [r.merged_into for r in others] == [first.number] * 2
    main = db.get(WorkOrder, first.work_order_id)
    assert main.status == Status.dispatched and main.urge_count == 2
    assert {db.get(WorkOrder, r.work_order_id).merged_into_id for r in others} == {main.id}
    assert len(texts(db, "unit_new_order")) == 1


def test_a_main_order_loaded_in_the_session_reads_its_new_urge_count(db, world, water):
    first, _ = wo.intake(db, world.p("agent"), wo.IntakeData(**OUTAGE, phone="13900001111"))
    assert first.urge_count == 0  # loaded: the repeat's count is written past the ORM
    repeat, _ = wo.intake(db, world.p("agent"), wo.IntakeData(**OUTAGE, phone="13900002222"))
    assert repeat.merged_into_id == first.id
    assert first.urge_count == 1


def test_an_outage_at_another_place_or_another_house_is_an_order_of_its_own(api, db, world, water):
    org.create_region(db, world.p("admin"), code="990102002", name="西华街道")
    db.commit()
    first = report(api, "13900000001", address="幸福路12号")
    elsewhere = report(api, "13900000002", region_code="990102002")
    other_house = report(api, "13900000003", address="幸福路18号")
    same_house = report(api, "13900000004", address="幸福路12号楼下")
    assert first["status"] == elsewhere["status"] == other_house["status"] == "dispatched"
    assert same_house["status"] == "merged" and same_house["merged_into"] == first["number"]
    other_street = report(api, "13900000005", address="和平路12号")  # the same number on another street
    assert other_street["status"] == "dispatched"


def test_once_the_main_order_is_closed_or_too_old_a_new_report_is_dispatched_again(api, db, world, water, travel):
    first = report(api, "13900000001")
    main = order(db, first["number"])
    admin = world.p("admin")
    user = auth_service.create_user(db, admin, username="water", display_name="水司", role=Role.unit_handler,
                                    unit_id=world.units["990100-wat"], password=PASSWORD, phone="13700000001")
    utility = auth_service._principal(db, user, "csrf-water")
    wo.sign(db, utility, main)
    wo.reply(db, utility, main, result=ReplyResult.resolved, text="管道已抢修，恢复供水")
    wo.review_reply(db, world.p("dispatcher"), main, accept=True)
    wo.record_callback(db, world.p("agent"), main, reached=True, resolved=True, verdict=Verdict.satisfied)
    assert main.status == Status.closed
    db.commit()
    again = report(api, "13900000002")
    assert again["status"] == "dispatched" and again["merged_into"] is None
    travel.shift(dt.timedelta(hours=get_settings().duplicate_merge_hours, minutes=1).total_seconds())
    later = report(api, "13900000003")
    assert later["status"] == "dispatched" and later["merged_into"] is None


def _dispatched(db, world, content, phone):
    o, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title=content[:12], content=content, phone=phone,
        category_code=world.categories["lamp"], region_code="990102001"))
    wo.dispatch(db, world.p("dispatcher"), o, lead_unit_id=world.units["990100-zj"])
    return o


def test_a_dispatched_duplicate_merged_through_the_api_gets_the_main_orders_reply_and_callback(api, db, world):
    parent = _dispatched(db, world, "幸福路12号门口的路灯坏了一个月", "13911112222")
    child = _dispatched(db, world, "幸福路12号路灯坏了没人修", "13800001111")
    db.commit()
    r = api("dispatcher").post(f"/api/v1/work-orders/{parent.number}/merge", json={"numbers": [child.number]})
    assert r.status_code == 200, r.text
    child = order(db, child.number)
    assert child.status == Status.merged and child.merged_into_id == parent.id and child.due_at is None
    assert {a.state for a in child.assignments} == {AssignmentState.revoked}  # the unit is relieved of it
    assert child.number not in [o["number"] for o in api("handler").get(
        "/api/v1/work-orders", params={"inbox": True}).json()]
    parent = order(db, parent.number)
    wo.sign(db, world.p("handler"), parent)
    wo.reply(db, world.p("handler"), parent, result=ReplyResult.resolved, text="路灯已于今日修复")
    wo.review_reply(db, world.p("dispatcher"), parent, accept=True)
    assert child.status == Status.callback and child.answer == "路灯已于今日修复"
    replied = texts(db, "order_replied", child.id)
    assert len(replied) == 1 and "路灯已于今日修复" in replied[0].body and child.number in replied[0].body
    db.commit()
    queue = api("agent").get("/callbacks").text
    assert child.number in queue and parent.number in queue


def test_a_duplicate_merged_into_a_main_order_already_answered_gets_the_reply_at_once(db, world):
    parent = _dispatched(db, world, "幸福路12号门口的路灯坏了一个月", "13911112222")
    wo.sign(db, world.p("handler"), parent)
    wo.reply(db, world.p("handler"), parent, result=ReplyResult.resolved, text="路灯已于今日修复")
    wo.review_reply(db, world.p("dispatcher"), parent, accept=True)
    late, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="路灯", content="幸福路路灯不亮", phone="13800002222",
        category_code=world.categories["lamp"], region_code="990102001"))
    wo.merge(db, world.p("dispatcher"), parent, [late])
    assert late.status == Status.callback and late.answer == "路灯已于今日修复"
    assert len(texts(db, "order_replied", late.id)) == 1
    wo.record_callback(db, world.p("agent"), parent, reached=True, resolved=True, verdict=Verdict.satisfied)
    again = _dispatched(db, world, "路灯又坏了", "13800003333")
    with pytest.raises(Conflict, match="已办结"):  # a closed main order takes no one in
        wo.merge(db, world.p("dispatcher"), parent, [again])


def test_a_dispatched_duplicate_is_merged_through_the_order_page(api, db, world):
    parent = _dispatched(db, world, "幸福路12号门口的路灯坏了一个月，晚上一片漆黑", "13911112222")
    child = _dispatched(db, world, "幸福路12号门口路灯坏了一个月，晚上漆黑", "13800001111")
    db.commit()
    dispatcher = api("dispatcher")
    assert 'id="act-merge"' in dispatcher.get(f"/orders/{parent.number}").text
    fragment = dispatcher.get(f"/orders/{parent.number}/duplicates").text
    box = fragment.split(f'value="{child.number}"')[1].split(">")[0]
    assert "disabled" not in box and "并入后原承办单位不再办理" in fragment
    r = dispatcher.post(f"/orders/{parent.number}/merge", data={"numbers[]": [child.number]}, follow_redirects=False)
    assert r.status_code == 303, r.text
    child = order(db, child.number)
    assert child.status == Status.merged and child.merged_into_id == parent.id


def test_two_processes_taking_the_same_outage_at_once_dispatch_it_once(own_database):
    """Two processes each with their own connection (their own engine), eight callers each,
    all at once: one order reaches the utility, fifteen join it. SQLite has one writer
    (``BEGIN IMMEDIATE``); PostgreSQL locks the place before looking for an open order."""
    import threading

    from sqlalchemy.orm import Session

    from hotline.kit.db import make_engine, transaction
    from hotline.kit.db import make_session_factory as factory_for

    url, world = own_database
    engines = [make_engine(url) for _ in range(2)]
    try:
        with Session(engines[0]) as session:
            session.add(DirectDispatchRule(name="停水", category_codes=[], keywords=["停水"],
                                           target=DirectTarget.utility, utility_type="water", active=True))
            session.commit()
        factories = [factory_for(e) for e in engines]
        start = threading.Barrier(16)
        failures: list[BaseException] = []

        def call(i: int) -> None:
            try:
                start.wait(10)
                with transaction(factories[i % 2]) as session:
                    wo.intake(session, world.p("agent"), wo.IntakeData(**OUTAGE, phone=f"1390003{i:04d}"))
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert failures == []
        with Session(engines[0]) as session:
            statuses = session.execute(select(WorkOrder.status, func.count()).where(
                WorkOrder.content == OUTAGE["content"]).group_by(WorkOrder.status)).all()
        assert dict(statuses) == {Status.dispatched: 1, Status.merged: 15}
    finally:
        for e in engines:
            e.dispose()
