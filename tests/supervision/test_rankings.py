"""Evaluation and rankings: rates against hand-computed values, periods, the public page."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from hotline.supervision import rules, service
from hotline.workorder import service as wo
from hotline.workorder.models import ReplyResult, Verdict
from tests.supervision.helpers import closed, cst, dispatched, project, replied


@pytest.fixture
def november(db, world, travel):
    """Four orders to the city housing bureau in November 2026: two closed satisfied and
    basically satisfied, one dissatisfied then re-handled, one still open; a fifth returned
    and the return rejected as unjustified."""
    travel.move_to(cst(2026, 11, 9, 9))
    closed(db, world, verdict=Verdict.satisfied)
    closed(db, world, verdict=Verdict.basically_satisfied)
    again = replied(db, world, result=ReplyResult.partly_resolved)
    wo.review_reply(db, world.p("dispatcher"), again, accept=True)
    wo.record_callback(db, world.p("agent"), again, reached=True, resolved=False, verdict=Verdict.dissatisfied)
    dispatched(db, world)
    returned = dispatched(db, world)
    wo.return_order(db, world.p("handler"), returned, reason="不属于本单位职责")
    wo.reject_return(db, world.p("dispatcher"), returned, reason="属于住建局职责")
    project(db)
    return world.units["990100-zj"]


def test_rates_match_the_hand_computed_values(db, november):
    r = service.ranking(db, rules.period("2026-11"))
    row = next(row for row in r.rows if row.unit_id == november)
    c = row.counts
    assert (c["assigned"], c["signed"], c["replied"], c["closed"], c["rated"]) == (5, 3, 3, 2, 3)
    assert (c["satisfied"], c["basically_satisfied"], c["dissatisfied"]) == (1, 1, 1)
    assert (c["returned"], c["unjustified_returns"], c["rehandled"]) == (1, 1, 1)
    assert row.rates["satisfaction_rate"] == pytest.approx(2 / 3)
    assert row.rates["handling_rate"] == pytest.approx(3 / 5)
    assert row.rates["resolution_rate"] == pytest.approx(2 / 3)
    assert row.rates["return_rate"] == pytest.approx(1 / 5)
    assert row.rates["on_time_close_rate"] == 1.0
    expected = rules.evaluate(c)
    assert row.score == expected.score and row.score is not None and row.score < 100


def test_another_period_has_none_of_these_figures(db, november):
    assert all(row.unit_id != november for row in service.ranking(db, rules.period("2026-10")).rows)
    assert any(row.unit_id == november for row in service.ranking(db, rules.period("2026-Q4")).rows)


def test_periods_are_months_and_quarters():
    assert rules.period("2026-11") == rules.Period("2026-11", "2026年11月", dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    q4 = rules.period("2026-q4")
    assert (q4.since, q4.until, q4.label) == (dt.date(2026, 10, 1), dt.date(2027, 1, 1), "2026年第4季度")
    for bad in ("2026-13", "2026-Q5", "26-11", "november"):
        with pytest.raises(ValueError):
            rules.period(bad)


def test_the_api_ranks_units_and_refuses_a_bad_period(api, november):
    body = api("supervisor").get("/api/v1/rankings", params={"period": "2026-11"}).json()
    assert body["label"] == "2026年11月"
    mine = next(row for row in body["rows"] if row["unit_id"] == november)
    assert mine["counts"]["assigned"] == 5 and mine["rank"] >= 1
    r = api("supervisor").get("/api/v1/rankings", params={"period": "2026-13"})
    assert r.status_code == 422 and "period" in r.text


def test_the_export_has_a_row_per_unit(api, november):
    r = api("supervisor").get("/api/v1/rankings/export.xlsx", params={"period": "2026-11"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("名次", "单位", "区划", "综合得分")
    assert any(row[1] == "青川市住建局" for row in rows[1:])


def test_the_public_ranking_shows_units_and_no_personal_data(client, november):
    body = client.get("/api/v1/public/rankings", params={"period": "2026-11"}).json()
    assert any(row["unit_name"] == "青川市住建局" for row in body["rows"])
    assert all("counts" not in row for row in body["rows"])
    page = client.get("/public/rankings", params={"period": "2026-11"})
    assert page.status_code == 200 and "青川市住建局" in page.text
    for personal in ("13911112222", "王五", "幸福路"):  # the test citizen and the appeal's place
        assert personal not in page.text and personal not in str(body)


def test_the_internal_page_draws_the_chart_from_escaped_data(api, november):
    page = api("supervisor").get("/rankings", params={"period": "2026-11"})
    assert page.status_code == 200 and 'data-chart="bar"' in page.text and "青川市住建局" in page.text
    assert "</script><" not in page.text.split('class="chart-data">')[1].split("</script>")[0]


def _quiet_unit_with_full_marks(db, world, day=dt.date(2026, 11, 20)):
    """A unit with no order in November but one policy document published on time: on the
    rates it has, full marks."""
    from hotline.supervision.models import UnitDayStats

    unit_id = world.units["G-990102"]
    db.add(UnitDayStats(unit_id=unit_id, day=day, kb_due=1, kb_on_time=1))
    db.flush()
    return unit_id


def test_a_unit_without_orders_is_listed_apart_and_never_ranks_first(db, world, november):
    quiet = _quiet_unit_with_full_marks(db, world)
    assert rules.evaluate({"kb_due": 1, "kb_on_time": 1}).score == 100
    r = service.ranking(db, rules.period("2026-11"))
    assert r.rows and r.rows[0].unit_id == november and r.rows[0].rank == 1
    assert all(row.unit_id != quiet for row in r.rows)
    apart = next(row for row in r.unranked if row.unit_id == quiet)
    assert apart.counts["assigned"] == 0 and apart.rank == 0


def test_units_below_the_minimum_of_orders_are_not_ranked(db, world, november, monkeypatch):
    from hotline.config import get_settings

    monkeypatch.setattr(get_settings(), "ranking_min_orders", 6)  # the housing bureau has 5
    r = service.ranking(db, rules.period("2026-11"))
    assert r.min_orders == 6 and all(row.unit_id != november for row in r.rows)
    assert [row.counts["assigned"] for row in r.unranked if row.unit_id == november] == [5]
    monkeypatch.setattr(get_settings(), "ranking_min_orders", 5)
    assert [row.rank for row in service.ranking(db, rules.period("2026-11")).rows if row.unit_id == november] == [1]


def test_the_public_page_lists_unranked_units_apart(client, db, world, november):
    _quiet_unit_with_full_marks(db, world)
    db.commit()
    page = client.get("/public/rankings", params={"period": "2026-11"}).text
    ranked, apart = page.split('id="ranking-unranked"')
    assert "青川市住建局" in ranked and "本期无工单" in apart
    body = client.get("/api/v1/public/rankings", params={"period": "2026-11"}).json()
    assert body["rows"][0]["unit_name"] == "青川市住建局" and body["unranked"][0]["rank"] == 0


def test_the_export_lists_the_units_with_too_few_orders_after_the_ranked_ones(api, db, world, november):
    quiet = _quiet_unit_with_full_marks(db, world)
    db.commit()
    r = api("supervisor").get("/api/v1/rankings/export.xlsx", params={"period": "2026-11"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))[1:]
    quiet_name = next(row.unit_name for row in service.ranking(db, rules.period("2026-11")).unranked
                      if row.unit_id == quiet)
    ranked = [row for row in rows if isinstance(row[0], int)]
    apart = [row for row in rows if not isinstance(row[0], int)]
    assert ranked and rows[: len(ranked)] == ranked  # ranked units first
    listed = next(row for row in apart if row[1] == quiet_name)
    assert listed[0].startswith("不参与排名") and listed[3] is None
