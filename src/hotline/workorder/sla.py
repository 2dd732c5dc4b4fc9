"""Deadline rules of work orders (办理时限): pure rules over the working-day calendar, no I/O.

An order's handling deadline comes from the most specific :class:`DeadlineRule` that matches
its appeal type, category and urgency (:func:`pick_rule`), counted from intake over the
working-day calendar (:func:`due_at`, see :meth:`WorkCalendar.add_working_days` for the exact
counting rule) or in clock hours. Units must also sign for an order in time (:func:`sign_due`).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hotline.kit.workcalendar import Deadline, WorkCalendar


class Urgency(enum.StrEnum):
    normal = "normal"  # 一般
    urgent = "urgent"  # 紧急
    emergency = "emergency"  # 特急：人身、财产安全或公共安全受到威胁，须立即处置


_PREFIX_RE = re.compile(r"^(?:[0-9]{2}){1,3}$")  # category codes have 2, 4 or 6 digits


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """A deadline rule: the orders it applies to (``None`` = any) and the time allowed,
    either in working days or in clock hours — exactly one of the two.

    ``category_prefix`` matches a category and everything below it: ``"01"`` matches
    ``"01"``, ``"0102"`` and ``"010203"``."""

    appeal_type: str | None = None
    category_prefix: str | None = None
    urgency: Urgency | None = None
    working_days: int | None = None
    hours: int | None = None

    def __post_init__(self) -> None:
        if (self.working_days is None) == (self.hours is None):
            raise ValueError("a deadline rule needs exactly one of working_days and hours")
        amount = self.working_days if self.working_days is not None else self.hours
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            raise ValueError(f"a deadline rule needs a positive whole number of days or hours, not {amount!r}")
        if self.appeal_type is not None and not self.appeal_type:
            raise ValueError("appeal_type is None (any) or a code, not empty")
        if self.category_prefix is not None and not _PREFIX_RE.fullmatch(self.category_prefix):
            raise ValueError(f"category_prefix must be 2, 4 or 6 digits, not {self.category_prefix!r}")
        if self.urgency is not None:
            object.__setattr__(self, "urgency", Urgency(self.urgency))

    def matches(self, appeal_type: str | None, category_code: str | None, urgency: Urgency) -> bool:
        return (
            (self.urgency is None or self.urgency == urgency)
            and (self.category_prefix is None
                 or (category_code is not None and category_code.startswith(self.category_prefix)))
            and (self.appeal_type is None or self.appeal_type == appeal_type)
        )

    @property
    def specificity(self) -> tuple[bool, int, bool]:
        """Compared as a tuple: urgency named, then category prefix length, then appeal type named."""
        return (self.urgency is not None, len(self.category_prefix or ""), self.appeal_type is not None)

    @property
    def key(self) -> tuple[str | None, str | None, Urgency | None]:
        """What the rule applies to; two rules with the same key are duplicates."""
        return (self.appeal_type, self.category_prefix, self.urgency)

    @property
    def label(self) -> str:
        """The time allowed, as shown to users: ``5个工作日``, ``24小时``."""
        return f"{self.working_days}个工作日" if self.working_days is not None else f"{self.hours}小时"


# Defaults for a 12345 hotline, in line with common provincial practice (the 12345 hotline
# work rules of most provinces allow 1 working day for consultations and 5–15 for the rest;
# we take the short end). Administrators refine them per category in the deadline_rule table.
DEFAULT_RULES: tuple[DeadlineRule, ...] = (
    # Anything not named below, e.g. an appeal type added later: as long as a complaint.
    DeadlineRule(working_days=5),
    # 咨询: most are answered during the call; the rest need one working day to look up.
    DeadlineRule(appeal_type="consultation", working_days=1),
    # 求助: a citizen needs help with a concrete problem (a broken street lamp, a blocked drain).
    DeadlineRule(appeal_type="help", working_days=3),
    # 投诉 and 举报: the unit must investigate before it can answer.
    DeadlineRule(appeal_type="complaint", working_days=5),
    DeadlineRule(appeal_type="report", working_days=5),
    # 建议: the unit studies the proposal and answers whether and how it will act.
    DeadlineRule(appeal_type="suggestion", working_days=10),
    # 表扬: closed by passing the praise on and a reply of thanks.
    DeadlineRule(appeal_type="praise", working_days=1),
    # 紧急: 2 working days for anything that would otherwise take longer ...
    DeadlineRule(urgency=Urgency.urgent, working_days=2),
    # ... but never longer than the normal deadline (an urgency match outranks an appeal type,
    # so the types whose normal deadline is shorter than 2 days need their own urgent rule).
    DeadlineRule(appeal_type="consultation", urgency=Urgency.urgent, working_days=1),
    DeadlineRule(appeal_type="praise", urgency=Urgency.urgent, working_days=1),
    # 特急: 24 clock hours, holidays included.
    DeadlineRule(urgency=Urgency.emergency, hours=24),
)

# Direct dispatch (直派): orders of the direct-dispatch catalogue (water, power and gas cuts,
# street lamps, ...) go straight to the local unit or utility, which must sign for them within
# an hour and deal with them within 24 clock hours, holidays included.
DIRECT_DISPATCH_HOURS = 24
DIRECT_DISPATCH_RULES: tuple[DeadlineRule, ...] = (DeadlineRule(hours=DIRECT_DISPATCH_HOURS),)

#: A unit must sign for (签收) a dispatched order within 1 working day ...
SIGN_WORKING_DAYS = 1
#: ... or within 1 clock hour when the order is an emergency or directly dispatched.
URGENT_SIGN_HOURS = 1


def check_rules(rules: Iterable[DeadlineRule]) -> None:
    """Refuse a rule set with duplicates (two rules with the same key): the only way two
    matching rules can be equally specific, hence the only way :func:`pick_rule` would need
    a tie-break. Call it when rules are loaded from the database."""
    seen: set[tuple[str | None, str | None, Urgency | None]] = set()
    for rule in rules:
        if rule.key in seen:
            raise ValueError(f"duplicate deadline rule for {rule.key}")
        seen.add(rule.key)


def pick_rule(
    rules: Sequence[DeadlineRule], appeal_type: str | None, category_code: str | None,
    urgency: Urgency = Urgency.normal,
) -> DeadlineRule:
    """The most specific rule that matches the order.

    A rule matches when each of its conditions is ``None`` or fits the order (the category
    by prefix). Among matching rules, specificity is compared in this order, each step
    deciding only when the ones before tie:

    1. a rule that names the urgency beats one that does not;
    2. a longer category prefix beats a shorter one (``"0102"`` beats ``"01"`` beats none);
    3. a rule that names the appeal type beats one that does not.

    So an urgent complaint about street lamps (``010203``) takes the urgent rule over a
    street-lamp rule, and the street-lamp rule over the complaint rule. Two matching rules
    can only tie when they have the same key (duplicates, see :func:`check_rules`); then the
    first in ``rules`` wins. Raises LookupError if nothing matches (the defaults have a
    catch-all rule, so they always match).
    """
    urgency = Urgency(urgency)
    best: DeadlineRule | None = None
    for rule in rules:
        if rule.matches(appeal_type, category_code, urgency) and (
            best is None or rule.specificity > best.specificity
        ):
            best = rule
    if best is None:
        raise LookupError(f"no deadline rule for {appeal_type!r}, {category_code!r}, {urgency}")
    return best


def due_at(calendar: WorkCalendar, start: dt.datetime, rule: DeadlineRule) -> Deadline:
    """The handling deadline of an order taken in at ``start`` under ``rule``."""
    if rule.working_days is not None:
        return calendar.add_working_days(start, rule.working_days)
    assert rule.hours is not None
    return calendar.add_hours(start, rule.hours)


def sign_due(
    calendar: WorkCalendar, start: dt.datetime, *, urgency: Urgency = Urgency.normal,
    direct_dispatch: bool = False,
) -> Deadline:
    """When a unit must have signed for an order dispatched at ``start``: within 1 clock hour
    for an emergency or a directly dispatched order, else by the end of the next working day
    (an urgent order included)."""
    if direct_dispatch or Urgency(urgency) == Urgency.emergency:
        return calendar.add_hours(start, URGENT_SIGN_HOURS)
    return calendar.add_working_days(start, SIGN_WORKING_DAYS)


class DeadlineState(enum.StrEnum):
    normal = "normal"  # 正常
    due_soon = "due_soon"  # 即将超期
    overdue = "overdue"  # 已超期


def state(
    calendar: WorkCalendar, now: dt.datetime, due: dt.datetime, warn_working_days: int = 1, *,
    warn_before: dt.timedelta | None = None,
) -> DeadlineState:
    """Overdue once ``now`` is past ``due``; due soon when at most ``warn_working_days``
    working days are left (see :meth:`WorkCalendar.is_due_soon`: today counts as none, so
    with the default an order is due soon on its last day and on the working day before);
    otherwise normal. For a deadline in clock hours pass ``warn_before`` (e.g. 4 hours)
    instead: then it is due soon when less than that is left."""
    if now > due:
        return DeadlineState.overdue
    if warn_before is not None:
        return DeadlineState.due_soon if due - now <= warn_before else DeadlineState.normal
    if calendar.is_due_soon(now, due, warn_working_days):
        return DeadlineState.due_soon
    return DeadlineState.normal


def extended_due(calendar: WorkCalendar, current_due: dt.datetime, extra_working_days: int) -> Deadline:
    """The deadline after an approved extension (延期): ``extra_working_days`` working days
    counted from the day of the current deadline (that day does not count again), ending at
    23:59:59 CST. ``covered`` speaks for the added days only."""
    return calendar.add_working_days(current_due, extra_working_days)


# --- the green channel for enterprise appeals (涉企诉求绿色通道, S2) ------------------------------


@dataclass(frozen=True, slots=True)
class GreenChannelRule:
    """How much shorter the deadline of an enterprise's appeal (市场主体诉求) is, for one appeal
    type (``None`` = any type): at most ``working_days`` working days, and/or ``percent`` per
    cent of the normal time (rounded up, at least one day or hour). When both are given the
    shorter result wins. The green channel never lengthens a deadline."""

    appeal_type: str | None = None
    working_days: int | None = None
    percent: int | None = None

    def __post_init__(self) -> None:
        if self.working_days is None and self.percent is None:
            raise ValueError("a green-channel rule needs working_days or percent")
        if self.working_days is not None and (isinstance(self.working_days, bool) or self.working_days < 1):
            raise ValueError(f"working_days must be a positive whole number, not {self.working_days!r}")
        if self.percent is not None and (isinstance(self.percent, bool) or not 1 <= self.percent <= 100):
            raise ValueError(f"percent must lie in 1..100, not {self.percent!r}")
        if self.appeal_type is not None and not self.appeal_type:
            raise ValueError("appeal_type is None (any) or a code, not empty")

    @property
    def label(self) -> str:
        parts = []
        if self.percent is not None:
            parts.append(f"按正常时限的 {self.percent}%")
        if self.working_days is not None:
            parts.append(f"最多 {self.working_days} 个工作日")
        return "，且".join(parts)


#: Suggested green-channel rules an administrator may load (S2: enterprise appeals are
#: handled faster): half the normal time for every type (at least one working day),
#: complaints and reports within 3 working days at most.
SUGGESTED_GREEN_RULES: tuple[GreenChannelRule, ...] = (
    GreenChannelRule(percent=50),
    GreenChannelRule(appeal_type="complaint", working_days=3),
    GreenChannelRule(appeal_type="report", working_days=3),
)


def pick_green_rule(rules: Sequence[GreenChannelRule], appeal_type: str | None) -> GreenChannelRule | None:
    """The green-channel rule of an appeal type: the one naming it, else the one for any type,
    else None (no green channel for that type)."""
    named = next((r for r in rules if r.appeal_type is not None and r.appeal_type == appeal_type), None)
    return named or next((r for r in rules if r.appeal_type is None), None)


def _share(amount: int, percent: int) -> int:
    return max(1, -(-amount * percent // 100))  # ceil, at least 1


def green_channel(rule: DeadlineRule, green: GreenChannelRule | None) -> DeadlineRule:
    """The deadline rule of an enterprise's appeal: ``rule`` shortened by ``green``.

    A rule in working days becomes ``min(days, ceil(days × percent / 100), working_days)``
    (each part only when given); a rule in clock hours (emergencies) is shortened by the
    percentage only — it is already the fastest lane. Never longer than ``rule``; the rule's
    conditions are kept, so ``label`` shows the time allowed."""
    if green is None:
        return rule
    if rule.hours is not None:
        if green.percent is None:
            return rule
        return DeadlineRule(appeal_type=rule.appeal_type, category_prefix=rule.category_prefix,
                            urgency=rule.urgency, hours=min(rule.hours, _share(rule.hours, green.percent)))
    assert rule.working_days is not None
    days = rule.working_days
    if green.percent is not None:
        days = min(days, _share(rule.working_days, green.percent))
    if green.working_days is not None:
        days = min(days, green.working_days)
    return DeadlineRule(appeal_type=rule.appeal_type, category_prefix=rule.category_prefix, urgency=rule.urgency,
                        working_days=days)
