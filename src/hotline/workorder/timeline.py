"""How each work-order event reads on the timeline: for staff, and for the citizen.

The citizen's version leaves out internal steps (returns, reviews, extensions refused,
coordination) and never names a member of staff; confidential reports never show the reporter
to units. Pure rules, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

#: event → (staff label, citizen label or None when the citizen does not see it)
LABELS: dict[str, tuple[str, str | None]] = {
    "work_order.registered": ("受理登记", "诉求已受理"),
    "work_order.answered": ("即时解答并办结", "已当场解答，工单办结"),
    "work_order.transferred": ("转其他热线中心", None),
    "work_order.transferred_out": ("转至他市平台办理", "已转交相关城市热线办理"),
    "work_order.transfer_returned": ("他市平台退回，回到待派单", None),
    "work_order.peer_progress": ("他市平台办理进展", None),
    "work_order.sent_back": ("退回来源城市（非本市辖区）", None),
    "work_order.category_set": ("确定诉求分类", None),
    "work_order.merged": ("并案：并入主工单办理", "同一问题已并入其他工单一并办理"),
    "work_order.merged_in": ("重复诉求工单并入本工单", None),
    "work_order.merged_out": ("并入的工单取消并案", None),
    "work_order.unmerged": ("取消并案", None),
    "work_order.urged": ("催办：同一诉求再次来电，已并入本工单", None),
    "work_order.noted": ("添加备注", None),
    "work_order.attached": ("添加附件", None),
    "work_order.reply_shared": ("随主工单答复", "承办单位已答复"),
    "work_order.dispatched": ("派单", "已转交承办单位办理"),
    "work_order.direct_dispatched": ("直派（直派目录）", "已直接转交属地单位办理"),
    "work_order.direct_dispatch_failed": ("直派失败（当地无对应单位），转人工派单", None),
    "work_order.signed": ("承办单位签收", "承办单位已签收，正在办理"),
    "work_order.assist_submitted": ("协办单位提交协办意见", None),
    "work_order.returned": ("承办单位退单", None),
    "work_order.return_rejected": ("退单被驳回（无理退单）", None),
    "work_order.coordination_opened": ("提交管辖争议协调", None),
    "work_order.coordination_decided": ("协调裁定承办单位", "已明确承办单位"),
    "work_order.extension_requested": ("申请延期", None),
    "work_order.extension_approved": ("延期获批", "办理期限已延长"),
    "work_order.extension_refused": ("延期被拒", None),
    "work_order.replied": ("承办单位答复", None),
    "work_order.reply_accepted": ("答复认定通过", "承办单位已答复"),
    "work_order.reply_rejected": ("答复退回重新办理", None),
    "work_order.callback_unreached": ("回访未接通", None),
    "work_order.callback_recorded": ("回访", "已回访"),
    "work_order.rehandle": ("回访不满意，退回重办", "根据您的反馈，已要求承办单位重新办理"),
    "work_order.closed": ("办结", "工单已办结"),
    "work_order.withdrawn": ("撤回", "诉求已撤回"),
    "work_order.supervision_flagged": ("二次不满意，列入督办", None),
    "work_order.due_soon": ("临期预警", None),
    "work_order.overdue": ("超期未办结", None),
    "work_order.escalated": ("提级督办", None),
    "work_order.letter_issued": ("发出督办文书", None),
    "work_order.letter_responded": ("督办文书已回复", None),
    "work_order.business_environment_notified": ("通报营商环境主管部门", None),
    "work_order.referred": ("移交纪检监察机关", None),
    "work_order.meeting_held": ("召开约谈/联席会议", None),
    "work_order.notice_published": ("列入通报", None),
    "work_order.deadline_recounted": ("按新录入的工作日历重算期限", None),
    "work_order.coordination_overdue": ("协调超过 3 个工作日未裁定", None),
    "work_order.merchant_referred": ("转介服务企业", None),
    "work_order.merchant_rated": ("回访：评价服务企业", None),
    "work_order.merchant_complaint": ("标记为对服务企业的投诉", None),
    "work_order.handed_over": ("联动：整体移交", "已移交相关部门（应急或公共服务热线）处置"),
    "work_order.taken_back": ("联动：对方拒收，工单收回", None),
    "work_order.linkage_recorded": ("联动：转接（热线保留部分诉求）", None),
    "work_order.linkage_updated": ("联动：记录对方处置结果", None),
}


@dataclass(frozen=True)
class Entry:
    at: object
    label: str
    actor: str | None
    unit: str | None
    note: str | None
    public_text: str | None


def staff_label(action: str) -> str:
    return LABELS.get(action, (action, None))[0]


def citizen_label(action: str) -> str | None:
    return LABELS.get(action, (action, None))[1]
