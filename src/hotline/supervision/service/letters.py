"""Supervision letters (督办函): issued, read, answered; their templates."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, InvalidInput, NotFound
from hotline.kit.workcalendar import load_calendar
from hotline.notify import service as notify
from hotline.org.models import Unit
from hotline.supervision import repository, rules
from hotline.supervision.models import LETTER_NAMES, LetterKind, LetterTemplate, SupervisionLetter
from hotline.supervision.service._common import _cst, _date
from hotline.workorder.lifecycle import STATUS_NAMES
from hotline.workorder.models import WorkOrder

LETTER_WORKING_DAYS = {LetterKind.reminder: 2, LetterKind.supervision: 3, LetterKind.rectification: 5}
#: The document number's prefix (文号), e.g. 热线督〔2026〕12号.
LETTER_PREFIX = {LetterKind.reminder: "热线提示", LetterKind.supervision: "热线督",
                 LetterKind.rectification: "热线整改"}


def issue_letter(session: Session, actor: Principal | None, order: WorkOrder, *, kind: LetterKind,
                 reason: str | None = None, working_days: int | None = None, centre: Unit | None = None,
                 tell_unit: bool = True) -> SupervisionLetter:
    """Send a reminder, supervision or rectification letter to the order's lead unit, from its
    centre: the template filled with the order's facts, a response deadline in working days
    (2, 3 and 5 by default), an event on the order and a text to the unit (unless
    ``tell_unit`` is false: the caller sends its own). ``actor`` None is the platform itself
    (the rectification after a second dissatisfied callback; an escalation, whose letter comes
    from the higher ``centre``)."""
    if actor is not None:
        access.require_centre_of(actor, order, Cap.dispatch)
    unit = order.lead_unit
    if unit is None:
        raise Conflict("工单尚未派单，没有可以发函的承办单位", status=order.status.value)
    reason = validate.text(reason, "reason", max_length=500, required=False)
    days = working_days if working_days is not None else LETTER_WORKING_DAYS[kind]
    if not 1 <= days <= 30:
        raise InvalidInput("working_days", "回复期限应为 1 到 30 个工作日")
    template = session.get(LetterTemplate, kind)
    if template is None:
        raise NotFound(f"没有{LETTER_NAMES[kind]}模板")
    now = clock.now()
    due = load_calendar(session).add_working_days(now, days).at
    sender = centre or order.centre_unit
    facts = {
        "number": order.number, "title": order.title, "unit": unit.name, "registered": _date(order.registered_at),
        "due": _date(order.due_at) if order.due_at else "未定", "state": STATUS_NAMES[order.status],
        "reason": reason or "", "reply_by": _date(due), "centre": sender.name, "today": _date(now),
    }
    letter = SupervisionLetter(
        kind=kind, work_order_id=order.id, unit_id=unit.id, centre_unit_id=sender.id,
        title=template.title, body=rules.fill(template.body, facts), issued_by_id=actor.user_id if actor else None,
        issued_at=now, due_at=due,
    )
    session.add(letter)
    session.flush()
    letter.number = f"{LETTER_PREFIX[kind]}〔{now.astimezone(clock.CST).year}〕{letter.id}号"
    audit.record(session, actor, "work_order.letter_issued", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, "letter": letter.number,
                         "kind": kind.value, "unit": unit.name, "due_at": due.isoformat(), "reason": reason},
                 actor_name=None if actor else "system")
    if tell_unit:
        notify.notify_unit(session, template="unit_letter", phone=unit.contact_phone,
                           body=notify.render("unit_letter", kind=LETTER_NAMES[kind], number=order.number,
                                              due=_cst(due)), work_order_id=order.id, unit_id=unit.id)
    return letter


def access_letter(session: Session, actor: Principal, letter_id: int) -> SupervisionLetter:
    """A letter the caller may see: centre staff who see its order, and the addressed unit.
    Anything else is reported as not found."""
    letter = session.get(SupervisionLetter, letter_id)
    if letter is None:
        raise NotFound("督办文书不存在")
    order = session.get(WorkOrder, letter.work_order_id)
    assert order is not None
    if actor.can(Cap.handle):
        if letter.unit_id != actor.unit_id:
            raise NotFound("督办文书不存在")
        return letter
    access.access_work_order(session, actor, order.number)  # 404 outside the caller's scope
    return letter


def letters_of(session: Session, actor: Principal, order: WorkOrder) -> list[SupervisionLetter]:
    """An order's letters, oldest first; a unit sees those addressed to it."""
    letters = repository.letters_of_order(session, order.id)
    if actor.can(Cap.handle):
        letters = [x for x in letters if x.unit_id == actor.unit_id]
    return letters


def respond_letter(session: Session, actor: Principal, letter: SupervisionLetter, *, text: str) -> SupervisionLetter:
    """The addressed unit's written response (once)."""
    access.require(actor, Cap.handle)
    if letter.unit_id != actor.unit_id:
        raise NotFound("督办文书不存在")
    if letter.responded_at is not None:
        raise Conflict("该文书已经回复", status="responded")
    letter.response = validate.text(text, "text", max_length=5000, multiline=True) or ""
    letter.responded_at, letter.responded_by_id = clock.now(), actor.user_id
    order = session.get(WorkOrder, letter.work_order_id)
    assert order is not None
    audit.record(session, actor, "work_order.letter_responded", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, "letter": letter.number,
                         "on_time": letter.responded_at <= letter.due_at})
    return letter


def letter_templates(session: Session, actor: Principal) -> list[LetterTemplate]:
    access.require_province_admin(actor)
    return repository.letter_templates(session)


def save_letter_template(session: Session, actor: Principal, kind: LetterKind, *, title: str,
                         body: str) -> LetterTemplate:
    """Change a letter's text; only the allowed ``{fields}`` may appear (422 naming ``body``)."""
    access.require_province_admin(actor)
    title = validate.text(title, "title", max_length=100) or ""
    body = validate.text(body, "body", max_length=5000, multiline=True) or ""
    try:
        rules.template_fields(body)
    except ValueError as exc:
        raise InvalidInput("body", str(exc)) from None
    template = session.get(LetterTemplate, kind)
    if template is None:
        template = LetterTemplate(kind=kind, title=title, body=body)
        session.add(template)
    template.title, template.body = title, body
    audit.record(session, actor, "letter_template.saved", object_type="letter_template", object_id=kind.value,
                 detail={"title": title})
    return template
