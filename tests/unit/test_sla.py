"""Deadline rules: which rule applies to an order, the default deadlines, signing for an
order, extensions, and the state of a deadline (normal, due soon, overdue) across holidays."""

import datetime as dt
import itertools
import random

import pytest

from hotline.kit.clock import CST
from hotline.kit.workcalendar import Deadline, WorkCalendar, end_of_business_day
from hotline.workorder import sla
from hotline.workorder.sla import DEFAULT_RULES, DeadlineRule, DeadlineState, Urgency, pick_rule

D = dt.date


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


BASE = DeadlineRule(working_days=5)
COMPLAINT = DeadlineRule(appeal_type="complaint", working_days=4)
URBAN = DeadlineRule(category_prefix="01", working_days=7)
STREET = DeadlineRule(category_prefix="0102", working_days=3)
STREET_COMPLAINT = DeadlineRule(appeal_type="complaint", category_prefix="0102", working_days=2)
URGENT = DeadlineRule(urgency=Urgency.urgent, working_days=2)
URGENT_HELP = DeadlineRule(appeal_type="help", urgency=Urgency.urgent, working_days=1)
RULES = [BASE, COMPLAINT, URBAN, STREET, STREET_COMPLAINT, URGENT, URGENT_HELP]


# --- picking a rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("appeal_type", "category", "urgency", "expected"),
    [
        ("suggestion", "02", Urgency.normal, BASE),  # only the catch-all matches
        ("complaint", "02", Urgency.normal, COMPLAINT),
        ("complaint", None, Urgency.normal, COMPLAINT),  # no category: prefix rules do not match
        ("help", "0103", Urgency.normal, URBAN),  # a category prefix beats no condition
        ("help", "010203", Urgency.normal, STREET),  # a longer prefix beats a shorter one
        ("complaint", "01", Urgency.normal, URBAN),  # a category prefix beats an appeal type
        ("complaint", "010203", Urgency.normal, STREET_COMPLAINT),  # same prefix: the appeal type decides
        ("complaint", "010203", Urgency.urgent, URGENT),  # urgency beats everything else
        ("help", "010203", Urgency.urgent, URGENT_HELP),  # same urgency: the appeal type decides
        ("praise", "02", Urgency.emergency, BASE),  # no emergency rule here
    ],
)
def test_the_most_specific_matching_rule_wins(appeal_type, category, urgency, expected):
    assert pick_rule(RULES, appeal_type, category, urgency) is expected


def test_a_category_prefix_matches_only_at_the_start_of_the_code():
    assert pick_rule(RULES, "help", "0201", Urgency.normal) is BASE
    assert pick_rule(RULES, "help", "2010", Urgency.normal) is BASE


def test_the_choice_does_not_depend_on_the_order_of_the_rules():
    cases = list(itertools.product(["complaint", "help", "other"], ["01", "0102", "010203", "02", None],
                                   list(Urgency)))
    expected = [pick_rule(RULES, *case) for case in cases]
    rng = random.Random(12345)
    for _ in range(20):
        shuffled = RULES[:]
        rng.shuffle(shuffled)
        assert [pick_rule(shuffled, *case) for case in cases] == expected


def test_between_duplicate_rules_the_first_wins_and_check_rules_refuses_them():
    first, second = DeadlineRule(appeal_type="help", working_days=3), DeadlineRule(appeal_type="help", working_days=9)
    assert pick_rule([first, second], "help", None) is first
    assert pick_rule([second, first], "help", None) is second
    with pytest.raises(ValueError, match="duplicate"):
        sla.check_rules([first, second])
    sla.check_rules(RULES)


def test_no_matching_rule_is_a_lookup_error():
    with pytest.raises(LookupError):
        pick_rule([COMPLAINT], "help", "01", Urgency.normal)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # neither days nor hours
        {"working_days": 1, "hours": 24},  # both
        {"working_days": 0},
        {"hours": -1},
        {"working_days": True},
        {"working_days": 1, "category_prefix": "1"},
        {"working_days": 1, "category_prefix": "01020304"},
        {"working_days": 1, "category_prefix": "0a"},
        {"working_days": 1, "appeal_type": ""},
    ],
)
def test_a_malformed_rule_is_refused(kwargs):
    with pytest.raises(ValueError):
        DeadlineRule(**kwargs)


def test_a_rule_takes_its_urgency_from_a_string():
    assert DeadlineRule(urgency="urgent", working_days=2).urgency is Urgency.urgent  # type: ignore[arg-type]


# --- the defaults ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("appeal_type", "urgency", "label"),
    [
        ("consultation", Urgency.normal, "1个工作日"),
        ("help", Urgency.normal, "3个工作日"),
        ("complaint", Urgency.normal, "5个工作日"),
        ("report", Urgency.normal, "5个工作日"),
        ("suggestion", Urgency.normal, "10个工作日"),
        ("praise", Urgency.normal, "1个工作日"),
        ("something_new", Urgency.normal, "5个工作日"),
        ("complaint", Urgency.urgent, "2个工作日"),
        ("suggestion", Urgency.urgent, "2个工作日"),
        ("consultation", Urgency.urgent, "1个工作日"),  # urgent never makes a deadline longer
        ("praise", Urgency.urgent, "1个工作日"),
        ("consultation", Urgency.emergency, "24小时"),
        ("suggestion", Urgency.emergency, "24小时"),
    ],
)
def test_default_deadlines(appeal_type, urgency, label):
    assert pick_rule(DEFAULT_RULES, appeal_type, "010203", urgency).label == label


