"""Pure rules of a report: its kinds, its two states and the transitions between them."""

from __future__ import annotations

import enum

from hotline.kit.errors import IllegalTransition


class Kind(enum.StrEnum):
    monthly = "monthly"  # 月度分析
    half_year = "half_year"  # 半年分析
    campaign = "campaign"  # 市场主体诉求专项报告 (enterprise appeals over a chosen span)
    special = "special"  # 信息专报 (from a hotspot or an early warning)
    daily_ledger = "daily_ledger"  # 突发事件与涉稳风险日报


KIND_NAMES = {Kind.monthly: "月度分析报告", Kind.half_year: "半年分析报告", Kind.campaign: "市场主体诉求专项报告",
              Kind.special: "信息专报", Kind.daily_ledger: "突发事件与涉稳风险日报"}


class Status(enum.StrEnum):
    draft = "draft"  # figures and text may still change
    issued = "issued"  # frozen: the .docx and .xlsx as issued are kept


STATUS_NAMES = {Status.draft: "草稿", Status.issued: "已印发"}


class Action(enum.StrEnum):
    edit = "edit"  # change a section's text or the title
    regenerate = "regenerate"  # read the figures again (the text of edited sections is kept)
    issue = "issue"
    discard = "discard"


ACTION_NAMES = {Action.edit: "修改", Action.regenerate: "重新生成", Action.issue: "印发", Action.discard: "删除草稿"}

#: A draft can be edited, refreshed, issued or discarded; an issued report is final.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.draft, Action.edit): Status.draft,
    (Status.draft, Action.regenerate): Status.draft,
    (Status.draft, Action.issue): Status.issued,
    (Status.draft, Action.discard): Status.draft,
}


def apply(status: Status, action: Action) -> Status:
    try:
        return TRANSITIONS[status, action]
    except KeyError:
        raise IllegalTransition(f"{STATUS_NAMES[status]}的报告不能{ACTION_NAMES[action]}") from None


#: The longest text of one section (characters), and of a title.
MAX_SECTION = 20_000
MAX_TITLE = 100
