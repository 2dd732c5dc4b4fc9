"""The work-order state machine: pure rules, no I/O.

The loop of S1 §6 — 受理、派单、办理、答复、督办、办结、回访、评价 — as a transition table.
Every status change goes through :func:`apply`; anything not in the table is illegal (409).
"""

from __future__ import annotations

import enum

from hotline.kit.errors import IllegalTransition


class Status(enum.StrEnum):
    registered = "registered"  # 已受理，待派单
    dispatched = "dispatched"  # 已派单，待签收
    handling = "handling"  # 办理中
    returned = "returned"  # 退单待审
    coordinating = "coordinating"  # 管辖争议协调中
    replied = "replied"  # 已答复，待审核
    callback = "callback"  # 待回访
    closed = "closed"  # 已办结
    withdrawn = "withdrawn"  # 已撤回
    merged = "merged"  # 已并案：随主工单办理，答复随主工单送达
    #: 已移交联动: fully handed over to an emergency or utility line (110/119/120/122, water,
    #: power …). The hotline's own deadline clock does not run (no deadline, not swept); the
    #: order comes back (take back) when the line refuses, or is closed when the line is done.
    handed_over = "handed_over"
    #: 已转他市: sent to a peer platform (federation); it waits on the peer's deadline, not
    #: its own, until the peer closes it (closed) or sends it back (registered again).
    transferred_out = "transferred_out"


STATUS_NAMES = {
    Status.registered: "待派单",
    Status.dispatched: "待签收",
    Status.handling: "办理中",
    Status.returned: "退单待审",
    Status.coordinating: "协调中",
    Status.replied: "待审核",
    Status.callback: "待回访",
    Status.closed: "已办结",
    Status.withdrawn: "已撤回",
    Status.merged: "已并案",
    Status.handed_over: "已移交联动",
    Status.transferred_out: "已转他市",
}

OPEN_STATUSES = frozenset(set(Status) - {Status.closed, Status.withdrawn})
#: A main order (并案主工单) takes duplicates in while it is open, not merged itself, not handed
#: over to a linkage line and not transferred to a peer city (the duplicates would follow it out).
MAIN_STATUSES = frozenset(OPEN_STATUSES - {Status.merged, Status.handed_over, Status.transferred_out})
#: At intake a repeat of a catalogue appeal joins its main order only while the main order is
#: in the unit's hands: once replied, a new report may mean the reply did not fix it.
URGE_STATUSES = frozenset({Status.dispatched, Status.handling, Status.returned, Status.coordinating})


class Action(enum.StrEnum):
    answer = "answer"  # 即时答：a consultation answered during the call
    transfer = "transfer"  # 转下级中心 (province → city → county centre)
    dispatch = "dispatch"  # 派单 / 重新派单
    sign = "sign"  # 签收
    return_ = "return"  # 退单
    reject_return = "reject_return"  # 驳回退单（无理退单）
    coordinate = "coordinate"  # 提交协调
    decide = "decide"  # 协调裁定，指定承办单位
    reply = "reply"  # 答复
    accept_reply = "accept_reply"  # 答复认定通过
    reject_reply = "reject_reply"  # 答复退回
    rehandle = "rehandle"  # 回访不满意，退回重办
    close = "close"  # 办结
    withdraw = "withdraw"  # 撤回
    merge = "merge"  # 并案：重复诉求并入一张主工单
    unmerge = "unmerge"  # 取消并案
    share_reply = "share_reply"  # 主工单答复认定通过，并案工单随之转入回访
    hand_over = "hand_over"  # 联动移交：整体移交 110/119/120/122 或公共事业服务热线
    #: 收回：联动对方拒收或退回，或他市退回（非其辖区）、转出失败，工单回到本中心待派单
    take_back = "take_back"
    transfer_out = "transfer_out"  # 转至他市：交另一平台（跨市互派）办理
    peer_close = "peer_close"  # 他市办结，本单随之办结
    send_back = "send_back"  # 他市转来的工单退回来源城市（非本市辖区）


TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.registered, Action.answer): Status.closed,
    (Status.registered, Action.transfer): Status.registered,
    (Status.registered, Action.dispatch): Status.dispatched,
    (Status.registered, Action.withdraw): Status.withdrawn,
    (Status.dispatched, Action.sign): Status.handling,
    (Status.dispatched, Action.return_): Status.returned,
    (Status.dispatched, Action.withdraw): Status.withdrawn,
    (Status.handling, Action.return_): Status.returned,
    (Status.handling, Action.reply): Status.replied,
    (Status.returned, Action.dispatch): Status.dispatched,
    (Status.returned, Action.reject_return): Status.dispatched,
    (Status.returned, Action.coordinate): Status.coordinating,
    (Status.coordinating, Action.decide): Status.dispatched,
    (Status.replied, Action.accept_reply): Status.callback,
    (Status.replied, Action.reject_reply): Status.handling,
    (Status.callback, Action.rehandle): Status.handling,
    (Status.callback, Action.close): Status.closed,
    (Status.registered, Action.merge): Status.merged,
    # a duplicate already with a unit may still join the main order (its unit is relieved)
    (Status.dispatched, Action.merge): Status.merged,
    (Status.handling, Action.merge): Status.merged,
    (Status.returned, Action.merge): Status.merged,
    (Status.merged, Action.unmerge): Status.registered,
    (Status.merged, Action.share_reply): Status.callback,
    (Status.merged, Action.withdraw): Status.withdrawn,
    # linkage (联动): a full hand-over leaves the hotline's clock wherever the order stood
    # before the unit's reply; it comes back to be dispatched again, or closes with the line.
    (Status.registered, Action.hand_over): Status.handed_over,
    (Status.dispatched, Action.hand_over): Status.handed_over,
    (Status.handling, Action.hand_over): Status.handed_over,
    (Status.returned, Action.hand_over): Status.handed_over,
    (Status.coordinating, Action.hand_over): Status.handed_over,
    (Status.handed_over, Action.take_back): Status.registered,
    (Status.handed_over, Action.close): Status.closed,
    (Status.handed_over, Action.withdraw): Status.withdrawn,
    # federation (docs/adr/0023-federation.md): the dispatcher's queue (registered, returned)
    # may go to a peer city; it comes back as registered, or closes when the peer closes it
    (Status.registered, Action.transfer_out): Status.transferred_out,
    (Status.returned, Action.transfer_out): Status.transferred_out,
    (Status.transferred_out, Action.take_back): Status.registered,
    (Status.transferred_out, Action.peer_close): Status.closed,
    # the receiving side: an order that came from a peer and is not this city's goes back
    (Status.registered, Action.send_back): Status.withdrawn,
}

#: Statuses in which no deadline of the hotline runs: finished, awaiting callback, paused for
#: coordination (ADR 0013), handed over to a linkage line (联动, docs/linkage.md) or transferred
#: to a peer city, which runs its own (ADR 0023).
OFF_CLOCK_STATUSES = frozenset({Status.closed, Status.withdrawn, Status.callback, Status.coordinating,
                                Status.handed_over, Status.transferred_out})


def apply(status: Status, action: Action) -> Status:
    """The status after ``action``, or :class:`IllegalTransition` naming the current status."""
    try:
        return TRANSITIONS[status, action]
    except KeyError:
        raise IllegalTransition(
            f"工单当前状态为“{STATUS_NAMES[status]}”，不能执行此操作",
            status=status.value, action=action.value,
        ) from None


def allowed_actions(status: Status) -> list[Action]:
    return [action for (s, action) in TRANSITIONS if s == status]
