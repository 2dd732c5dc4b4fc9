"""Pure rules of the push: event mapping, back-off, dead letters, pausing, signatures, the
allow-list."""

import datetime as dt

import pytest

from hotline.integration.webhooks import lifecycle
from hotline.integration.webhooks.lifecycle import Target

T0 = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)


def test_each_pushed_audit_action_maps_to_one_event_type():
    assert lifecycle.EVENT_OF_ACTION["work_order.registered"] == "order.created"
    assert lifecycle.EVENT_OF_ACTION["work_order.answered"] == "order.closed"
    assert lifecycle.EVENT_OF_ACTION["work_order.callback_recorded"] == "callback.recorded"
    assert lifecycle.EVENT_OF_ACTION["supervision.daily_ledger_sent"] == "ledger.daily"
    assert "pii.viewed" not in lifecycle.EVENT_OF_ACTION and "pii.viewed" not in lifecycle.PUSHED_ACTIONS


def test_back_off_doubles_from_a_quarter_second_up_to_an_hour():
    waits = [lifecycle.backoff(n).total_seconds() for n in (1, 2, 3, 4, 30)]
    assert waits == [0.25, 0.5, 1.0, 2.0, 3600.0]


def test_a_delivery_dies_24_hours_after_it_was_queued():
    assert not lifecycle.is_dead(T0, T0 + dt.timedelta(hours=23, minutes=59))
    assert lifecycle.is_dead(T0, T0 + dt.timedelta(hours=24))


def test_a_subscription_pauses_only_after_many_failures_over_an_hour():
    assert not lifecycle.should_pause(500, T0, T0 + dt.timedelta(minutes=59))
    assert not lifecycle.should_pause(10, T0, T0 + dt.timedelta(hours=3))
    assert lifecycle.should_pause(50, T0, T0 + dt.timedelta(hours=1))


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "hmac-sm3"])
def test_a_signature_verifies_and_a_changed_body_or_stale_timestamp_does_not(algorithm):
    body = b'{"id":"evt-1"}'
    header = lifecycle.sign("whsec_x", algorithm, 1_800_000_000, body)
    assert header.startswith(algorithm + "=")
    assert lifecycle.verify("whsec_x", header, 1_800_000_000, body, now=1_800_000_100)
    assert not lifecycle.verify("whsec_x", header, 1_800_000_000, body + b" ", now=1_800_000_100)
    assert not lifecycle.verify("whsec_y", header, 1_800_000_000, body, now=1_800_000_100)
    assert not lifecycle.verify("whsec_x", header, 1_800_000_000, body, now=1_800_000_000 + 301)


def test_the_sha256_signature_is_the_documented_hmac_of_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert lifecycle.sign("k", "hmac-sha256", 1_700_000_000, b"{}") == "hmac-sha256=" + expected


ALLOWED = [Target("hooks.example.gov.cn", False), Target("*.dept.example.cn", False), Target("10.20.0.0/16", False),
           Target("127.0.0.1", True)]


@pytest.mark.parametrize(("url", "ok"), [
    ("https://hooks.example.gov.cn/push", True),
    ("https://a.dept.example.cn/x", True),
    ("https://dept.example.cn/x", False),  # *. covers sub-domains only
    ("https://evil.example.gov.cn/x", False),
    ("https://10.20.3.4:8443/x", True),
    ("https://10.21.0.1/x", False),
    ("http://hooks.example.gov.cn/push", False),  # plain http not allowed there
    ("http://127.0.0.1:9000/hook", True),
    ("https://user:pw@hooks.example.gov.cn/", False),
    ("ftp://hooks.example.gov.cn/", False),
    ("https://169.254.169.254/latest/meta-data", False),
    ("https://hooks.example.gov.cn:99999/", False),
])
def test_only_allowed_targets_are_accepted(url, ok):
    assert (lifecycle.url_refusal(url, ALLOWED) is None) is ok


@pytest.mark.parametrize(("pattern", "ok"), [("hooks.example.cn", True), ("*.example.cn", True), ("*.cn", False),
                                             ("10.0.0.0/8", True), ("0.0.0.0/0", False), ("*", False),
                                             ("a..b", False), ("", False), ("ex ample.cn", False)])
def test_allow_list_entries_are_checked(pattern, ok):
    assert (lifecycle.check_pattern(pattern) is None) is ok
