"""Use cases of work orders: the closed loop 受理 → 派单 → 签收/办理 → 答复 → 认定 → 回访 → 办结.

Every status change goes through ``lifecycle.apply``; every write records an event (the
timeline, the evidence and the audit trail in one table); side effects (SMS) go through the
outbox in the same transaction. Services take the session first and never commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.citizen import repository as citizen_repository
from hotline.citizen import service as citizen_service
from hotline.config import get_settings
from hotline.intelligence import duplicates, enterprise
from hotline.kit import clock, validate
from hotline.kit.db import insert_many
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, StaleVersion
from hotline.kit.workcalendar import WorkCalendar, load_calendar
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import AppealType, Category, Region, RegionLevel, Unit, UnitKind
from hotline.workorder import repository, sla
from hotline.workorder.lifecycle import MAIN_STATUSES, STATUS_NAMES, URGE_STATUSES, Action, Status, apply
from hotline.workorder.models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Callback,
    CoordinationCase,
    Decision,
    DirectTarget,
    Extension,
    IdempotencyKey,
    Reply,
    ReplyResult,
    ReturnRequest,
    Verdict,
    WorkOrder,
)

#: Unreached callback attempts in one round before the order is closed as unreachable.
MAX_CALLBACK_ATTEMPTS = 3
#: Working days the coordination of a disputed order may take (S4 泸州).
COORDINATION_WORKING_DAYS = 3
CONSULTATION = "consultation"


# --- intake ----------------------------------------------------------------------------------


@dataclass
class IntakeData:
    """What an agent, the public page or an integration submits."""

    channel: str
    appeal_type: str
    title: str
    content: str
    phone: str | None = None
    name: str | None = None
    category_code: str | None = None
    region_code: str | None = None
    address: str | None = None
    is_confidential: bool = False
    urgency: sla.Urgency = sla.Urgency.normal
    is_enterprise: bool = False
    enterprise_name: str | None = None
    uscc: str | None = None
    answer: str | None = None  # consultation answered during the call: closes the order at once
    knowledge_item_id: int | None = None  # the knowledge item that answered it (its answer by default)
    extra: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """Hash of the request, to tell a retry from a different request reusing a key."""
        body = {k: (v.value if hasattr(v, "value") else v) for k, v in self.__dict__.items()}
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _event(session: Session, actor: Principal | None, order: WorkOrder, event: str, *,
           actor_name: str | None = None, **detail: Any) -> None:
    detail = {k: v for k, v in detail.items() if v is not None}
    audit.record(session, actor, f"work_order.{event}", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, **detail},
                 actor_name=actor_name)


def _expect_version(order: WorkOrder, version: int | None) -> None:
    if version is not None and version != order.version:
        raise StaleVersion(f"工单已被他人更新（当前状态：{order.status.value}），请刷新后重试",
                           current_version=order.version, status=order.status.value)


def _transition(order: WorkOrder, action: Action) -> None:
    order.status = apply(order.status, action)


def _calendar(session: Session) -> WorkCalendar:
    return load_calendar(session)


def _rules(session: Session) -> list[sla.DeadlineRule]:
    rows = repository.cached_deadline_rules(session)
    if not rows:
        return list(sla.DEFAULT_RULES)
    return [sla.DeadlineRule(appeal_type=r.appeal_type, category_prefix=r.category_prefix, urgency=r.urgency,
                             working_days=r.working_days, hours=r.hours) for r in rows]


def _resolve_reference(session: Session, data: IntakeData) -> tuple[int, AppealType, Category | None, Region | None]:
    channel = org_repository.cached_channel_by_code(session, data.channel)
    if channel is None or not channel.active:
        raise InvalidInput("channel", "受理渠道不存在或已停用")
    appeal_type = org_repository.cached_appeal_type(session, data.appeal_type)
    if appeal_type is None or not appeal_type.active:
        raise InvalidInput("appeal_type", "诉求类型不存在或已停用")
    category = None
    if data.category_code:
        category = org_repository.cached_category_by_code(session, data.category_code)
        if category is None or not category.active:
            raise InvalidInput("category_code", "诉求分类不存在或已停用")
    region = None
    if data.region_code:
        region = org_repository.cached_region_by_code(session, validate.region_code(data.region_code, "region_code"))
        if region is None or not region.active:
            raise InvalidInput("region_code", "区划不存在或已停用")
    return channel.id, appeal_type, category, region


@dataclass(frozen=True)
class UnitRef:
    """What an intake needs of a unit once it has been chosen."""

    id: int
    name: str
    contact_phone: str | None


@dataclass(frozen=True)
class DirectPlan:
    """A direct dispatch decided at intake: the catalogue entry, the unit, the supervising
    copies and the hour-based deadlines."""

    rule_id: int
    rule_name: str
    lead: UnitRef
    copies: tuple[UnitRef, ...]
    due_at: dt.datetime
    sign_due_at: dt.datetime
    covered: bool


@dataclass
class IntakePlan:
    """Everything an intake will write, worked out — validated, matched against the
    catalogue, deadlines computed — before any lock is taken. :func:`write_intakes` turns
    plans into rows; what it still decides (the citizen record, the number, an idempotent
    replay) needs the database's current state."""

    actor: Principal | None
    idempotency_key: str | None
    fingerprint: str
    now: dt.datetime
    values: dict[str, Any]  # work_order columns but number and citizen_id
    phone: str | None
    phone_hash: str | None
    name: str | None
    channel: str
    centre_name: str
    answer: str | None
    knowledge: tuple[int, int] | None  # (item, version) that answered the consultation
    direct: DirectPlan | None
    deadline_state: sla.DeadlineState | None
    enterprise_reason: str | None = None  # why the order counts as an enterprise's when the caller did not say
    centre_region_id: int | None = None  # a new caller's citizen record belongs to the owning centre's region
    joined_rule: str | None = None  # the catalogue entry of the open order this repeat appeal joined


@dataclass(frozen=True)
class IntakeResult:
    work_order_id: int
    number: str
    created: bool  # False: an Idempotency-Key replay, the order of the first request
    plan: IntakePlan
    merged_into: str | None = None  # the open main order this repeat appeal joined (no dispatch of its own)


