"""Evaluation rates and score against hand-computed values; ledger classification."""

import pytest

from hotline.supervision import rules
from hotline.supervision.models import LedgerKind


def test_rates_are_the_documented_ratios():
    counts = {"assigned": 10, "signed": 10, "signed_on_time": 9, "replied": 8, "replied_on_time": 7,
              "resolved": 6, "closed": 8, "closed_on_time": 6, "rated": 8, "satisfied": 5,
              "basically_satisfied": 2, "dissatisfied": 1, "returned": 2, "unjustified_returns": 1,
              "rehandled": 1}
    e = rules.evaluate(counts)
    assert e.rates == {
        "sign_on_time_rate": 0.9, "on_time_close_rate": 0.75, "handling_rate": 0.8,
        "satisfaction_rate": 0.875, "resolution_rate": 0.75, "return_rate": 0.2, "rehandle_rate": 0.125,
        "knowledge_upkeep_rate": None,  # no policy document fell due: drops out with its weight
    }
    # 10*.9 + 25*.75 + 15*.8 + 30*.875 + 10*.75 + 5*(1-.2) + 5*(1-.125) = 81.875 of 100 points,
    # minus 2 for the unjustified return
    assert e.score == pytest.approx(79.875, abs=0.006)


def test_knowledge_upkeep_counts_with_its_weight():
    counts = {"assigned": 10, "signed": 10, "signed_on_time": 9, "replied": 8, "resolved": 6, "closed": 8,
              "closed_on_time": 6, "rated": 8, "satisfied": 5, "basically_satisfied": 2, "returned": 2,
              "unjustified_returns": 1, "rehandled": 1, "kb_due": 4, "kb_on_time": 3}
    e = rules.evaluate(counts)
    assert e.rates["knowledge_upkeep_rate"] == 0.75
    # (81.875 + 5*.75) of 105 points, scaled to 100, minus 2 for the unjustified return
    assert e.score == pytest.approx(100 * 85.625 / 105 - 2, abs=0.006)


def test_a_rate_without_a_denominator_drops_out_with_its_weight():
    e = rules.evaluate({"rated": 4, "satisfied": 4}, {"satisfaction_rate": 30})
    assert e.rates["satisfaction_rate"] == 1.0 and e.rates["handling_rate"] is None
    assert e.score == 100.0
    assert rules.evaluate({}).score is None


def test_weights_change_the_score():
    counts = {"assigned": 4, "replied": 4, "rated": 4, "satisfied": 2}
    only_satisfaction = rules.evaluate(counts, dict.fromkeys(rules.DEFAULT_WEIGHTS, 0) | {"satisfaction_rate": 1})
    only_handling = rules.evaluate(counts, dict.fromkeys(rules.DEFAULT_WEIGHTS, 0) | {"handling_rate": 1})
    assert (only_satisfaction.score, only_handling.score) == (50.0, 100.0)


@pytest.mark.parametrize(("title", "content", "expected"), [
    ("山体滑坡", "村后山体滑坡，道路被埋", LedgerKind.emergency),
    ("燃气", "楼道里有很重的燃气泄漏味道", LedgerKind.emergency),
    ("讨薪", "工地几十名工人聚集讨薪", LedgerKind.stability),
    ("路灯不亮", "幸福路路灯坏了", None),
])
def test_emergency_and_stability_appeals_are_recognised(title, content, expected):
    found = rules.classify(title, content)
    assert (found[0] if found else None) == expected
