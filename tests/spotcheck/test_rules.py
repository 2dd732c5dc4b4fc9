"""Pure rules: sampling and the green channel's deadline."""

import pytest

from hotline.kit.errors import Conflict
from hotline.spotcheck import rules
from hotline.workorder import sla


def test_a_random_draw_is_the_same_for_the_same_seed_and_population_in_any_order():
    ids = list(range(1, 1001))
    first = rules.draw_random(ids, 50, "seed-1")
    assert first == rules.draw_random(list(reversed(ids)), 50, "seed-1")
    assert len(first) == 50 and len(set(first)) == 50 and set(first) <= set(ids)
    assert first != rules.draw_random(ids, 50, "seed-2")


def test_a_draw_larger_than_the_population_takes_everything():
    assert rules.draw_random([3, 1, 2], 10, "x") == [1, 2, 3]


def test_stratified_allocation_is_proportional_by_largest_remainder():
    assert rules.allocate({"a": 600, "b": 300, "c": 100}, 10) == {"a": 6, "b": 3, "c": 1}
    shares = rules.allocate({"a": 5, "b": 3, "c": 2}, 5)
    assert sum(shares.values()) == 5 and shares == {"a": 3, "b": 1, "c": 1}  # 2.5, 1.5, 1.0: a wins the tie on size
    assert rules.allocate({"a": 1, "b": 100}, 200) == {"a": 1, "b": 100}


def test_a_stratified_draw_keeps_the_proportions_and_is_reproducible():
    strata = {"u1": list(range(0, 60)), "u2": list(range(100, 130)), "u3": list(range(200, 210))}
    drawn, shares = rules.draw_stratified(strata, 20, "s")
    assert shares == {"u1": 12, "u2": 6, "u3": 2}
    assert sum(1 for i in drawn if i < 100) == 12 and sum(1 for i in drawn if 100 <= i < 200) == 6
    assert rules.draw_stratified(strata, 20, "s") == (drawn, shares)


def test_a_correction_moves_only_along_its_table():
    assert rules.move_correction("open", "answer") == rules.Correction.answered
    assert rules.move_correction("answered", "return") == rules.Correction.returned
    assert rules.move_correction("returned", "answer") == rules.Correction.answered
    with pytest.raises(Conflict):
        rules.move_correction("open", "accept")
    with pytest.raises(Conflict):
        rules.move_item("open", "confirm")


def test_the_green_channel_shortens_a_deadline_and_never_lengthens_it():
    five = sla.DeadlineRule(appeal_type="complaint", working_days=5)
    assert sla.green_channel(five, sla.GreenChannelRule(percent=50)).working_days == 3  # ceil(2.5)
    assert sla.green_channel(five, sla.GreenChannelRule(working_days=2)).working_days == 2
    assert sla.green_channel(five, sla.GreenChannelRule(working_days=9)).working_days == 5
    assert sla.green_channel(five, sla.GreenChannelRule(percent=80, working_days=3)).working_days == 3
    one = sla.DeadlineRule(working_days=1)
    assert sla.green_channel(one, sla.GreenChannelRule(percent=10)).working_days == 1
    hours = sla.DeadlineRule(hours=24)
    assert sla.green_channel(hours, sla.GreenChannelRule(percent=50)).hours == 12
    assert sla.green_channel(hours, sla.GreenChannelRule(working_days=1)) == hours
    assert sla.green_channel(five, None) == five


def test_the_green_rule_naming_the_type_beats_the_one_for_any_type():
    rules_ = [sla.GreenChannelRule(percent=50), sla.GreenChannelRule(appeal_type="complaint", working_days=2)]
    assert sla.pick_green_rule(rules_, "complaint").working_days == 2
    assert sla.pick_green_rule(rules_, "help").percent == 50
    assert sla.pick_green_rule(rules_[1:], "help") is None
