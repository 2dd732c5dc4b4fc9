"""Pure rules of the service-merchant register: statuses and the transition table, the
service types, and the dynamic adjustment rule (S1 §8 评价和动态调整) — figures in, a
proposal out. The rule proposes; a person decides (``service.decide_proposal``)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from hotline.kit.errors import IllegalTransition


class Status(enum.StrEnum):
    applied = "applied"  # registered, waiting for review
    admitted = "admitted"  # vetted: offered for referral and on the public page
    rejected = "rejected"  # not admitted at review (may apply again)
    warned = "warned"  # admitted, under a warning: still offered, not on the public page
    suspended = "suspended"  # not offered until readmitted
    removed = "removed"  # out of the register for good


class Action(enum.StrEnum):
    admit = "admit"
    reject = "reject"
    reapply = "reapply"
    warn = "warn"
    clear = "clear"  # lift a warning
    suspend = "suspend"
    readmit = "readmit"
    remove = "remove"


TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.applied, Action.admit): Status.admitted,
    (Status.applied, Action.reject): Status.rejected,
    (Status.rejected, Action.reapply): Status.applied,
    (Status.admitted, Action.warn): Status.warned,
    (Status.warned, Action.clear): Status.admitted,
    (Status.admitted, Action.suspend): Status.suspended,
    (Status.warned, Action.suspend): Status.suspended,
    (Status.suspended, Action.readmit): Status.admitted,
    (Status.admitted, Action.remove): Status.removed,
    (Status.warned, Action.remove): Status.removed,
    (Status.suspended, Action.remove): Status.removed,
}

STATUS_NAMES = {Status.applied: "待审核", Status.admitted: "已准入", Status.rejected: "未通过",
                Status.warned: "警示", Status.suspended: "暂停", Status.removed: "已清退"}
ACTION_NAMES = {Action.admit: "准入", Action.reject: "不予准入", Action.reapply: "重新申请", Action.warn: "警示",
                Action.clear: "解除警示", Action.suspend: "暂停", Action.readmit: "恢复准入",
                Action.remove: "清退"}

#: Merchants an agent may refer citizens to.
REFERABLE: frozenset[Status] = frozenset({Status.admitted, Status.warned})
#: Merchants on the public page of recommended merchants (a warned one is not recommended).
RECOMMENDED: frozenset[Status] = frozenset({Status.admitted})
#: Changes that need a second person: the one who registered a merchant does not review it.
REVIEW_ACTIONS: frozenset[Action] = frozenset({Action.admit, Action.reject})
#: Changes made through ``change_status`` by a manager (review has its own use case).
ADJUSTMENTS: frozenset[Action] = frozenset({Action.warn, Action.clear, Action.suspend, Action.readmit,
                                             Action.remove, Action.reapply})

SERVICE_TYPES: dict[str, str] = {
    "home_repair": "房屋维修", "plumbing_electric": "水电维修", "appliance_repair": "家电维修",
    "housekeeping": "家政保洁", "moving": "搬家", "locksmith": "开锁换锁", "drain_cleaning": "管道疏通",
    "elderly_care": "居家养老", "pest_control": "除虫灭鼠",
}


def apply(status: Status, action: Action) -> Status:
    try:
        return TRANSITIONS[status, action]
    except KeyError:
        raise IllegalTransition(f"“{STATUS_NAMES[Status(status)]}”状态的服务企业不能{ACTION_NAMES[Action(action)]}",
                                status=str(status), action=str(action)) from None


def allowed_actions(status: Status) -> list[Action]:
    return [a for (s, a) in TRANSITIONS if s == status]


# --- evaluation and the adjustment rule ---------------------------------------------------------

#: The window the evaluation counts referrals, ratings and response times over.
EVALUATION_WINDOW = dt.timedelta(days=180)
#: The window complaints count in.
COMPLAINT_WINDOW = dt.timedelta(days=90)
#: Fewer ratings than this say nothing about satisfaction.
MIN_RATINGS = 5
#: Satisfaction (satisfied + basically satisfied over rated) below this: warning / suspension / removal.
WARN_BELOW = 0.80
SUSPEND_BELOW = 0.60
REMOVE_BELOW = 0.40
#: Complaints in the window from which a warning / suspension / removal is proposed.
WARN_COMPLAINTS = 2
SUSPEND_COMPLAINTS = 4
REMOVE_COMPLAINTS = 6
#: Mean response time (hours, as citizens report it) above which a warning is proposed.
SLOW_RESPONSE_HOURS = 48
#: A warning still deserved this long after it was given becomes a proposed suspension.
WARNING_GRACE = dt.timedelta(days=30)
#: A suspension with no new complaint for this long: readmission is proposed.
SUSPENSION_REVIEW = dt.timedelta(days=30)
#: A suspension this long without readmission: removal is proposed.
SUSPENSION_LIMIT = dt.timedelta(days=180)


@dataclass(frozen=True)
class Evaluation:
    """A merchant's figures over the evaluation window (complaints over their own window)."""

    referrals: int = 0
    rated: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0
    complaints: int = 0
    #: complaints marked since the merchant's status last changed
    complaints_since_change: int = 0
    mean_response_hours: float | None = None

    @property
    def satisfaction(self) -> float | None:
        """Satisfied and basically satisfied over rated; None below :data:`MIN_RATINGS`."""
        if self.rated < MIN_RATINGS:
            return None
        return (self.satisfied + self.basically_satisfied) / self.rated

    def as_dict(self) -> dict[str, object]:
        s = self.satisfaction
        return {"referrals": self.referrals, "rated": self.rated, "satisfied": self.satisfied,
                "basically_satisfied": self.basically_satisfied, "dissatisfied": self.dissatisfied,
                "complaints": self.complaints, "satisfaction": None if s is None else round(s, 4),
                "mean_response_hours": None if self.mean_response_hours is None
                else round(self.mean_response_hours, 1)}