def plan_intake(session: Session, actor: Principal | None, data: IntakeData, *,
                idempotency_key: str | None = None) -> IntakePlan:
    """Validate an appeal and decide everything about its order that does not depend on
    other orders. Reads reference data (from the caches), writes nothing. Invalid input
    raises ``InvalidInput`` naming the field."""
    if actor is not None:
        access.require(actor, Cap.intake)
    key = None
    if idempotency_key is not None and actor is not None:
        key = validate.text(idempotency_key, "Idempotency-Key", max_length=100) or ""
    title = validate.text(data.title, "title", max_length=100) or ""
    content = validate.text(data.content, "content", max_length=5000) or ""
    address = validate.text(data.address, "address", max_length=300, required=False)
    channel_id, appeal_type, category, region = _resolve_reference(session, data)
    uscc = validate.uscc_code(data.uscc) if data.uscc else None
    enterprise_name = validate.text(data.enterprise_name, "enterprise_name", max_length=100, required=False)
    if (data.answer is not None or data.knowledge_item_id is not None) and appeal_type.code != CONSULTATION:
        raise InvalidInput("answer", "只有咨询类诉求可以当场解答办结")
    if data.is_confidential and appeal_type.code != "report":
        raise InvalidInput("is_confidential", "只有举报类诉求可以设为保密")
    phone = validate.phone(data.phone) if data.phone else None
    name = validate.text(data.name, "name", max_length=50, required=False) if phone else None
    if phone is None and actor is None:
        raise InvalidInput("phone", "请留下联系电话，以便告知办理结果")
    answer = validate.text(data.answer, "answer", max_length=5000, multiline=True) or "" \
        if data.answer is not None else None
    knowledge = None
    if data.knowledge_item_id is not None:  # 即时答 from the knowledge base: its answer unless the agent wrote one
        from hotline.knowledge import service as knowledge_service

        version = knowledge_service.answering_version(session, data.knowledge_item_id)
        knowledge = (version.item_id, version.id)
        answer = answer or version.answer

    enterprise_reason = None
    if not (data.is_enterprise or uscc):  # the caller did not press "1": the text may still say so
        recognised = enterprise.recognise(f"{title} {content}")
        if recognised is not None:
            enterprise_reason, uscc = recognised.reason, recognised.uscc
    centre = _owning_centre(session, actor, region)
    now = clock.now()
    values: dict[str, Any] = {
        "status": Status.registered, "channel_id": channel_id, "appeal_type": appeal_type.code,
        "category_id": category.id if category else None, "region_id": region.id if region else None,
        "address": address, "title": title, "content": content, "is_confidential": data.is_confidential,
        "urgency": data.urgency, "is_enterprise": bool(data.is_enterprise or uscc or enterprise_reason),
        "enterprise_name": enterprise_name, "uscc": uscc, "centre_unit_id": centre.id,
        "created_by_id": actor.user_id if actor else None, "registered_at": now,
        "answer": None, "closed_at": None, "final_result": None,
        "lead_unit_id": None, "direct_rule_id": None, "dispatched_at": None, "dispatch_seconds": None,
        "due_at": None, "sign_due_at": None, "due_covered": True, "version": 1, "urge_count": 0,
        "merged_into_id": None,
    }
    direct = None
    if answer is not None:
        values.update(status=apply(Status.registered, Action.answer), answer=answer, closed_at=now,
                      final_result=ReplyResult.resolved)
    elif region is not None:
        rule = _matching_direct_rule(session, category, title + content)
        if rule is not None:
            direct = _plan_direct_dispatch(session, rule, category, region, data.urgency, now)
    state = None
    if direct is not None:
        values.update(status=apply(Status.registered, Action.dispatch), lead_unit_id=direct.lead.id,
                      direct_rule_id=direct.rule_id, dispatched_at=now, dispatch_seconds=0.0,
                      due_at=direct.due_at, sign_due_at=direct.sign_due_at, due_covered=direct.covered)
        state = sla.state(_calendar(session), now, direct.due_at, get_settings().due_soon_working_days,
                          warn_before=dt.timedelta(hours=get_settings().due_soon_hours))
    return IntakePlan(
        actor=actor, idempotency_key=key, fingerprint=data.fingerprint(), now=now, values=values, phone=phone,
        phone_hash=citizen_service.phone_hash(phone) if phone else None, name=name, channel=data.channel,
        centre_name=centre.name, answer=answer, knowledge=knowledge, direct=direct, deadline_state=state,
        enterprise_reason=enterprise_reason, centre_region_id=centre.region_id,
    )


def write_intakes(session: Session, plans: Sequence[IntakePlan]) -> list[IntakeResult | BaseException]:
    """Write planned intakes in the session's transaction, a few statements for the whole
    batch: replays of an ``Idempotency-Key`` return the order of the first request (409 if
    the body differs), the caller's citizen record is found by phone or created, each order
    takes the next number of its day, and its events and SMS are queued. The result for
    each plan, in order, is its :class:`IntakeResult` or the error that refused it."""
    outcomes: list[IntakeResult | BaseException | None] = [None] * len(plans)
    fresh: list[int] = []  # positions of plans that make a new order
    first_of_key: dict[tuple[int, str], int] = {}
    repeats: dict[int, int] = {}  # a key used twice in one batch: position → the first use
    replays = repository.idempotency_rows(
        session, [(p.actor.user_id, p.idempotency_key) for p in plans if p.actor and p.idempotency_key is not None])
    for i, plan in enumerate(plans):
        if plan.actor is None or plan.idempotency_key is None:
            fresh.append(i)
            continue
        ident = (plan.actor.user_id, plan.idempotency_key)
        earlier = replays.get(ident)
        first = first_of_key.get(ident)
        if earlier is not None:
            same = earlier.request_hash == plan.fingerprint
            outcomes[i] = IntakeResult(earlier.work_order_id, earlier.number, False, plan) if same else _key_reused()
        elif first is not None:
            if plans[first].fingerprint == plan.fingerprint:
                repeats[i] = first
            else:
                outcomes[i] = _key_reused()
        else:
            first_of_key[ident] = i
            fresh.append(i)

    plans = list(plans)
    joins = _repeat_appeals(session, plans, fresh)
    for i in joins:  # a repeat of an open catalogue order: no dispatch of its own
        plan = plans[i]
        rule = plan.direct
        assert rule is not None
        values = {**plan.values, **_UNDISPATCHED, "status": apply(Status.registered, Action.merge)}
        plans[i] = replace(plan, values=values, direct=None, deadline_state=None, joined_rule=rule.rule_name)
    citizens = _citizens_for(session, [plans[i] for i in fresh])
    by_day: dict[str, list[int]] = {}
    for i in fresh:
        by_day.setdefault(plans[i].now.astimezone(clock.CST).strftime("%Y%m%d"), []).append(i)
    numbers: dict[int, str] = {}
    for day, positions in by_day.items():
        last = repository.take_numbers(session, day, len(positions))
        for offset, i in enumerate(positions):
            numbers[i] = f"HL{day}{last - len(positions) + 1 + offset:06d}"
    row_of = {i: n for n, i in enumerate(fresh)}
    urges: dict[int | str, int] = {}  # main order id (or the batch position of a new one, as text) → repeats
    for target in joins.values():
        key = target.id if isinstance(target, repository.MainCandidate) else str(target)
        urges[key] = urges.get(key, 0) + 1
    existing = {i: main.id for i, main in joins.items() if isinstance(main, repository.MainCandidate)}
    rows = [{**plans[i].values, "number": numbers[i], "citizen_id": citizens.get(plans[i].phone_hash or ""),
             "urge_count": urges.get(str(i), 0), "merged_into_id": existing.get(i)} for i in fresh]
    ids = repository.insert_work_orders(session, rows, {row_of[i]: row_of[main] for i, main in joins.items()
                                                        if isinstance(main, int)})
    repository.add_urges(session, {key: n for key, n in urges.items() if isinstance(key, int)})
    assignments: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    for i, order_id in zip(fresh, ids, strict=True):
        plan, number = plans[i], numbers[i]
        joined = joins.get(i)
        main_ref = None
        if joined is not None:
            main_ref = (joined.id, joined.number, joined.status) if isinstance(joined, repository.MainCandidate) \
                else (ids[row_of[joined]], numbers[joined], Status.dispatched)
        outcomes[i] = IntakeResult(order_id, number, True, plan, merged_into=main_ref[1] if main_ref else None)
        if plan.actor is not None and plan.idempotency_key is not None:
            keys.append({"principal_id": plan.actor.user_id, "key": plan.idempotency_key,
                         "request_hash": plan.fingerprint, "work_order_id": order_id, "created_at": plan.now})
        _intake_events(session, plan, order_id, number)
        if main_ref is not None:
            _repeat_events(session, plan, order_id, number, main_ref)
            if plan.phone is not None:
                texts.append(notify.notification_row(
                    template="order_merged", recipient_kind="citizen", phone=plan.phone,
                    body=notify.render("order_merged", number=number, main=main_ref[1]), work_order_id=order_id,
                    phone_checked=True))
            continue
        if plan.direct is not None:
            for unit, role in ((plan.direct.lead, AssignmentRole.lead),
                               *((u, AssignmentRole.copy) for u in plan.direct.copies)):
                assignments.append({"work_order_id": order_id, "unit_id": unit.id, "role": role,
                                    "state": AssignmentState.active, "assigned_at": plan.now, "signed_at": None,
                                    "contribution": None, "contributed_at": None})
            texts.append(notify.unit_row(
                template="unit_new_order", phone=plan.direct.lead.contact_phone,
                body=notify.render("unit_new_order", number=number, sign_due=_cst(plan.direct.sign_due_at)),
                work_order_id=order_id, unit_id=plan.direct.lead.id))
        if plan.phone is not None:
            texts.append(notify.notification_row(
                template="order_accepted", recipient_kind="citizen", phone=plan.phone,
                body=notify.render("order_accepted", number=number), work_order_id=order_id, phone_checked=True))
    insert_many(session, Assignment, assignments)
    insert_many(session, IdempotencyKey, keys)
    notify.queue_rows(session, texts)
    answered = [(plans[i].knowledge, order_id) for i, order_id in zip(fresh, ids, strict=True) if plans[i].knowledge]
    if answered:
        from hotline.knowledge import service as knowledge_service

        knowledge_service.answer_rows(session, [(k[0], k[1], order_id, "agent") for k, order_id in answered if k])
    for i, j in repeats.items():
        first_result = outcomes[j]
        assert isinstance(first_result, IntakeResult)
        outcomes[i] = IntakeResult(first_result.work_order_id, first_result.number, False, plans[i])
    return [outcome for outcome in outcomes if outcome is not None]


