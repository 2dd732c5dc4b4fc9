"""Pure rules of the knowledge base (no I/O): the review workflow of a version, the
7-working-day rule of policy documents, and what a document number and keywords look like."""

from __future__ import annotations

import datetime as dt
import re

from hotline.kit.clock import CST
from hotline.kit.errors import IllegalTransition
from hotline.kit.workcalendar import WorkCalendar, business_date
from hotline.knowledge.models import VERSION_STATUS_NAMES, VersionStatus

#: A registered policy document's items must be published within this many working days of
#: its issue date (S4 达州: 政策文件出台后 7 个工作日内完成知识库更新).
PUBLISH_WORKING_DAYS = 7

ACTION_NAMES = {
    "submit": "提交审核", "approve": "审核通过", "reject": "审核退回", "publish": "发布",
    "supersede": "替代", "expire": "失效", "withdraw": "撤回", "revise": "修改",
}

#: draft → submitted → approved or rejected → published → expired (by itself) or withdrawn.
#: A rejected version is revised as a draft again; a new published version supersedes the old.
TRANSITIONS: dict[tuple[VersionStatus, str], VersionStatus] = {
    (VersionStatus.draft, "submit"): VersionStatus.submitted,
    (VersionStatus.rejected, "submit"): VersionStatus.submitted,
    (VersionStatus.rejected, "revise"): VersionStatus.draft,
    (VersionStatus.submitted, "approve"): VersionStatus.approved,
    (VersionStatus.submitted, "reject"): VersionStatus.rejected,
    (VersionStatus.approved, "publish"): VersionStatus.published,
    (VersionStatus.approved, "reject"): VersionStatus.rejected,
    (VersionStatus.published, "supersede"): VersionStatus.superseded,
    (VersionStatus.published, "expire"): VersionStatus.expired,
    (VersionStatus.published, "withdraw"): VersionStatus.withdrawn,
    (VersionStatus.draft, "withdraw"): VersionStatus.withdrawn,
    (VersionStatus.submitted, "withdraw"): VersionStatus.withdrawn,
    (VersionStatus.approved, "withdraw"): VersionStatus.withdrawn,
    (VersionStatus.rejected, "withdraw"): VersionStatus.withdrawn,
}

#: Versions whose content may still change (a published one never does).
EDITABLE = frozenset({VersionStatus.draft, VersionStatus.rejected})
#: Versions that are still on their way to publication.
IN_REVIEW = frozenset({VersionStatus.draft, VersionStatus.submitted, VersionStatus.approved, VersionStatus.rejected})


def step(status: VersionStatus, action: str) -> VersionStatus:
    """The status after ``action``; :class:`IllegalTransition` (409) naming the status otherwise."""
    try:
        return TRANSITIONS[status, action]
    except KeyError:
        raise IllegalTransition(
            f"知识点当前为“{VERSION_STATUS_NAMES[status]}”，不能{ACTION_NAMES.get(action, action)}",
            status=status.value, action=action) from None


def allowed(status: VersionStatus) -> list[str]:
    return [action for (s, action) in TRANSITIONS if s == status]


def publish_due(calendar: WorkCalendar, issued_on: dt.date) -> dt.date:
    """The last day on which a document's items count as published on time: the 7th working
    day after the issue date (the issue date itself not counted, as for every deadline)."""
    start = dt.datetime.combine(issued_on, dt.time(12), tzinfo=CST)
    return business_date(calendar.add_working_days(start, PUBLISH_WORKING_DAYS).at)


def on_time(due_on: dt.date, published_day: dt.date) -> bool:
    return published_day <= due_on


def answers_on(effective_on: dt.date, expires_on: dt.date | None, today: dt.date) -> bool:
    """Whether a published version answers today: in force, and not past its expiry date (an
    item expiring on a day no longer answers on that day)."""
    return effective_on <= today and (expires_on is None or today < expires_on)


#: 文号: issuer abbreviation, year in 〔〕 (or [] / () as often typed), number, 号.
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5A-Za-z]{1,20}[〔\[［(（]\d{4}[〕\]］)）]\d{1,5}号")


def doc_number(value: str) -> str:
    """A document number in its standard form (``国办发〔2022〕30号``); ``ValueError`` if it
    is not one. Brackets typed as [], ［］ or () become 〔〕."""
    text = re.sub(r"\s+", "", value or "")
    if not _DOC_NUMBER.fullmatch(text):
        raise ValueError("文号格式应为“发文机关代字〔年份〕序号号”，例如 国办发〔2022〕30号")
    return re.sub(r"[\[［(（](\d{4})[\]］)）]", r"〔\1〕", text)


def keywords(value: str | list[str] | None) -> list[str]:
    """Keywords from a list or a text separated by 、，,; or spaces: trimmed, unique, at most 20."""
    if value is None:
        return []
    parts = value if isinstance(value, list) else re.split(r"[、，,;；\s]+", value)
    out: list[str] = []
    for part in parts:
        word = part.strip()
        if word and word not in out:
            if len(word) > 30:
                raise ValueError("每个关键词不超过 30 个字符")
            out.append(word)
    if len(out) > 20:
        raise ValueError("关键词最多 20 个")
    return out
