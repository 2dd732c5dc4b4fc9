"""Pure rules of linkage: the order's hand-over transitions, the clock, outcomes, numbers and
percentiles."""

import pytest

from hotline.integration.linkage import lifecycle
from hotline.integration.linkage.lifecycle import LineKind, Outcome
from hotline.kit.errors import IllegalTransition
from hotline.workorder.lifecycle import OFF_CLOCK_STATUSES, Action, Status, apply


@pytest.mark.parametrize("status", [Status.registered, Status.dispatched, Status.handling, Status.returned,
                                    Status.coordinating])
def test_a_full_hand_over_takes_an_order_off_the_clock_from_any_status_before_the_reply(status):
    after = apply(status, Action.hand_over)
    assert after == Status.handed_over
    assert after in OFF_CLOCK_STATUSES


@pytest.mark.parametrize("status", [Status.replied, Status.callback, Status.closed, Status.withdrawn, Status.merged,
                                    Status.handed_over])
def test_an_order_replied_finished_merged_or_already_handed_over_cannot_be_handed_over(status):
    with pytest.raises(IllegalTransition):
        apply(status, Action.hand_over)


def test_a_handed_over_order_comes_back_to_be_dispatched_or_closes_with_the_line():
    assert apply(Status.handed_over, Action.take_back) == Status.registered
    assert apply(Status.handed_over, Action.close) == Status.closed
    assert apply(Status.handed_over, Action.withdraw) == Status.withdrawn
    with pytest.raises(IllegalTransition):
        apply(Status.handed_over, Action.dispatch)


def test_the_clock_runs_while_a_unit_holds_the_order():
    assert not {Status.dispatched, Status.handling, Status.returned} & OFF_CLOCK_STATUSES


def test_outcomes_move_forward_and_refused_and_completed_are_final():
    assert lifecycle.next_outcome(Outcome.handed_over, Outcome.accepted) == Outcome.accepted
    assert lifecycle.next_outcome(Outcome.accepted, Outcome.completed) == Outcome.completed
    for final in (Outcome.refused, Outcome.completed):
        for wanted in Outcome:
            with pytest.raises(IllegalTransition):
                lifecycle.next_outcome(final, wanted)
    with pytest.raises(IllegalTransition):
        lifecycle.next_outcome(Outcome.accepted, Outcome.handed_over)


def test_service_numbers_and_references():
    assert lifecycle.is_service_number("110") and lifecycle.is_service_number("95598")
    assert not lifecycle.is_service_number("0871-12345678") and not lifecycle.is_service_number("11")
    assert lifecycle.ref_problem("JJ-2026-000123") is None
    assert lifecycle.ref_problem("接警单 1") is not None and lifecycle.ref_problem("x" * 51) is not None


def test_a_lines_service_matches_its_kind():
    assert lifecycle.service_problem(LineKind.emergency, "fire") is None
    assert lifecycle.service_problem(LineKind.emergency, "water") is not None
    assert lifecycle.service_problem(LineKind.utility, "gas") is None
    assert lifecycle.service_problem(LineKind.utility, "police") is not None


def test_percentiles_by_nearest_rank():
    assert lifecycle.percentile([], 0.5) is None
    assert lifecycle.percentile([30.0], 0.9) == 30.0
    values = [float(x) for x in range(1, 11)]
    assert lifecycle.percentile(values, 0.5) == 5.0
    assert lifecycle.percentile(values, 0.9) == 9.0
