"""The pure rules of a call: facts from events in any arrival order, and contradictions."""

import datetime as dt
import random

import pytest

from hotline.telephony.lifecycle import EndReason, Event, EventType, TransferMode, contradiction, fold

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def answered_call() -> list[Event]:
    return [
        Event(1, EventType.offered, at(0), caller="13812340001", called="12345"),
        Event(2, EventType.ivr, at(8), digits="1"),
        Event(3, EventType.queued, at(10), queue="enterprise"),
        Event(4, EventType.answered, at(22), seat="S01"),
        Event(5, EventType.transferred, at(100), seat="S01", to="E07", mode=TransferMode.three_way),
        Event(6, EventType.ended, at(190), reason=EndReason.completed, recording_url="http://pbx/r/1.wav"),
    ]


def test_an_answered_call_waits_from_queued_to_answered_and_talks_until_it_ends():
    facts = fold(answered_call())
    assert (facts.wait_s, facts.talk_s) == (12.0, 168.0)
    assert facts.answered and not facts.abandoned and facts.answered_in_time
    assert (facts.queue, facts.seat, facts.ivr_digits) == ("enterprise", "S01", "1")
    assert (facts.transfers, facts.three_way, facts.state) == (1, 1, "ended")
    assert facts.caller == "13812340001" and facts.recording_url == "http://pbx/r/1.wav"


def test_the_arrival_order_never_changes_the_facts():
    events = answered_call()
    expected = fold(events)
    for seed in range(5):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        assert fold(shuffled) == expected


def test_a_call_that_ends_unanswered_is_abandoned_and_its_wait_runs_to_the_end():
    facts = fold([Event(1, EventType.offered, at(0)), Event(2, EventType.queued, at(3), queue="general"),
                  Event(3, EventType.ended, at(40), reason=EndReason.abandoned)])
    assert facts.abandoned and facts.wait_s == 37.0 and facts.talk_s is None and not facts.abandoned_short


def test_a_hang_up_within_five_seconds_of_queueing_is_a_short_abandon():
    facts = fold([Event(1, EventType.offered, at(0)), Event(2, EventType.queued, at(3), queue="general"),
                  Event(3, EventType.ended, at(7.9), reason=EndReason.abandoned)])
    assert facts.abandoned_short


def test_an_answer_after_fifteen_seconds_misses_the_service_level():
    facts = fold([Event(1, EventType.queued, at(0), queue="q"), Event(2, EventType.answered, at(15.5), seat="S")])
    assert facts.answered and not facts.answered_in_time and facts.state == "answered" and facts.talk_s is None


def test_ivr_key_one_counts_the_call_in_the_mapped_queue_when_no_queue_was_reported():
    facts = fold([Event(1, EventType.offered, at(0)), Event(2, EventType.ivr, at(5), digits="1")],
                 ivr_queues={"1": "enterprise"})
    assert facts.queue == "enterprise"


def test_a_call_closed_for_want_of_an_end_is_a_timeout_at_the_closing_time():
    facts = fold([Event(1, EventType.offered, at(0)), Event(2, EventType.queued, at(2), queue="q")], closed_at=at(2))
    assert facts.end_reason is EndReason.timeout and facts.abandoned and facts.state == "ended"


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        (Event(7, EventType.answered, at(200), seat="S01"), "answered after the call ended"),
        (Event(3, EventType.answered, at(191), seat="S01"), "answered after the call ended"),
        (Event(9, EventType.ended, at(300), reason=EndReason.completed), "the call has already ended"),
    ],
)
def test_nothing_follows_the_end_of_a_call(new, reason):
    assert contradiction(answered_call(), new) == reason


def test_a_late_event_from_before_the_end_is_no_contradiction():
    events = answered_call()
    assert contradiction(events[:2] + events[3:], events[2]) is None


def test_an_end_with_events_after_it_is_refused():
    events = answered_call()
    early_end = Event(3, EventType.ended, at(9), reason=EndReason.abandoned)
    assert "events after this end" in (contradiction(events[:2] + events[3:5], early_end) or "")


def test_an_unknown_seat_is_refused():
    new = Event(4, EventType.answered, at(22), seat="S99")
    assert contradiction(answered_call()[:3], new, known_seats=frozenset({"S01"})) == "unknown seat 'S99'"
    assert contradiction(answered_call()[:3], Event(4, EventType.answered, at(22), seat="S01"),
                         known_seats=frozenset({"S01"})) is None
