"""Use cases of the service-merchant register: register and review (four eyes), the
manager's status changes, referral of a citizen from an order (recorded on the order, SMS to
the citizen), the rating at callback, complaints against a merchant, the evaluation and the
proposals of the adjustment rule, the public list. Nothing here commits.

Who: managers — centre supervisors and administrators (``Cap.manage_merchants``) — keep the
register of their region; the centre's staff (agents, dispatchers, supervisors) read it and
refer; call-back staff (``Cap.callback``) record ratings. Everyone else: 403."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.integration.merchants import lifecycle, repository
from hotline.integration.merchants.lifecycle import Action, Evaluation, Status
from hotline.integration.merchants.models import Complaint, Merchant, Proposal, Referral, StatusChange
from hotline.kit import clock, crypto, validate
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound, StaleVersion
from hotline.notify import service as notify
from hotline.workorder import repository as workorder_repository
from hotline.workorder.lifecycle import Status as OrderStatus
from hotline.workorder.models import Verdict, WorkOrder

MAX_SERVICE_TYPES = 10
MAX_AREAS = 30
#: Order statuses at which the citizen's rating of a referred merchant is taken (the callback
#: and after it: a satisfied callback closes the order at once).
RATING_STATUSES = frozenset({OrderStatus.callback, OrderStatus.closed})
NO_CITIZEN_PHONE = "工单未留联系电话"


# --- who ----------------------------------------------------------------------------------------


def is_manager(actor: Principal) -> bool:
    return actor.can(Cap.manage_merchants)


def may_read(actor: Principal) -> bool:
    return is_manager(actor) or actor.role in access.CENTRE_ROLES


def may_refer(actor: Principal) -> bool:
    return actor.role in access.CENTRE_ROLES and actor.can(Cap.intake)


def require_referrer(actor: Principal) -> None:
    if not may_refer(actor):
        raise Forbidden("只有热线中心受理人员可以转介服务企业")


def require_complaint_marker(actor: Principal) -> None:
    if not may_mark_complaint(actor):
        raise Forbidden("只有热线中心人员可以标记对服务企业的投诉")


def require_manager(actor: Principal) -> None:
    if not is_manager(actor):
        raise Forbidden("只有热线中心值班长（班长）和管理员可以管理服务企业")


def require_reader(actor: Principal) -> None:
    if not may_read(actor):
        raise Forbidden("您的角色无权查看服务企业")


def _visible(session: Session, actor: Principal, m: Merchant) -> bool:
    """A merchant registered in the caller's region, or serving some place in it."""
    home = repository.region_codes(session, [m.region_id]).get(m.region_id, "")
    return in_region(actor.region_code, home) or any(
        in_region(actor.region_code, a) or lifecycle.covers(a, actor.region_code) for a in m.area_codes)


def _writable(session: Session, actor: Principal, m: Merchant) -> bool:
    home = repository.region_codes(session, [m.region_id]).get(m.region_id, "")
    return is_manager(actor) and in_region(actor.region_code, home)


def access_merchant(session: Session, actor: Principal, ref: str, *, write: bool = False) -> Merchant:
    """The merchant with this public reference if the caller may see it (and manage it, with
    ``write``): 403 for roles that never read the register, 404 outside the caller's region —
    missing, hidden and a guessed sequential id look the same."""
    require_manager(actor) if write else require_reader(actor)
    m = repository.by_ref(session, ref) if isinstance(ref, str) and len(ref) == 32 else None
    if m is None or not _visible(session, actor, m) or (write and not _writable(session, actor, m)):
        if m is not None:
            access.deny(session, actor, "merchant", m.id, write=write)
        raise NotFound("服务企业不存在")
    return m


# --- the register -------------------------------------------------------------------------------


@dataclass
class MerchantData:
    name: str
    uscc: str
    service_types: list[str]
    area_codes: list[str]
    business_phone: str
    contact_name: str
    contact_phone: str
    address: str | None = None
    description: str | None = None