def _key_reused() -> Conflict:
    return Conflict("Idempotency-Key 已用于另一个不同的请求", field="Idempotency-Key")


#: The columns of a direct dispatch, as an order that was not dispatched has them.
_UNDISPATCHED: dict[str, Any] = {
    "lead_unit_id": None, "direct_rule_id": None, "dispatched_at": None, "dispatch_seconds": None, "due_at": None,
    "sign_due_at": None, "due_covered": True,
}


def _repeat_appeals(session: Session, plans: Sequence[IntakePlan],
                    fresh: list[int]) -> dict[int, repository.MainCandidate | int]:
    """同一诉求合并派单只派1件 (S4): which new catalogue appeals repeat an open order and join
    it instead of being dispatched again — batch position → the main order, an existing one
    or an earlier appeal of the same batch. The same place: the same catalogue entry, the
    same region (the finest the order records) and, when both give an address, addresses
    that may name the same spot; recent: registered within ``duplicate_merge_hours``; open:
    still in the unit's hands (``URGE_STATUSES``). One indexed query per batch (on PostgreSQL
    after locking the places, so that two processes cannot both dispatch the same outage).
    Must run before ``_citizens_for``, which locks phones: places first, then phones."""
    hours = get_settings().duplicate_merge_hours
    direct = [i for i in fresh if plans[i].direct is not None and plans[i].values["region_id"] is not None]
    if not hours or not direct:
        return {}
    window = dt.timedelta(hours=hours)

    def place(plan: IntakePlan) -> tuple[int, int]:
        assert plan.direct is not None
        return plan.direct.rule_id, plan.values["region_id"]

    found = repository.open_direct_orders(session, places=[place(plans[i]) for i in direct],
                                          since=min(plans[i].now for i in direct) - window, statuses=URGE_STATUSES)

    joins: dict[int, repository.MainCandidate | int] = {}
    leaders: list[int] = []  # appeals of this batch dispatched on their own
    for i in direct:
        plan = plans[i]
        main: repository.MainCandidate | int | None = next(
            (m for m in found if (m.direct_rule_id, m.region_id) == place(plan) and m.registered_at >= plan.now - window
             and duplicates.same_address(plan.values["address"], m.address)), None)
        if main is None:
            main = next((j for j in leaders if place(plans[j]) == place(plan)
                         and duplicates.same_address(plan.values["address"], plans[j].values["address"])), None)
        if main is None:
            leaders.append(i)
        else:
            joins[i] = main
    return joins


def _repeat_events(session: Session, plan: IntakePlan, order_id: int, number: str,
                   main: tuple[int, str, Status]) -> None:
    """A repeat appeal joined its main order: "merged" on it, "urged" on the main order."""
    actor, actor_name = plan.actor, None if plan.actor else "system"
    main_id, main_number, main_status = main
    audit.record(session, actor, "work_order.merged", object_type="work_order", object_id=order_id,
                 detail={"number": number, "status": Status.merged.value, "into": main_number,
                         "note": f"同一诉求已在办理（直派目录：{plan.joined_rule}），并入主工单，不再另行派单"},
                 actor_name=actor_name)
    audit.record(session, actor, "work_order.urged", object_type="work_order", object_id=main_id,
                 detail={"number": main_number, "status": main_status.value, "by": number, "channel": plan.channel},
                 actor_name=actor_name)


def _citizens_for(session: Session, plans: Sequence[IntakePlan]) -> dict[str, int]:
    """Citizen id per phone hash: the earliest record with that phone, or a new one (the
    name given completes a record that has none)."""
    wanted: dict[str, IntakePlan] = {}
    for plan in plans:
        if plan.phone_hash is not None:
            first = wanted.setdefault(plan.phone_hash, plan)
            if first.name is None and plan.name:
                wanted[plan.phone_hash] = plan
    if not wanted:
        return {}
    found = citizen_repository.first_by_phone_hashes(session, list(wanted))
    ids: dict[str, int] = {}
    new: list[tuple[str, IntakePlan]] = []
    for phone_hash, plan in wanted.items():
        if phone_hash in found:
            citizen_id, has_name = found[phone_hash]
            if plan.name and not has_name:
                citizen_repository.set_name(session, citizen_id, plan.name, plan.now)
            ids[phone_hash] = citizen_id
        else:
            new.append((phone_hash, plan))
    created = citizen_repository.insert_citizens(session, [{
        "phone": plan.phone, "phone_hash": phone_hash, "name": plan.name,
        "created_by_id": plan.actor.user_id if plan.actor else None, "created_at": plan.now,
        "updated_at": plan.now, "version": 1, "region_id": plan.centre_region_id,
    } for phone_hash, plan in new])
    for (phone_hash, plan), citizen_id in zip(new, created, strict=True):
        ids[phone_hash] = citizen_id
        audit.record(session, plan.actor, "citizen.created", object_type="citizen", object_id=citizen_id,
                     actor_name=None if plan.actor else "public")
    return ids


def _intake_events(session: Session, plan: IntakePlan, order_id: int, number: str) -> None:
    actor, actor_name = plan.actor, None if plan.actor else "public"

    def event(name: str, status: Status, **detail: Any) -> None:
        audit.record(session, actor, f"work_order.{name}", object_type="work_order", object_id=order_id,
                     detail={"number": number, "status": status.value,
                             **{k: v for k, v in detail.items() if v is not None}},
                     actor_name=actor_name)

    event("registered", Status.registered, channel=plan.channel, appeal_type=plan.values["appeal_type"],
          centre=plan.centre_name, enterprise_recognised=plan.enterprise_reason)
    if plan.answer is not None:
        event("answered", Status.closed, public=plan.answer,
              knowledge_item=plan.knowledge[0] if plan.knowledge else None)
    elif plan.direct is not None:
        d = plan.direct
        actor_name = None if actor else "system"
        event("direct_dispatched", Status.dispatched, unit=d.lead.name, unit_id=d.lead.id,
              copies=[u.name for u in d.copies] or None, note=f"直派目录：{d.rule_name}", due_at=d.due_at.isoformat())


def intake(
    session: Session, actor: Principal | None, data: IntakeData, *, idempotency_key: str | None = None,
) -> tuple[WorkOrder, bool]:
    """Register an appeal as a work order. Returns ``(order, created)``: with an
    ``idempotency_key`` a retried request returns the order it created the first time.

    ``actor`` is None for the public self-service page. A consultation answered during the
    call (``answer``) closes at once; an order matching the direct-dispatch catalogue is
    dispatched straight to the local unit; everything else waits in its centre's queue.
    (The JSON API batches the writing of concurrent intakes: ``write_intakes``.)"""
    plan = plan_intake(session, actor, data, idempotency_key=idempotency_key)
    outcome = write_intakes(session, [plan])[0]
    if isinstance(outcome, BaseException):
        raise outcome
    order = session.get(WorkOrder, outcome.work_order_id)
    assert order is not None
    return order, outcome.created


