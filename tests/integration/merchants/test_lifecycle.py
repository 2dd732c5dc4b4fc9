"""The adjustment rule and the transition table, without a database."""

import datetime as dt

import pytest

from hotline.integration.merchants import lifecycle
from hotline.integration.merchants.lifecycle import Action, Evaluation, Status
from hotline.kit.errors import IllegalTransition

NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
LONG_AGO = NOW - dt.timedelta(days=400)


def rated(sat: int, basic: int, dis: int, **kw) -> Evaluation:
    return Evaluation(referrals=sat + basic + dis, rated=sat + basic + dis, satisfied=sat, basically_satisfied=basic,
                      dissatisfied=dis, **kw)


def propose(status: Status, e: Evaluation, since: dt.datetime = LONG_AGO):
    return lifecycle.propose(status, e, status_since=since, now=NOW)


def test_a_good_merchant_gets_no_proposal():
    assert propose(Status.admitted, rated(9, 1, 0)) is None
    assert propose(Status.admitted, Evaluation()) is None


def test_few_ratings_say_nothing_about_satisfaction():
    assert propose(Status.admitted, rated(0, 0, 4)) is None
    assert propose(Status.admitted, rated(0, 0, 5)).action == Action.remove


@pytest.mark.parametrize(("e", "action"), [
    (rated(7, 0, 3), Action.warn),  # 70%
    (rated(5, 0, 5), Action.suspend),  # 50%
    (rated(3, 0, 7), Action.remove),  # 30%
    (Evaluation(complaints=2), Action.warn),
    (Evaluation(complaints=4), Action.suspend),
    (Evaluation(complaints=6), Action.remove),
    (Evaluation(mean_response_hours=72), Action.warn),
])
def test_the_strongest_measure_the_figures_call_for_is_proposed(e, action):
    proposed = propose(Status.admitted, e)
    assert proposed is not None and proposed.action == action and proposed.reason


def test_a_warning_still_deserved_after_thirty_days_becomes_a_suspension():
    e = Evaluation(complaints=2)
    assert propose(Status.warned, e, since=NOW - dt.timedelta(days=10)) is None
    assert propose(Status.warned, e, since=NOW - dt.timedelta(days=31)).action == Action.suspend


def test_a_warning_is_lifted_once_the_figures_recover():
    assert propose(Status.warned, rated(10, 0, 0), since=NOW - dt.timedelta(days=31)).action == Action.clear
    assert propose(Status.warned, rated(10, 0, 0), since=NOW - dt.timedelta(days=5)) is None


def test_a_suspension_without_new_complaints_proposes_readmission_after_thirty_days():
    since = NOW - dt.timedelta(days=35)
    assert propose(Status.suspended, Evaluation(complaints=3), since=since).action == Action.readmit
    assert propose(Status.suspended, Evaluation(complaints=3, complaints_since_change=1), since=since) is None
    assert propose(Status.suspended, Evaluation(), since=NOW - dt.timedelta(days=10)) is None


def test_a_long_suspension_proposes_removal():
    assert propose(Status.suspended, Evaluation(complaints_since_change=1),
                   since=NOW - dt.timedelta(days=181)).action == Action.remove


@pytest.mark.parametrize("status", [Status.applied, Status.rejected, Status.removed])
def test_merchants_outside_the_register_get_no_proposal(status):
    assert propose(status, rated(0, 0, 10, complaints=10)) is None


def test_every_proposal_is_a_legal_transition():
    for status in Status:
        for e in (rated(0, 0, 10), rated(7, 0, 3), Evaluation(complaints=4), rated(10, 0, 0), Evaluation()):
            for since in (NOW, NOW - dt.timedelta(days=40), LONG_AGO):
                proposed = propose(status, e, since)
                if proposed is not None:
                    lifecycle.apply(status, proposed.action)


def test_the_transition_table():
    assert lifecycle.apply(Status.applied, Action.admit) == Status.admitted
    assert lifecycle.apply(Status.suspended, Action.readmit) == Status.admitted
    assert lifecycle.apply(Status.warned, Action.suspend) == Status.suspended
    for status, action in [(Status.removed, Action.readmit), (Status.applied, Action.suspend),
                           (Status.admitted, Action.admit), (Status.admitted, Action.readmit)]:
        with pytest.raises(IllegalTransition):
            lifecycle.apply(status, action)


def test_suspended_and_removed_merchants_are_never_referable():
    assert Status.suspended not in lifecycle.REFERABLE and Status.removed not in lifecycle.REFERABLE
    assert lifecycle.RECOMMENDED <= lifecycle.REFERABLE


def test_a_city_area_covers_its_counties_and_townships():
    assert lifecycle.serves(["990100"], "990102001")
    assert lifecycle.serves(["990102"], "990102001")
    assert not lifecycle.serves(["990102"], "990202")
    assert not lifecycle.serves(["990102001"], "990102")
    assert not lifecycle.serves(["990102"], None)
