"""Notifications: written to the outbox in the caller's transaction, relayed by the worker.

:func:`notify` adds the :class:`~hotline.notify.models.Notification` row, due at once, in the
same transaction as the change that causes it. A rolled-back change therefore sends nothing,
and a committed one cannot be lost: the row is the outbox entry, and the worker's relay
delivers every due pending row (see :mod:`hotline.notify.tasks` for the delivery rules).
Services never commit; the request or job boundary does.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from hotline.kit import cache, clock, crypto, validate
from hotline.kit.db import insert_many
from hotline.kit.errors import InvalidInput
from hotline.notify import repository
from hotline.notify.models import Notification, NotificationStatus

#: An SMS body longer than this is cut, ending with "…" (gateways split long messages into
#: 70-character parts and charge each; 500 is the longest a citizen reply should run).
SMS_MAX_CHARS = 500
RECIPIENT_KINDS = frozenset({"citizen", "unit", "user"})

#: Message templates (短信模板). A gateway adds the signature (【12345热线】) itself.
TEMPLATES: dict[str, str] = {
    # to whoever submitted a public appeal with this phone: the code that confirms it
    "public_code": "您的12345验证码为{code}，{minutes}分钟内有效。如非本人操作请忽略。",
    # to the citizen asking to withdraw an order on the public pages
    "public_withdrawal_code": "您正在撤回12345工单 {number}，验证码为{code}，{minutes}分钟内有效。如非本人操作请忽略。",
    # to the citizen, when the order is registered
    "order_accepted": "您的诉求已受理，工单号 {number}，可凭工单号和手机号查询办理进度。",
    # to the citizen, when the appeal repeats an open order and joins it (并案) instead of being dispatched again
    "order_merged": "您的诉求已受理，工单号 {number}。同一问题已在工单 {main} 中办理，办理结果将短信告知您。",
    # to the citizen, with the reply once the centre has accepted it (S4 答复内容短信直达)
    "order_replied": "您的诉求（工单号 {number}）承办单位已答复：{reply}",
    # to a hotline centre, when another centre passes it an order to dispatch (转办 / 跨市互派)
    "centre_transferred_in": "{centre}转来 12345 工单 {number}，请登录平台及时派单办理。",
    # to the handling unit, when an order is dispatched to it
    "unit_new_order": "您单位有新的 12345 工单 {number}，请在 {sign_due} 前签收。",
    # to the handling unit, when the caller asks again about an open order (催办)
    "unit_urged": "群众再次来电催办工单 {number}（第 {count} 次），请加快办理并及时答复。",
    # to the handling unit, before the handling deadline
    "unit_due_soon": "工单 {number} 将于 {due} 到期，请及时办理。",
    # to the handling unit, when the handling deadline has passed
    "unit_overdue": "工单 {number} 已超过办理期限（{due}），请尽快办理并答复。",
    # to the handling unit, when a supervision letter is sent to it
    "unit_letter": "您单位收到关于工单 {number} 的{kind}，请于 {due} 前书面回复。",
    # to the business-environment authority, when a rectification letter goes out
    "authority_rectification": "工单 {number} 经两次回访群众不满意，已向{unit}发出整改函（{letter}），请关注。",
    # to the discipline commission, when an order is referred to it
    "authority_referral": "12345 热线工单 {number} 整改不到位，已移交贵机关，案卷请在平台查阅。",
    # to the handling unit, when the order is escalated to a higher-level centre (提级督办) with its letter
    "unit_escalated": "工单 {number} 已列入{centre}提级督办并发出提示函，请加快办理，于 {due} 前书面回复。",
    # to a unit taking part in an admonition talk or a joint meeting
    "unit_meeting": "{centre}{when}就“{subject}”召开{kind}，您单位参加，会议纪要请在平台查阅。",
    # to a unit asked for knowledge items on a sudden topic (emergency collection)
    "unit_knowledge_collection": "{centre}就“{topic}”紧急征集知识点，请于{due}前在平台提交。",
    # to a unit whose knowledge item was sent back at review
    "unit_knowledge_rejected": "您单位的知识点“{question}”审核未通过：{reason}。请修改后重新提交。",
    # to a unit whose policy document's items were not published within 7 working days
    "unit_knowledge_late": "政策文件{doc}的知识点未在 7 个工作日内发布，已列入督办台账，请尽快完成。",
    # to a unit named in a published notice of irregular orders
    "unit_notice": "{centre}发布通报（{notice}），您单位有 {count} 件工单被通报，请在平台查阅并整改。",
    # to the lead unit of a 专题专办 list made of a month's hotspot
    "unit_special_list": "您单位被确定为“{title}”的牵头单位，涉及 {count} 件工单，请登录平台查看并统筹办理。",
    # to a centre supervisor, within a minute of an early warning
    "supervisor_warning": "【12345预警】{summary}，请登录平台查看相关工单。",
    # to a centre supervisor, when an order of the centre passes its handling deadline
    "supervisor_overdue": "工单 {number}（{unit}）已超过办理期限（{due}），请督促办理。",
    # ... and when several went overdue in the same sweep: one text for them all
    "supervisor_overdue_batch": "{count} 件工单刚超过办理期限（{numbers}），请登录平台查看并督促办理。",
    # to a centre supervisor, when a coordination case passes its 3-working-day limit
    "supervisor_coordination_overdue": "工单 {number} 的协调已超过 3 个工作日（{due}）仍未裁定，已提级督办。",
    # to a province administrator, from 1 November while next year's holiday schedule is missing
    "admin_calendar_uncovered": "{year} 年法定节假日安排尚未录入工作日历，期限暂按周一至周五推算，请尽快录入。",
    # to the administrators responsible, when a security alert is raised (password spraying, an account under
    # attack, many citizens read or many refused accesses in a row): what happened, never whose data
    "admin_security_alert": "【12345安全告警】{time}，{summary}。请登录平台核查，必要时停用相关账号。",
    # to the citizen an agent referred to a service merchant (社会化服务企业): its name and published number
    "merchant_referral": ("您咨询的{service}服务，可联系12345推荐的服务企业：{merchant}，电话{phone}。"
                          "价格请与企业确认，如有问题请拨打12345反映。"),
    # to a provincial sector department, each morning: yesterday's emergency and stability ledger
    "sector_daily_ledger": "{day}突发事件台账 {emergency} 条、涉稳风险台账 {stability} 条，请登录 12345 平台查看。",
}


#: The administrator's wordings (``notify.wording``): read through ``use_wordings``'s loader and
#: kept a minute in each process (cleared at once in the process that changes one).
_WORDINGS = cache.reference_cache()
_loader: Callable[[], dict[str, str]] | None = None


def use_wordings(loader: Callable[[], dict[str, str]] | None) -> None:
    """Read the administrator's wordings with ``loader`` (set by the app and the worker); without
    one, the built-in texts are used."""
    global _loader
    _loader = loader
    _WORDINGS.clear()


def wording(template: str) -> str:
    if _loader is not None:
        saved: dict[str, str] = _WORDINGS.get_or_load("sms_wordings", _loader)
        if template in saved:
            return saved[template]
    return TEMPLATES[template]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render(template: str, **fields: Any) -> str:
    """The text of ``template`` (the administrator's wording if there is one) with ``fields``
    filled in. An unknown template or a missing field is a programming error (``ValueError``),
    never a half-filled message."""
    try:
        text = wording(template)
    except KeyError:
        raise ValueError(f"unknown notification template {template!r}") from None
    needed = placeholders(text)
    missing = needed - fields.keys()
    if missing:
        raise ValueError(f"template {template!r} needs {', '.join(sorted(missing))}")
    return text.format(**fields)


def cap(body: str, limit: int = SMS_MAX_CHARS) -> str:
    """``body`` stripped and cut to ``limit`` characters, the cut marked with "…"."""
    body = body.strip()
    return body if len(body) <= limit else body[: limit - 1] + "…"


def notification_row(*, template: str, recipient_kind: str, phone: str, body: str,
                     work_order_id: int | None = None, unit_id: int | None = None,
                     phone_checked: bool = False) -> dict[str, Any]:
    """The outbox row of an SMS to ``phone``, checked.

    The phone number is validated (``InvalidInput`` naming ``phone``) and normalised to
    national digits (the column stores it encrypted) unless the caller has just done so
    (``phone_checked``); the body is capped at :data:`SMS_MAX_CHARS`. A number that could not
    be decrypted gives a skipped row instead: the action that sends the text goes on, and the
    row shows that nobody was told."""
    if phone == crypto.UNREADABLE:  # the stored number does not open with these keys (an alert was raised)
        return skipped_row(template=template, recipient_kind=recipient_kind, body=body, reason=UNREADABLE_PHONE,
                           work_order_id=work_order_id, unit_id=unit_id)
    number = phone if phone_checked else validate.phone(phone, "phone")
    if template not in TEMPLATES:
        raise ValueError(f"unknown notification template {template!r}")
    if recipient_kind not in RECIPIENT_KINDS:
        raise ValueError(f"recipient_kind must be one of {sorted(RECIPIENT_KINDS)}")
    text = cap(body)
    if not text:
        raise ValueError("a notification needs a body")
    now = clock.now()
    return {
        "ref": secrets.token_hex(16),
        "channel": "sms", "template": template, "recipient_kind": recipient_kind, "recipient": number, "body": text,
        "work_order_id": work_order_id, "unit_id": unit_id, "status": NotificationStatus.pending, "attempts": 0,
        "last_error": None, "created_at": now, "next_attempt_at": now,
    }


#: Why a notification was not sent (``last_error`` of a skipped row).
NO_UNIT_PHONE = "单位未登记联系电话"
NO_USER_PHONE = "用户未登记手机号"
INVALID_USER_PHONE = "用户手机号无效"
UNREADABLE_PHONE = "号码无法解密（密钥不符），未发送"


def skipped_row(*, template: str, recipient_kind: str, body: str, reason: str,
                work_order_id: int | None = None, unit_id: int | None = None) -> dict[str, Any]:
    """The record of a notification that could not be sent (no number to send it to): a row
    with status ``skipped`` and the reason, never relayed, so that nobody believes the unit
    was told and the administrator sees which units lack a contact."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown notification template {template!r}")
    if recipient_kind not in RECIPIENT_KINDS:
        raise ValueError(f"recipient_kind must be one of {sorted(RECIPIENT_KINDS)}")
    return {
        "ref": secrets.token_hex(16),
        "channel": "sms", "template": template, "recipient_kind": recipient_kind, "recipient": "",
        "body": cap(body), "work_order_id": work_order_id, "unit_id": unit_id,
        "status": NotificationStatus.skipped, "attempts": 0, "last_error": reason[:500],
        "created_at": clock.now(), "next_attempt_at": None,
    }