def _owning_centre(session: Session, actor: Principal | None, region: Region | None) -> Unit:
    if actor is not None and actor.role in access.CENTRE_ROLES:
        unit = org_repository.cached_unit(session, actor.unit_id)
        assert unit is not None
        return unit
    centre = org_repository.cached_centre_for_region(session, region)
    if centre is None:
        raise Conflict("平台尚未设置热线中心")
    return centre


# --- direct dispatch -------------------------------------------------------------------------


def _matching_direct_rule(session: Session, category: Category | None, text: str) -> repository.DirectRuleKey | None:
    """The first active catalogue entry whose category covers the order's (a listed code is
    a prefix of the order's category code) or one of whose keywords the text contains."""
    code = category.code if category is not None else None
    for key in repository.cached_direct_rule_keys(session):
        if (code is not None and code.startswith(key.category_codes)) or any(k in text for k in key.keywords):
            return key
    return None


def _county_and_city(session: Session, region: Region) -> tuple[Region | None, Region | None]:
    county = city = None
    for node in org_repository.cached_region_chain(session, region):
        if node.level == RegionLevel.county and county is None:
            county = node
        if node.level == RegionLevel.city and city is None:
            city = node
    return county, city


def _competent_at(session: Session, category: Category, region: Region | None) -> Unit | None:
    """The department of ``region`` competent for the category; the most specific competence
    wins (a unit competent for the leaf beats one competent for its root)."""
    if region is None:
        return None
    cats = org_repository.ancestors_of_category(session, category.id)
    competences = org_repository.cached_competences(session, cats, [region.id])
    units = [u for unit_id in sorted(competences)
             if (u := org_repository.cached_unit(session, unit_id)) is not None and u.kind == UnitKind.department]
    if not units:
        return None
    rank = {cid: i for i, cid in enumerate(cats)}
    return min(units, key=lambda u: (min(rank.get(c, 99) for c in competences[u.id]), u.code))


def _direct_target(session: Session, rule: repository.DirectRuleKey, category: Category | None,
                   county: Region, city: Region | None) -> Unit | None:
    if rule.target == DirectTarget.utility:
        for place in (county, city):
            if place is not None:
                found = org_repository.cached_units_in_region(session, place.id, UnitKind.utility, rule.utility_type)
                if found:
                    return found[0]
        return None
    if rule.target == DirectTarget.county_government:
        found = org_repository.cached_units_in_region(session, county.id, UnitKind.government)
        return found[0] if found else None
    if category is None:
        return None
    return _competent_at(session, category, county) or _competent_at(session, category, city)


def _plan_direct_dispatch(session: Session, rule: repository.DirectRuleKey, category: Category | None,
                          region: Region, urgency: sla.Urgency, now: dt.datetime) -> DirectPlan | None:
    """Straight to the local unit or utility, with supervising copies to the county government
    and the city department; the deadline is counted in hours. None when the place has no
    such unit: the order then waits for a dispatcher."""
    county, city = _county_and_city(session, region)
    if county is None:
        return None
    target = _direct_target(session, rule, category, county, city)
    if target is None:
        return None
    copies: list[Unit] = []
    government = org_repository.cached_units_in_region(session, county.id, UnitKind.government)
    if government and government[0].id != target.id:
        copies.append(government[0])
    city_department = _competent_at(session, category, city) if category is not None else None
    if city_department is not None and city_department.id != target.id:
        copies.append(city_department)
    calendar = _calendar(session)
    due = sla.due_at(calendar, now, sla.DeadlineRule(hours=sla.DIRECT_DISPATCH_HOURS))
    sign = sla.sign_due(calendar, now, urgency=urgency, direct_dispatch=True)
    return DirectPlan(
        rule_id=rule.id, rule_name=rule.name, lead=_ref(target), copies=tuple(_ref(u) for u in copies),
        due_at=due.at, sign_due_at=sign.at, covered=due.covered and sign.covered,
    )


def _ref(unit: Unit) -> UnitRef:
    return UnitRef(unit.id, unit.name, unit.contact_phone)


# --- dispatch --------------------------------------------------------------------------------


def _assign(order: WorkOrder, unit: Unit, role: AssignmentRole, now: dt.datetime) -> Assignment:
    assignment = Assignment(unit_id=unit.id, role=role, state=AssignmentState.active, assigned_at=now)
    assignment.unit = unit
    order.assignments.append(assignment)
    return assignment


def _set_deadlines(session: Session, order: WorkOrder, now: dt.datetime, *, direct: bool) -> None:
    calendar = _calendar(session)
    category_code = order.category.code if order.category else None
    if direct:
        rule = sla.DeadlineRule(hours=sla.DIRECT_DISPATCH_HOURS)
    else:
        rule = sla.pick_rule(_rules(session), order.appeal_type, category_code, order.urgency)
    due = sla.due_at(calendar, now, rule)
    sign = sla.sign_due(calendar, now, urgency=order.urgency, direct_dispatch=direct)
    order.due_at, order.sign_due_at = due.at, sign.at
    order.due_soon_warned_at = order.overdue_at = None  # the sweep watches the new deadline
    order.due_covered = due.covered and sign.covered


def _dispatch(session: Session, actor: Principal | None, order: WorkOrder, lead: Unit, assisting: list[Unit],
              copies: list[Unit], *, note: str | None, direct: bool = False,
              action: Action = Action.dispatch) -> None:
    now = clock.now()
    for a in order.assignments:
        if a.state == AssignmentState.active:
            a.state = AssignmentState.revoked
    _transition(order, action)
    _assign(order, lead, AssignmentRole.lead, now)
    for unit in assisting:
        _assign(order, unit, AssignmentRole.assist, now)
    for unit in copies:
        _assign(order, unit, AssignmentRole.copy, now)
    order.lead_unit_id = lead.id
    order.lead_unit = lead
    if order.dispatched_at is None:
        order.dispatched_at = now
        order.dispatch_seconds = (now - order.registered_at).total_seconds()
    _set_deadlines(session, order, now, direct=direct)
    _event(session, actor, order, "direct_dispatched" if direct else "dispatched",
           actor_name=None if actor else "system", unit=lead.name, unit_id=lead.id,
           assisting=[u.name for u in assisting] or None, copies=[u.name for u in copies] or None, note=note,
           due_at=order.due_at.isoformat() if order.due_at else None)
    notify.notify_unit(session, template="unit_new_order", phone=lead.contact_phone,
                       body=notify.render("unit_new_order", number=order.number, sign_due=_cst(order.sign_due_at)),
                       work_order_id=order.id, unit_id=lead.id)


def _cst(value: dt.datetime | None) -> str:
    return value.astimezone(clock.CST).strftime("%m月%d日 %H:%M") if value else ""


def _units(session: Session, ids: list[int], field: str) -> list[Unit]:
    units = []
    for unit_id in dict.fromkeys(ids):
        unit = session.get(Unit, unit_id)
        if unit is None or not unit.active:
            raise InvalidInput(field, f"单位 {unit_id} 不存在或已停用")
        if unit.kind not in (UnitKind.department, UnitKind.government, UnitKind.utility, UnitKind.other):
            raise InvalidInput(field, f"{unit.name} 不是承办单位")
        units.append(unit)
    return units


