"""Agents' figures and quality inspection (质检) through the services, on a hand-built set
whose answers are known (tests/telephony/quality_world.py)."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.auth.models import Role
from hotline.kit.clock import CST
from hotline.kit.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from hotline.telephony.quality import rules
from hotline.telephony.quality import service as quality
from hotline.telephony.quality.models import Inspection
from tests.telephony.quality_world import OPERATOR, add_user, build, checklist


def by_name(rows):
    return {r.name: r for r in rows}


def test_figures_per_agent_seat_team_and_operator_match_the_hand_built_set(db, world):
    q = build(db, world)
    tables = quality.figures(db, world.p("supervisor"), start=q.start, end=q.end)
    agents = {int(f.key): f for f in tables.agents}
    a, a2, a3 = agents[q.agent.user_id], agents[q.agent2.user_id], agents[q.agent3.user_id]
    assert (a.calls_answered, a.talk_s, a.wrap_up_s) == (4, 650.0, 95.0)
    assert (a.orders_registered, a.answered_on_spot, a.answered_from_knowledge, a.callbacks) == (4, 2, 1, 2)
    assert (a.inaccurate, a.accuracy, a.operator, a.team) == (2, 0.5, OPERATOR, "青川市热线中心")
    assert (a2.calls_answered, a2.talk_s, a2.orders_registered, a2.inaccurate, a2.accuracy, a2.callbacks) == \
        (2, 100.0, 1, 0, 1.0, 0)
    assert (a3.calls_answered, a3.talk_s, a3.orders_registered, a3.accuracy, a3.operator, a3.team) == \
        (1, 30.0, 0, None, None, "东城区工作站")
    seats = by_name(tables.seats)
    assert (seats["QA-S1"].calls_answered, seats["QA-S1"].talk_s, seats["QA-S1"].wrap_up_s,
            seats["QA-S1"].orders_registered) == (3, 600.0, 95.0, 1)
    assert (seats["QA-S2"].calls_answered, seats["QA-S3"].calls_answered, seats["QA-S3"].talk_s) == (2, 2, 80.0)
    teams = by_name(tables.teams)
    centre = teams["青川市热线中心"]
    assert (centre.agents, centre.calls_answered, centre.orders_registered, centre.inaccurate, centre.accuracy) \
        == (2, 6, 5, 2, 0.6)
    assert teams["东城区工作站"].calls_answered == 1
    operators = by_name(tables.operators)
    assert (operators[OPERATOR].agents, operators[OPERATOR].calls_answered) == (2, 6)
    assert (operators[quality.IN_HOUSE].agents, operators[quality.IN_HOUSE].calls_answered) == (1, 1)


def test_the_other_city_sees_none_of_these_figures_and_agents_none_at_all(db, world):
    q = build(db, world)
    other = quality.figures(db, world.p("other_admin"), start=q.start, end=q.end)
    # only the call answered by agent2 for the other city's PBX counts there
    assert [(f.key, f.calls_answered, f.talk_s) for f in other.agents if f.calls_answered] == \
        [(str(q.agent2.user_id), 1, 999.0)]
    assert other.seats == [] and all(f.orders_registered == 0 for f in other.agents)
    with pytest.raises(Forbidden):
        quality.figures(db, world.p("agent"), start=q.start, end=q.end)


def test_a_checklist_edit_makes_a_new_version_and_old_scores_keep_theirs(db, world):
    q = build(db, world)
    first = checklist(db, world)
    inspection = quality.pick(db, world.p("supervisor"), call_ref=q.calls["agent"][0].ref)
    quality.score(db, world.p("supervisor"), inspection, scores={"greeting": 10, "registration": 20,
                                                                 "attitude": 50}, feedback="登记地址不完整")
    second = quality.save_checklist(db, world.p("supervisor"), items=[{"code": "greeting", "name": "问候语规范",
                                                                        "max_points": 50},
                                                                       {"code": "answer", "name": "答复正确",
                                                                        "max_points": 50}])
    assert (first.version, second.version) == (1, 2)
    assert quality.current_checklist(db, world.p("agent")).id == second.id
    old = quality.view(db, world.p("supervisor"), inspection)
    assert old.checklist_version == 1 and [i.code for i, _, _ in old.items] == ["greeting", "registration",
                                                                                   "attitude"]
    assert (inspection.score, inspection.max_score) == (80.0, 100.0)
    new = quality.pick(db, world.p("supervisor"), call_ref=q.calls["agent"][1].ref)
    assert new.checklist_id == second.id
    assert [v.version for v in quality.checklist_versions(db, world.p("city_admin"))] == [2, 1]


@pytest.mark.parametrize(("items", "field"), [
    ([], "items"),
    ([{"code": "a", "name": "问候", "max_points": 0}], "items[0].max_points"),
    ([{"code": "A b", "name": "问候", "max_points": 5}], "items[0].code"),
    ([{"code": "a", "name": "问候", "max_points": 5}, {"code": "a", "name": "态度", "max_points": 5}],
     "items[1].code"),
])
def test_a_bad_checklist_is_refused_naming_the_field(db, world, items, field):
    with pytest.raises(InvalidInput) as refused:
        quality.save_checklist(db, world.p("city_admin"), items=items)
    assert refused.value.field == field


def test_only_administrators_and_supervisors_edit_the_checklist(db, world):
    for role in ("agent", "dispatcher", "handler", "auditor"):
        with pytest.raises(Forbidden):
            quality.save_checklist(db, world.p(role), items=[{"code": "a", "name": "问候", "max_points": 5}])


def test_a_sample_draws_the_share_of_each_agents_work_and_repeats_with_its_seed(db, world):
    q = build(db, world)
    checklist(db, world)
    plan = quality.plan_sample(db, "9901", q.start, q.end, share=0.5, seed=42)
    assert plan == quality.plan_sample(db, "9901", q.start, q.end, share=0.5, seed=42)
    assert {a: len(ids) for a, ids in plan.calls.items()} == {q.agent.user_id: 2, q.agent2.user_id: 1,
                                                              q.agent3.user_id: 1}
    assert {a: len(ids) for a, ids in plan.orders.items()} == {q.agent.user_id: 2, q.agent2.user_id: 1}
    assert set(plan.calls[q.agent.user_id]) <= {c.id for c in q.calls["agent"]}
    sample, made = quality.draw_sample(db, world.p("supervisor"), start=q.start, end=q.end, share=0.5, seed=42)
    assert (sample.seed, sample.calls, sample.orders) == (42, 4, 3)
    assert {i.call_id for i in made if i.call_id} == {c for ids in plan.calls.values() for c in ids}
    assert {i.order_id for i in made if i.order_id} == {o for ids in plan.orders.values() for o in ids}
    assert all(i.status == "pending" and len(i.ref) == 32 for i in made)
    again, more = quality.draw_sample(db, world.p("supervisor"), start=q.start, end=q.end, share=0.5, seed=42)
    assert more == [] and (again.calls, again.orders) == (0, 0)  # nothing is inspected twice
    db.commit()
    drawn = db.execute(select(AuditEvent).where(AuditEvent.action == "qa_sample.drawn")).scalars().all()
    assert [e.detail["seed"] for e in drawn] == [42, 42]


def test_a_sample_without_a_checklist_or_with_a_bad_share_is_refused(db, world):
    q = build(db, world)
    with pytest.raises(Conflict):
        quality.draw_sample(db, world.p("supervisor"), start=q.start, end=q.end, share=0.05)
    checklist(db, world)
    with pytest.raises(InvalidInput) as refused:
        quality.draw_sample(db, world.p("supervisor"), start=q.start, end=q.end, share=1.5)
    assert refused.value.field == "share"
    with pytest.raises(Forbidden):
        quality.draw_sample(db, world.p("agent"), start=q.start, end=q.end, share=0.05)


@pytest.mark.parametrize(("scores", "field"), [
    ({"greeting": 11, "registration": 30, "attitude": 60}, "scores.greeting"),
    ({"greeting": 10, "registration": 30, "attitude": 60, "smile": 1}, "scores.smile"),
    ({"greeting": 10, "registration": 30}, "scores.attitude"),
    ({"greeting": -1, "registration": 30, "attitude": 60}, "scores.greeting"),
])
def test_scores_above_an_items_max_or_for_unknown_items_are_refused(db, world, scores, field):
    q = build(db, world)
    checklist(db, world)
    inspection = quality.pick(db, world.p("supervisor"), call_ref=q.calls["agent"][0].ref)
    with pytest.raises(InvalidInput) as refused:
        quality.score(db, world.p("supervisor"), inspection, scores=scores, feedback=None)
    assert refused.value.field == field and inspection.status == "pending"


def test_the_agent_appeals_once_and_another_inspector_upholds_it(db, world):
    q = build(db, world)
    checklist(db, world)
    supervisor = world.p("supervisor")
    inspection = quality.pick(db, supervisor, order_number=q.orders["agent"][0].number)
    assert inspection.kind == "order" and inspection.operator == OPERATOR  # the order's call was on S1
    quality.score(db, supervisor, inspection, scores={"greeting": 5, "registration": 10, "attitude": 60},
                  feedback="分类错误")
    with pytest.raises(IllegalTransition):  # scored once
        quality.score(db, supervisor, inspection, scores={"greeting": 5, "registration": 10, "attitude": 60},
                      feedback=None)
    with pytest.raises(Forbidden):
        quality.appeal(db, q.agent3, inspection, reason="不是我")
    with pytest.raises(InvalidInput):
        quality.appeal(db, q.agent, inspection, reason=" ")
    quality.appeal(db, q.agent, inspection, reason="分类是调度员改的，登记时信息无误")
    with pytest.raises(IllegalTransition) as second:
        quality.appeal(db, q.agent, inspection, reason="再申诉一次")
    assert second.value.status_code == 409
    second_inspector = add_user(db, world, "supervisor2", Role.centre_supervisor, "C-990100")
    with pytest.raises(Conflict):  # the one who scored, while another inspector exists
        quality.decide(db, supervisor, inspection, upheld=False, note="维持")
    with pytest.raises(InvalidInput):
        quality.decide(db, second_inspector, inspection, upheld=True, note="成立")  # no adjusted scores
    quality.decide(db, second_inspector, inspection, upheld=True, note="登记无误，改判",
                   scores={"greeting": 5, "registration": 30, "attitude": 60})
    assert (inspection.status, inspection.score, inspection.original_score) == ("appeal_upheld", 95.0, 75.0)
    firsts = {s.item_id: (s.first_points, s.points) for s in inspection.scores}
    assert sorted(firsts.values()) == [(5.0, 5.0), (10.0, 30.0), (60.0, 60.0)]
    with pytest.raises(IllegalTransition):
        quality.appeal(db, q.agent, inspection, reason="还想申诉")
    db.commit()
    actions = [e.action for e in db.execute(select(AuditEvent).where(
        AuditEvent.object_type == "qa_inspection", AuditEvent.object_id == inspection.ref)
        .order_by(AuditEvent.seq)).scalars()]
    assert actions == ["qa_inspection.picked", "qa_inspection.scored", "qa_inspection.appealed",
                       "qa_inspection.appeal_upheld"]


def test_the_only_inspector_may_reject_the_appeal_on_their_own_score(db, world):
    q = build(db, world)
    checklist(db, world)
    supervisor = world.p("supervisor")
    inspection = quality.pick(db, supervisor, call_ref=q.calls["agent2"][0].ref)
    quality.score(db, supervisor, inspection, scores={"greeting": 10, "registration": 30, "attitude": 20},
                  feedback="语气生硬")
    quality.appeal(db, q.agent2, inspection, reason="来电人情绪激动")
    quality.decide(db, supervisor, inspection, upheld=False, note="录音显示语气确实生硬")
    assert (inspection.status, inspection.score) == ("appeal_rejected", 60.0)


def test_picking_work_not_done_by_an_agent_or_twice_is_refused(db, world):
    q = build(db, world)
    checklist(db, world)
    supervisor = world.p("supervisor")
    quality.pick(db, supervisor, call_ref=q.calls["agent"][0].ref)
    with pytest.raises(Conflict):
        quality.pick(db, supervisor, call_ref=q.calls["agent"][0].ref)
    with pytest.raises(InvalidInput):
        quality.pick(db, supervisor)


def test_monthly_scores_per_agent_team_and_operator_and_their_excel_export(db, world, time_machine):
    today = dt.datetime.now(CST)
    time_machine.move_to(dt.datetime(today.year, today.month, 15, 12, tzinfo=CST), tick=True)  # mid-month
    q = build(db, world)
    checklist(db, world)
    supervisor = world.p("supervisor")
    marks = [(q.calls["agent"][0], 80), (q.calls["agent"][1], 60), (q.calls["agent2"][0], 100),
             (q.calls["agent3"][0], 90)]
    for c, total in marks:
        inspection = quality.pick(db, supervisor, call_ref=c.ref)
        quality.score(db, supervisor, inspection, scores={"greeting": 10, "registration": 30,
                                                          "attitude": total - 40}, feedback=None)
    quality.pick(db, supervisor, call_ref=q.calls["agent"][2].ref)  # pending: not counted
    month = rules.month_of(q.now)
    report = quality.monthly(db, supervisor, month=month)
    agents = {r.key: r for r in report.agents}
    assert (agents[str(q.agent.user_id)].inspections, agents[str(q.agent.user_id)].average) == (2, 70.0)
    assert agents[str(q.agent2.user_id)].average == 100.0
    teams = {r.name: r for r in report.teams}
    assert (teams["青川市热线中心"].inspections, teams["青川市热线中心"].average) == (3, 80.0)
    assert teams["东城区工作站"].average == 90.0
    operators = {r.name: r for r in report.operators}
    assert (operators[OPERATOR].inspections, operators[OPERATOR].average) == (3, 80.0)
    assert (operators[quality.IN_HOUSE].inspections, operators[quality.IN_HOUSE].average) == (1, 90.0)
    _, data = quality.monthly_xlsx(db, supervisor, month=month)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["坐席员", "班组", "外包服务商"]
    rows = list(wb["外包服务商"].iter_rows(values_only=True))
    assert rows[0] == tuple(quality.MONTHLY_HEADERS)
    assert (OPERATOR, 3, 240, 300, 80) in rows and (quality.IN_HOUSE, 1, 90, 100, 90) in rows
    agent_rows = list(wb["坐席员"].iter_rows(values_only=True))
    assert ("agent", 2, 140, 200, 70) in agent_rows
    assert quality.monthly(db, world.p("other_admin"), month=month).agents == []
    assert db.execute(select(Inspection).where(Inspection.status == "pending")).scalars().first() is not None


def test_an_open_wrap_up_spell_counts_until_now_and_one_outside_the_region_not_at_all(db, world, time_machine):
    from hotline.telephony.models import SeatState
    from tests.telephony.quality_world import seat

    time_machine.move_to(dt.datetime.now(CST).replace(microsecond=0), tick=False)
    q = build(db, world)
    db.add(SeatState(seat_id=q.s3.id, agent_id=q.agent3.user_id, state="wrap_up", source="pbx",
                     started_at=q.now - dt.timedelta(seconds=50), ended_at=None))
    elsewhere = seat(db, "QA-Y1", region="990200")
    db.add(SeatState(seat_id=elsewhere.id, agent_id=q.agent3.user_id, state="wrap_up", source="pbx",
                     started_at=q.now - dt.timedelta(seconds=500), ended_at=q.now - dt.timedelta(seconds=100)))
    db.flush()
    tables = quality.figures(db, world.p("supervisor"), start=q.start, end=q.end)
    assert next(f for f in tables.agents if f.key == str(q.agent3.user_id)).wrap_up_s == 50.0
    assert by_name(tables.seats)["QA-S3"].wrap_up_s == 50.0
    other = quality.figures(db, world.p("other_admin"), start=q.start, end=q.end)
    assert by_name(other.seats)["QA-Y1"].wrap_up_s == 400.0


def _brute_force(db, prefix, start, end, now):
    """The agents' figures' definitions applied row by row: calls answered in the period, time
    in wrap-up inside it (open spells until now)."""
    from hotline.org.models import Region
    from hotline.telephony.models import Call, CallOrder, Seat, SeatState

    regions = set(db.execute(select(Region.id).where(Region.code.startswith(prefix))).scalars())
    links = list(db.execute(select(CallOrder.call_id)).scalars())
    calls: dict = {}
    for c in db.execute(select(Call)).scalars():
        if c.region_id in regions and c.agent_id is not None and c.answered_at and start <= c.answered_at < end:
            n, t, o = calls.get((c.agent_id, c.seat_id), (0, 0.0, 0))
            calls[c.agent_id, c.seat_id] = (n + 1, t + (c.talk_s or 0.0), o + links.count(c.id))
    seats = set(db.execute(select(Seat.id).where(Seat.region_id.in_(regions))).scalars())
    wraps: dict = {}
    for s in db.execute(select(SeatState).where(SeatState.state == "wrap_up")).scalars():
        if s.seat_id in seats:
            inside = rules.overlap_seconds(s.started_at, s.ended_at, start, end, now)
            if inside:
                wraps[s.agent_id, s.seat_id] = wraps.get((s.agent_id, s.seat_id), 0.0) + inside
    return calls, wraps


def test_the_agents_figures_from_the_rollup_and_raw_edges_are_the_definitions_row_by_row(db, world, time_machine):
    from hotline.telephony.models import SeatState
    from hotline.telephony.stats import service as stats
    from tests.telephony.quality_world import call, spell

    time_machine.move_to(dt.datetime.now(CST).replace(microsecond=0), tick=False)
    q = build(db, world)
    h, m = dt.timedelta(hours=1), dt.timedelta(minutes=1)
    odd = q.now - 4 * h - 17 * m
    ring = call(db, agent_id=q.agent2.user_id, seat=q.s2, answered=odd + 3 * m, talk=70)
    ring.offered_at = odd - 2 * h  # rang across the period's start
    late = call(db, agent_id=q.agent3.user_id, seat=q.s3, answered=q.now - 90 * m, talk=15)
    late.offered_at = q.now - 3 * h - 5 * m  # offered in a whole hour, answered after the period's end
    spell(db, q.s2, q.agent2.user_id, odd - 2 * m, 300)  # in progress at the period's start
    spell(db, q.s2, q.agent2.user_id, q.now - 2 * h - 3 * m, 600)  # in progress at its end
    db.add(SeatState(seat_id=q.s3.id, agent_id=q.agent3.user_id, state="wrap_up", source="pbx",
                     started_at=q.now - 50 * m, ended_at=None))
    db.flush()
    periods = [(q.start, q.end), (odd, q.now - 2 * h), (odd, odd + 20 * m), (q.now - 6 * h, q.now - 30 * m)]

    def figures(start, end):
        regions = stats.repository.region_ids(db, "9901")
        got_calls = {k: (v.calls, round(v.talk_s, 3), v.order_links)
                     for k, v in stats.answered_calls(db, regions=regions, start=start, end=end).items()}
        got_wraps = {k: round(v, 3) for k, v in stats.wrap_up_time(db, regions=regions, start=start, end=end,
                                                                  now=q.now).items() if round(v, 3)}
        return got_calls, got_wraps

    def expected(start, end):
        calls, wraps = _brute_force(db, "9901", start, end, q.now)
        return ({k: (n, round(t, 3), o) for k, (n, t, o) in calls.items()},
                {k: round(v, 3) for k, v in wraps.items()})

    for start, end in periods:
        assert figures(start, end) == expected(start, end), (start, end)
    stats.rollup(db)
    for start, end in periods:
        assert figures(start, end) == expected(start, end), (start, end)
    late.talk_s = 16.0  # a late change: its hour is dirty until the next rollup
    late.updated_at = q.now + m
    db.flush()
    for start, end in periods:
        assert figures(start, end) == expected(start, end), (start, end)
