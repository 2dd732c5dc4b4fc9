"""The working-day calendar: the official 2026 schedule from chinesecalendar, the Monday–Friday
fallback for 2027 (not in the package), overrides, and deadlines counted across them.

2026 as the package has it: Spring Festival off Sun 15 – Mon 23 February, adjusted working
days Sat 14 and Sat 28 February; Mid-Autumn off 25–27 September; National Day off 1–7
October, adjusted working days Sun 20 September and Sat 10 October."""

import datetime as dt

import pytest

from hotline.kit.clock import CST
from hotline.kit.workcalendar import DayStatus, Deadline, WorkCalendar, end_of_business_day

D = dt.date


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def due_day(deadline: Deadline) -> dt.datetime:
    return deadline.at.astimezone(CST)


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


# --- day status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        (D(2026, 2, 13), True),  # Friday before the festival
        (D(2026, 2, 14), True),  # Saturday, adjusted working day
        (D(2026, 2, 15), False),
        (D(2026, 2, 17), False),  # New Year's Day of the lunar calendar
        (D(2026, 2, 23), False),  # Monday, last day off
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday, adjusted working day
        (D(2026, 3, 1), False),
        (D(2026, 9, 20), True),  # Sunday, adjusted working day for National Day
        (D(2026, 10, 1), False),
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday, adjusted working day
        (D(2026, 10, 11), False),
    ],
)
def test_official_2026_days_come_from_the_package(calendar, day, is_workday):
    assert calendar.day_status(day) == DayStatus(is_workday=is_workday, covered=True, source="official")


def test_a_year_the_package_does_not_know_falls_back_to_monday_to_friday_uncovered(calendar):
    assert calendar.day_status(D(2027, 1, 1)) == DayStatus(True, covered=False, source="weekend_fallback")
    assert calendar.day_status(D(2027, 1, 2)) == DayStatus(False, covered=False, source="weekend_fallback")


def test_an_override_wins_over_the_package():
    calendar = WorkCalendar({D(2026, 2, 14): False, D(2026, 2, 16): True})
    assert calendar.day_status(D(2026, 2, 14)) == DayStatus(False, covered=True, source="override")
    assert calendar.day_status(D(2026, 2, 16)) == DayStatus(True, covered=True, source="override")
    assert calendar.day_status(D(2026, 2, 15)).source == "official"


def test_overrides_entered_for_a_year_make_its_other_days_covered():
    calendar = WorkCalendar({D(2027, 1, 1): False})
    assert calendar.day_status(D(2027, 1, 1)) == DayStatus(False, covered=True, source="override")
    assert calendar.day_status(D(2027, 1, 4)) == DayStatus(True, covered=True, source="weekend_fallback")
    assert calendar.day_status(D(2028, 1, 3)).covered is False


def test_a_datetime_is_not_taken_for_a_day(calendar):
    with pytest.raises(TypeError):
        calendar.day_status(dt.datetime(2026, 2, 14, tzinfo=CST))


# --- working days across the Spring Festival 2026 -------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (cst(2026, 2, 13, 10), 1, D(2026, 2, 14)),  # the adjusted Saturday counts
        (cst(2026, 2, 13, 10), 2, D(2026, 2, 24)),  # then nine days off
        (cst(2026, 2, 12, 9), 3, D(2026, 2, 24)),
        (cst(2026, 2, 13, 10), 5, D(2026, 2, 27)),
        (cst(2026, 2, 13, 10), 10, D(2026, 3, 5)),  # Sat 28 Feb counts, Sun 1 Mar does not
        (cst(2026, 2, 14, 16), 1, D(2026, 2, 24)),  # taken on the adjusted Saturday
        (cst(2026, 2, 18, 11), 1, D(2026, 2, 24)),  # taken during the holiday
        (cst(2026, 2, 18, 11), 5, D(2026, 2, 28)),
    ],
)
def test_working_days_are_counted_across_the_spring_festival(calendar, start, days, due):
    deadline = calendar.add_working_days(start, days)
    assert deadline == Deadline(at=end_of_business_day(due), covered=True)
    assert due_day(deadline) == cst(due.year, due.month, due.day, 23, 59, 59)


def test_the_deadline_is_the_last_second_of_the_day_china_time_stored_as_utc(calendar):
    deadline = calendar.add_working_days(cst(2026, 2, 13, 10), 5)
    assert deadline.at == dt.datetime(2026, 2, 27, 15, 59, 59, tzinfo=dt.UTC)
    assert deadline.at.utcoffset() == dt.timedelta(0)


def test_the_day_of_intake_is_the_china_date_not_the_utc_date(calendar):
    # 17:30 UTC on Thursday 12 February is 01:30 on Friday 13 February in Beijing.
    late = dt.datetime(2026, 2, 12, 17, 30, tzinfo=dt.UTC)
    assert due_day(calendar.add_working_days(late, 1)).date() == D(2026, 2, 14)
    early = dt.datetime(2026, 2, 12, 15, 30, tzinfo=dt.UTC)  # 23:30 Thursday in Beijing
    assert due_day(calendar.add_working_days(early, 1)).date() == D(2026, 2, 13)


def test_the_day_of_intake_never_counts_even_at_midnight(calendar):
    assert due_day(calendar.add_working_days(cst(2026, 3, 2, 0, 0), 1)).date() == D(2026, 3, 3)


def test_zero_or_negative_working_days_are_refused(calendar):
    for days in (0, -1):
        with pytest.raises(ValueError, match="days"):
            calendar.add_working_days(cst(2026, 2, 13, 10), days)


def test_a_naive_start_is_refused(calendar):
    with pytest.raises(ValueError, match="aware"):
        calendar.add_working_days(dt.datetime(2026, 2, 13, 10), 1)  # noqa: DTZ001


