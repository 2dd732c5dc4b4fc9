"""Every legal and every illegal transition of the pure lifecycle."""

import itertools

import pytest

from hotline.kit.errors import IllegalTransition
from hotline.workorder.lifecycle import TRANSITIONS, Action, Status, allowed_actions, apply

LEGAL = sorted(TRANSITIONS.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value))
ILLEGAL = [(s, a) for s, a in itertools.product(Status, Action) if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("key", "target"), LEGAL, ids=[f"{s}-{a}" for (s, a), _ in LEGAL])
def test_legal_transitions(key, target):
    assert apply(*key) == target


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_illegal_transitions_raise_409_naming_the_status(status, action):
    with pytest.raises(IllegalTransition) as err:
        apply(status, action)
    assert err.value.status_code == 409
    assert err.value.detail["status"] == status.value


def test_closed_and_withdrawn_orders_are_final():
    assert allowed_actions(Status.closed) == []
    assert allowed_actions(Status.withdrawn) == []


def test_the_happy_path_closes_the_loop():
    status = Status.registered
    for action in (Action.dispatch, Action.sign, Action.reply, Action.accept_reply, Action.close):
        status = apply(status, action)
    assert status == Status.closed


def test_a_dissatisfied_callback_sends_the_order_back_to_handling():
    assert apply(Status.callback, Action.rehandle) == Status.handling


def test_an_order_can_only_be_withdrawn_before_handling_starts():
    assert apply(Status.dispatched, Action.withdraw) == Status.withdrawn
    with pytest.raises(IllegalTransition):
        apply(Status.handling, Action.withdraw)