@dataclass(frozen=True)
class Proposed:
    action: Action
    reason: str


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def propose(status: Status, e: Evaluation, *, status_since: dt.datetime, now: dt.datetime) -> Proposed | None:
    """What the rule proposes for a merchant in ``status`` (since ``status_since``) with the
    figures ``e``, or None. The strongest measure the figures call for, and only one the
    transition table allows from the current status:

    - removal: satisfaction below 40% or 6+ complaints in 90 days; or suspended for 180 days;
    - suspension: satisfaction below 60% or 4+ complaints; or warned 30+ days ago and still
      deserving a warning;
    - warning: satisfaction below 80%, 2+ complaints, or a mean response over 48 hours;
    - readmission: suspended 30+ days with no complaint since, unless removal is due."""
    s = e.satisfaction
    held = now - status_since
    if status in (Status.applied, Status.rejected, Status.removed):
        return None
    remove = [why for cond, why in (
        (s is not None and s < REMOVE_BELOW, f"满意率 {_pct(s or 0)} 低于 {_pct(REMOVE_BELOW)}"),
        (e.complaints >= REMOVE_COMPLAINTS, f"近 90 日被投诉 {e.complaints} 次（≥{REMOVE_COMPLAINTS}）"),
        (status == Status.suspended and held >= SUSPENSION_LIMIT, "暂停已满 180 日仍未恢复"),
    ) if cond]
    if remove:
        return Proposed(Action.remove, "；".join(remove))
    suspend = [why for cond, why in (
        (s is not None and s < SUSPEND_BELOW, f"满意率 {_pct(s or 0)} 低于 {_pct(SUSPEND_BELOW)}"),
        (e.complaints >= SUSPEND_COMPLAINTS, f"近 90 日被投诉 {e.complaints} 次（≥{SUSPEND_COMPLAINTS}）"),
    ) if cond]
    warn = [why for cond, why in (
        (s is not None and s < WARN_BELOW, f"满意率 {_pct(s or 0)} 低于 {_pct(WARN_BELOW)}"),
        (e.complaints >= WARN_COMPLAINTS, f"近 90 日被投诉 {e.complaints} 次（≥{WARN_COMPLAINTS}）"),
        (e.mean_response_hours is not None and e.mean_response_hours > SLOW_RESPONSE_HOURS,
         f"平均响应 {e.mean_response_hours or 0:.0f} 小时，超过 {SLOW_RESPONSE_HOURS} 小时"),
    ) if cond]
    if status == Status.suspended:
        if held >= SUSPENSION_REVIEW and e.complaints_since_change == 0:
            return Proposed(Action.readmit, "暂停满 30 日且期间无新投诉，可恢复准入")
        return None
    if suspend:
        return Proposed(Action.suspend, "；".join(suspend))
    if status == Status.warned and warn and held >= WARNING_GRACE:
        return Proposed(Action.suspend, "警示满 30 日仍未改善：" + "；".join(warn))
    if status == Status.admitted and warn:
        return Proposed(Action.warn, "；".join(warn))
    if status == Status.warned and not warn and held >= WARNING_GRACE:
        return Proposed(Action.clear, "警示满 30 日，各项指标已恢复正常")
    return None


def covers(area_code: str, region_code: str) -> bool:
    """Whether a merchant serving ``area_code`` serves a place in ``region_code``: the same
    region or one under it (a city covers its counties and townships)."""
    from hotline.auth.roles import region_prefix

    return region_code.startswith(region_prefix(area_code))


def serves(area_codes: list[str], region_code: str | None) -> bool:
    return region_code is not None and any(covers(a, region_code) for a in area_codes)
