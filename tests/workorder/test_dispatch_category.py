"""The category at dispatch: the dispatcher accepts the suggested category or chooses another,
and the change is recorded (category_set, old and new); the lead-unit picker starts on the
model's top unit when the model is confident enough."""

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.intelligence import service as intel
from hotline.intelligence.models import DispatchFeedback, ModelKind
from hotline.kit.errors import IllegalTransition
from hotline.workorder import service as wo
from hotline.workorder.models import WorkOrder
from tests.intelligence.helpers import history

LAMP = "幸福路路灯坏了晚上一片漆黑"


def _order(db, world, category=None, content=LAMP):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title=content[:12], content=content, phone="13911112222",
        category_code=world.categories[category] if category else None, region_code="990102001"))
    return order


def _category_events(db, order):
    return [e.detail for e in db.execute(select(AuditEvent).where(
        AuditEvent.object_type == "work_order", AuditEvent.object_id == str(order.id),
        AuditEvent.action == "work_order.category_set").order_by(AuditEvent.seq)).scalars()]


def _fresh(db, order):
    db.expire_all()
    return db.execute(select(WorkOrder).where(WorkOrder.id == order.id)).unique().scalar_one()


def _selected(page, select_id):
    options = page.split(f'id="{select_id}"')[1].split("</select>")[0]
    return [chunk.split('"')[0] for chunk in options.split('<option value="')[1:] if '" selected' in chunk]


def test_the_api_dispatch_sets_the_category_and_records_the_change(api, db, world):
    order = _order(db, world)
    db.commit()
    dispatcher = api("dispatcher")
    r = dispatcher.post(f"/api/v1/work-orders/{order.number}/dispatch",
                        json={"lead_unit_id": world.units["990100-zj"], "category_code": world.categories["lamp"]})
    assert r.status_code == 200, r.text
    assert r.json()["category_code"] == world.categories["lamp"] and r.json()["category_name"] == "路灯"
    order = _fresh(db, order)
    assert [(e.get("old"), e["new"], e["new_name"]) for e in _category_events(db, order)] == [
        (None, world.categories["lamp"], "路灯")]


def test_changing_the_registered_category_at_dispatch_records_old_and_new_and_keeping_it_records_nothing(
        api, db, world):
    changed, kept = _order(db, world, "lamp"), _order(db, world, "lamp")
    db.commit()
    dispatcher = api("dispatcher")
    body = {"lead_unit_id": world.units["990000-sthj"], "category_code": world.categories["noise"]}
    assert dispatcher.post(f"/api/v1/work-orders/{changed.number}/dispatch", json=body).status_code == 200
    assert [(e["old"], e["old_name"], e["new"]) for e in _category_events(db, changed)] == [
        (world.categories["lamp"], "路灯", world.categories["noise"])]
    body = {"lead_unit_id": world.units["990100-zj"], "category_code": world.categories["lamp"]}
    assert dispatcher.post(f"/api/v1/work-orders/{kept.number}/dispatch", json=body).status_code == 200
    assert _category_events(db, kept) == []


def test_an_unknown_category_is_refused_naming_the_field_and_changes_nothing(api, db, world):
    order = _order(db, world)
    db.commit()
    r = api("dispatcher").post(f"/api/v1/work-orders/{order.number}/dispatch",
                               json={"lead_unit_id": world.units["990100-zj"], "category_code": "9999"})
    assert r.status_code == 422 and r.json()["field"] == "category_code"
    order = _fresh(db, order)
    assert order.category_id is None and order.status.value == "registered" and _category_events(db, order) == []


def test_a_category_is_not_changed_on_an_order_that_cannot_be_dispatched(db, world):
    order = _order(db, world)
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
    with pytest.raises(IllegalTransition) as refused:
        wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"],
                    category_code=world.categories["lamp"])
    assert refused.value.status_code == 409
    assert order.category_id is None and _category_events(db, order) == []


@pytest.fixture
def models(db, world):
    history(db, world)
    intel.train(db, world.p("admin"), ModelKind.category)
    intel.train(db, world.p("admin"), ModelKind.lead_unit)
    db.commit()


def test_the_dispatch_form_prefills_the_suggested_category_and_preselects_a_confident_lead_unit(
        api, db, world, models):
    order = _order(db, world)
    db.commit()
    found = intel.suggest(db, f"{order.title} {order.content}", region=order.region)
    assert found.units[0].unit.id == world.units["990100-zj"] and found.units[0].confidence >= intel.CONFIDENT
    page = api("dispatcher").get(f"/orders/{order.number}").text
    assert _selected(page, "f-dispatch-category") == [world.categories["lamp"]]
    assert 'id="category-suggested"' in page and "城乡建设 / 城市建设和市政管理 / 路灯" in page
    assert _selected(page, "f-lead") == [str(world.units["990100-zj"])]
    assert 'id="lead-preselected"' in page


def test_below_the_confidence_threshold_the_lead_unit_keeps_the_territorial_default(
        api, db, world, models, monkeypatch):
    monkeypatch.setattr(intel, "CONFIDENT", 1.01)
    order = _order(db, world)
    db.commit()
    page = api("dispatcher").get(f"/orders/{order.number}").text
    assert _selected(page, "f-lead") == [str(world.units["G-990102"])]  # 属地管理: the district government
    assert 'id="lead-preselected"' not in page
    assert _selected(page, "f-dispatch-category") == [world.categories["lamp"]]  # the category is still offered


def test_the_dispatch_form_applies_the_accepted_category_and_the_feedback_records_it(api, db, world, models):
    order = _order(db, world)
    db.commit()
    r = api("dispatcher").post(f"/orders/{order.number}/dispatch", data={
        "lead_unit_id": str(world.units["990100-zj"]), "category_code": world.categories["lamp"],
        "version": str(order.version)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    order = _fresh(db, order)
    assert order.category.code == world.categories["lamp"] and order.due_at is not None
    assert [e["new"] for e in _category_events(db, order)] == [world.categories["lamp"]]
    feedback = db.execute(select(DispatchFeedback).where(DispatchFeedback.work_order_id == order.id)).scalar_one()
    assert feedback.chosen_category == world.categories["lamp"] and feedback.category_rank == 1
    timeline = api("dispatcher").get(f"/orders/{order.number}").text
    assert "确定诉求分类" in timeline and "分类：未分类 → 路灯" in timeline