def dispatch(session: Session, actor: Principal, order: WorkOrder, *, lead_unit_id: int,
             assisting_unit_ids: list[int] | None = None, note: str | None = None,
             category_code: str | None = None, version: int | None = None) -> WorkOrder:
    """A dispatcher sends the order to a lead unit (and assisting units). Also used to
    re-dispatch a returned order to another unit. ``category_code``: the category the
    dispatcher accepts (the suggested one) or chooses; a change from the order's category is
    recorded (``category_set``, old and new) before the deadline is set by it."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    lead = _units(session, [lead_unit_id], "lead_unit_id")[0]
    assisting = _units(session, [u for u in (assisting_unit_ids or []) if u != lead_unit_id], "assisting_unit_ids")
    note = validate.text(note, "note", max_length=500, required=False)
    category = None
    if category_code:
        category = org_repository.category_by_code(session, category_code.strip()[:16])
        if category is None or not category.active:
            raise InvalidInput("category_code", "诉求分类不存在或已停用")
    if category is not None and category.id != order.category_id:
        old = order.category
        apply(order.status, Action.dispatch)  # an order that cannot be dispatched keeps its category (409)
        order.category_id, order.category = category.id, category
        _event(session, actor, order, "category_set", old=old.code if old else None,
               old_name=old.name if old else None, new=category.code, new_name=category.name)
    pending = repository.pending_return(session, order.id)
    if pending is not None:
        pending.decision, pending.decided_by_id, pending.decided_at = "redispatched", actor.user_id, clock.now()
    _dispatch(session, actor, order, lead, assisting, [], note=note)
    from hotline.intelligence import service as intelligence  # imports the work-order tables

    intelligence.record_dispatch(session, order)  # what the models suggested, beside what was chosen
    return order


def transfer(session: Session, actor: Principal, order: WorkOrder, *, centre_unit_id: int,
             note: str | None = None, version: int | None = None) -> WorkOrder:
    """Pass a registered order to another centre to be dispatched there: down a level
    (province → city → county centre or workstation), or — a city centre only — across to
    the centre of another city of the same province (跨市协作 / 互派工单, S4 川南四市). Nothing
    outside the province, and nothing but a hotline centre or workstation, takes an order
    (422). The receiving centre is told by text (its contact phone)."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    centre = session.get(Unit, centre_unit_id)
    current = session.get(Unit, order.centre_unit_id)
    assert current is not None
    if centre is None or centre.kind not in (UnitKind.hotline_centre, UnitKind.workstation) or not centre.active:
        raise InvalidInput("centre_unit_id", "目标不是热线中心或县级工作站")
    text = validate.text(note, "note", max_length=500, required=False)
    below = centre.id != current.id and in_region(current.region.code, centre.region.code)
    if not (below or sibling_city_centre(current, centre)):
        raise InvalidInput("centre_unit_id", "只能转给本中心下级的热线中心或工作站，或本省其他市的热线中心")
    _transition(order, Action.transfer)
    order.centre_unit_id, order.centre_unit = centre.id, centre
    _event(session, actor, order, "transferred", unit=centre.name, unit_id=centre.id, from_unit=current.name,
           across=None if below else True, note=text)
    if centre.contact_phone:
        notify.notify(session, template="centre_transferred_in", recipient_kind="unit", phone=centre.contact_phone,
                      body=notify.render("centre_transferred_in", centre=current.name, number=order.number),
                      work_order_id=order.id, unit_id=centre.id)
    return order


def sibling_city_centre(current: Unit, centre: Unit) -> bool:
    """Both are the hotline centres of two cities of one province."""
    mine, theirs = current.region, centre.region
    return (current.kind == centre.kind == UnitKind.hotline_centre and mine.id != theirs.id
            and mine.level == theirs.level == RegionLevel.city and mine.parent_id == theirs.parent_id)


@dataclass
class Suggestion:
    unit: Unit
    reason: str


def suggest_units(session: Session, order: WorkOrder, limit: int = 5) -> list[Suggestion]:
    """Candidate lead units by the territorial and competent-authority rules: the department
    competent for the category at the order's county, then city, then province; the local
    (township, county) government as the territorial fallback."""
    out: list[Suggestion] = []
    seen: set[int] = set()
    chain = org_repository.region_chain(session, order.region) if order.region else []
    level_names = {RegionLevel.township: "乡镇", RegionLevel.county: "县级", RegionLevel.city: "市级",
                   RegionLevel.province: "省级"}
    if order.category is not None:
        for place in chain:
            unit = _competent_at(session, order.category, place)
            if unit is not None and unit.id not in seen:
                seen.add(unit.id)
                out.append(Suggestion(unit, f"{level_names[place.level]}主管部门（谁主管谁负责）"))
    for place in chain:
        if place.level in (RegionLevel.township, RegionLevel.county):
            for unit in org_repository.units_in_region(session, place.id, UnitKind.government):
                if unit.id not in seen:
                    seen.add(unit.id)
                    out.append(Suggestion(unit, f"{level_names[place.level]}人民政府（属地管理）"))
    return out[:limit]


# --- the unit's work -------------------------------------------------------------------------


def _lead(order: WorkOrder) -> Assignment:
    for a in order.assignments:
        if a.role == AssignmentRole.lead and a.state == AssignmentState.active:
            return a
    raise Conflict("工单没有有效的主办单位")


def sign(session: Session, actor: Principal, order: WorkOrder, *, version: int | None = None) -> WorkOrder:
    access.require_unit_of(actor, order)
    _expect_version(order, version)
    _transition(order, Action.sign)
    now = clock.now()
    _lead(order).signed_at = now
    order.signed_at = order.signed_at or now
    on_time = order.sign_due_at is None or now <= order.sign_due_at
    _event(session, actor, order, "signed", unit=actor.unit_name, unit_id=actor.unit_id, on_time=on_time)
    return order


def submit_assist(session: Session, actor: Principal, order: WorkOrder, *, text: str) -> WorkOrder:
    """An assisting unit hands its part to the lead unit."""
    access.require_unit_of(actor, order, lead=False)
    mine = next(a for a in order.assignments if a.unit_id == actor.unit_id and a.state == AssignmentState.active)
    if mine.role != AssignmentRole.assist:
        raise Forbidden("只有协办单位提交协办意见")
    if order.status not in (Status.dispatched, Status.handling):
        raise Conflict("工单已不在办理中")
    mine.contribution = validate.text(text, "text", max_length=5000)
    mine.contributed_at = clock.now()
    mine.state = AssignmentState.done
    _event(session, actor, order, "assist_submitted", unit=actor.unit_name, note=mine.contribution)
    return order


def return_order(session: Session, actor: Principal, order: WorkOrder, *, reason: str,
                 suggested_unit_id: int | None = None, version: int | None = None) -> WorkOrder:
    """The lead unit claims the order is not its duty (退单), with a reason."""
    access.require_unit_of(actor, order)
    _expect_version(order, version)
    text = validate.text(reason, "reason", max_length=500) or ""
    if suggested_unit_id is not None:
        _units(session, [suggested_unit_id], "suggested_unit_id")
    _transition(order, Action.return_)
    order.return_count += 1
    session.add(ReturnRequest(work_order_id=order.id, unit_id=actor.unit_id, reason=text,
                              suggested_unit_id=suggested_unit_id, created_by_id=actor.user_id,
                              created_at=clock.now()))
    _event(session, actor, order, "returned", unit=actor.unit_name, unit_id=actor.unit_id, note=text,
           return_count=order.return_count)
    return order


