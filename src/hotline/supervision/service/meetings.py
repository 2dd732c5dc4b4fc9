"""Admonition talks and joint meetings (约谈, 联席会议)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, validate
from hotline.kit.errors import Forbidden, InvalidInput, NotFound
from hotline.notify import service as notify
from hotline.org.models import Unit
from hotline.supervision import repository, rules
from hotline.supervision.models import MEETING_NAMES, MeetingKind, SupervisionMeeting
from hotline.supervision.service._common import _date, _in_region, _require_supervisor
from hotline.workorder.models import WorkOrder


def record_meeting(session: Session, actor: Principal, *, kind: MeetingKind, held_at: dt.datetime, place: str,
                   subject: str, attendees: str, decisions: str, unit_ids: list[int], order_numbers: list[str],
                   due_on: dt.date | None = None) -> SupervisionMeeting:
    """Record an admonition talk (约谈: at least the unit admonished) or a joint meeting
    (联席会议: at least two units) held by the caller's centre: participants, decisions and
    the orders it was about (each in the caller's scope). Every linked order gets the meeting
    on its timeline; every unit that took part is told."""
    _require_supervisor(actor)
    if held_at.tzinfo is None:
        raise InvalidInput("held_at", "时间须带时区，例如 2026-12-01T15:00+08:00")
    now = clock.now()
    if not now - dt.timedelta(days=366) <= held_at <= now + dt.timedelta(days=1):
        raise InvalidInput("held_at", "会议时间应在过去一年内")
    texts = {
        "place": validate.text(place, "place", max_length=200),
        "subject": validate.text(subject, "subject", max_length=200),
        "attendees": validate.text(attendees, "attendees", max_length=5000, multiline=True),
        "decisions": validate.text(decisions, "decisions", max_length=10000, multiline=True),
    }
    wanted = list(dict.fromkeys(unit_ids))
    if not rules.MEETING_MIN_UNITS[kind] <= len(wanted) <= rules.MEETING_MAX_UNITS:
        raise InvalidInput("unit_ids", f"{MEETING_NAMES[kind]}应有 {rules.MEETING_MIN_UNITS[kind]} 到 "
                                       f"{rules.MEETING_MAX_UNITS} 个参会单位")
    units: list[Unit] = []
    for unit_id in wanted:
        unit = session.get(Unit, unit_id)
        if unit is None or not unit.active or not _in_region(actor, unit):
            raise InvalidInput("unit_ids", f"单位 {unit_id} 不存在或不在本辖区")
        units.append(unit)
    numbers = list(dict.fromkeys(n.strip() for n in order_numbers if n.strip()))
    if len(numbers) > rules.MEETING_MAX_ORDERS:
        raise InvalidInput("order_numbers", f"最多关联 {rules.MEETING_MAX_ORDERS} 件工单")
    orders = [access.access_work_order(session, actor, n) for n in numbers]
    if due_on is not None and due_on < held_at.astimezone(clock.CST).date():
        raise InvalidInput("due_on", "落实期限不能早于会议日期")
    meeting = SupervisionMeeting(kind=kind, centre_unit_id=actor.unit_id, held_at=held_at, due_on=due_on,
                                 recorded_by_id=actor.user_id, recorded_at=now, units=units, **texts)
    session.add(meeting)
    session.flush()
    repository.link_meeting_orders(session, meeting.id, [o.id for o in orders])
    audit.record(session, actor, "supervision.meeting_recorded", object_type="supervision_meeting",
                 object_id=meeting.id, detail={"kind": kind.value, "subject": meeting.subject,
                                               "units": [u.name for u in units], "orders": numbers})
    for order in orders:
        audit.record(session, actor, "work_order.meeting_held", object_type="work_order", object_id=order.id,
                     detail={"number": order.number, "status": order.status.value, "meeting": meeting.id,
                             "kind": kind.value, "note": f"{MEETING_NAMES[kind]}：{meeting.subject}"})
    centre = session.get(Unit, actor.unit_id)
    when = _date(held_at)
    for unit in units:
        notify.notify_unit(session, template="unit_meeting", phone=unit.contact_phone,
                           body=notify.render("unit_meeting", centre=centre.name if centre else "", when=when,
                                              subject=meeting.subject, kind=MEETING_NAMES[kind]), unit_id=unit.id)
    return meeting


def access_meeting(session: Session, actor: Principal, meeting_id: int) -> SupervisionMeeting:
    """A meeting the caller may see: centre staff of the region of the centre that held it,
    and the units that took part. Anything else is not found."""
    meeting = session.get(SupervisionMeeting, meeting_id)
    if meeting is None:
        raise NotFound("会议记录不存在")
    if actor.role in access.CENTRE_ROLES and actor.can(Cap.view_orders) and _in_region(actor, meeting.centre_unit):
        return meeting
    if actor.can(Cap.handle) and any(u.id == actor.unit_id for u in meeting.units):
        return meeting
    raise NotFound("会议记录不存在")


def meetings(session: Session, actor: Principal, *, kind: MeetingKind | None = None, order: WorkOrder | None = None,
             limit: int = 50, offset: int = 0) -> tuple[list[SupervisionMeeting], int]:
    """Meetings the caller may see (see :func:`access_meeting`), newest first."""
    order_id = order.id if order is not None else None
    if actor.role in access.CENTRE_ROLES and actor.can(Cap.view_orders):
        return repository.meetings(session, centre_prefix=actor.region_prefix, unit_id=None, kind=kind,
                                   work_order_id=order_id, limit=limit, offset=offset)
    if actor.can(Cap.handle):
        return repository.meetings(session, centre_prefix=None, unit_id=actor.unit_id, kind=kind,
                                   work_order_id=order_id, limit=limit, offset=offset)
    raise Forbidden("无权查看督办会议")


def meeting_orders(session: Session, meeting: SupervisionMeeting) -> list[str]:
    return repository.meeting_order_numbers(session, meeting.id)
