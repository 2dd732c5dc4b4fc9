"""Intake (受理): validate an appeal, plan its order, write planned orders in batches, join a
repeat appeal to the open order of the same catalogue entry. ``intake`` is the one door every
channel uses."""

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
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.citizen import repository as citizen_repository
from hotline.citizen import service as citizen_service
from hotline.config import get_settings
from hotline.intelligence import duplicates, enterprise
from hotline.kit import clock, validate
from hotline.kit.db import insert_many
from hotline.kit.errors import Conflict, InvalidInput
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import AppealType, Category, Region, Unit
from hotline.workorder import repository, sla
from hotline.workorder.lifecycle import URGE_STATUSES, Action, Status, apply
from hotline.workorder.models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    IdempotencyKey,
    OrderSource,
    ReplyResult,
    WorkOrder,
)
from hotline.workorder.service._common import _calendar, _cst
from hotline.workorder.service.direct import DirectPlan, _matching_direct_rule, _plan_direct_dispatch

CONSULTATION = "consultation"


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
    # the channel's own id of the appeal (a board's 留言编号, an Open311 request, a call id): an
    # intake repeating one gets the order the first made; and the time the source gives it
    source_ref: str | None = None
    received_at: dt.datetime | None = None
    # the pictures and files the source showed with it, as its http(s) links (never fetched)
    source_links: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """Hash of the request, to tell a retry from a different request reusing a key."""
        body = {k: (v.value if hasattr(v, "value") else v) for k, v in self.__dict__.items()}
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


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
    source_ref: str | None = None  # the channel's own id of the appeal (``IntakeData.source_ref``)
    received_at: dt.datetime | None = None  # the time the source gives it
    source_links: tuple[str, ...] = ()  # what the source showed with it, as links
    #: A direct-dispatch catalogue entry matched but the place has no such unit: the order waits
    #: for a dispatcher, and the dispatchers' workbench lists it (直派失败).
    direct_missed: str | None = None


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
    source_ref = validate.text(data.source_ref, "source_ref", max_length=100, required=False)
    received_at = _received_at(data.received_at, source_ref)
    source_links = _source_links(data.source_links, source_ref)
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
    direct_missed = None
    if answer is not None:
        values.update(status=apply(Status.registered, Action.answer), answer=answer, closed_at=now,
                      final_result=ReplyResult.resolved)
    elif region is not None:
        rule = _matching_direct_rule(session, category, title + content)
        if rule is not None:
            direct = _plan_direct_dispatch(session, rule, category, region, data.urgency, now)
            direct_missed = rule.name if direct is None else None
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
        enterprise_reason=enterprise_reason, centre_region_id=centre.region_id, source_ref=source_ref,
        received_at=received_at, source_links=source_links, direct_missed=direct_missed,
    )


#: Links a source may give with one appeal (a board shows at most nine pictures).
MAX_SOURCE_LINKS = 9


def _source_links(values: tuple[str, ...] | list[str], source_ref: str | None) -> tuple[str, ...]:
    """The source's links: absolute http(s) URLs of at most 500 characters, at most
    ``MAX_SOURCE_LINKS``, repeats dropped; only with the source's own id."""
    if not values:
        return ()
    if source_ref is None:
        raise InvalidInput("source_links", "来源链接须与来源编号一同提供")
    if len(values) > MAX_SOURCE_LINKS:
        raise InvalidInput("source_links", f"来源链接最多 {MAX_SOURCE_LINKS} 个")
    out: dict[str, None] = {}
    for value in values:
        out.setdefault(validate.web_link(value if isinstance(value, str) else None, "source_links"), None)
    return tuple(out)