def reject_return(session: Session, actor: Principal, order: WorkOrder, *, reason: str,
                  version: int | None = None) -> WorkOrder:
    """The centre rejects the return as unjustified (无理退单): the same unit must handle it,
    and the rejection counts against that unit."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    pending = repository.pending_return(session, order.id)
    if pending is None:
        raise Conflict("没有待审核的退单")
    text = validate.text(reason, "reason", max_length=500) or ""
    _transition(order, Action.reject_return)
    now = clock.now()
    pending.decision, pending.unjustified, pending.decision_note = "rejected", True, text
    pending.decided_by_id, pending.decided_at = actor.user_id, now
    order.unjustified_return_count += 1
    lead = _lead(order)
    lead.signed_at = None
    _event(session, actor, order, "return_rejected", unit=lead.unit.name, unit_id=lead.unit_id, note=text)
    return order


def open_coordination(session: Session, actor: Principal, order: WorkOrder, *, candidate_unit_ids: list[int],
                      note: str | None = None, version: int | None = None) -> CoordinationCase:
    """A return the centre cannot place opens a coordination case due in 3 working days."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    pending = repository.pending_return(session, order.id)
    candidates = _units(session, candidate_unit_ids, "candidate_unit_ids")
    if len(candidates) < 2:
        raise InvalidInput("candidate_unit_ids", "请列出至少两个存在争议的单位")
    _transition(order, Action.coordinate)
    now = clock.now()
    if pending is not None:
        pending.decision, pending.decided_by_id, pending.decided_at = "coordinating", actor.user_id, now
    due = _calendar(session).add_working_days(now, COORDINATION_WORKING_DAYS)
    case = CoordinationCase(work_order_id=order.id, candidate_unit_ids=[u.id for u in candidates],
                            note=validate.text(note, "note", max_length=500, required=False),
                            opened_by_id=actor.user_id, opened_at=now, due_at=due.at)
    session.add(case)
    session.flush()
    _event(session, actor, order, "coordination_opened", case_id=case.id, units=[u.name for u in candidates],
           due_at=due.at.isoformat(), note=case.note)
    return case


def decide_coordination(session: Session, actor: Principal, order: WorkOrder, *, unit_id: int, note: str,
                        version: int | None = None) -> WorkOrder:
    """The coordination decision names the competent unit, which must take the order."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    case = repository.open_coordination(session, order.id)
    if case is None:
        raise Conflict("没有进行中的协调")
    unit = _units(session, [unit_id], "unit_id")[0]
    text = validate.text(note, "note", max_length=500) or ""
    case.decided_unit_id, case.decision_note = unit.id, text
    case.decided_by_id, case.decided_at = actor.user_id, clock.now()
    _dispatch(session, actor, order, unit, [], [], note=f"协调裁定：{text}", action=Action.decide)
    _event(session, actor, order, "coordination_decided", unit=unit.name, unit_id=unit.id, note=text)
    return order


def request_extension(session: Session, actor: Principal, order: WorkOrder, *, working_days: int,
                      reason: str) -> Extension:
    access.require_unit_of(actor, order)
    if order.status != Status.handling:
        raise Conflict("只有办理中的工单可以申请延期", status=order.status.value)
    if repository.pending_extension(session, order.id) is not None:
        raise Conflict("已有待审批的延期申请")
    if not 1 <= working_days <= 30:
        raise InvalidInput("working_days", "延期天数应为 1–30 个工作日")
    ext = Extension(work_order_id=order.id, unit_id=actor.unit_id, working_days=working_days,
                    reason=validate.text(reason, "reason", max_length=500) or "", created_by_id=actor.user_id,
                    created_at=clock.now())
    session.add(ext)
    session.flush()
    _event(session, actor, order, "extension_requested", unit=actor.unit_name, working_days=working_days,
           note=ext.reason)
    return ext


def decide_extension(session: Session, actor: Principal, order: WorkOrder, *, approve: bool,
                     working_days: int | None = None, note: str | None = None) -> Extension:
    """Approve (with the requested or a different number of working days) or refuse."""
    access.require_centre_of(actor, order, Cap.dispatch)
    ext = repository.pending_extension(session, order.id)
    if ext is None:
        raise Conflict("没有待审批的延期申请")
    text = validate.text(note, "note", max_length=500, required=False)
    now = clock.now()
    ext.decided_by_id, ext.decided_at, ext.decision_note = actor.user_id, now, text
    if not approve:
        ext.decision = Decision.rejected
        _event(session, actor, order, "extension_refused", note=text)
        return ext
    days = working_days if working_days is not None else ext.working_days
    if not 1 <= days <= 30:
        raise InvalidInput("working_days", "延期天数应为 1–30 个工作日")
    base = order.due_at or now
    due = sla.extended_due(_calendar(session), base, days)
    ext.decision, ext.new_due_at = Decision.accepted, due.at
    order.due_at, order.due_covered = due.at, order.due_covered and due.covered
    order.due_soon_warned_at = order.overdue_at = None
    order.extension_count += 1
    _event(session, actor, order, "extension_approved", working_days=days, due_at=due.at.isoformat(), note=text)
    return ext


def reply(session: Session, actor: Principal, order: WorkOrder, *, result: ReplyResult, text: str,
          attachments: list[dict[str, Any]] | None = None, version: int | None = None) -> Reply:
    """The lead unit's answer: resolved, partly resolved or not resolved (with explanation)."""
    access.require_unit_of(actor, order)
    _expect_version(order, version)
    body = validate.text(text, "text", max_length=5000) or ""
    _transition(order, Action.reply)
    now = clock.now()
    answer = Reply(work_order_id=order.id, unit_id=actor.unit_id, author_id=actor.user_id, result=result,
                   text=body, attachments=attachments or [], created_at=now)
    session.add(answer)
    order.replied_at = now
    session.flush()
    on_time = order.due_at is None or now <= order.due_at
    _event(session, actor, order, "replied", unit=actor.unit_name, unit_id=actor.unit_id, result=result.value,
           reply_id=answer.id, on_time=on_time)
    return answer