def _check(session: Session, actor: Principal, data: MerchantData) -> dict[str, Any]:
    """Every field validated (422 naming the first bad one); the canonical values."""
    out: dict[str, Any] = {"name": validate.text(data.name, "name", max_length=100)}
    out["uscc"] = validate.uscc_code((data.uscc or "").strip().upper(), "uscc")
    types = [t for t in dict.fromkeys(data.service_types or []) if isinstance(t, str)]
    if not types or len(types) > MAX_SERVICE_TYPES:
        raise InvalidInput("service_types", "请选择至少一种服务类型")
    unknown = [t for t in types if t not in lifecycle.SERVICE_TYPES]
    if unknown:
        raise InvalidInput("service_types", f"未知的服务类型：{str(unknown[0])[:32]}")
    out["service_types"] = types
    areas = [a.strip() if isinstance(a, str) else "" for a in dict.fromkeys(data.area_codes or [])]
    if not areas or len(areas) > MAX_AREAS:
        raise InvalidInput("area_codes", f"请填写 1–{MAX_AREAS} 个服务区域（区划代码）")
    for a in areas:
        validate.region_code(a, "area_codes")
    missing = sorted(set(areas) - repository.existing_region_codes(session, areas))
    if missing:
        raise InvalidInput("area_codes", f"区划 {missing[0]} 不存在")
    outside = [a for a in areas if not in_region(actor.region_code, a)]
    if outside:
        raise InvalidInput("area_codes", f"区划 {outside[0]} 不在您的辖区内")
    out["area_codes"] = areas
    out["business_phone"] = validate.phone(data.business_phone, "business_phone")
    out["contact_name"] = validate.text(data.contact_name, "contact_name", max_length=50)
    out["contact_phone"] = validate.phone(data.contact_phone, "contact_phone")
    out["address"] = validate.text(data.address, "address", max_length=200, required=False)
    out["description"] = validate.text(data.description, "description", max_length=500, required=False,
                                       multiline=True)
    return out


def register(session: Session, actor: Principal, data: MerchantData) -> Merchant:
    """登记: a merchant enters the register as ``applied``, in the manager's region; another
    manager reviews it."""
    require_manager(actor)
    values = _check(session, actor, data)
    if repository.by_uscc(session, values["uscc"]) is not None:
        raise Conflict("该统一社会信用代码的服务企业已登记", field="uscc")
    region = repository.region_by_code(session, actor.region_code)
    if region is None:
        raise NotFound("您所在的区划不存在")
    now = clock.now()
    m = Merchant(**values, region_id=region.id, status=Status.applied.value, status_changed_at=now,
                 created_by_id=actor.user_id, created_at=now, updated_at=now, version=1)
    session.add(m)
    session.flush()
    audit.record(session, actor, "merchant.registered", object_type="merchant", object_id=m.id,
                 detail={"name": m.name, "uscc": m.uscc, "service_types": m.service_types, "areas": m.area_codes})
    return m


def _expect(m: Merchant, version: int | None) -> None:
    if version is not None and version != m.version:
        raise StaleVersion("服务企业信息已被他人修改，请刷新后重试", current_version=m.version, status=m.status)


def update(session: Session, actor: Principal, m: Merchant, data: MerchantData, *, version: int | None) -> Merchant:
    """Change a merchant's details (not its status). The fields changed are audited, never
    the personal values."""
    _expect(m, version)
    values = _check(session, actor, data)
    other = repository.by_uscc(session, values["uscc"])
    if other is not None and other.id != m.id:
        raise Conflict("该统一社会信用代码的服务企业已登记", field="uscc")
    changed = [k for k, v in values.items() if getattr(m, k) != v]
    for k, v in values.items():
        setattr(m, k, v)
    _touch(m)
    audit.record(session, actor, "merchant.updated", object_type="merchant", object_id=m.id,
                 detail={"name": m.name, "changed": changed})
    return m


def _touch(m: Merchant) -> None:
    m.updated_at = clock.now()
    m.version += 1


