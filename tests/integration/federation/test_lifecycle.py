"""Pure rules of federation: the signature (what is signed, which key, the window), the
retry schedule, the transfer's states, open categories, and the order's transferred-out
status in the work-order lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest

from hotline.integration.federation import lifecycle
from hotline.integration.federation.models import TransferState
from hotline.kit.errors import IllegalTransition
from hotline.workorder.lifecycle import MAIN_STATUSES, OPEN_STATUSES, STATUS_NAMES, Action, Status, apply

SECRET = "fks_" + "k" * 40
BODY = b'{"id":"m1"}'
NOW = 1_800_000_000


def signed(side: str = "a", **over: object) -> dict[str, object]:
    h = lifecycle.headers("fk_0123456789abcdef", SECRET, side, "POST", lifecycle.INBOX_PATH, BODY, now=NOW)
    args: dict[str, object] = {"secret": SECRET, "sender_side": side, "method": "POST", "path": lifecycle.INBOX_PATH,
                               "timestamp": h[lifecycle.HEADER_TIMESTAMP], "nonce": h[lifecycle.HEADER_NONCE],
                               "signature": h[lifecycle.HEADER_SIGNATURE], "body": BODY, "now": NOW}
    return {**args, **over}


def test_a_well_signed_request_passes():
    assert lifecycle.refusal(**signed()) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("change", "reason"), [
    ({"secret": None}, "unknown_key"),
    ({"body": BODY + b" "}, "bad_signature"),
    ({"path": "/api/v1/federation/ping"}, "bad_signature"),
    ({"method": "PUT"}, "bad_signature"),
    ({"sender_side": "b"}, "bad_signature"),  # the other side's key: a reflected request
    ({"secret": "fks_" + "x" * 40}, "bad_signature"),
    ({"now": NOW + 301}, "stale"),
    ({"now": NOW - 301}, "stale"),
    ({"timestamp": "soon"}, "bad_timestamp"),
    ({"timestamp": None}, "bad_timestamp"),
    ({"nonce": "short"}, "bad_nonce"),
    ({"nonce": "ä" * 20}, "bad_nonce"),
    ({"signature": None}, "no_signature"),
    ({"signature": "hmac-sha256=不是十六进制"}, "bad_signature"),
])
def test_a_request_changed_in_any_signed_part_or_outside_the_window_is_refused(change, reason):
    assert lifecycle.refusal(**signed(**change)) == reason  # type: ignore[arg-type]


def test_the_window_is_five_minutes_either_way():
    assert lifecycle.refusal(**signed(now=NOW + 300)) is None  # type: ignore[arg-type]
    assert lifecycle.refusal(**signed(now=NOW - 300)) is None  # type: ignore[arg-type]


def test_the_two_sides_sign_with_different_keys_derived_from_the_pair_secret():
    assert lifecycle.side_key(SECRET, "a") != lifecycle.side_key(SECRET, "b")
    assert lifecycle.other_side("a") == "b" and lifecycle.other_side("b") == "a"
    key_id, secret = lifecycle.new_key()
    assert lifecycle.KEY_ID.fullmatch(key_id) and secret.startswith("fks_")


def test_the_canonical_string_is_method_path_timestamp_nonce_and_body_hash():
    text = lifecycle.canonical("post", "/p", 5, "n" * 16, b"x").decode()
    assert text.split("\n")[:4] == ["POST", "/p", "5", "n" * 16] and len(text.split("\n")[4]) == 64


def test_back_off_doubles_up_to_ten_minutes_and_gives_up_after_a_day():
    assert lifecycle.backoff(1) == dt.timedelta(milliseconds=250)
    assert lifecycle.backoff(3) == dt.timedelta(seconds=1)
    assert lifecycle.backoff(500) == dt.timedelta(minutes=10)
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert not lifecycle.is_failed(start, start + dt.timedelta(hours=23))
    assert lifecycle.is_failed(start, start + dt.timedelta(hours=24))


def test_a_transfer_moves_from_pending_to_accepted_to_closed_or_refused():
    assert lifecycle.next_state(TransferState.pending, "accepted") == TransferState.accepted
    assert lifecycle.next_state(TransferState.accepted, "progress") == TransferState.accepted
    assert lifecycle.next_state(TransferState.accepted, "closed") == TransferState.closed
    assert lifecycle.next_state(TransferState.accepted, "refused") == TransferState.refused
    assert lifecycle.next_state(TransferState.pending, "failed") == TransferState.failed
    for done in (TransferState.closed, TransferState.refused, TransferState.failed):
        with pytest.raises(IllegalTransition):
            lifecycle.next_state(done, "progress")


def test_open_categories_include_their_subcategories_and_empty_means_all():
    assert lifecycle.category_open([], None)
    assert lifecycle.category_open(["01"], "010203")
    assert not lifecycle.category_open(["01"], "0201")
    assert not lifecycle.category_open(["01"], None)


def test_an_order_in_the_dispatchers_queue_may_be_transferred_out_and_come_back_or_close():
    assert apply(Status.registered, Action.transfer_out) == Status.transferred_out
    assert apply(Status.returned, Action.transfer_out) == Status.transferred_out
    assert apply(Status.transferred_out, Action.take_back) == Status.registered
    assert apply(Status.transferred_out, Action.peer_close) == Status.closed
    assert apply(Status.registered, Action.send_back) == Status.withdrawn
    for action in (Action.dispatch, Action.sign, Action.reply, Action.merge, Action.withdraw, Action.close):
        with pytest.raises(IllegalTransition):
            apply(Status.transferred_out, action)
    with pytest.raises(IllegalTransition):
        apply(Status.handling, Action.transfer_out)


def test_a_transferred_out_order_is_open_but_takes_no_duplicates():
    assert Status.transferred_out in OPEN_STATUSES and Status.transferred_out not in MAIN_STATUSES
    assert STATUS_NAMES[Status.transferred_out] == "已转他市"


def test_every_flow_back_event_is_a_known_message_kind():
    assert {kind for kind, _ in lifecycle.FLOW_BACK.values()} <= set(lifecycle.KINDS)