def test_urgent_never_lengthens_a_default_deadline():
    for appeal_type in ("consultation", "help", "complaint", "report", "suggestion", "praise"):
        normal = pick_rule(DEFAULT_RULES, appeal_type, None, Urgency.normal).working_days
        urgent = pick_rule(DEFAULT_RULES, appeal_type, None, Urgency.urgent).working_days
        assert normal is not None and urgent is not None and urgent <= normal


def test_the_default_rule_sets_have_no_duplicates():
    sla.check_rules(DEFAULT_RULES)
    sla.check_rules(sla.DIRECT_DISPATCH_RULES)


def test_direct_dispatch_orders_have_24_clock_hours(calendar):
    rule = pick_rule(sla.DIRECT_DISPATCH_RULES, "help", "0103", Urgency.normal)
    start = cst(2026, 2, 16, 9)  # in the Spring Festival: the clock runs on
    assert sla.due_at(calendar, start, rule) == Deadline(cst(2026, 2, 17, 9).astimezone(dt.UTC), covered=True)


# --- deadlines ---------------------------------------------------------------------------------


def test_a_complaint_taken_before_the_spring_festival_is_due_after_it(calendar):
    rule = pick_rule(DEFAULT_RULES, "complaint", "0102", Urgency.normal)
    assert sla.due_at(calendar, cst(2026, 2, 13, 15), rule) == Deadline(end_of_business_day(D(2026, 2, 27)), True)


def test_an_emergency_taken_on_new_years_eve_is_due_24_hours_later(calendar):
    rule = pick_rule(DEFAULT_RULES, "help", None, Urgency.emergency)
    assert sla.due_at(calendar, cst(2026, 12, 31, 22), rule).at == cst(2027, 1, 1, 22)


def test_a_suggestion_taken_at_year_end_has_an_uncovered_deadline(calendar):
    rule = pick_rule(DEFAULT_RULES, "suggestion", None, Urgency.normal)
    deadline = sla.due_at(calendar, cst(2026, 12, 30, 10), rule)
    assert deadline.covered is False
    assert deadline.at == end_of_business_day(D(2027, 1, 13))


def test_units_sign_within_a_working_day_or_an_hour_for_emergencies_and_direct_dispatch(calendar):
    friday = cst(2026, 2, 13, 10)
    assert sla.sign_due(calendar, friday).at == end_of_business_day(D(2026, 2, 14))
    assert sla.sign_due(calendar, cst(2026, 2, 14, 10), urgency=Urgency.urgent).at == end_of_business_day(
        D(2026, 2, 24))
    assert sla.sign_due(calendar, friday, urgency=Urgency.emergency).at == cst(2026, 2, 13, 11)
    assert sla.sign_due(calendar, friday, direct_dispatch=True).at == cst(2026, 2, 13, 11)


def test_an_extension_counts_working_days_after_the_current_deadline(calendar):
    current = end_of_business_day(D(2026, 2, 13))
    assert sla.extended_due(calendar, current, 3) == Deadline(end_of_business_day(D(2026, 2, 25)), True)
    assert sla.extended_due(calendar, end_of_business_day(D(2026, 9, 30)), 1).at == end_of_business_day(
        D(2026, 10, 8))
    with pytest.raises(ValueError):
        sla.extended_due(calendar, current, 0)


# --- deadline states ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (cst(2026, 2, 12, 9), DeadlineState.normal),
        (cst(2026, 2, 13, 18), DeadlineState.normal),  # Sat 14 and Tue 24 are still to come
        (cst(2026, 2, 14, 9), DeadlineState.due_soon),  # the adjusted Saturday: one working day left
        (cst(2026, 2, 19, 9), DeadlineState.due_soon),  # during the holiday
        (cst(2026, 2, 24, 23, 59, 59), DeadlineState.due_soon),
        (cst(2026, 2, 25, 0, 0, 0), DeadlineState.overdue),
        (cst(2026, 3, 20, 9), DeadlineState.overdue),
    ],
)
def test_the_state_of_a_deadline_just_after_the_spring_festival(calendar, now, expected):
    due = end_of_business_day(D(2026, 2, 24))
    assert sla.state(calendar, now, due) is expected


def test_more_warning_days_make_a_deadline_due_soon_earlier(calendar):
    due = end_of_business_day(D(2026, 10, 9))  # Friday after National Day
    assert sla.state(calendar, cst(2026, 9, 29, 9), due) is DeadlineState.normal
    assert sla.state(calendar, cst(2026, 9, 29, 9), due, warn_working_days=3) is DeadlineState.due_soon
    assert sla.state(calendar, cst(2026, 10, 8, 9), due, warn_working_days=0) is DeadlineState.normal
    assert sla.state(calendar, cst(2026, 10, 9, 9), due, warn_working_days=0) is DeadlineState.due_soon


def test_a_deadline_in_clock_hours_warns_by_the_time_left(calendar):
    due = cst(2026, 2, 17, 9)
    warn = dt.timedelta(hours=4)
    assert sla.state(calendar, cst(2026, 2, 16, 12), due, warn_before=warn) is DeadlineState.normal
    assert sla.state(calendar, cst(2026, 2, 17, 5), due, warn_before=warn) is DeadlineState.due_soon
    assert sla.state(calendar, cst(2026, 2, 17, 9, 0, 1), due, warn_before=warn) is DeadlineState.overdue
