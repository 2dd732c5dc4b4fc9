"""Security alerts (安全告警): an attack or a misuse the platform notices, and who is told.

Four detectors raise them (issue 18): a client address failing logins on many accounts
(password spraying), many addresses failing on one account (a distributed attack), an account
reading many citizens in a row, and an account refused many objects in a row. Each calls
:func:`raise_alert`, which, at most once an hour per alert kind and subject (the address or
the account; deduplicated through :mod:`hotline.kit.ratelimit`, so across processes and hosts):

* records the audit event (the action codes and their Chinese names in :mod:`hotline.audit.labels`);
* writes a warning log line (``extra={"alert": action}``) naming the staff account concerned,
  never a client address, a citizen or a phone number;
* texts the administrators responsible through the notification outbox: the province's
  always, a city's when the account concerned belongs to its region; an administrator without
  a phone gets a skipped row, so that the gap shows.

Administrators (those of their region) and auditors see the last week's alerts on their home
page (:func:`recent`). Everything is written in the caller's transaction: a rolled-back
request raises nothing, and the services never commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from hotline.audit import labels, repository
from hotline.audit import service as audit
from hotline.auth import repository as auth_repository
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.kit import clock, ratelimit
from hotline.notify import service as notify

log = logging.getLogger(__name__)

#: One alert — audit event, log line and texts — per kind and subject an hour.
ONCE = ratelimit.Limit("security-alert", hits=1, window=dt.timedelta(hours=1))
TEMPLATE = "admin_security_alert"
#: The home page lists the alerts of the last week, newest first.
SHOWN_DAYS = 7
SHOWN_MAX = 20

#: Alert kinds (audit action codes) → what the administrator reads in the text and on the home
#: page. ``{who}`` is the staff account concerned; the other fields come from the detail.
SUMMARIES: dict[str, str] = {
    "security.password_spraying": "同一地址短时间内登录失败 {failures} 次，涉及多个账号（疑似撞库）",
    "security.account_under_attack": "{who}短时间内被多个地址尝试登录失败 {failures} 次（疑似密码猜测）",
    "citizen.bulk_read_alert": "{who}短时间内查看诉求人信息 {count} 次（疑似批量查询）",
    "access.denied_alert": "{who}短时间内越权访问被拒绝 {count} 次",
}


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "多"


def summary(action: str, detail: Mapping[str, Any], account: str | None) -> str:
    """What an alert says, in Chinese: the kind, the staff account concerned (``None``: an
    account name that does not exist, typed by whoever attacks — never repeated) and the
    numbers. No client address, no citizen, no phone number."""
    who = f"账号 {account} " if account else "一个不存在的账号"
    return SUMMARIES[action].format_map(_Fields(detail, who=who))


def raise_alert(session: Session, action: str, *, subject: str, detail: dict[str, Any],
                account: str | None = None, region_code: str | None = None, actor: audit.Actor | None = None,
                object_type: str | None = None, object_id: object = None) -> bool:
    """Raise the security alert ``action`` about ``subject`` (``"ip:…"``, ``"account:…"``,
    ``"user:…"``; hashed before it is stored) unless it was raised within the hour: the
    audit event (``detail`` plus the ``region_code`` of the account concerned), the warning
    log line and a text to each administrator responsible for ``region_code`` (``None``:
    the province's only). ``account`` is the staff account concerned, named in the text;
    ``detail`` holds no personal data. Returns whether the alert was raised now."""
    if action not in SUMMARIES:
        raise ValueError(f"unknown security alert {action!r}")
    if not ratelimit.once(session, ONCE, f"{action}:{subject}"):
        return False
    recorded = {**detail, "region_code": region_code} if region_code else dict(detail)
    audit.record(session, actor, action, object_type=object_type, object_id=object_id, detail=recorded,
                 actor_name=None if actor else "system")
    target = (f"account {account}" if account else
              "one client address (see the audit log)" if subject.startswith("ip:") else "an unknown account name")
    numbers = ", ".join(f"{key}={value}" for key, value in detail.items() if isinstance(value, int))
    log.warning("security alert %s: %s, %s", action, target, numbers, extra={"alert": action})
    body = notify.render(TEMPLATE, time=clock.now().astimezone(clock.CST).strftime("%m-%d %H:%M"),
                         summary=summary(action, detail, account))
    rows = [notify.user_row(template=TEMPLATE, phone=admin.phone, username=admin.username, body=body)
            for admin in auth_repository.admins_over(session, region_code)]
    if rows:
        notify.queue_rows(session, rows)
    return True


# --- the home page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """An alert as the home page lists it."""

    at: dt.datetime
    label: str
    summary: str
    #: The audit log filtered on this kind of alert (for those who may read it: auditors).
    audit_url: str | None
    #: The account concerned (for administrators, who may deactivate it).
    account_url: str | None


def _concerned(row_detail: Mapping[str, Any], actor_id: int | None, actor_name: str) -> tuple[int | None, str | None]:
    """The staff account an alert row is about: its actor (reads, refusals) or the attacked
    account when it exists (``user_id`` in the detail)."""
    if actor_id is not None:
        return actor_id, actor_name
    user_id = row_detail.get("user_id")
    if isinstance(user_id, int):
        return user_id, str(row_detail.get("account") or "")
    return None, None


def recent(session: Session, principal: Principal) -> list[Alert] | None:
    """The security alerts of the last :data:`SHOWN_DAYS` days for ``principal``'s home page,
    newest first: an administrator sees those about accounts of their region (the province's
    sees every one, address alerts too), an auditor every one with a link into the audit log.
    ``None`` for everyone else (no panel)."""
    is_admin = principal.role == Role.admin
    reads_audit = principal.can(Cap.view_audit)
    if not is_admin and not reads_audit:
        return None
    since = clock.now() - dt.timedelta(days=SHOWN_DAYS)
    alerts: list[Alert] = []
    for row in repository.with_actions_since(session, SUMMARIES, since, limit=10 * SHOWN_MAX):
        region = row.detail.get("region_code")
        if is_admin and not (principal.is_province_wide
                             or (isinstance(region, str) and in_region(principal.region_code, region))):
            continue
        user_id, account = _concerned(row.detail, row.actor_id, row.actor_name)
        day = row.at.astimezone(clock.CST).date().isoformat()
        alerts.append(Alert(
            at=row.at, label=labels.action_name(row.action), summary=summary(row.action, row.detail, account),
            audit_url=f"/audit?{urlencode({'action': row.action, 'since': day})}" if reads_audit else None,
            account_url=f"/admin/users/{user_id}" if user_id is not None and principal.can(Cap.manage_users)
            else None))
        if len(alerts) == SHOWN_MAX:
            break
    return alerts
