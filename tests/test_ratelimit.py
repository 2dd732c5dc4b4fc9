"""The shared rate limiter: counted in the database, per subject and window, refused past the limit."""

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine

from hotline.kit import ratelimit
from hotline.kit.ratelimit import Limit, RateCounter, TooManyRequests

PER_MINUTE = Limit("test.per_minute", hits=3, window=dt.timedelta(minutes=1), message="太快了")
NOON = dt.datetime(2026, 12, 7, 4, 0, 10, tzinfo=dt.UTC)


def test_hits_within_the_limit_are_counted_and_the_next_is_refused_with_the_wait(db):
    with time_machine.travel(NOON, tick=False):
        counts = [ratelimit.hit(db, PER_MINUTE, "10.0.0.1").count for _ in range(3)]
        with pytest.raises(TooManyRequests) as refused:
            ratelimit.hit(db, PER_MINUTE, "10.0.0.1")
    assert counts == [1, 2, 3]
    assert refused.value.status_code == 429 and refused.value.message == "太快了"
    assert refused.value.retry_after == 51  # the minute ends 50 s after 12:00:10, plus the rounding second


def test_each_subject_and_each_limit_counts_apart(db):
    other = Limit("test.other", hits=1, window=dt.timedelta(minutes=1))
    with time_machine.travel(NOON, tick=False):
        for _ in range(3):
            ratelimit.hit(db, PER_MINUTE, "10.0.0.1")
        assert ratelimit.hit(db, PER_MINUTE, "10.0.0.2").count == 1
        assert ratelimit.hit(db, other, "10.0.0.1").count == 1


def test_a_new_window_starts_counting_again(db):
    with time_machine.travel(NOON, tick=False):
        for _ in range(3):
            ratelimit.hit(db, PER_MINUTE, "13800138000")
    with time_machine.travel(NOON + dt.timedelta(minutes=1), tick=False):
        assert ratelimit.hit(db, PER_MINUTE, "13800138000").count == 1


def test_the_count_is_shared_by_every_session_that_commits(factory):
    with time_machine.travel(NOON, tick=False):
        for _ in range(3):
            with factory.begin() as session:  # another request, another process: the same row
                ratelimit.hit(session, PER_MINUTE, "13800138000")
        with factory() as session, pytest.raises(TooManyRequests):
            ratelimit.hit(session, PER_MINUTE, "13800138000")


def test_subjects_are_stored_only_as_keyed_hashes(db):
    ratelimit.count(db, PER_MINUTE, "13800138000")
    keys = db.execute(sa.select(RateCounter.key)).scalars().all()
    assert keys and not any("13800138000" in key for key in keys)


def test_old_counters_are_purged(db):
    with time_machine.travel(NOON, tick=False):
        ratelimit.count(db, PER_MINUTE, "a")
    with time_machine.travel(NOON + dt.timedelta(days=3), tick=False):
        ratelimit.count(db, PER_MINUTE, "b")
        assert ratelimit.purge(db) == 1
    assert db.execute(sa.select(sa.func.count()).select_from(RateCounter)).scalar() == 1