def review_reply(session: Session, actor: Principal, order: WorkOrder, *, accept: bool, reason: str | None = None,
                 version: int | None = None) -> WorkOrder:
    """答复认定: an accepted reply goes to the citizen (SMS) and the callback queue; a rejected
    one goes back to the unit with the reason."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    pending = repository.pending_reply(session, order.id)
    if pending is None:
        raise Conflict("没有待审核的答复")
    note = validate.text(reason, "reason", max_length=500, required=not accept)
    now = clock.now()
    pending.reviewed_by_id, pending.reviewed_at, pending.review_reason = actor.user_id, now, note
    if accept:
        _transition(order, Action.accept_reply)
        pending.review = Decision.accepted
        order.final_result = pending.result
        lead = _lead(order)
        lead.state = AssignmentState.done
        _event(session, actor, order, "reply_accepted", public=pending.text)
        citizen = repository.citizen_of(session, order)
        if citizen is not None:
            notify.notify(session, template="order_replied", recipient_kind="citizen", phone=citizen.phone,
                          body=notify.render("order_replied", number=order.number, reply=pending.text),
                          work_order_id=order.id)
        _share_reply(session, actor, order, pending)
    else:
        _transition(order, Action.reject_reply)
        pending.review = Decision.rejected
        _event(session, actor, order, "reply_rejected", note=note, unit_id=order.lead_unit_id)
    return order


def record_callback(session: Session, actor: Principal, order: WorkOrder, *, reached: bool,
                    resolved: bool | None = None, verdict: Verdict | None = None, unit_fault: bool = False,
                    note: str | None = None, version: int | None = None) -> Callback:
    """回访. Unreached: another attempt later (closed as unreachable after three). Satisfied or
    basically satisfied: close. First dissatisfied: back to the same unit to re-handle, with a
    new deadline. Dissatisfied again: close and mark the order for supervision."""
    access.require_centre_of(actor, order, Cap.callback)
    _expect_version(order, version)
    if order.status != Status.callback:
        raise Conflict(f"工单不在待回访状态（当前：{order.status.value}）", status=order.status.value)
    text = validate.text(note, "note", max_length=500, required=False)
    if reached and verdict is None:
        raise InvalidInput("verdict", "接通后须记录满意度")
    if reached and resolved is None:
        raise InvalidInput("resolved", "接通后须记录是否解决")
    now = clock.now()
    round_ = order.rehandle_count + 1
    attempt = Callback(work_order_id=order.id, round=round_, agent_id=actor.user_id, at=now, reached=reached,
                       resolved=resolved if reached else None, verdict=verdict if reached else None,
                       unit_fault=unit_fault if reached else False, note=text)
    session.add(attempt)
    session.flush()
    if not reached:
        tries = len([c for c in repository.callbacks(session, order.id, round_) if not c.reached])
        _event(session, actor, order, "callback_unreached", attempt=tries, note=text)
        if tries >= MAX_CALLBACK_ATTEMPTS:
            _close(session, actor, order, note=f"{MAX_CALLBACK_ATTEMPTS} 次回访未接通，按未回访办结")
        return attempt
    assert verdict is not None
    _event(session, actor, order, "callback_recorded", verdict=verdict.value, resolved=resolved,
           unit_fault=unit_fault, note=text, unit_id=order.lead_unit_id)
    if verdict != Verdict.dissatisfied:
        order.final_verdict = verdict
        _close(session, actor, order, note=None)
        return attempt
    order.dissatisfied_count += 1
    if order.dissatisfied_count == 1:
        _rehandle(session, actor, order, note=text)
    else:
        order.final_verdict = verdict
        order.supervision_flag = True
        order.supervision_reason = "二次回访不满意" + ("（承办单位责任）" if unit_fault else "")
        _event(session, actor, order, "supervision_flagged", reason=order.supervision_reason, unit_fault=unit_fault,
               unit_id=order.lead_unit_id)
        _close(session, actor, order, note=order.supervision_reason)
    return attempt


def _rehandle(session: Session, actor: Principal, order: WorkOrder, *, note: str | None) -> None:
    _transition(order, Action.rehandle)
    order.rehandle_count += 1
    lead = next((a for a in reversed(order.assignments) if a.role == AssignmentRole.lead
                 and a.state != AssignmentState.revoked), None)
    if lead is None:
        raise Conflict("找不到原主办单位")
    lead.state = AssignmentState.active
    now = clock.now()
    _set_deadlines(session, order, now, direct=False)
    _event(session, actor, order, "rehandle", unit=lead.unit.name, unit_id=lead.unit_id, note=note,
           due_at=order.due_at.isoformat() if order.due_at else None)
    notify.notify_unit(session, template="unit_new_order", phone=lead.unit.contact_phone,
                       body=notify.render("unit_new_order", number=order.number, sign_due=_cst(order.sign_due_at)),
                       work_order_id=order.id, unit_id=lead.unit_id)


def _close(session: Session, actor: Principal | None, order: WorkOrder, *, note: str | None) -> None:
    _transition(order, Action.close)
    order.closed_at = clock.now()
    for a in order.assignments:
        if a.state == AssignmentState.active:
            a.state = AssignmentState.done
    _event(session, actor, order, "closed", note=note, unit_id=order.lead_unit_id)


def withdraw(session: Session, actor: Principal | None, order: WorkOrder, *, reason: str | None = None,
             version: int | None = None) -> WorkOrder:
    """The citizen withdraws the appeal before the unit starts handling it. ``actor`` is the
    agent taking the request, or None when the citizen does it on the public page (after
    proving the phone number)."""
    if actor is not None:
        access.require_centre_of(actor, order, Cap.intake)
    _expect_version(order, version)
    _transition(order, Action.withdraw)
    order.closed_at = clock.now()
    for a in order.assignments:
        if a.state == AssignmentState.active:
            a.state = AssignmentState.revoked
    _event(session, actor, order, "withdrawn", actor_name=None if actor else "citizen",
           note=validate.text(reason, "reason", max_length=500, required=False))
    for child in repository.merged_children(session, order.id):  # the others' appeals still stand
        _transition(child, Action.unmerge)
        child.merged_into_id = None
        _event(session, actor, child, "unmerged", actor_name=None if actor else "system", parent=order.number,
               note="主工单已撤回")
    return order


# --- reading -------------------------------------------------------------------------------


# --- duplicates merged into one order (并案) -------------------------------------------------------

#: How many duplicates one order may take in at a time.
MAX_MERGE = 50


def merge(session: Session, actor: Principal, parent: WorkOrder, children: Sequence[WorkOrder], *,
          version: int | None = None) -> list[WorkOrder]:
    """并案: duplicates join ``parent`` while it is open (not closed, withdrawn or merged
    itself). A duplicate may be awaiting dispatch or already with a unit (dispatched, being
    handled, returned): its unit is relieved of it (its assignments revoked, its deadline
    dropped). The unit handles the parent alone; when its reply is accepted every merged order
    gets the reply (its citizen a text) and goes to callback on its own — at once, when the
    parent's reply was accepted already. Unmerge while the parent is still being handled."""
    access.require_centre_of(actor, parent, Cap.dispatch)
    _expect_version(parent, version)
    if parent.merged_into_id is not None:
        raise Conflict("该工单本身已并入其他工单", status=parent.status.value)
    if parent.status not in MAIN_STATUSES:
        raise Conflict(f"主工单当前状态为“{STATUS_NAMES[parent.status]}”，不能再并入工单", status=parent.status.value)
    unique = {c.id: c for c in children if c.id != parent.id}
    if not 1 <= len(unique) <= MAX_MERGE:
        raise InvalidInput("numbers", f"请选择 1 到 {MAX_MERGE} 张其他工单")
    now = clock.now()
    answered = repository.latest_accepted_reply(session, parent.id) if parent.status == Status.callback else None
    for child in unique.values():
        if repository.merged_children(session, child.id):
            raise Conflict(f"工单 {child.number} 已有并入的工单，不能再并入其他工单", status=child.status.value)
        _transition(child, Action.merge)
        relieved = [a.unit.name for a in child.assignments if a.state == AssignmentState.active]
        for a in child.assignments:
            if a.state == AssignmentState.active:
                a.state = AssignmentState.revoked
        pending = repository.pending_return(session, child.id)
        if pending is not None:
            pending.decision, pending.decided_by_id, pending.decided_at = "merged", actor.user_id, now
        child.due_at = child.sign_due_at = child.due_soon_warned_at = child.overdue_at = None
        child.merged_into_id = parent.id
        _event(session, actor, child, "merged", into=parent.number, relieved=relieved or None)
    _event(session, actor, parent, "merged_in", numbers=[c.number for c in unique.values()])
    session.flush()
    if answered is not None:
        lead = _lead_unit(parent)
        for child in unique.values():
            _answer_merged(session, actor, parent, child, answered, lead, now)
    return list(unique.values())


def unmerge(session: Session, actor: Principal, child: WorkOrder, *, version: int | None = None) -> WorkOrder:
    """A merged order leaves its group and waits for dispatch again."""
    access.require_centre_of(actor, child, Cap.dispatch)
    _expect_version(child, version)
    parent = session.get(WorkOrder, child.merged_into_id) if child.merged_into_id else None
    _transition(child, Action.unmerge)
    child.merged_into_id = None
    _event(session, actor, child, "unmerged", parent=parent.number if parent else None)
    if parent is not None:
        _event(session, actor, parent, "merged_out", number=child.number)
    session.flush()
    return child


def _share_reply(session: Session, actor: Principal, parent: WorkOrder, reply: Reply) -> None:
    """The parent's accepted reply answers every order merged into it: each takes the reply
    and the lead unit, its citizen gets the text, and it waits for its own callback."""
    now = clock.now()
    lead = _lead_unit(parent)
    for child in repository.merged_children(session, parent.id):
        _answer_merged(session, actor, parent, child, reply, lead, now)


def _answer_merged(session: Session, actor: Principal, parent: WorkOrder, child: WorkOrder, reply: Reply,
                   lead: Unit | None, now: dt.datetime) -> None:
    _transition(child, Action.share_reply)
    child.final_result = reply.result
    child.answer = reply.text
    if lead is not None:
        child.lead_unit_id, child.lead_unit = lead.id, lead
        _assign(child, lead, AssignmentRole.lead, now).state = AssignmentState.done
    _event(session, actor, child, "reply_shared", parent=parent.number, public=reply.text)
    citizen = repository.citizen_of(session, child)
    if citizen is not None:
        notify.notify(session, template="order_replied", recipient_kind="citizen", phone=citizen.phone,
                      body=notify.render("order_replied", number=child.number, reply=reply.text),
                      work_order_id=child.id)