def _change(session: Session, actor: Principal, m: Merchant, action: Action, reason: str,
            proposal: Proposal | None = None) -> StatusChange:
    before = Status(m.status)
    after = lifecycle.apply(before, action)
    now = clock.now()
    m.status, m.status_reason, m.status_changed_at = after.value, reason, now
    _touch(m)
    change = StatusChange(merchant_id=m.id, action=action.value, from_status=before.value, to_status=after.value,
                          reason=reason, decided_by_id=actor.user_id, at=now,
                          proposal_id=proposal.id if proposal else None)
    session.add(change)
    for other in repository.open_proposals(session, [m.id]):
        if proposal is None or other.id != proposal.id:
            other.state, other.decided_at = "superseded", now
    audit.record(session, actor, "merchant.status_changed", object_type="merchant", object_id=m.id,
                 detail={"name": m.name, "action": action.value, "from": before.value, "to": after.value,
                         "reason": reason, "proposal": proposal.ref if proposal else None})
    return change


def review(session: Session, actor: Principal, m: Merchant, *, admit: bool, reason: str | None,
           version: int | None) -> Merchant:
    """审核: admit an applied merchant, or reject it with the reason. Four eyes: the manager
    who registered it may not review it (403)."""
    require_manager(actor)
    _expect(m, version)
    if m.created_by_id == actor.user_id:
        raise Forbidden("不能审核自己登记的服务企业，请由另一位管理人员审核")
    note = validate.text(reason, "reason", max_length=500, required=not admit)
    _change(session, actor, m, Action.admit if admit else Action.reject, note or "审核通过，准予纳入")
    m.reviewed_by_id, m.reviewed_at = actor.user_id, clock.now()
    return m


def change_status(session: Session, actor: Principal, m: Merchant, *, action: str, reason: str | None,
                  version: int | None) -> StatusChange:
    """动态调整: warn, lift the warning, suspend, readmit, remove, or let a rejected merchant
    apply again — by a manager, with the reason (required). 409 when the status does not
    allow it."""
    require_manager(actor)
    _expect(m, version)
    try:
        act = Action(action)
    except ValueError:
        raise InvalidInput("action", "未知的调整操作") from None
    if act not in lifecycle.ADJUSTMENTS:
        raise InvalidInput("action", "准入和不予准入请通过审核办理")
    note = validate.text(reason, "reason", max_length=500) or ""
    return _change(session, actor, m, act, note)


def contact(session: Session, actor: Principal, m: Merchant, *, purpose: str) -> tuple[str | None, str | None, bool]:
    """The contact person and phone as the caller may see them: managers unmasked (each view
    audited as ``pii.viewed``), everyone else masked."""
    if is_manager(actor):
        audit.record(session, actor, "pii.viewed", object_type="merchant", object_id=m.id,
                     detail={"fields": ["contact_name", "contact_phone"], "purpose": purpose})
        return m.contact_name, m.contact_phone, False
    return crypto.mask_name(m.contact_name), crypto.mask_phone(m.contact_phone), True


def list_merchants(session: Session, actor: Principal, *, status: str | None = None,
                   service_type: str | None = None, area: str | None = None) -> list[Merchant]:
    require_reader(actor)
    if status is not None and status not in {s.value for s in Status}:
        raise InvalidInput("status", "未知的状态")
    if service_type is not None and service_type not in lifecycle.SERVICE_TYPES:
        raise InvalidInput("service_type", "未知的服务类型")
    if area is not None:
        validate.region_code(area, "area")
    rows = repository.merchants(session, statuses=[status] if status else None)
    homes = repository.region_codes(session, {m.region_id for m in rows})
    out = []
    for m in rows:
        home = homes.get(m.region_id, "")
        if not (in_region(actor.region_code, home) or any(
                in_region(actor.region_code, a) or lifecycle.covers(a, actor.region_code) for a in m.area_codes)):
            continue
        if service_type and service_type not in m.service_types:
            continue
        if area and not lifecycle.serves(m.area_codes, area):
            continue
        out.append(m)
    return out


def history(session: Session, m: Merchant) -> list[StatusChange]:
    return repository.status_changes(session, m.id)


# --- evaluation and proposals ------------------------------------------------------------------


