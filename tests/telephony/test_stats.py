"""Call statistics: a hand-built stream posted through the call-event API, its figures checked
field by field against answers computed by hand; the rollup and the raw calls agree; a late
event is counted at once; bad requests; scope; the Excel export; the pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from hotline.kit import clock
from hotline.telephony.stats import rules, service
from hotline.telephony.stats.models import CallHour, WrapHour
from tests.telephony import stats_stream as s

STATS = "/api/v1/cti/stats"


@pytest.fixture
def pbx(api):
    return api("pbx")


@pytest.fixture
def played(db, world, pbx, travel):
    s.play(db, world, pbx, travel)
    return travel


def stats(client, start: float, end: float, **params):
    response = client.get(STATS, params={"from": s.iso(start), "to": s.iso(end), **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_figures_of_the_hand_built_stream_are_the_hand_computed_ones(api, played):
    body = stats(api("supervisor"), 0, 3 * 3600)
    for name, value in s.TOTAL.items():
        assert body[name] == value, name
    assert body["by_queue"] == s.BY_QUEUE


def test_a_partial_hour_window_counts_the_calls_offered_inside_it(api, played):
    body = stats(api("dispatcher"), 1800, 5400)  # 09:30–10:30: c8 (09:59:50) and c9 (10:00:10)
    assert (body["offered"], body["answered"], body["abandoned"]) == (2, 2, 0)
    assert (body["avg_wait_s"], body["avg_talk_s"], body["answered_within_15s"]) == (6.5, 70.0, 2)
    assert set(body["by_queue"]) == {"general", "enterprise"} and body["enterprise"] == 1
    edge = stats(api("dispatcher"), 3590, 3590.5)  # half a second: only c8
    assert edge["offered"] == 1 and edge["by_queue"]["general"]["answered"] == 1


def test_one_queue_and_the_groupings(api, world, played):
    client = api("supervisor")
    one = stats(client, 0, 3 * 3600, queue="enterprise")
    assert {k: one[k] for k in ("offered", "answered", "enterprise", "three_way")} == \
        {"offered": 2, "answered": 2, "enterprise": 2, "three_way": 1}
    assert list(one["by_queue"]) == ["enterprise"] and one["avg_wrap_up_s"] is None
    assert stats(client, 0, 3 * 3600, queue="nope")["offered"] == 0
    hours = stats(client, 0, 3 * 3600, group="hour")["groups"]
    assert [(g["key"], g["offered"]) for g in hours] == [("2026-11-10 09:00", 8), ("2026-11-10 10:00", 1),
                                                         ("2026-11-10 11:00", 1)]
    assert [(g["key"], g["avg_wrap_up_s"]) for g in hours] == [("2026-11-10 09:00", 19.0),
                                                               ("2026-11-10 10:00", 40.0), ("2026-11-10 11:00", None)]
    days = stats(client, 0, 3 * 3600, group="day")["groups"]
    assert [(g["key"], g["offered"], g["answer_rate"]) for g in days] == [("2026-11-10", 10, 0.75)]
    agents = {g["key"]: g for g in stats(client, 0, 3 * 3600, group="agent")["groups"]}
    agent = world.p("agent").display_name
    assert (agents[agent]["answered"], agents[agent]["avg_talk_s"], agents[agent]["avg_wrap_up_s"]) == (3, 73.3, 26.0)
    assert agents[agent]["aht_s"] == 99.3 and agents[None]["offered"] == 7
    by_seat = {g["key"]: g["answered"] for g in stats(client, 0, 3 * 3600, group="seat")["groups"]}
    assert by_seat == {"A01": 3, "A02": 3, None: 0}
    operators = stats(client, 0, 3 * 3600, group="operator")["groups"]
    assert [(g["key"], g["answered"]) for g in operators] == [("（本中心）", 6), (None, 0)]
    queues = stats(client, 0, 3 * 3600, group="queue")["groups"]
    assert [(g["key"], g["offered"]) for g in queues] == [("", 1), ("enterprise", 2), ("general", 7)]


WINDOWS = [(-30 * 3600, 50 * 3600), (0, 3 * 3600), (1800, 5400), (-7200, 10 * 3600), (3590, 3611), (3600, 7200),
           (123.4, 9999.9)]
GROUPS = [None, "hour", "day", "month", "queue", "seat", "agent", "operator"]


def _all_answers(db, world) -> list[dict]:
    regions = service.repository.region_ids(db, "99")
    out = []
    for lo, hi in WINDOWS:
        for group in GROUPS:
            for queue in (None, "general"):
                report = service.compute(db, regions=regions, start=s.at(lo), end=s.at(hi), queue=queue,
                                         grouping=service.parse_grouping(group))
                out.append(report.as_json())
    return out


def test_the_rollup_and_the_raw_calls_give_identical_figures(db, world, played):
    db.expire_all()
    raw = _all_answers(db, world)  # no rollup yet: every call read raw
    assert db.execute(select(func.count()).select_from(CallHour)).scalar_one() == 0
    played.shift(dt.timedelta(minutes=2))
    result = service.rollup(db)
    assert result.call_hours > 0 and result.wrap_hours > 0
    assert service.dirty_hours(db, result.position) == set()  # whole hours now come from the rollup only
    for grain in ("hour", "queue_hour", "day"):
        rolled = db.execute(select(func.sum(CallHour.offered), func.sum(CallHour.answered_15s))
                            .where(CallHour.grain == grain)).one()
        assert tuple(rolled) == (10, 5), grain
    for grain in ("hour", "day"):
        assert db.execute(select(func.sum(WrapHour.spells)).where(WrapHour.grain == grain)).scalar_one() == 3
    assert _all_answers(db, world) == raw
    again = service.rollup(db)  # nothing changed: nothing to do, same answers
    assert again.call_hours == 0 and _all_answers(db, world) == raw
    # a cursor set ahead of now − LAG (the demo's, once its load is committed) is never moved back
    ahead = clock.now()
    service.repository.set_cursor(db, service.CALLS, ahead, ahead)
    service.rollup(db)
    assert clock.as_aware(service.repository.cursor(db, service.CALLS)) == ahead


def test_a_late_event_changing_a_rolled_up_call_counts_at_once_and_after_the_next_rollup(db, world, api, pbx,
                                                                                         played):
    # c11 came without its queued event: it looks answered at once (wait 0)
    s.post(pbx, [s.ev("c11", 1, "offered", 2000, caller=s.Y), s.ev("c11", 4, "answered", 2030, seat="A02"),
                 s.ev("c11", 9, "ended", 2090, reason="completed")])
    played.shift(dt.timedelta(minutes=2))
    service.rollup(db)
    db.commit()
    client = api("supervisor")
    before = stats(client, 0, 3 * 3600)
    assert (before["offered"], before["answered_within_15s"], before["avg_wait_s"]) == (11, 6, round(60 / 7, 1))
    # the queued event arrives late: it waited 20 s, so it was not answered within 15 s
    s.post(pbx, [s.ev("c11", 3, "queued", 2010, queue="general")])
    now = stats(client, 0, 3 * 3600)
    days = stats(client, -30 * 3600, 50 * 3600, group="agent")  # the whole day 2026-11-10 inside
    assert (now["offered"], now["answered"], now["answered_within_15s"]) == (11, 7, 5)
    assert (days["offered"], days["answered_within_15s"]) == (11, 5)
    assert now["avg_wait_s"] == round((60 + 20) / 7, 1)
    assert now["by_queue"]["general"]["offered"] == 8
    played.shift(dt.timedelta(minutes=2))
    service.rollup(db)
    db.commit()
    assert service.dirty_hours(db, service.repository.cursor(db, service.CALLS)) == set()
    assert stats(client, 0, 3 * 3600) == now
    assert stats(client, -30 * 3600, 50 * 3600, group="agent") == days
    assert db.execute(select(func.sum(CallHour.answered_15s)).where(CallHour.grain == "day")).scalar_one() == 5


def test_an_order_linked_after_the_rollup_counts_at_once(db, world, api, played):
    played.shift(dt.timedelta(minutes=2))
    service.rollup(db)
    db.commit()
    from hotline.telephony.models import Call, CallOrder
    from hotline.workorder import service as wo

    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="consultation", title="咨询公积金", content="咨询公积金提取的办理条件",
        phone=s.T, region_code="990102001"))
    c8 = db.execute(select(Call.id).where(Call.call_id == "c8")).scalar_one()
    db.add(CallOrder(call_id=c8, order_id=order.id, created_at=clock.now()))
    db.commit()
    assert stats(api("supervisor"), 0, 3 * 3600)["ordered"] == 2


@pytest.mark.parametrize(("params", "field"), [
    ({"to": "2026-11-10T10:00:00+08:00"}, "from"),
    ({"from": "2026-11-10T10:00:00+08:00"}, "to"),
    ({"from": "yesterday", "to": "2026-11-10T10:00:00+08:00"}, "from"),
    ({"from": "2026-11-10T09:00:00", "to": "2026-11-10T10:00:00+08:00"}, "from"),
    ({"from": "2026-11-10T09:00:00+08:00", "to": "2026-11-10T09:00:00+08:00"}, "to"),
    ({"from": "2026-11-10T10:00:00+08:00", "to": "2026-11-10T09:00:00+08:00"}, "to"),
    ({"from": "2026-11-10T09:00:00+08:00", "to": "2026-11-10T10:00:00+08:00", "group": "week"}, "group"),
    ({"from": "2020-01-01T00:00:00Z", "to": "2026-11-10T10:00:00+08:00"}, "to"),
])
def test_a_bad_period_is_a_422_naming_the_field(api, world, params, field):
    response = api("supervisor").get(STATS, params=params)
    assert response.status_code == 422
    assert field in response.text


def test_the_figures_are_those_of_the_callers_region(api, played):
    assert stats(api("city_admin"), 0, 3 * 3600)["offered"] == 10
    assert stats(api("admin"), 0, 3 * 3600)["offered"] == 10
    other = stats(api("other_admin"), 0, 3 * 3600)
    assert other["offered"] == 0 and other["by_queue"] == {} and other["avg_wrap_up_s"] is None


def test_the_excel_export_opens_and_holds_the_figures(api, played):
    response = api("supervisor").get("/cti/stats/export.xlsx", params={
        "from": "2026-11-10T09:00", "to": "2026-11-10T12:00", "group": "hour"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    total = dict(zip(header, rows[1], strict=True))
    assert (total["类别"], total["呼入量"], total["接通量"], total["放弃量"]) == ("合计", 10, 6, 4)
    assert total["接通率"] == 0.75
    assert total["15秒内接通"] == 5 and total["平均处理时长(秒)"] == 104.5
    general = next(dict(zip(header, r, strict=True)) for r in rows if r[1] == "general")
    assert (general["呼入量"], general["服务水平"]) == (7, 0.5)
    hours = [r for r in rows if r[0] == "按小时"]
    assert [(r[1], r[2]) for r in hours] == [("2026-11-10 09:00", 8), ("2026-11-10 10:00", 1), ("2026-11-10 11:00", 1)]


def test_the_stats_page_shows_the_figures_chart_and_tables(api, played):
    page = api("supervisor").get("/cti/stats", params={"from": "2026-11-10T09:00", "to": "2026-11-10T12:00",
                                                       "group": "hour"})
    assert page.status_code == 200
    assert '<b data-figure="offered">10</b>' in page.text and '<b data-figure="answer_rate">75.0%</b>' in page.text
    assert 'data-chart="cti"' in page.text and "echarts.min.js" in page.text and "2026-11-10 10:00" in page.text
    bad = api("supervisor").get("/cti/stats", params={"from": "nonsense"})
    assert bad.status_code == 422 and "时间格式" in bad.text


def test_the_wallboard_shows_waiting_calls_seats_and_todays_figures(api, pbx, played):
    played.move_to(s.at(3 * 3600 + 120), tick=False)
    s.post(pbx, [s.ev("w1", 1, "offered", 3 * 3600 + 60, caller=s.Z), s.ev("w1", 3, "queued", 3 * 3600 + 75,
                                                                             queue="general")])
    client = api("supervisor")
    page = client.get("/cti/wallboard")
    assert page.status_code == 200
    assert 'hx-trigger="every 5s"' in page.text and 'hx-get="/cti/wallboard/panel"' in page.text
    assert '<b id="wb-waiting">1</b>' in page.text and '<b id="wb-longest">45</b>' in page.text
    assert '<b id="wb-offered">11</b>' in page.text and '<b id="wb-answered">6</b>' in page.text
    assert '<b data-state="ready">1</b>' in page.text and '<b data-state="logged_out">1</b>' in page.text
    assert 'data-seat="A01"' in page.text and 'data-seat="A02"' in page.text
    panel = client.get("/cti/wallboard/panel")
    assert panel.status_code == 200 and panel.text.lstrip().startswith('<div id="wallboard"')
    board = client.get("/api/v1/cti/wallboard").json()
    assert (board["waiting"], board["longest_wait_s"]) == (1, 45.0)
    assert board["waiting_by_queue"] == {"general": {"waiting": 1, "longest_wait_s": 45.0}}
    assert board["seats_by_state"]["ready"] == 1 and board["today"]["answer_rate"] == round(6 / 9, 4)


def test_the_navigation_offers_the_pages_to_roles_that_view_calls(api, world):
    assert 'href="/cti/wallboard"' in api("agent").get("/").text
    assert 'href="/cti/stats"' not in api("handler").get("/").text


# --- the pure rules ---------------------------------------------------------------------------------

def test_the_answer_rate_leaves_out_short_abandons_and_an_empty_base_is_none():
    sums = rules.Sums()
    rules.add_call(sums, rules.CallFacts(answered=False, ended=True, wait_s=4.9, talk_s=None, transfers=0,
                                         three_way=0, enterprise=False, ordered=False, repeat=False))
    assert rules.figures(sums)["answer_rate"] is None and sums.abandoned_short == 1
    rules.add_call(sums, rules.CallFacts(answered=True, ended=False, wait_s=15.0, talk_s=None, transfers=0,
                                         three_way=0, enterprise=False, ordered=False, repeat=False))
    f = rules.figures(sums)
    assert (f["answer_rate"], f["answered_within_15s"], f["avg_talk_s"], f["avg_wait_s"]) == (1.0, 1, None, 15.0)
    rules.add_call(sums, rules.CallFacts(answered=False, ended=True, wait_s=5.0, talk_s=None, transfers=0,
                                         three_way=0, enterprise=False, ordered=False, repeat=False))
    assert rules.figures(sums)["answer_rate"] == 0.5  # 5 s is not short: held against


def test_whole_hours_and_period_labels_are_in_china_time():
    start = dt.datetime(2026, 11, 10, 1, 30, tzinfo=dt.UTC)
    assert rules.whole_hours(start, start + dt.timedelta(hours=2)) == (start.replace(minute=0) + rules.HOUR,
                                                                      start.replace(minute=0) + 2 * rules.HOUR)
    assert rules.period_label(dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC), rules.Grouping.month) == "2026-12"
    assert rules.period_label(dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC), rules.Grouping.day) == "2026-12-01"


def test_the_sql_sums_are_the_pure_rules_applied_call_by_call(db, world, played):
    from hotline.telephony.models import Call, CallOrder

    db.expire_all()
    calls = db.execute(select(Call).order_by(Call.offered_at)).scalars().all()
    links = list(db.execute(select(CallOrder.call_id)).scalars())
    ordered = set(links)
    expected = rules.Sums()
    for call in calls:
        repeat = any(p.caller_hash == call.caller_hash and p.region_id == call.region_id
                     and call.offered_at - rules.REPEAT_WINDOW <= p.offered_at < call.offered_at for p in calls)
        rules.add_call(expected, rules.CallFacts(
            answered=call.answered_at is not None, ended=call.ended_at is not None, wait_s=call.wait_s,
            talk_s=call.talk_s, transfers=call.transfers, three_way=call.three_way, enterprise=call.enterprise,
            ordered=call.id in ordered, repeat=repeat, order_links=links.count(call.id)))
    got = rules.Sums()
    for row in service.repository.raw_call_sums(db, start=s.at(-3600), end=s.at(5 * 3600), regions=None,
                                                queue_ids=None, by=[]):
        service._add_row(got, row)
    assert got == expected and got.offered == 10


def test_a_year_before_any_rollup_reads_only_the_stretches_that_had_calls(db, world, played):
    """Before the rollup ever ran, a year's figures are read raw: in one read without hours,
    and per hour only where calls were offered (a year hour by hour was ~70,000 statements and
    most of a minute — a fuzzed request timed out)."""
    from sqlalchemy import event

    regions = service.repository.region_ids(db, "99")
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for group, most in ((None, 20), ("hour", 120)):
            statements.clear()
            report = service.compute(db, regions=regions, start=s.at(-200 * 86400), end=s.at(160 * 86400),
                                     queue=None, grouping=service.parse_grouping(group)).as_json()
            assert report["offered"] == s.TOTAL["offered"], group
            assert len(statements) <= most, (group, len(statements))
        hours = service.compute(db, regions=regions, start=s.at(-200 * 86400), end=s.at(160 * 86400), queue=None,
                                grouping=service.parse_grouping("hour")).as_json()["groups"]
        assert [(g["key"], g["offered"]) for g in hours] == [("2026-11-10 09:00", 8), ("2026-11-10 10:00", 1),
                                                             ("2026-11-10 11:00", 1)]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