def recount_deadlines(session: Session, order: WorkOrder, *, before: WorkCalendar, calendar: WorkCalendar) -> bool:
    """Count an uncovered order's deadlines again once the calendar covers them (issue 18):
    the handling deadline (with any extension in it) and the signing deadline keep their
    number of working days from the start of the count (the latest dispatch or re-handling),
    counted over ``calendar`` instead of ``before`` (the weekends-only view the order was
    counted with). An order still reaching into a year without a schedule is left as it is
    (returns False); otherwise both deadlines and the mark are set, with an event old → new.
    Marks of the sweep are cleared when the new deadline is still ahead."""
    start = repository.deadline_start(session, order.id)
    if start is None or order.due_at is None:
        return False
    due = calendar.recount(before, start, order.due_at)
    sign = calendar.recount(before, start, order.sign_due_at) if order.sign_due_at else None
    if not due.covered or (sign is not None and not sign.covered):
        return False
    old_due, old_sign = order.due_at, order.sign_due_at
    order.due_at, order.due_covered = due.at, True
    if sign is not None:
        order.sign_due_at = sign.at
    if due.at != old_due and due.at > clock.now():
        order.due_soon_warned_at = order.overdue_at = None  # the sweep watches the new deadline
    _event(session, None, order, "deadline_recounted", actor_name="system", due_at=due.at.isoformat(),
           previous_due_at=old_due.isoformat(), sign_due_at=sign.at.isoformat() if sign else None,
           previous_sign_due_at=old_sign.isoformat() if old_sign else None,
           note=f"办理期限 {_cst(old_due)} → {_cst(due.at)}")
    return True


def recount_coordination(session: Session, case: CoordinationCase, *, calendar: WorkCalendar) -> bool:
    """Count an open coordination case's 3 working days again over ``calendar``; when the
    deadline moves, set it with an event on the order (old → new)."""
    due = calendar.add_working_days(case.opened_at, COORDINATION_WORKING_DAYS)
    if due.at == case.due_at:
        return False
    order = session.get(WorkOrder, case.work_order_id)
    if order is None:
        return False
    old = case.due_at
    case.due_at = due.at
    _event(session, None, order, "deadline_recounted", actor_name="system", coordination_due_at=due.at.isoformat(),
           previous_coordination_due_at=old.isoformat(), note=f"协调期限 {_cst(old)} → {_cst(due.at)}")
    return True


def _lead_unit(order: WorkOrder) -> Unit | None:
    lead = next((a for a in reversed(order.assignments) if a.role == AssignmentRole.lead
                 and a.state != AssignmentState.revoked), None)
    return lead.unit if lead is not None else None


def deadline_state(session: Session, order: WorkOrder, now: dt.datetime | None = None) -> sla.DeadlineState | None:
    """None while no unit's clock runs: closed, withdrawn, awaiting callback, or in a
    coordination case (the clock is paused; the decided unit gets a fresh deadline, ADR 0013)."""
    if order.due_at is None or order.status in (Status.closed, Status.withdrawn, Status.callback,
                                                Status.coordinating):
        return None
    # Hour-based deadlines (direct dispatch, emergencies) warn hours ahead, not a working day.
    hourly = order.direct_rule_id is not None or order.urgency == sla.Urgency.emergency
    settings = get_settings()
    return sla.state(_calendar(session), now or clock.now(), order.due_at, settings.due_soon_working_days,
                     warn_before=dt.timedelta(hours=settings.due_soon_hours) if hourly else None)


def public_lookup(session: Session, number: str, phone: str) -> WorkOrder:
    """The citizen follows an order with its number and the phone number it was filed with;
    a wrong pair answers exactly like a missing order."""
    from hotline.kit.errors import NotFound

    order = repository.by_number(session, (number or "").strip()[:20])
    try:
        digits = validate.phone(phone)
    except InvalidInput:
        raise NotFound("没有找到该工单，请核对工单号和手机号") from None
    citizen = repository.citizen_of(session, order) if order is not None else None
    if order is None or citizen is None or citizen.phone_hash != citizen_service.phone_hash(digits):
        raise NotFound("没有找到该工单，请核对工单号和手机号")
    return order


@dataclass
class CitizenShown:
    name: str | None
    phone: str | None
    masked: bool
    revealable: bool = False  # masked, and the caller may reveal it with a reason (:func:`reveal_citizen`)


def hides_reporter(actor: Principal, order: WorkOrder) -> bool:
    """The reporter of a confidential report (举报) is hidden from the units that handle it and
    from sector viewers — the people the report may be about (S1 §10): no name, no phone, no
    reveal, and personal data in the text masked (:func:`order_text`)."""
    return order.is_confidential and (actor.can(Cap.handle) or actor.role == Role.sector_viewer)


def citizen_shown(session: Session, actor: Principal, order: WorkOrder) -> CitizenShown | None:
    """Who filed the order, as this caller may see it (ADR 0004). Call-takers and centre
    supervisors (``PII_ROLES``) see the contact unmasked, audited; handling units see it
    masked and may reveal it for this order with a reason (:func:`reveal_citizen`); everyone
    else sees it masked. The reporter of a confidential report is hidden from units entirely
    (:func:`hides_reporter`)."""
    from hotline.kit import crypto

    citizen = repository.citizen_of(session, order)
    if citizen is None or hides_reporter(actor, order):
        return None
    if actor.sees_pii:
        audit.record(session, actor, "pii.viewed", object_type="citizen", object_id=citizen.id,
                     detail={"fields": ["name", "phone"], "purpose": "work_order", "number": order.number})
        return CitizenShown(citizen.name, citizen.phone, False)
    return CitizenShown(crypto.mask_name(citizen.name), crypto.mask_phone(citizen.phone), True,
                        revealable=actor.can(Cap.handle))


def reveal_citizen(session: Session, actor: Principal, order: WorkOrder, *, reason: str | None) -> CitizenShown:
    """查看联系方式: a handling unit reveals the caller's name and phone for one order it may
    see, stating why (required). Each reveal writes ``pii.revealed`` (who, which order, which
    fields, the reason — personal data in it masked) and counts as a read of the register.
    Other roles: 403. A confidential report's reporter is never revealed to a unit: 403, and
    the refusal is recorded as a denied access."""
    from hotline.kit import redact

    access.require(actor, Cap.handle)
    citizen = repository.citizen_of(session, order)
    if citizen is not None and hides_reporter(actor, order):
        access.deny(session, actor, "citizen", citizen.id, number=order.number, purpose="reveal")
        raise Forbidden("举报人信息依法保密，承办单位不可查看")
    why = validate.text(reason, "reason", max_length=200) or ""
    if citizen is None:
        from hotline.kit.errors import NotFound

        raise NotFound("该工单未留联系方式")
    citizen_service.count_read(session, actor)
    fields = [f for f in ("name", "phone") if getattr(citizen, f)]
    audit.record(session, actor, "pii.revealed", object_type="citizen", object_id=citizen.id,
                 detail={"fields": fields, "number": order.number, "reason": redact.mask_personal_text(why)})
    return CitizenShown(citizen.name, citizen.phone, False)


def order_text(actor: Principal, order: WorkOrder) -> tuple[str, str]:
    """The title and content as this caller may read them: on a confidential report, names
    after 我叫/本人/…, phone and ID numbers are masked for those the reporter is hidden from
    (:func:`hides_reporter`), so a reporter who named himself in the text stays hidden."""
    if not hides_reporter(actor, order):
        return order.title, order.content
    from hotline.kit import redact

    return redact.mask_personal_text(order.title), redact.mask_personal_text(order.content)
