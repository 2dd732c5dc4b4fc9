"""Pure rules of disclosure: which months may be published, the snapshot's shape, the residue check."""

import datetime as dt

from hotline.analytics.disclosure import rules
from hotline.analytics.disclosure.lifecycle import CaseAction, CaseState, apply_case
from hotline.kit.errors import IllegalTransition


def test_only_an_ended_month_is_published():
    today = dt.date(2026, 12, 7)
    assert rules.is_over("2026-11", today) and rules.is_over("2025-12", today)
    assert not rules.is_over("2026-12", today) and not rules.is_over("2027-01", today)
    assert not rules.is_over("2026-13", today) and rules.parse_month("2026-1") is None


def test_recent_months_are_the_ended_ones_newest_first():
    assert rules.recent_months(dt.date(2026, 2, 10), 3) == ["2026-01", "2025-12", "2025-11"]


def test_the_snapshot_keeps_counts_rates_the_top_five_categories_and_the_ranking():
    snap = rules.snapshot(
        period="2026-11", region_code="990100", region_name="青川市",
        totals={"received": 200, "handled": 150, "handling_rate": 0.75, "on_time_rate": 0.9, "satisfaction_rate": None,
                "overdue": 3},
        previous={"received": 180}, categories=[(f"分类{i}", 60 - 10 * i) for i in range(6)],
        ranking=[rules.RankedUnit(1, "青川市住建局", "青川市", 91.234)], ranking_min_orders=5,
        computed_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert snap["figures"] == {"received": 200, "handled": 150, "handling_rate": 0.75, "on_time_rate": 0.9,
                               "satisfaction_rate": None}
    assert snap["previous"]["received"] == 180 and snap["label"] == "2026年11月"
    assert [c["name"] for c in snap["top_categories"]] == [f"分类{i}" for i in range(5)]
    assert snap["top_categories"][0]["share"] == 0.3
    assert snap["ranking"] == [{"rank": 1, "unit": "青川市住建局", "region": "青川市", "score": 91.23}]


def test_residue_names_the_field_and_the_kinds():
    known = rules.Known(names=("王建国",))
    found = rules.residue({"title": "路灯", "appeal": "王建国说川A12345挡路"}, known, hide_enterprise=False)
    assert found == {"appeal": ["name", "plate"]}
    field, reason = rules.residue_message(found)
    assert field == "appeal" and reason.startswith("诉求内容仍含有姓名、车牌号")


def test_the_case_transitions():
    assert apply_case(CaseState.draft, CaseAction.submit) == CaseState.in_review
    assert apply_case(CaseState.in_review, CaseAction.reject) == CaseState.draft
    try:
        apply_case(CaseState.withdrawn, CaseAction.approve)
    except IllegalTransition as exc:
        assert "已撤回" in exc.message
    else:
        raise AssertionError("a withdrawn case was approved")
