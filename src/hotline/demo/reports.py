"""The demo's reports: last month's analysis of 青川市 drafted, its suggestions rewritten and
issued by the supervisor (in the archive with its .docx and .xlsx); the province's monthly
draft as the scheduled job leaves it; yesterday's daily emergency and stability ledger."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hotline.analytics import service as statistics
from hotline.analytics.reports import service
from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.kit import clock

SUGGESTIONS = ("1. 对受理量居前和环比上升较快的诉求领域，建议责任部门开展专项治理，变被动接诉为主动治理。\n"
               "2. 对按时办结率偏低的承办单位实行周通报，压实首接负责。\n"
               "3. 涉企诉求落实绿色通道，两个工作日内响应。")


def load_reports(session: Session) -> None:
    user = auth_repository.user_by_username(session, "supervisor")
    assert user is not None
    supervisor = Principal.of(user)
    today = clock.today()
    month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    # the statistics cube is folded from committed events by its job; the demo is loaded in one
    # transaction, so its months (a year back, for 同比 and the trend) are counted here
    statistics.rebuild(session, today.replace(day=1, year=today.year - 1) - dt.timedelta(days=31), today)
    report = service.draft(session, supervisor, service.DraftRequest(kind="monthly", period=month))
    service.edit(session, supervisor, report, sections={"suggestions": SUGGESTIONS})
    service.issue(session, supervisor, report)
    service.draft(session, None, service.DraftRequest(kind="monthly", period=month, region_code="990000"),
                  auto_key=f"monthly:{month}:990000")
    service.draft(session, supervisor, service.DraftRequest(
        kind="daily_ledger", period=(today - dt.timedelta(days=1)).isoformat()))
