"""The pure rules of quality inspection: transitions, the sample draw, score validation,
periods and the figures' arithmetic."""

import datetime as dt

import pytest

from hotline.kit.clock import CST
from hotline.kit.errors import IllegalTransition, InvalidInput
from hotline.telephony.quality import rules
from hotline.telephony.quality.rules import Action, Item, Status

UTC = dt.UTC


def test_the_inspection_moves_from_pending_to_scored_to_appealed_to_a_decision():
    s = rules.apply(Status.pending, Action.score)
    s = rules.apply(s, Action.appeal)
    assert s == Status.appealed
    assert rules.apply(s, Action.uphold) == Status.appeal_upheld
    assert rules.apply(s, Action.reject) == Status.appeal_rejected


@pytest.mark.parametrize(("status", "action"), [
    (Status.pending, Action.appeal), (Status.scored, Action.score), (Status.appealed, Action.appeal),
    (Status.appeal_upheld, Action.appeal), (Status.appeal_rejected, Action.appeal),
    (Status.appeal_rejected, Action.uphold), (Status.scored, Action.uphold), (Status.pending, Action.reject),
])
def test_illegal_moves_are_409_among_them_a_second_appeal(status, action):
    with pytest.raises(IllegalTransition) as refused:
        rules.apply(status, action)
    assert refused.value.status_code == 409


def test_a_draw_is_the_same_for_the_same_seed_and_key_whatever_the_order_of_the_ids():
    ids = list(range(1, 201))
    first = rules.draw(ids, 0.05, seed=7, key="call:3")
    assert len(first) == 10 and first == sorted(first) and set(first) <= set(ids)
    assert rules.draw(list(reversed(ids)), 0.05, seed=7, key="call:3") == first
    others = {tuple(rules.draw(ids, 0.05, seed=s, key="call:3")) for s in range(8)}
    assert len(others) > 1  # the seed matters
    assert rules.draw(ids, 0.05, seed=7, key="call:4") != first  # and so does the agent


@pytest.mark.parametrize(("available", "share", "size"), [(0, 0.05, 0), (1, 0.05, 1), (20, 0.05, 1),
                                                          (21, 0.05, 2), (100, 0.05, 5), (3, 1.0, 3)])
def test_a_share_draws_at_least_one_of_any_work_and_rounds_up(available, share, size):
    assert rules.sample_size(available, share) == size


@pytest.mark.parametrize("share", [0, -0.1, 1.01, float("nan")])
def test_a_share_outside_zero_to_one_is_refused(share):
    with pytest.raises(InvalidInput):
        rules.validate_share(share)


ITEMS = [Item("greeting", "问候语规范", 10), Item("attitude", "服务态度", 20)]


def test_scores_are_checked_against_each_items_max():
    assert rules.validate_scores(ITEMS, {"greeting": 10, "attitude": 0}) == {"greeting": 10.0, "attitude": 0.0}
    for scores, field in (({"greeting": 10.5, "attitude": 0}, "scores.greeting"),
                          ({"greeting": 1, "attitude": 1, "x": 1}, "scores.x"),
                          ({"greeting": 1}, "scores.attitude"),
                          ({"greeting": True, "attitude": 1}, "scores.greeting"),
                          ({"greeting": "9", "attitude": 1}, "scores.greeting")):
        with pytest.raises(InvalidInput) as refused:
            rules.validate_scores(ITEMS, scores)
        assert refused.value.field == field


def test_month_bounds_are_china_time_and_december_rolls_over():
    start, end = rules.month_bounds("2026-12")
    assert (start, end) == (dt.datetime(2026, 12, 1, tzinfo=CST), dt.datetime(2027, 1, 1, tzinfo=CST))
    assert rules.month_of(dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "2026-12"
    for bad in ("2026-13", "26-1x", ""):
        with pytest.raises(InvalidInput):
            rules.month_bounds(bad)


def test_a_spell_counts_only_inside_the_period_and_an_open_one_until_now():
    t0 = dt.datetime(2026, 12, 1, tzinfo=UTC)
    s = dt.timedelta(seconds=1)
    assert rules.overlap_seconds(t0 - 10 * s, t0 + 20 * s, t0, t0 + 100 * s, t0 + 500 * s) == 20
    assert rules.overlap_seconds(t0 + 90 * s, t0 + 120 * s, t0, t0 + 100 * s, t0 + 500 * s) == 10
    assert rules.overlap_seconds(t0 + 50 * s, None, t0, t0 + 100 * s, t0 + 60 * s) == 10
    assert rules.overlap_seconds(t0 - 50 * s, t0 - 10 * s, t0, t0 + 100 * s, t0 + 60 * s) == 0


def test_accuracy_is_the_share_of_orders_neither_recategorised_nor_returned():
    assert rules.accuracy(4, 1) == 0.75 and rules.accuracy(3, 0) == 1.0 and rules.accuracy(0, 0) is None
    assert rules.percent(45, 60) == 75.0


def test_a_checklist_needs_items_with_codes_names_and_points():
    items = rules.validate_items([{"code": "greeting", "name": "问候语规范", "max_points": 10}])
    assert items == [Item("greeting", "问候语规范", 10.0)]
    for bad, field in (([{"code": "g", "name": "", "max_points": 1}], "items[0].name"),
                       ([{"code": "g", "name": "x", "max_points": 101}], "items[0].max_points"),
                       ([{"code": "g", "name": "x", "max_points": "5"}], "items[0].max_points"),
                       ([{"code": "g", "name": "x", "max_points": 1}] * 31, "items")):
        with pytest.raises(InvalidInput) as refused:
            rules.validate_items(bad)
        assert refused.value.field == field
