"""Dispatch suggestions from the platform's own history: training from closed orders,
versions with their metrics, activation and roll-back, suggestions at intake and dispatch, and
the dispatcher's choice recorded beside what was suggested."""

import pytest
from sqlalchemy import select

import hotline.tasks  # noqa: F401  (registers the job handlers)
from hotline.intelligence import service as intel
from hotline.intelligence.models import DispatchFeedback, ModelKind, ModelStatus
from hotline.kit import jobs
from hotline.kit.errors import Conflict, Forbidden
from hotline.org import repository as org_repository
from hotline.workorder import service as wo
from tests.intelligence.helpers import handled, history


def test_too_little_history_is_refused_and_nothing_is_stored(db, world):
    handled(db, world, "lamp", "幸福路路灯不亮")
    with pytest.raises(Conflict) as err:
        intel.train(db, world.p("admin"), ModelKind.category)
    assert err.value.status_code == 409
    assert intel.versions(db, world.p("admin")) == []


def test_only_a_province_administrator_trains_models(db, world):
    history(db, world)
    for username in ("dispatcher", "supervisor", "city_admin"):
        with pytest.raises(Forbidden):
            intel.train(db, world.p(username), ModelKind.category)


def test_a_trained_version_is_measured_activated_and_suggests(db, world):
    history(db, world)
    version = intel.train(db, world.p("admin"), ModelKind.category)
    assert version.status == ModelStatus.active and version.number == 1
    assert version.examples == 48 and version.labels == 2
    assert set(version.metrics) >= {"accuracy", "macro_f1", "ms_per_order", "test_examples"}
    assert version.metrics["macro_f1"] >= 0.9
    found = intel.suggest(db, "我们小区的路灯坏了，晚上很黑")
    assert found.categories[0].category.code == world.categories["lamp"]
    assert found.categories[0].path == "城乡建设 / 城市建设和市政管理 / 路灯"
    assert found.units == [] and found.unit_model_id is None  # no unit model yet


def test_unit_suggestions_serve_the_place(db, world):
    history(db, world)
    for _ in range(6):  # a unit of another city that handled lamp orders there
        handled(db, world, "lamp", "云岭市云中区路灯不亮", unit="990200-zj")
    intel.train(db, world.p("admin"), ModelKind.lead_unit)
    east = org_repository.region_by_code(db, "990102001")
    found = intel.suggest(db, "东华街道幸福路路灯坏了", region=east)
    assert found.units[0].unit.id == world.units["990100-zj"]
    assert world.units["990200-zj"] not in [s.unit.id for s in found.units]  # 云岭市 does not serve 东城区
    assert abs(sum(s.confidence for s in found.units) - 1) < 0.01


def test_roll_back_and_activate_again(db, world):
    history(db, world)
    first = intel.train(db, world.p("admin"), ModelKind.category)
    second = intel.train(db, world.p("admin"), ModelKind.category)
    assert second.number == 2 and second.status == ModelStatus.active and first.status == ModelStatus.standby
    back = intel.rollback(db, world.p("admin"), ModelKind.category)
    assert back.id == first.id and first.status == ModelStatus.active
    db.refresh(second)
    assert second.status == ModelStatus.standby
    with pytest.raises(Conflict):
        intel.rollback(db, world.p("admin"), ModelKind.category)  # nothing older than the first
    assert intel.activate(db, world.p("admin"), second.id).status == ModelStatus.active
    with pytest.raises(Conflict):
        intel.activate(db, world.p("admin"), second.id)


