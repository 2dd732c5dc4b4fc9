"""Periods of the statistics: kinds, previous period (环比), same period last year (同比)."""

import datetime as dt

import pytest

from hotline.analytics.periods import custom, month_split, period
from hotline.kit.errors import InvalidInput

D = dt.date


@pytest.mark.parametrize(("kind", "anchor", "start", "end", "label"), [
    ("day", "2026-11-05", D(2026, 11, 5), D(2026, 11, 5), "2026年11月5日"),
    ("week", "2026-11-05", D(2026, 11, 2), D(2026, 11, 8), "2026-11-02 至 2026-11-08"),
    ("month", "2026-11", D(2026, 11, 1), D(2026, 11, 30), "2026年11月"),
    ("month", "2024-2", D(2024, 2, 1), D(2024, 2, 29), "2024年2月"),
    ("quarter", "2026Q4", D(2026, 10, 1), D(2026, 12, 31), "2026年第4季度"),
    ("half", "2026H2", D(2026, 7, 1), D(2026, 12, 31), "2026年下半年"),
    ("half", "2026H1", D(2026, 1, 1), D(2026, 6, 30), "2026年上半年"),
    ("year", "2026", D(2026, 1, 1), D(2026, 12, 31), "2026年"),
    ("quarter", D(2026, 5, 17), D(2026, 4, 1), D(2026, 6, 30), "2026年第2季度"),
])
def test_a_period_of_each_kind(kind, anchor, start, end, label):
    p = period(kind, anchor)
    assert (p.start, p.end, p.label) == (start, end, label)
    assert period(kind, p.anchor) == p


def test_previous_period_and_same_period_last_year():
    assert period("month", "2026-03").previous() == period("month", "2026-02")
    assert period("month", "2026-01").previous() == period("month", "2025-12")
    assert period("quarter", "2026Q1").previous() == period("quarter", "2025Q4")
    assert period("half", "2026H1").previous() == period("half", "2025H2")
    assert period("month", "2026-11").last_year() == period("month", "2025-11")
    assert period("month", "2024-02").last_year().end == D(2023, 2, 28)
    p = custom("2026-11-10", "2026-11-19")
    assert (p.previous().start, p.previous().end) == (D(2026, 10, 31), D(2026, 11, 9))
    week = period("week", "2026-11-05").last_year()
    assert week.start.weekday() == 0 and week.days == 7 and week.start.year == 2025


def test_month_split_reads_whole_months_from_the_monthly_rows():
    months, edges = month_split(custom("2026-01-15", "2026-04-10"))
    assert months == [D(2026, 2, 1), D(2026, 3, 1)]
    assert edges == [(D(2026, 1, 15), D(2026, 1, 31)), (D(2026, 4, 1), D(2026, 4, 10))]
    assert month_split(period("year", "2026")) == ([D(2026, m, 1) for m in range(1, 13)], [])
    assert month_split(custom("2026-11-03", "2026-11-04")) == ([], [(D(2026, 11, 3), D(2026, 11, 4))])


def test_trend_buckets_are_days_of_short_periods_and_months_of_long_ones():
    assert len(period("month", "2026-11").buckets()) == 30
    year = period("year", "2026").buckets()
    assert [b.kind for b in year] == ["month"] * 12
    partial = custom("2026-01-15", "2026-04-10").buckets()
    assert (partial[0].start, partial[0].end) == (D(2026, 1, 15), D(2026, 1, 31))


@pytest.mark.parametrize(("call", "field"), [
    (lambda: period("month", "2026-13"), "anchor"),
    (lambda: period("fortnight", "2026-11"), "period"),
    (lambda: period("day", "2026-02-30"), "anchor"),
    (lambda: custom("2026-11-10", "2026-11-01"), "end"),
    (lambda: custom("2026-11-10", "x"), "end"),
    (lambda: custom("2000-01-01", "2026-01-01"), "end"),
])
def test_bad_periods_are_422_naming_the_field(call, field):
    with pytest.raises(InvalidInput) as caught:
        call()
    assert caught.value.field == field
