"""Pure rules of public disclosure: the states of a typical case and of a published month,
and their transition tables."""

from __future__ import annotations

import enum

from hotline.kit.errors import IllegalTransition


class CaseState(enum.StrEnum):
    draft = "draft"  # chosen and anonymised; staff edit it
    in_review = "in_review"  # submitted: a second supervisor approves or sends it back
    published = "published"  # on the public page and in the feeds
    withdrawn = "withdrawn"  # taken off the public page (with the reason)
    discarded = "discarded"  # a draft given up


class CaseAction(enum.StrEnum):
    submit = "submit"
    approve = "approve"
    reject = "reject"
    withdraw = "withdraw"
    discard = "discard"


CASE_TRANSITIONS: dict[tuple[CaseState, CaseAction], CaseState] = {
    (CaseState.draft, CaseAction.submit): CaseState.in_review,
    (CaseState.draft, CaseAction.discard): CaseState.discarded,
    (CaseState.in_review, CaseAction.approve): CaseState.published,
    (CaseState.in_review, CaseAction.reject): CaseState.draft,
    (CaseState.published, CaseAction.withdraw): CaseState.withdrawn,
}

CASE_STATE_NAMES = {CaseState.draft: "草稿", CaseState.in_review: "待审核", CaseState.published: "已公开",
                    CaseState.withdrawn: "已撤回", CaseState.discarded: "已放弃"}
CASE_ACTION_NAMES = {CaseAction.submit: "提交审核", CaseAction.approve: "审核通过并公开",
                     CaseAction.reject: "退回修改", CaseAction.withdraw: "撤回", CaseAction.discard: "放弃"}
#: States in which an order already has its case (it cannot be chosen again).
LIVE_CASE_STATES = frozenset({CaseState.draft, CaseState.in_review, CaseState.published})
#: Only a draft's text can be edited.
EDITABLE = frozenset({CaseState.draft})


def apply_case(state: CaseState | str, action: CaseAction) -> CaseState:
    try:
        return CASE_TRANSITIONS[CaseState(state), action]
    except KeyError:
        raise IllegalTransition(f"“{CASE_STATE_NAMES[CaseState(state)]}”的典型案例不能{CASE_ACTION_NAMES[action]}",
                                state=str(state), action=str(action)) from None


class MonthState(enum.StrEnum):
    published = "published"
    withdrawn = "withdrawn"


MONTH_STATE_NAMES = {MonthState.published: "已公开", MonthState.withdrawn: "已撤回"}