def _received_at(value: dt.datetime | None, source_ref: str | None) -> dt.datetime | None:
    """The source's own time of an appeal: only with its reference, with a time zone, not in
    the future (a few minutes of clock skew between systems allowed)."""
    if value is None:
        return None
    if source_ref is None:
        raise InvalidInput("received_at", "来源时间须与来源编号一同提供")
    if value.tzinfo is None:
        raise InvalidInput("received_at", "来源时间须带时区")
    if value > clock.now() + dt.timedelta(minutes=10):
        raise InvalidInput("received_at", "来源时间不能晚于当前时间")
    return value


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
    sourced = repository.orders_by_source(
        session, [(p.values["channel_id"], p.source_ref) for p in plans if p.source_ref is not None])
    first_of_source: dict[tuple[int, str], int] = {}
    for i, plan in enumerate(plans):
        if plan.source_ref is not None:  # the channel's own id: the same appeal again gets its order
            source = (plan.values["channel_id"], plan.source_ref)
            if source in sourced:
                order_id, number = sourced[source]
                outcomes[i] = IntakeResult(order_id, number, False, plan)
                continue
            if source in first_of_source:
                repeats[i] = first_of_source[source]
                continue
            first_of_source[source] = i
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
    insert_many(session, OrderSource, [
        {"work_order_id": order_id, "channel_id": plans[i].values["channel_id"], "ref": plans[i].source_ref,
         "received_at": plans[i].received_at, "links": list(plans[i].source_links) or None,
         "created_at": plans[i].now}
        for i, order_id in zip(fresh, ids, strict=True) if plans[i].source_ref is not None])
    notify.queue_rows(session, texts)
    answered = [(plans[i].knowledge, order_id) for i, order_id in zip(fresh, ids, strict=True) if plans[i].knowledge]
    if answered:
        from hotline.knowledge import service as knowledge_service

        knowledge_service.answer_rows(session, [(k[0], k[1], order_id, "agent") for k, order_id in answered if k])
    for i, j in repeats.items():
        first_result = outcomes[j]
        assert first_result is not None
        outcomes[i] = IntakeResult(first_result.work_order_id, first_result.number, False, plans[i]) \
            if isinstance(first_result, IntakeResult) else first_result
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
    elif plan.direct_missed is not None:
        actor_name = None if actor else "system"
        event("direct_dispatch_failed", Status.registered,
              note=f"直派目录：{plan.direct_missed}（当地无对应单位，转人工派单）")


def intake(
    session: Session, actor: Principal | None, data: IntakeData, *, idempotency_key: str | None = None,
) -> tuple[WorkOrder, bool]:
    """Register an appeal as a work order — the one door every channel comes in by (the intake
    console, the public page, the JSON API, and the channels still to come: boards, Open311,
    telephony). A channel never writes the order's tables itself.

    A channel passes:

    - ``session``: its open transaction; intake writes the order, its events, the citizen
      record and the queued SMS into it and never commits;
    - ``actor``: the signed-in principal, who must hold ``Cap.intake`` (an agent or an
      integration account); the order belongs to the actor's centre when the actor is
      centre staff, otherwise to the centre of its region. ``None`` for the public
      self-service page (the centre of its region), where a phone number is required;
    - ``data``: an :class:`IntakeData` naming an active ``channel`` and ``appeal_type`` by
      code, a ``title`` (≤ 100 characters) and ``content`` (≤ 5000), and optionally the
      caller's phone and name, category and region codes, address, urgency, enterprise
      details; ``answer``/``knowledge_item_id`` only for a consultation answered during the
      call, ``is_confidential`` only for a report. Bad input raises ``InvalidInput`` (422)
      naming the field;
    - ``idempotency_key`` (only honoured with an ``actor``): the channel's own id of the
      request. A retry with the same key and the same body returns the order created the
      first time with ``created`` False; the same key with a different body raises
      ``Conflict`` (409).

    Returns ``(order, created)``. A consultation answered during the call closes at once; an
    order matching the direct-dispatch catalogue is dispatched straight to the local unit
    (or, repeating an open order of the same catalogue entry and place, joins it as merged);
    everything else waits in its centre's queue. The caller is told its number by SMS when
    it gave a phone. (The JSON API batches the writing of concurrent intakes with
    ``plan_intake`` + ``write_intakes``; this door is the same two steps for one appeal.)"""
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
