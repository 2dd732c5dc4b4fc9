"""Rectification and referral (S2 §五, S4 达州): the authorities of a region, rectification
letters, referral to discipline inspection, the case file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, region_prefix
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, InvalidInput
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import Region, Unit
from hotline.supervision import documents, repository
from hotline.supervision.models import AuthorityKind, LedgerKind, LetterKind, SupervisionAuthority, SupervisionLetter
from hotline.supervision.service.letters import issue_letter
from hotline.workorder.models import WorkOrder

RECTIFY_REASON = "两次回访群众不满意，系承办单位责任（拖延办理、虚假答复或推诿扯皮）"


def authority_for(session: Session, region: Region | None, kind: AuthorityKind) -> Unit | None:
    """The nearest business-environment authority or discipline commission of a place."""
    chain = org_repository.region_chain(session, region) if region is not None else []
    for node in chain:
        unit = repository.authority(session, node.id, kind)
        if unit is not None:
            return unit
    return None


def rectify(session: Session, order: WorkOrder) -> SupervisionLetter | None:
    """A second dissatisfied callback through the unit's fault: a rectification letter to the
    lead unit and a notice to the business-environment authority. Once per order."""
    if order.lead_unit_id is None or repository.has_letter(session, order.id, LetterKind.rectification):
        return None
    letter = issue_letter(session, None, order, kind=LetterKind.rectification, reason=RECTIFY_REASON)
    authority = authority_for(session, order.region, AuthorityKind.business_environment)
    if authority is not None:
        audit.record(session, None, "work_order.business_environment_notified", object_type="work_order",
                     object_id=order.id, detail={"number": order.number, "status": order.status.value,
                                                 "unit": authority.name, "letter": letter.number},
                     actor_name="system")
        notify.notify_unit(session, template="authority_rectification", phone=authority.contact_phone,
                           body=notify.render("authority_rectification", number=order.number,
                                              unit=order.lead_unit.name if order.lead_unit else "",
                                              letter=letter.number or ""),
                           work_order_id=order.id, unit_id=authority.id)
    return letter


def refer(session: Session, actor: Principal | None, order: WorkOrder, *, reason: str | None = None) -> Unit:
    """Refer an order to the discipline commission (移交纪委监委) when the rectification did not
    fix it: allowed once a rectification letter has been sent, and automatic when that letter
    goes unanswered past its deadline. Records the referral on the ledger and the timeline and
    tells the commission; the case file is ``documents.case_file_docx``. Once per order."""
    if actor is not None:
        access.require_centre_of(actor, order, Cap.dispatch)
    letters = [x for x in repository.letters_of_order(session, order.id) if x.kind == LetterKind.rectification]
    if not letters:
        raise Conflict("尚未发出整改函，不能移交纪检监察机关", status=order.status.value)
    if repository.on_ledger(session, order.id, LedgerKind.referred):
        raise Conflict("该工单已移交纪检监察机关", status=order.status.value)
    commission = authority_for(session, order.region, AuthorityKind.discipline)
    if commission is None:
        raise Conflict("未设置该地的纪检监察机关，请管理员先配置", status=order.status.value)
    text = validate.text(reason, "reason", max_length=500, required=False) or "整改函逾期未整改或整改不到位"
    now = clock.now()
    repository.enter_ledger(session, {
        "kind": LedgerKind.referred, "work_order_id": order.id, "unit_id": order.lead_unit_id,
        "centre_unit_id": order.centre_unit_id, "region_id": order.region_id, "category_id": order.category_id,
        "entered_at": now, "reason": f"移交{commission.name}：{text}"[:200],
    })
    audit.record(session, actor, "work_order.referred", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, "unit": commission.name,
                         "letter": letters[-1].number, "reason": text},
                 actor_name=None if actor else "system")
    notify.notify_unit(session, template="authority_referral", phone=commission.contact_phone,
                       body=notify.render("authority_referral", number=order.number), work_order_id=order.id,
                       unit_id=commission.id)
    return commission


def refer_overdue_rectifications(session: Session, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Refer every order whose rectification letter is past its deadline without a response."""
    done = 0
    for letter in repository.overdue_rectifications(session, now or clock.now(), limit):
        order = session.get(WorkOrder, letter.work_order_id)
        if order is None or authority_for(session, order.region, AuthorityKind.discipline) is None:
            continue
        refer(session, None, order, reason=f"整改函 {letter.number} 逾期未回复")
        done += 1
    return done


def case_file(session: Session, actor: Principal, order: WorkOrder) -> bytes:
    """The referral case file of an order, for centre staff (audited: it is evidence)."""
    access.require_centre_of(actor, order, Cap.dispatch)
    from hotline.workorder import repository as workorder_repository
    from hotline.workorder import timeline

    events = [documents.CaseEvent(e.at, timeline.staff_label(e.action), e.actor_name or "",
                                  str(e.detail.get("note") or e.detail.get("reason") or "") or None)
              for e in workorder_repository.events(session, order.id)]
    data = documents.case_file_docx(order, events, workorder_repository.replies(session, order.id),
                                    repository.letters_of_order(session, order.id))
    audit.record(session, actor, "work_order.case_file_exported", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value})
    return data


def authorities(session: Session, actor: Principal) -> list[SupervisionAuthority]:
    access.require(actor, Cap.manage_org)
    return repository.all_authorities(session, actor.region_prefix)


def set_authority(session: Session, actor: Principal, *, region_code: str, kind: AuthorityKind,
                  unit_id: int) -> SupervisionAuthority:
    """Name a region's business-environment authority or discipline commission (an
    administrator of that region); the unit must lie in the region."""
    region = access.access_region(session, actor, validate.region_code(region_code, "region_code"), write=True)
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise InvalidInput("unit_id", f"单位 {unit_id} 不存在或已停用")
    if not unit.region.code.startswith(region_prefix(region.code)):
        raise InvalidInput("unit_id", f"{unit.name} 不在{region.name}")
    found = repository.set_authority(session, region.id, kind, unit.id)
    audit.record(session, actor, "supervision_authority.saved", object_type="region", object_id=region.code,
                 detail={"kind": kind.value, "unit": unit.name})
    return found
