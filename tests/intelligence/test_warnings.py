"""Early warning: a planted spike fires within the scan, a weekly rhythm does not, an appeal
naming an emergency fires at once; each warning lists its orders, puts them on the emergency
ledger and texts the supervisors."""

import datetime as dt

import pytest
from sqlalchemy import select

import hotline.tasks  # noqa: F401  (registers the job handlers)
from hotline.intelligence import service as intel
from hotline.intelligence import warning
from hotline.intelligence.models import EarlyWarning, WarningKind
from hotline.kit import clock, jobs
from hotline.notify import service as notify
from hotline.notify.models import Notification, NotificationStatus
from hotline.supervision.models import LedgerEntry, LedgerKind
from hotline.workorder import service as wo
from tests.factories import user_of

NOW = dt.datetime(2026, 11, 30, 2, 30, tzinfo=dt.UTC)  # a Monday, 10:30 in China


def _orders(db, world, n, at, *, title="路灯不亮", content="幸福路路灯坏了", category="lamp", region="990102001"):
    out = []
    for i in range(n):
        order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
            channel="phone", appeal_type="complaint", title=title, content=f"{content}{i}", phone="13911112222",
            category_code=world.categories[category], region_code=region))
        order.registered_at = at - dt.timedelta(minutes=1 + i % 50)  # within the hour before ``at``
        out.append(order)
    db.flush()
    return out


def test_quiet_hours_and_low_counts_are_not_spikes():
    assert not warning.judge(2, 0, 8).spike  # two calls in a quiet hour are no event
    assert warning.judge(6, 0, 8).spike
    assert not warning.judge(12, 80, 8).spike  # about ten every week at this hour: twelve is ordinary
    assert warning.judge(30, 80, 8).spike
    assert warning.expected(0, 0) == pytest.approx(warning.PRIOR_RATE)


def test_a_planted_spike_raises_one_warning_with_its_orders(db, world, travel):
    travel.move_to(NOW - dt.timedelta(weeks=9))
    _orders(db, world, 1, NOW - dt.timedelta(weeks=9))  # the platform has nine weeks of history
    for week in range(1, 9):
        _orders(db, world, 1, NOW - dt.timedelta(weeks=week))
    travel.move_to(NOW)
    spike = _orders(db, world, 8, NOW)
    raised = intel.scan_warnings(db, NOW)
    assert len(raised) == 1
    w = raised[0]
    assert w.kind == WarningKind.spike and w.count == 8 and sorted(w.order_ids) == sorted(o.id for o in spike)
    assert w.expected == pytest.approx((8 + 0.2) / 9, abs=0.01) and w.p_value < warning.P_VALUE
    assert "东城区" in w.summary and "城乡建设" in w.summary
    ledger = db.execute(select(LedgerEntry.work_order_id).where(LedgerEntry.kind == LedgerKind.emergency)).scalars()
    assert sorted(ledger) == sorted(o.id for o in spike)
    texts = db.execute(select(Notification).where(Notification.template == "supervisor_warning")).scalars().all()
    assert len(texts) == 1 and w.summary in texts[0].body  # the city centre's supervisor
    assert intel.scan_warnings(db, NOW + dt.timedelta(minutes=1)) == []  # once per hour


def test_a_weekly_rhythm_is_not_a_spike_but_the_same_count_at_a_quiet_hour_is(db, world, travel):
    travel.move_to(NOW - dt.timedelta(weeks=9))
    _orders(db, world, 1, NOW - dt.timedelta(weeks=9, hours=5))
    for week in range(1, 9):  # every Monday morning about ten
        _orders(db, world, 10, NOW - dt.timedelta(weeks=week))
    travel.move_to(NOW)
    _orders(db, world, 12, NOW)
    assert intel.scan_warnings(db, NOW) == []
    night = NOW + dt.timedelta(hours=12)  # Monday 22:30, when nobody usually calls
    travel.move_to(night)
    _orders(db, world, 12, night)
    assert [w.count for w in intel.scan_warnings(db, night)] == [12]


def test_an_appeal_naming_an_emergency_warns_at_once(db, world, factory):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="小区燃气泄漏", content="楼道里闻到很浓的燃气味，疑似燃气泄漏",
        phone="13911112222", category_code=world.categories["lamp"], region_code="990102001"))
    db.commit()
    jobs.drain(factory)  # the minute's scan
    db.expire_all()
    found = db.execute(select(EarlyWarning)).scalars().all()
    assert len(found) == 1
    assert found[0].kind == WarningKind.emergency and found[0].term == "燃气泄漏" and found[0].order_ids == [order.id]
    assert found[0].raised_at - order.registered_at < dt.timedelta(minutes=1)


def test_supervisors_list_and_acknowledge_warnings(db, world, api):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="山体滑坡", content="村后山体滑坡堵住道路",
        phone="13911112222", category_code=world.categories["lamp"], region_code="990102001"))
    intel.scan_warnings(db, clock.now())
    db.commit()
    supervisor = api("supervisor")
    rows = supervisor.get("/api/v1/intelligence/warnings").json()
    assert len(rows) == 1 and rows[0]["order_numbers"] == [order.number] and rows[0]["term"] == "山体滑坡"
    assert api("other_handler").get("/api/v1/intelligence/warnings").status_code == 403
    assert api("other_admin").get("/api/v1/intelligence/warnings").json() == []  # another city's
    r = supervisor.post(f"/api/v1/intelligence/warnings/{rows[0]['id']}/acknowledge")
    assert r.status_code == 200 and r.json()["acknowledged_at"]
    assert supervisor.post(f"/api/v1/intelligence/warnings/{rows[0]['id']}/acknowledge").status_code == 409


@pytest.mark.parametrize(("phone", "reason"), [(None, notify.NO_USER_PHONE), ("12345", notify.INVALID_USER_PHONE)])
def test_a_supervisor_without_a_usable_phone_leaves_a_skipped_row_and_the_warning_stands(db, world, phone, reason):
    user_of(db, "supervisor").phone = phone
    wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="山体滑坡", content="村后山体滑坡堵住道路",
        phone="13911112222", category_code=world.categories["lamp"], region_code="990102001"))
    [raised] = intel.scan_warnings(db, clock.now())
    [text] = db.execute(select(Notification).where(Notification.template == "supervisor_warning")).scalars().all()
    assert (text.recipient_kind, text.status, text.recipient) == ("user", NotificationStatus.skipped, "")
    assert text.last_error == f"{reason}（supervisor）" and raised.summary in text.body