# --- National Day 2026 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (cst(2026, 9, 18, 10), 1, D(2026, 9, 20)),  # Sunday 20 September is a working day
        (cst(2026, 9, 24, 10), 1, D(2026, 9, 28)),  # Mid-Autumn Festival 25–27 September
        (cst(2026, 9, 30, 10), 1, D(2026, 10, 8)),  # seven days off
        (cst(2026, 9, 30, 10), 3, D(2026, 10, 10)),  # Saturday 10 October counts
        (cst(2026, 9, 30, 10), 5, D(2026, 10, 13)),
        (cst(2026, 10, 3, 10), 2, D(2026, 10, 9)),
    ],
)
def test_working_days_are_counted_across_national_day(calendar, start, days, due):
    assert calendar.add_working_days(start, days) == Deadline(end_of_business_day(due), covered=True)


# --- the 2026 → 2027 year end ----------------------------------------------------------------


def test_a_deadline_reaching_into_an_uncovered_year_counts_monday_to_friday_and_is_marked(calendar):
    deadline = calendar.add_working_days(cst(2026, 12, 30, 10), 5)
    # Thu 31 Dec (official), then Fri 1 Jan 2027 is counted as a working day by the fallback.
    assert deadline == Deadline(end_of_business_day(D(2027, 1, 6)), covered=False)


def test_a_deadline_that_stays_in_the_covered_year_is_covered(calendar):
    assert calendar.add_working_days(cst(2026, 12, 28, 10), 3) == Deadline(
        end_of_business_day(D(2026, 12, 31)), covered=True)


def test_an_override_for_new_years_day_2027_moves_the_deadline():
    calendar = WorkCalendar({D(2027, 1, 1): False})
    deadline = calendar.add_working_days(cst(2026, 12, 30, 10), 5)
    # Thu 31 Dec, (Fri 1 Jan off), Mon 4, Tue 5, Wed 6, Thu 7 January.
    assert deadline.at == end_of_business_day(D(2027, 1, 7))
    # 2027 now has an entered schedule, so its Monday-to-Friday days count as covered.
    assert deadline.covered is True


# --- clock hours -------------------------------------------------------------------------------


def test_hours_run_through_holidays_and_are_always_covered(calendar):
    start = cst(2026, 2, 16, 9, 30)  # in the middle of the Spring Festival
    assert calendar.add_hours(start, 24) == Deadline(cst(2026, 2, 17, 9, 30).astimezone(dt.UTC), covered=True)
    year_end = calendar.add_hours(cst(2026, 12, 31, 20), 24)
    assert year_end == Deadline(dt.datetime(2027, 1, 1, 12, tzinfo=dt.UTC), covered=True)


def test_hours_must_be_positive_and_the_start_aware(calendar):
    with pytest.raises(ValueError):
        calendar.add_hours(cst(2026, 2, 16, 9), 0)
    with pytest.raises(ValueError):
        calendar.add_hours(dt.datetime(2026, 2, 16, 9), 1)  # noqa: DTZ001


# --- counting and warnings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "count"),
    [
        (D(2026, 2, 13), D(2026, 2, 24), 2),  # Sat 14 and Tue 24
        (D(2026, 2, 14), D(2026, 2, 23), 0),  # only days off after the Saturday
        (D(2026, 9, 30), D(2026, 10, 12), 4),  # 8, 9, 10, 12 October
        (D(2026, 12, 30), D(2027, 1, 4), 3),  # 31 Dec, 1 and 4 Jan (fallback)
        (D(2026, 2, 24), D(2026, 2, 24), 0),
        (D(2026, 2, 24), D(2026, 2, 13), 0),
    ],
)
def test_working_days_between_counts_after_the_first_day_up_to_the_second(calendar, a, b, count):
    assert calendar.working_days_between(a, b) == count


def test_due_soon_means_not_past_and_at_most_the_next_working_day_left(calendar):
    due = end_of_business_day(D(2026, 2, 24))
    assert calendar.is_due_soon(cst(2026, 2, 13, 10), due) is False  # Sat 14 and Tue 24 still to go
    assert calendar.is_due_soon(cst(2026, 2, 14, 10), due) is True  # working Saturday, then Tue 24
    assert calendar.is_due_soon(cst(2026, 2, 20, 10), due) is True  # all through the holiday
    assert calendar.is_due_soon(cst(2026, 2, 24, 23, 59, 59), due) is True
    assert calendar.is_due_soon(cst(2026, 2, 25, 0, 0), due) is False  # past: overdue, not due soon
    assert calendar.is_due_soon(cst(2026, 2, 13, 10), due, warn_working_days=2) is True
    assert calendar.is_due_soon(cst(2026, 2, 14, 10), due, warn_working_days=0) is False


def test_uncovered_years_name_the_years_without_any_schedule(calendar):
    assert calendar.uncovered_years(D(2026, 11, 22)) == [2027]
    assert calendar.uncovered_years(D(2026, 11, 22), ahead=0) == []
    assert calendar.uncovered_years(D(2026, 11, 22), ahead=2) == [2027, 2028]
    assert calendar.uncovered_years(D(2025, 6, 1)) == []
    assert calendar.uncovered_years(D(2027, 3, 1)) == [2027, 2028]


def test_a_year_with_overrides_is_no_longer_reported_uncovered():
    calendar = WorkCalendar({D(2027, 1, 1): False, D(2027, 2, 6): False})
    assert calendar.uncovered_years(D(2026, 11, 22)) == []
    assert calendar.uncovered_years(D(2026, 11, 22), ahead=2) == [2028]