def evaluations(session: Session, merchants: list[Merchant], *, now: dt.datetime | None = None
                ) -> dict[int, Evaluation]:
    """Each merchant's figures: referrals, ratings and response time over the evaluation
    window, complaints over theirs, and complaints since its status last changed."""
    now = now or clock.now()
    ids = [m.id for m in merchants]
    figures = repository.referral_figures(session, ids, now - lifecycle.EVALUATION_WINDOW)
    complaints = repository.complaint_counts(session, ids, now - lifecycle.COMPLAINT_WINDOW)
    out = {}
    for m in merchants:
        f = figures.get(m.id, {})
        sat, basic, dis = (int(f.get(k) or 0) for k in ("satisfied", "basically_satisfied", "dissatisfied"))
        hours = f.get("mean_response_hours")
        out[m.id] = Evaluation(
            referrals=int(f.get("referrals") or 0), rated=sat + basic + dis, satisfied=sat,
            basically_satisfied=basic, dissatisfied=dis, complaints=complaints.get(m.id, 0),
            complaints_since_change=repository.complaints_since(session, m.id, m.status_changed_at),
            mean_response_hours=None if hours is None else float(hours))
    return out


def raise_proposals(session: Session, *, now: dt.datetime | None = None) -> list[Proposal]:
    """The periodic run of the adjustment rule: a proposal for every merchant the rule calls
    for that has no open one. Each is audited (by the system); a person decides."""
    now = now or clock.now()
    candidates = repository.merchants(session, statuses=[Status.admitted, Status.warned, Status.suspended])
    pending = {p.merchant_id for p in repository.open_proposals(session)}
    candidates = [m for m in candidates if m.id not in pending]
    figures = evaluations(session, candidates, now=now)
    raised = []
    for m in candidates:
        proposed = lifecycle.propose(Status(m.status), figures[m.id], status_since=m.status_changed_at, now=now)
        if proposed is None:
            continue
        p = Proposal(merchant_id=m.id, action=proposed.action.value, reason=proposed.reason,
                     figures=figures[m.id].as_dict(), state="open", raised_at=now)
        session.add(p)
        session.flush()
        audit.record(session, None, "merchant.proposal_raised", object_type="merchant", object_id=m.id,
                     detail={"name": m.name, "action": p.action, "reason": p.reason}, actor_name="动态调整规则")
        raised.append(p)
    return raised


def access_proposal(session: Session, actor: Principal, ref: str) -> tuple[Proposal, Merchant]:
    require_manager(actor)
    p = repository.proposal_by_ref(session, ref) if isinstance(ref, str) and len(ref) == 32 else None
    m = session.get(Merchant, p.merchant_id) if p else None
    if p is None or m is None or not _writable(session, actor, m):
        raise NotFound("调整建议不存在")
    return p, m


def decide_proposal(session: Session, actor: Principal, p: Proposal, m: Merchant, *, accept: bool,
                    note: str | None) -> Proposal:
    """A person decides a proposal: accepted, the change is made (the reason is the note, or
    the rule's reason); dismissed, the note says why (required). 409 once decided."""
    require_manager(actor)
    if p.state != "open":
        raise Conflict("该调整建议已处理")
    text = validate.text(note, "note", max_length=500, required=not accept)
    if accept:
        _change(session, actor, m, Action(p.action), text or f"采纳调整建议：{p.reason}"[:500], proposal=p)
    p.state = "accepted" if accept else "dismissed"
    p.decided_by_id, p.decided_at, p.decision_note = actor.user_id, clock.now(), text
    audit.record(session, actor, "merchant.proposal_decided", object_type="merchant", object_id=m.id,
                 detail={"name": m.name, "action": p.action, "accepted": accept, "note": text})
    return p


def proposals(session: Session, actor: Principal) -> list[tuple[Proposal, Merchant]]:
    """The open proposals of merchants the manager keeps."""
    require_manager(actor)
    rows = repository.open_proposals(session)
    ms = repository.merchants_by_ids(session, {p.merchant_id for p in rows})
    return [(p, ms[p.merchant_id]) for p in rows
            if p.merchant_id in ms and _writable(session, actor, ms[p.merchant_id])]


# --- referral, rating, complaint (on an order) --------------------------------------------------


