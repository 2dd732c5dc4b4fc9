"""Early warning rules (pure): when is an hour's count of appeals a spike?

Each cell — a first-level category in a county — is compared with its own past: the same
hour of the week in each of the previous weeks (so a Monday-morning rush is expected on
Mondays, not a warning), smoothed towards a small prior so that a cell that is usually quiet
has a rate above zero. Counts this low are Poisson, not normal: the warning fires when a count
at least as high would happen by chance less than ``P_VALUE`` of the time under that rate,
and the count is at least ``MIN_COUNT`` (two calls in a quiet hour are not an event)."""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import poisson

#: Weeks of the same hour looked back at for the baseline.
WEEKS = 8
#: The prior rate (appeals an hour) a cell's history is smoothed towards, and its weight in weeks.
PRIOR_RATE, PRIOR_WEEKS = 0.2, 1.0
#: How unlikely the count must be under the cell's own rate.
P_VALUE = 1e-3
#: And how many appeals at least.
MIN_COUNT = 3


@dataclass(frozen=True)
class Verdict:
    count: int
    expected: float
    p_value: float
    spike: bool


def expected(history_total: int, weeks: int) -> float:
    """The cell's hourly rate from ``history_total`` appeals over ``weeks`` of the same hour."""
    return (history_total + PRIOR_RATE * PRIOR_WEEKS) / (max(0, weeks) + PRIOR_WEEKS)


def judge(count: int, history_total: int, weeks: int) -> Verdict:
    rate = expected(history_total, weeks)
    p = float(poisson.sf(count - 1, rate)) if count > 0 else 1.0
    return Verdict(count=count, expected=round(rate, 3), p_value=p, spike=count >= MIN_COUNT and p < P_VALUE)