def test_each_dispatch_records_what_was_suggested_and_what_was_chosen(db, world):
    history(db, world)
    intel.train(db, world.p("admin"), ModelKind.category)
    intel.train(db, world.p("admin"), ModelKind.lead_unit)
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="工地夜间施工噪音", content="建设路口工地半夜施工噪音太大",
        phone="13911112222", category_code=world.categories["noise"], region_code="990102001"))
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
    row = db.execute(select(DispatchFeedback).where(DispatchFeedback.work_order_id == order.id)).scalar_one()
    assert row.chosen_category == world.categories["noise"] and row.category_rank == 1
    assert row.suggested_units[0][0] == world.units["990000-sthj"]
    assert row.chosen_unit_id == world.units["990100-zj"] and row.unit_rank == 2  # the dispatcher chose otherwise
    rates = intel.feedback_rates(db, intel.versions(db, world.p("admin")))
    assert {r["dispatches"] for r in rates.values()} == {1}


def test_without_a_model_dispatch_records_nothing(db, world):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="路灯不亮", content="幸福路路灯不亮", phone="13911112222",
        category_code=world.categories["lamp"], region_code="990102001"))
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
    assert db.execute(select(DispatchFeedback)).first() is None


def test_weekly_retraining_activates_a_first_version_by_itself(db, world, factory):
    history(db, world)
    db.commit()
    jobs.drain(factory)
    db.expire_all()
    kinds = {v.kind: v.status for v in intel.versions(db, world.p("admin"))}
    assert kinds == {ModelKind.category: ModelStatus.active, ModelKind.lead_unit: ModelStatus.active}


def test_weekly_retraining_leaves_a_version_trained_the_same_day_alone(db, world, factory, travel):
    history(db, world)
    intel.train(db, world.p("admin"), ModelKind.category)
    db.commit()
    jobs.drain(factory)  # the week's retraining: the category model is a minute old
    db.expire_all()
    assert [v.number for v in intel.versions(db, world.p("admin"), ModelKind.category)] == [1]
    assert len(intel.versions(db, world.p("admin"), ModelKind.lead_unit)) == 1  # it had none: trained
    travel.shift(8 * 86400)
    jobs.drain(factory)  # next week's
    db.expire_all()
    assert [v.number for v in intel.versions(db, world.p("admin"), ModelKind.category)] == [2, 1]


def test_training_asked_for_on_too_little_history_says_why(db, world, factory):
    from hotline.audit.models import AuditEvent

    intel.request_training(db, world.p("admin"), ModelKind.category)
    db.commit()
    jobs.drain(factory)
    db.expire_all()
    refused = db.execute(select(AuditEvent).where(AuditEvent.action == "model_version.train_refused")).scalar_one()
    assert refused.detail["kind"] == "category" and "已办结工单不足" in refused.detail["reason"]


def test_a_version_trained_on_request_names_who_asked(db, world, factory):
    history(db, world)
    intel.request_training(db, world.p("admin"), ModelKind.category)
    db.commit()
    jobs.drain(factory)
    db.expire_all()
    trained_by = [v.trained_by_id for v in intel.versions(db, world.p("admin"), ModelKind.category)]
    assert world.user_ids["admin"] in trained_by  # (the weekly retraining, run by the same drain, names nobody)


def test_hotline_model_train_reads_fits_and_stores_in_separate_steps(db, world, factory, monkeypatch, capsys):
    import json

    from hotline import cli

    history(db, world)
    db.commit()
    monkeypatch.setattr(cli, "_session_factory", lambda settings: factory)
    assert cli.main(["model", "train", "--kind", "category"]) == 0
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["kind"] == "category" and row["status"] == "active" and row["examples"] == 48
    db.expire_all()
    assert [v.number for v in intel.versions(db, world.p("admin"), ModelKind.category)] == [row["number"]]


def test_hotline_model_train_refuses_a_limit_below_one_and_trains_nothing(db, world, factory, monkeypatch, capsys):
    from hotline import cli

    history(db, world)
    db.commit()
    monkeypatch.setattr(cli, "_session_factory", lambda settings: factory)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["model", "train", "--kind", "category", "--limit", "-1"])
    assert exit_.value.code == 2 and "--limit" in capsys.readouterr().err
    assert intel.versions(db, world.p("admin"), ModelKind.category) == []