def _order_region(session: Session, order: WorkOrder) -> str | None:
    return order.region.code if order.region else None


def candidates(session: Session, actor: Principal, order: WorkOrder, *, service_type: str | None
               ) -> list[Merchant]:
    """Merchants an agent may refer the caller of ``order`` to: admitted (or warned), serving
    the order's region, offering ``service_type`` (any, when None). Suspended and removed
    merchants are never offered."""
    require_referrer(actor)
    if service_type is not None and service_type not in lifecycle.SERVICE_TYPES:
        raise InvalidInput("service_type", "未知的服务类型")
    region = _order_region(session, order)
    rows = repository.merchants(session, statuses=lifecycle.REFERABLE)
    return [m for m in rows if lifecycle.serves(m.area_codes, region)
            and (service_type is None or service_type in m.service_types)]


def _order_event(session: Session, actor: Principal, order: WorkOrder, event: str, **detail: Any) -> None:
    """An entry on the order's timeline (the work-order event table is the audit log)."""
    audit.record(session, actor, f"work_order.{event}", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value,
                         **{k: v for k, v in detail.items() if v is not None}})


def refer(session: Session, actor: Principal, order: WorkOrder, m: Merchant, *, service_type: str,
          note: str | None) -> Referral:
    """转介: the agent gives the caller of ``order`` the contact of merchant ``m`` for a
    service: a referral on the order, an entry on its timeline, and an SMS to the citizen with
    the merchant's name and published number (through the outbox; a skipped row when the
    order has no phone). 409 for a merchant that is not admitted or already referred on the
    order; 422 for one that does not offer the service or serve the order's region."""
    require_referrer(actor)
    if Status(m.status) not in lifecycle.REFERABLE:
        raise Conflict(f"该服务企业当前为“{lifecycle.STATUS_NAMES[Status(m.status)]}”状态，不能转介",
                       status=m.status)
    if service_type not in lifecycle.SERVICE_TYPES:
        raise InvalidInput("service_type", "未知的服务类型")
    if service_type not in m.service_types:
        raise InvalidInput("service_type", "该服务企业不提供此项服务")
    if not lifecycle.serves(m.area_codes, _order_region(session, order)):
        raise InvalidInput("merchant", "该服务企业不在工单所在区域提供服务")
    text = validate.text(note, "note", max_length=200, required=False)
    if repository.referral(session, order.id, m.id) is not None:
        raise Conflict("本工单已转介过该服务企业")
    now = clock.now()
    r = Referral(merchant_id=m.id, work_order_id=order.id, service_type=service_type, note=text,
                 referred_by_id=actor.user_id, referred_at=now)
    session.add(r)
    session.flush()
    service_name = lifecycle.SERVICE_TYPES[service_type]
    _order_event(session, actor, order, "merchant_referred", merchant=m.name, merchant_ref=m.ref,
                 service=service_name, note=text)
    body = notify.render("merchant_referral", service=service_name, merchant=m.name, phone=m.business_phone)
    citizen = workorder_repository.citizen_of(session, order)
    if citizen is not None and citizen.phone:
        notify.notify(session, template="merchant_referral", recipient_kind="citizen", phone=citizen.phone,
                      body=body, work_order_id=order.id)
    else:
        notify.queue_rows(session, [notify.skipped_row(template="merchant_referral", recipient_kind="citizen",
                                                       body=body, reason=NO_CITIZEN_PHONE,
                                                       work_order_id=order.id)])
    return r


def referrals(session: Session, order: WorkOrder) -> list[tuple[Referral, Merchant]]:
    rows = repository.referrals_of_order(session, order.id)
    ms = repository.merchants_by_ids(session, {r.merchant_id for r in rows})
    return [(r, ms[r.merchant_id]) for r in rows]