def unit_row(*, template: str, phone: str | None, body: str, unit_id: int,
             work_order_id: int | None = None) -> dict[str, Any]:
    """A text to a unit at its contact ``phone``; a unit without one gets a skipped row."""
    if not phone:
        return skipped_row(template=template, recipient_kind="unit", body=body, reason=NO_UNIT_PHONE,
                           work_order_id=work_order_id, unit_id=unit_id)
    return notification_row(template=template, recipient_kind="unit", phone=phone, body=body,
                            work_order_id=work_order_id, unit_id=unit_id)


def user_row(*, template: str, phone: str | None, username: str, body: str,
             work_order_id: int | None = None) -> dict[str, Any]:
    """A text to a staff account's own ``phone`` (a supervisor, an administrator); an account
    without a (valid) phone leaves a skipped row naming the account, so that nobody believes
    it was told."""
    reason = NO_USER_PHONE
    if phone:
        try:
            return notification_row(template=template, recipient_kind="user", phone=phone, body=body,
                                    work_order_id=work_order_id)
        except InvalidInput:
            reason = INVALID_USER_PHONE
    return skipped_row(template=template, recipient_kind="user", body=body, reason=f"{reason}（{username}）",
                       work_order_id=work_order_id)


def notify_unit(session: Session, *, template: str, phone: str | None, body: str, unit_id: int,
                work_order_id: int | None = None) -> Notification:
    """Queue a text to a unit, or record that it could not be sent (:func:`unit_row`)."""
    notification = Notification(**unit_row(template=template, phone=phone, body=body, unit_id=unit_id,
                                           work_order_id=work_order_id))
    session.add(notification)
    return notification


def units_without_contact(session: Session, *, region_prefix: str) -> list[repository.SkippedUnit]:
    """Units of the region (code prefix) that still have no contact phone and whose texts were
    skipped for it: the administrator's list of problems."""
    return repository.skipped_units(session, region_prefix=region_prefix)


def notify(session: Session, *, template: str, recipient_kind: str, phone: str, body: str,
           work_order_id: int | None = None, unit_id: int | None = None) -> Notification:
    """Queue an SMS to ``phone`` in the caller's transaction (the outbox): the row commits or
    rolls back with the caller's other changes, and the relay sends it after the commit."""
    notification = Notification(**notification_row(
        template=template, recipient_kind=recipient_kind, phone=phone, body=body, work_order_id=work_order_id,
        unit_id=unit_id))
    session.add(notification)
    return notification


def queue_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Queue many checked rows (:func:`notification_row`) at once, one statement."""
    insert_many(session, Notification, rows)