def rate(session: Session, actor: Principal, order: WorkOrder, referral_ref: str, *, verdict: str,
         response_hours: int | None = None, note: str | None = None) -> Referral:
    """回访评价: at the callback (the order waiting for it, or closed by it) the citizen rates a
    referred merchant on the callback scale and says how many hours it took to respond. Once
    per referral (409 again); 409 before the callback."""
    if not (actor.role in access.CENTRE_ROLES and actor.can(Cap.callback)):
        raise Forbidden("只有回访人员可以记录服务企业评价")
    r = repository.referral_by_ref(session, order.id, referral_ref) if isinstance(referral_ref, str) else None
    if r is None:
        raise NotFound("转介记录不存在")
    if order.status not in RATING_STATUSES:
        raise Conflict("工单尚未到回访环节，暂不能评价服务企业", status=order.status.value)
    if r.verdict is not None:
        raise Conflict("该转介已评价")
    try:
        v = Verdict(verdict)
    except ValueError:
        raise InvalidInput("verdict", "请选择满意、基本满意或不满意") from None
    if response_hours is not None and not 0 <= response_hours <= 720:
        raise InvalidInput("response_hours", "响应时长应为 0–720 小时")
    text = validate.text(note, "note", max_length=200, required=False)
    r.verdict, r.response_hours, r.rating_note = v.value, response_hours, text
    r.rated_by_id, r.rated_at = actor.user_id, clock.now()
    m = session.get(Merchant, r.merchant_id)
    _order_event(session, actor, order, "merchant_rated", merchant=m.name if m else None, verdict=v.value,
                 response_hours=response_hours, note=text)
    return r


def may_mark_complaint(actor: Principal) -> bool:
    return actor.role in access.CENTRE_ROLES and (actor.can(Cap.intake) or actor.can(Cap.dispatch))


def mark_complaint(session: Session, actor: Principal, order: WorkOrder, m: Merchant, *,
                   note: str | None) -> Complaint:
    """An order marked as a complaint about merchant ``m`` (counted in its evaluation). Once
    per order and merchant (409)."""
    require_complaint_marker(actor)
    if Status(m.status) in (Status.applied, Status.rejected):
        raise Conflict("该企业尚未准入，不能作为被投诉的服务企业")
    text = validate.text(note, "note", max_length=200, required=False)
    if repository.complaint(session, order.id, m.id) is not None:
        raise Conflict("本工单已标记为对该服务企业的投诉")
    c = Complaint(merchant_id=m.id, work_order_id=order.id, note=text, marked_by_id=actor.user_id,
                  marked_at=clock.now())
    session.add(c)
    session.flush()
    _order_event(session, actor, order, "merchant_complaint", merchant=m.name, merchant_ref=m.ref, note=text)
    audit.record(session, actor, "merchant.complaint_marked", object_type="merchant", object_id=m.id,
                 detail={"name": m.name, "number": order.number})
    return c


def complaints(session: Session, order: WorkOrder) -> list[tuple[Complaint, Merchant]]:
    rows = repository.complaints_of_order(session, order.id)
    ms = repository.merchants_by_ids(session, {c.merchant_id for c in rows})
    return [(c, ms[c.merchant_id]) for c in rows]


def referable_by_ref(session: Session, actor: Principal, ref: str) -> Merchant:
    """A merchant named in a referral or complaint form (any the caller may see)."""
    return access_merchant(session, actor, ref)


# --- the public ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicMerchant:
    """What the public page shows of a recommended merchant: no personal data, only the
    business number the merchant published."""

    name: str
    service_types: list[str]
    area_codes: list[str]
    business_phone: str
    address: str | None
    description: str | None


def public_merchants(session: Session, *, service_type: str | None, area: str | None) -> list[PublicMerchant]:
    """Recommended merchants: admitted (not warned, suspended or removed), by service type and
    area (a region code; the merchants serving a place in it)."""
    if service_type is not None and service_type not in lifecycle.SERVICE_TYPES:
        raise InvalidInput("service_type", "未知的服务类型")
    if area is not None:
        validate.region_code(area, "area")
    out = []
    for m in repository.merchants(session, statuses=lifecycle.RECOMMENDED):
        if service_type and service_type not in m.service_types:
            continue
        if area and not (lifecycle.serves(m.area_codes, area) or any(in_region(area, a) for a in m.area_codes)):
            continue
        out.append(PublicMerchant(m.name, list(m.service_types), list(m.area_codes), m.business_phone, m.address,
                                  m.description))
    return out
