"""Queries of work orders."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.orm.util import identity_key

from hotline.audit.models import AuditEvent
from hotline.citizen.models import Citizen
from hotline.kit import cache, grams
from hotline.kit.db import insert_many, reserve_ids, run, table_of
from hotline.org.models import Category, Channel, Region, Unit
from hotline.workorder.lifecycle import OPEN_STATUSES, Status
from hotline.workorder.models import (
    Assignment,
    AssignmentState,
    Callback,
    CoordinationCase,
    DeadlineRuleRow,
    DirectDispatchRule,
    DirectTarget,
    Extension,
    GreenChannelRow,
    IdempotencyKey,
    IntakeDraft,
    NumberCounter,
    OrderSource,
    OrderText,
    Reply,
    ReturnRequest,
    WorkOrder,
)

Scope = Callable[[Select[WorkOrder]], Select[WorkOrder]]

cache.watch(DirectDispatchRule, DeadlineRuleRow, GreenChannelRow)
_REFERENCE = cache.reference_cache()


def take_numbers(session: Session, day: str, count: int) -> int:
    """Atomically take the next ``count`` values of the day's counter and return the last.

    One upsert in the caller's transaction. On PostgreSQL the counter row stays locked until
    that transaction commits, which serialises intakes no more than the audit chain's head
    already does; intakes are written in batches (group commit), so it is taken once per
    batch, not once per order."""
    stmt = _TAKE_NUMBERS[session.get_bind().dialect.name == "postgresql"]
    return int(run(session, stmt, {"day": day, "count": count}).scalar_one())


def _take_numbers(insert_: Any) -> Any:
    counter = table_of(NumberCounter)
    stmt = insert_(counter).values(day=bindparam("day"), value=bindparam("count"))
    stmt = stmt.on_conflict_do_update(index_elements=["day"], set_={"value": counter.c.value + bindparam("count")})
    return stmt.returning(counter.c.value)


#: the day counter's upsert (SQLite, PostgreSQL), built once: every intake batch runs it
_TAKE_NUMBERS = (_take_numbers(sqlite.insert), _take_numbers(postgresql.insert))


@dataclass(frozen=True)
class IdempotencyRow:
    request_hash: str
    work_order_id: int
    number: str


def idempotency_rows(session: Session, idents: list[tuple[int, str]]) -> dict[tuple[int, str], IdempotencyRow]:
    """The remembered intake requests among these ``(principal id, key)`` pairs."""
    by_principal: dict[int, list[str]] = {}
    for principal_id, key in idents:
        by_principal.setdefault(principal_id, []).append(key)
    found: dict[tuple[int, str], IdempotencyRow] = {}
    for principal_id, keys in by_principal.items():
        for row in run(session, _REPLAYS, {"principal": principal_id, "keys": sorted(set(keys))}):
            found[(principal_id, row.key)] = IdempotencyRow(row.request_hash, row.id, row.number)
    return found


_KEYS, _ORDERS = table_of(IdempotencyKey), table_of(WorkOrder)
#: a batch's remembered requests, built once (kit.db.run): every intake batch runs it
_REPLAYS = (select(_KEYS.c.key, _KEYS.c.request_hash, _ORDERS.c.id, _ORDERS.c.number)
            .join(_ORDERS, _ORDERS.c.id == _KEYS.c.work_order_id)
            .where(_KEYS.c.principal_id == bindparam("principal"), _KEYS.c.key.in_(bindparam("keys", expanding=True))))


def orders_by_source(session: Session, sources: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str]]:
    """The orders already made from these ``(channel id, source ref)`` pairs: pair → (id, number)."""
    if not sources:
        return {}
    refs = sorted({ref for _, ref in sources})
    stmt = (select(OrderSource.channel_id, OrderSource.ref, WorkOrder.id, WorkOrder.number)
            .join(WorkOrder, WorkOrder.id == OrderSource.work_order_id).where(OrderSource.ref.in_(refs)))
    wanted = set(sources)
    return {(row.channel_id, row.ref): (row.id, row.number) for row in session.execute(stmt)
            if (row.channel_id, row.ref) in wanted}


@dataclass(frozen=True)
class SourceRow:
    """One way an appeal reached the platform: the order it made (the order itself or one
    merged into it), its channel and, when the channel gave one, its own reference and time."""

    number: str
    channel_code: str
    channel_name: str
    ref: str | None
    received_at: dt.datetime | None
    registered_at: dt.datetime
    links: list[str] | None = None  # what the source showed with the appeal (never fetched)


def sources_of(session: Session, order_id: int) -> list[SourceRow]:
    """Every source of an order: its own and those of the orders merged into it, oldest first."""
    stmt = (select(WorkOrder.number, Channel.code, Channel.name, OrderSource.ref, OrderSource.received_at,
                   WorkOrder.registered_at, OrderSource.links)
            .join(Channel, Channel.id == WorkOrder.channel_id)
            .outerjoin(OrderSource, OrderSource.work_order_id == WorkOrder.id)
            .where(or_(WorkOrder.id == order_id, WorkOrder.merged_into_id == order_id))
            .order_by(WorkOrder.registered_at, WorkOrder.id))
    return [SourceRow(*row) for row in session.execute(stmt)]


def insert_work_orders(session: Session, rows: list[dict[str, Any]], joins: dict[int, int] | None = None) -> list[int]:
    """Insert work orders, one multi-row statement for the batch; their ids in the rows' order.
    ``joins``: row position → the position of an earlier row of the batch it is merged into."""
    ids = reserve_ids(session, WorkOrder, len(rows))
    joins = joins or {}
    insert_many(session, WorkOrder, [{**row, "id": i, **({"merged_into_id": ids[joins[n]]} if n in joins else {})}
                                     for n, (row, i) in enumerate(zip(rows, ids, strict=True))])
    insert_many(session, OrderText, [{"work_order_id": i, "terms": grams.document(row["title"], row["content"],
                                                                                  row.get("address"))}
                                     for row, i in zip(rows, ids, strict=True)])
    return ids


@dataclass(frozen=True)
class MainCandidate:
    """An open direct-dispatched order a repeat appeal may join at intake."""

    id: int
    number: str
    status: Status
    direct_rule_id: int
    region_id: int
    address: str | None
    registered_at: dt.datetime


def open_direct_orders(session: Session, *, places: list[tuple[int, int]], since: dt.datetime,
                       statuses: frozenset[Status]) -> list[MainCandidate]:
    """The orders dispatched by these catalogue entries to these places — ``(rule id,
    region id)`` pairs — since ``since``, still in one of ``statuses`` (open, not merged
    ones), oldest first (the partial index ``ix_work_order_direct_place`` holds only
    direct-dispatched orders).

    On PostgreSQL each pair is first locked for the rest of the transaction (an advisory
    lock, in sorted order, always before the callers' phones are): a concurrent intake of the
    same outage in another process waits, then finds the order this one dispatches. SQLite
    has one writer, so nothing can race there."""
    wanted = sorted(set(places))
    if not wanted:
        return []
    if session.get_bind().dialect.name == "postgresql":
        keys = sorted(int.from_bytes(hashlib.sha256(f"direct:{r}:{g}".encode()).digest()[:8], "big", signed=True)
                      for r, g in wanted)
        session.execute(text("SELECT count(pg_advisory_xact_lock(k)) FROM "
                             "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS places"), {"keys": keys})
    stmt = (select(WorkOrder.id, WorkOrder.number, WorkOrder.status, WorkOrder.direct_rule_id, WorkOrder.region_id,
                   WorkOrder.address, WorkOrder.registered_at)
            .where(WorkOrder.direct_rule_id.is_not(None), WorkOrder.direct_rule_id.in_(sorted({r for r, _ in wanted})),
                   WorkOrder.region_id.in_(sorted({g for _, g in wanted})), WorkOrder.registered_at >= since)
            .order_by(WorkOrder.id))
    # the status is tested here, not in SQL: a condition on it (or on merged_into_id) lures the
    # planner onto that column's index, which holds every open order of the province
    return [MainCandidate(row.id, row.number, row.status, row.direct_rule_id or 0, row.region_id or 0, row.address,
                          row.registered_at) for row in session.execute(stmt) if row.status in statuses]


def add_urges(session: Session, counts: dict[int, int]) -> None:
    """Count repeat appeals on their main orders. Not a version change: a unit's or a
    dispatcher's form on the main order stays valid when another caller reports the same."""
    if not counts:
        return
    t = table_of(WorkOrder)
    session.execute(update(t).where(t.c.id == bindparam("b_id")).values(urge_count=t.c.urge_count + bindparam("b_n")),
                    [{"b_id": order_id, "b_n": n} for order_id, n in counts.items()])
    for order_id in counts:  # a main order already loaded in this session reads the new count
        loaded = session.identity_map.get(identity_key(WorkOrder, order_id))
        if loaded is not None:
            session.expire(loaded, ["urge_count"])


def by_number(session: Session, number: str) -> WorkOrder | None:
    return session.execute(select(WorkOrder).where(WorkOrder.number == number)).unique().scalar_one_or_none()


def active_direct_rules(session: Session) -> list[DirectDispatchRule]:
    return list(session.execute(
        select(DirectDispatchRule).where(DirectDispatchRule.active.is_(True)).order_by(DirectDispatchRule.id)
    ).scalars())


@dataclass(frozen=True)
class DirectRuleKey:
    """What matching an order against the catalogue, and acting on the match, needs of an entry."""

    id: int
    name: str
    category_codes: tuple[str, ...]
    keywords: tuple[str, ...]
    target: DirectTarget
    utility_type: str | None


def cached_direct_rule_keys(session: Session) -> list[DirectRuleKey]:
    """The active catalogue, in order, for the intake path (reference cache)."""
    def load() -> list[DirectRuleKey]:
        return [DirectRuleKey(r.id, r.name, tuple(r.category_codes), tuple(k for k in r.keywords if k), r.target,
                              r.utility_type)
                for r in active_direct_rules(session)]

    if cache.changes_reference(session):
        return load()
    keys: list[DirectRuleKey] = _REFERENCE.get_or_load("direct_rule_keys", load)
    return keys


def cached_deadline_rules(session: Session) -> list[DeadlineRuleRow]:
    return cache.cached_rows(session, _REFERENCE, "deadline_rules", lambda: deadline_rules(session))


def cached_green_rules(session: Session) -> list[GreenChannelRow]:
    return cache.cached_rows(session, _REFERENCE, "green_channel_rules", lambda: green_rules(session))


def green_rules(session: Session) -> list[GreenChannelRow]:
    return list(session.execute(select(GreenChannelRow).order_by(GreenChannelRow.id)).scalars())


def all_direct_rules(session: Session) -> list[DirectDispatchRule]:
    return list(session.execute(select(DirectDispatchRule).order_by(DirectDispatchRule.id)).scalars())


def deadline_rules(session: Session) -> list[DeadlineRuleRow]:
    return list(session.execute(select(DeadlineRuleRow).order_by(DeadlineRuleRow.id)).scalars())


@dataclass
class OrderFilter:
    status: Status | None = None
    open_only: bool = False
    unit_id: int | None = None  # active assignment of this unit
    overdue_before: dt.datetime | None = None
    due_before: dt.datetime | None = None
    citizen_id: int | None = None
    q: str | None = None
    q_in_confidential: bool = True  # False: the text search skips confidential reports (number only)
    needs: str | None = None  # returns | extensions | coordination (centre review queues)
    enterprise: bool | None = None  # True: enterprises' appeals only (市场主体); False: citizens' only
    uscc: str | None = None  # an enterprise's unified social credit code, exactly
    enterprise_name: str | None = None  # part of an enterprise's name
    #: Enterprises' appeals first (涉企诉求绿色通道): the dispatchers' queue and the units' inboxes.
    enterprise_first: bool = False


def search(session: Session, scope: Scope, f: OrderFilter, *, limit: int, offset: int) -> tuple[list[WorkOrder], int]:
    stmt = scope(select(WorkOrder))
    if f.status is not None:
        stmt = stmt.where(WorkOrder.status == f.status)
    if f.open_only:
        stmt = stmt.where(WorkOrder.status.in_(OPEN_STATUSES))
    if f.unit_id is not None:
        stmt = stmt.where(WorkOrder.id.in_(select(Assignment.work_order_id).where(
            Assignment.unit_id == f.unit_id, Assignment.state == AssignmentState.active)))
    if f.overdue_before is not None:
        stmt = stmt.where(WorkOrder.due_at < f.overdue_before, WorkOrder.status.in_(OPEN_STATUSES))
    if f.due_before is not None:
        stmt = stmt.where(WorkOrder.due_at < f.due_before, WorkOrder.status.in_(OPEN_STATUSES))
    if f.citizen_id is not None:
        stmt = stmt.where(WorkOrder.citizen_id == f.citizen_id)
    if f.q:
        like = f"%{f.q}%"
        in_text = or_(WorkOrder.title.ilike(like), WorkOrder.content.ilike(like))
        if not f.q_in_confidential:
            in_text = and_(in_text, WorkOrder.is_confidential.is_(False))
        stmt = stmt.where(or_(WorkOrder.number == f.q, in_text))
    if f.needs == "extensions":
        stmt = stmt.where(WorkOrder.id.in_(select(Extension.work_order_id).where(Extension.decision == "pending")))
    if f.needs == "coordination":
        stmt = stmt.where(WorkOrder.status == Status.coordinating)
    if f.enterprise is not None:
        stmt = stmt.where(WorkOrder.is_enterprise.is_(f.enterprise))
    if f.uscc:
        stmt = stmt.where(WorkOrder.uscc == f.uscc)
    if f.enterprise_name:
        stmt = stmt.where(WorkOrder.enterprise_name.icontains(f.enterprise_name, autoescape=True))
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    order_by: tuple[Any, ...] = (
        (WorkOrder.due_at.asc().nulls_last(), WorkOrder.id) if f.unit_id else (WorkOrder.id.desc(),))
    if f.enterprise_first:
        order_by = (WorkOrder.is_enterprise.desc(), *order_by)
    rows = session.execute(stmt.order_by(*order_by).limit(limit).offset(offset)).unique().scalars().all()
    return list(rows), total


def history_of_citizen(session: Session, citizen_ids: list[int], limit: int = 20) -> list[WorkOrder]:
    if not citizen_ids:
        return []
    stmt = select(WorkOrder).where(WorkOrder.citizen_id.in_(citizen_ids)).order_by(WorkOrder.id.desc()).limit(limit)
    return list(session.execute(stmt).unique().scalars())


def citizen_of(session: Session, order: WorkOrder) -> Citizen | None:
    return session.get(Citizen, order.citizen_id) if order.citizen_id else None


def replies(session: Session, order_id: int) -> list[Reply]:
    return list(session.execute(select(Reply).where(Reply.work_order_id == order_id).order_by(Reply.id)).scalars())


def pending_reply(session: Session, order_id: int) -> Reply | None:
    return session.execute(
        select(Reply).where(Reply.work_order_id == order_id, Reply.review == "pending").order_by(Reply.id.desc())
    ).scalars().first()


def latest_accepted_reply(session: Session, order_id: int) -> Reply | None:
    return session.execute(
        select(Reply).where(Reply.work_order_id == order_id, Reply.review == "accepted").order_by(Reply.id.desc())
    ).scalars().first()


def pending_return(session: Session, order_id: int) -> ReturnRequest | None:
    return session.execute(select(ReturnRequest).where(
        ReturnRequest.work_order_id == order_id, ReturnRequest.decision == "pending")).scalars().first()


def returns(session: Session, order_id: int) -> list[ReturnRequest]:
    return list(session.execute(
        select(ReturnRequest).where(ReturnRequest.work_order_id == order_id).order_by(ReturnRequest.id)).scalars())


def pending_extension(session: Session, order_id: int) -> Extension | None:
    return session.execute(select(Extension).where(
        Extension.work_order_id == order_id, Extension.decision == "pending")).scalars().first()


def extensions(session: Session, order_id: int) -> list[Extension]:
    return list(session.execute(
        select(Extension).where(Extension.work_order_id == order_id).order_by(Extension.id)).scalars())


def open_coordination(session: Session, order_id: int) -> CoordinationCase | None:
    return session.execute(select(CoordinationCase).where(
        CoordinationCase.work_order_id == order_id, CoordinationCase.decided_at.is_(None))).scalars().first()


def coordination_cases(session: Session, order_id: int) -> list[CoordinationCase]:
    return list(session.execute(select(CoordinationCase).where(
        CoordinationCase.work_order_id == order_id).order_by(CoordinationCase.id)).scalars())


def callbacks(session: Session, order_id: int, round_: int | None = None) -> list[Callback]:
    stmt = select(Callback).where(Callback.work_order_id == order_id)
    if round_ is not None:
        stmt = stmt.where(Callback.round == round_)
    return list(session.execute(stmt.order_by(Callback.id)).scalars())


def events(session: Session, order_id: int) -> list[AuditEvent]:
    return list(session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "work_order", AuditEvent.object_id == str(order_id))
        .order_by(AuditEvent.seq)
    ).scalars())


def merged_children(session: Session, order_id: int) -> list[WorkOrder]:
    """The orders merged into this one (still waiting on it)."""
    stmt = select(WorkOrder).where(WorkOrder.merged_into_id == order_id, WorkOrder.status == Status.merged)
    return list(session.execute(stmt.order_by(WorkOrder.id)).scalars().unique())


def merged_numbers(session: Session, order_id: int) -> list[str]:
    """The numbers of :func:`merged_children` — without loading the orders and the five
    tables each order row joins (every order page and action answer shows them)."""
    stmt = (select(WorkOrder.number).where(WorkOrder.merged_into_id == order_id, WorkOrder.status == Status.merged)
            .order_by(WorkOrder.id))
    return list(session.execute(stmt).scalars())


def number_of(session: Session, order_id: int) -> str | None:
    return session.execute(select(WorkOrder.number).where(WorkOrder.id == order_id)).scalar_one_or_none()


#: The events that start a new handling deadline (``_set_deadlines``): its count starts then.
DEADLINE_EVENTS = ("work_order.dispatched", "work_order.direct_dispatched", "work_order.rehandle")


def uncovered_open_orders(session: Session, *, after_id: int, limit: int) -> list[WorkOrder]:
    """Open orders whose deadline was counted over a year without a schedule, by id."""
    stmt = (select(WorkOrder).where(WorkOrder.due_covered.is_(False), WorkOrder.status.in_(OPEN_STATUSES),
                                    WorkOrder.id > after_id)
            .order_by(WorkOrder.id).limit(limit))
    return list(session.execute(stmt).scalars().unique())


def deadline_start(session: Session, order_id: int) -> dt.datetime | None:
    """When the order's current handling deadline started counting (its latest dispatch or
    re-handling)."""
    return session.execute(
        select(AuditEvent.at).where(AuditEvent.object_type == "work_order", AuditEvent.object_id == str(order_id),
                                    AuditEvent.action.in_(DEADLINE_EVENTS))
        .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()


def open_coordination_cases(session: Session, *, after_id: int, limit: int) -> list[CoordinationCase]:
    """Undecided coordination cases, by id."""
    return list(session.execute(
        select(CoordinationCase).where(CoordinationCase.decided_at.is_(None), CoordinationCase.id > after_id)
        .order_by(CoordinationCase.id).limit(limit)).scalars())


def overdue_coordination_cases(session: Session, now: dt.datetime, limit: int) -> list[CoordinationCase]:
    """Undecided coordination cases past their 3 working days and not yet flagged."""
    return list(session.execute(
        select(CoordinationCase).where(CoordinationCase.decided_at.is_(None), CoordinationCase.due_at < now,
                                       CoordinationCase.overdue_at.is_(None))
        .order_by(CoordinationCase.due_at, CoordinationCase.id).limit(limit)
        .with_for_update(skip_locked=True)).scalars())


@dataclass(frozen=True)
class OpenDataRow:
    """An order's columns as open data shows them (``service.public_records``): no reporter."""

    id: int
    number: str
    status: Status
    category_code: str | None
    category_name: str | None
    title: str
    content: str
    address: str | None
    region_code: str | None
    region_name: str | None
    registered_at: dt.datetime
    dispatched_at: dt.datetime | None
    signed_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    due_at: dt.datetime | None
    lead_unit_name: str | None
    answer: str | None
    merged_into_id: int | None


def open_data_orders(session: Session, *, numbers: list[str] | None, category_prefix: str | None,
                     since: dt.datetime | None, until: dt.datetime | None, statuses: frozenset[Status] | None,
                     region_prefix: str | None, limit: int) -> list[OpenDataRow]:
    """Non-confidential orders, newest first, filtered by number, category subtree (code
    prefix), registration time, status and place (the order's region, or for an order not
    yet placed its centre's region). Columns only: one statement, no ORM loading."""
    lead, centre, centre_region = aliased(Unit), aliased(Unit), aliased(Region)
    stmt = (select(WorkOrder.id, WorkOrder.number, WorkOrder.status, Category.code, Category.name, WorkOrder.title,
                   WorkOrder.content, WorkOrder.address, Region.code, Region.name, WorkOrder.registered_at,
                   WorkOrder.dispatched_at, WorkOrder.signed_at, WorkOrder.replied_at, WorkOrder.closed_at,
                   WorkOrder.due_at, lead.name, WorkOrder.answer, WorkOrder.merged_into_id)
            .outerjoin(Category, Category.id == WorkOrder.category_id)
            .outerjoin(Region, Region.id == WorkOrder.region_id)
            .outerjoin(lead, lead.id == WorkOrder.lead_unit_id)
            .where(WorkOrder.is_confidential.is_(False)))
    if numbers is not None:
        stmt = stmt.where(WorkOrder.number.in_(numbers))
    if category_prefix is not None:
        stmt = stmt.where(Category.code.startswith(category_prefix, autoescape=True))
    if since is not None:
        stmt = stmt.where(WorkOrder.registered_at >= since)
    if until is not None:
        stmt = stmt.where(WorkOrder.registered_at <= until)
    if statuses is not None:
        stmt = stmt.where(WorkOrder.status.in_(sorted(statuses)))
    if region_prefix is not None:
        stmt = (stmt.join(centre, centre.id == WorkOrder.centre_unit_id)
                .join(centre_region, centre_region.id == centre.region_id)
                .where(or_(Region.code.startswith(region_prefix, autoescape=True),
                           and_(WorkOrder.region_id.is_(None),
                                centre_region.code.startswith(region_prefix, autoescape=True)))))
    stmt = stmt.order_by(WorkOrder.registered_at.desc(), WorkOrder.id.desc()).limit(limit)
    return [OpenDataRow(*tuple(row)) for row in session.execute(stmt)]


def public_answers(session: Session, ids: list[int]) -> dict[int, str]:
    """The public answer of each order: the answer it carries (a consultation answered at
    intake, a shared reply) or else its latest accepted reply."""
    if not ids:
        return {}
    found: dict[int, str] = {}
    for order_id, text_ in session.execute(
            select(Reply.work_order_id, Reply.text).where(Reply.work_order_id.in_(ids), Reply.review == "accepted")
            .order_by(Reply.id)):
        found[order_id] = text_
    for order_id, answer in session.execute(
            select(WorkOrder.id, WorkOrder.answer).where(WorkOrder.id.in_(ids), WorkOrder.answer.is_not(None))):
        if answer is not None:
            found[order_id] = answer
    return found
# --- what outside channels read (service/channels.py) ------------------------------------------


def orders_by_id(session: Session, ids: list[int]) -> dict[int, WorkOrder]:
    if not ids:
        return {}
    stmt = select(WorkOrder).where(WorkOrder.id.in_(sorted(set(ids)))).options(selectinload(WorkOrder.assignments))
    return {o.id: o for o in session.execute(stmt).scalars().unique()}


def order_states(session: Session, ids: list[int]) -> dict[int, tuple[str, Status, str | None]]:
    """id → (number, status, number of the main order it is merged into)."""
    if not ids:
        return {}
    main = WorkOrder.__table__.alias("main")
    stmt = (select(WorkOrder.id, WorkOrder.number, WorkOrder.status, main.c.number)
            .outerjoin(main, main.c.id == WorkOrder.merged_into_id).where(WorkOrder.id.in_(sorted(set(ids)))))
    return {row[0]: (row[1], row[2], row[3]) for row in session.execute(stmt)}


def accepted_answers(session: Session, ids: list[int], *, since: dt.datetime | None
                     ) -> dict[int, tuple[str, dt.datetime, str]]:
    """id → (reply text, accepted at, number of the replied order) of the latest accepted
    reply of each order, or of its main order when it is merged into one."""
    if not ids:
        return {}
    targets = {row[0]: row[1] or row[0] for row in session.execute(
        select(WorkOrder.id, WorkOrder.merged_into_id).where(WorkOrder.id.in_(sorted(set(ids)))))}
    stmt = (select(Reply.work_order_id, Reply.text, Reply.reviewed_at, Reply.id, WorkOrder.number)
            .join(WorkOrder, WorkOrder.id == Reply.work_order_id)
            .where(Reply.work_order_id.in_(sorted(set(targets.values()))), Reply.review == "accepted")
            .order_by(Reply.id))
    latest: dict[int, tuple[str, dt.datetime | None, str]] = {}
    for order_id, text_, reviewed_at, _, number in session.execute(stmt):
        latest[order_id] = (text_, reviewed_at, number)  # ordered by id: the last one wins
    out = {}
    for order_id, target in targets.items():
        found = latest.get(target)
        if found is not None and found[1] is not None and (since is None or found[1] >= since):
            out[order_id] = (found[0], found[1], found[2])
    return out


def parents_among(session: Session, ids: list[int]) -> list[int]:
    """Those of ``ids`` that have orders merged into them."""
    if not ids:
        return []
    stmt = select(WorkOrder.merged_into_id).where(WorkOrder.merged_into_id.in_(sorted(set(ids)))).distinct()
    return [i for i in session.execute(stmt).scalars() if i is not None]


def merge_registered(session: Session, rows: list[tuple[int, int]]) -> None:
    """Registered orders join their main order: (order id, main order id) pairs; a new version
    (a form opened on the order before is stale)."""
    t = table_of(WorkOrder)
    session.execute(update(t).where(t.c.id == bindparam("b_id"), t.c.status == Status.registered.value)
                    .values(status=Status.merged.value, merged_into_id=bindparam("b_main"), version=t.c.version + 1),
                    [{"b_id": child, "b_main": main} for child, main in rows])
    for child, _ in rows:  # an order already loaded in this session reads its new state
        loaded = session.identity_map.get(identity_key(WorkOrder, child))
        if loaded is not None:
            session.expire(loaded)


# --- a caller's orders (the telephony's screen-pop reads them through workorder.service) ------

def orders_of_citizens(session: Session, scope: Scope, citizen_ids: list[int], *, open_only: bool,
                       limit: int) -> list[WorkOrder]:
    """The citizens' orders in scope, newest first (through the index on ``citizen_id``)."""
    if not citizen_ids:
        return []
    stmt = scope(select(WorkOrder)).where(WorkOrder.citizen_id.in_(citizen_ids))
    if open_only:
        stmt = stmt.where(WorkOrder.status.in_(OPEN_STATUSES))
    return list(session.execute(stmt.order_by(WorkOrder.registered_at.desc(), WorkOrder.id.desc())
                                .limit(limit)).scalars())


def enterprise_of_citizens(session: Session, scope: Scope, citizen_ids: list[int]) -> tuple[str, str | None] | None:
    """The market entity named on the citizens' latest enterprise order in scope: (name, USCC)."""
    if not citizen_ids:
        return None
    stmt = scope(select(WorkOrder)).where(WorkOrder.citizen_id.in_(citizen_ids), WorkOrder.is_enterprise.is_(True),
                                          WorkOrder.enterprise_name.is_not(None))
    order = session.execute(stmt.order_by(WorkOrder.registered_at.desc(), WorkOrder.id.desc()).limit(1)).scalar()
    return None if order is None or not order.enterprise_name else (order.enterprise_name, order.uscc)


def ids_in_scope(session: Session, scope: Scope, ids: list[int]) -> set[int]:
    """Which of these orders ``scope`` lets through."""
    if not ids:
        return set()
    stmt = scope(select(WorkOrder)).where(WorkOrder.id.in_(sorted(set(ids)))).with_only_columns(WorkOrder.id)
    return set(session.execute(stmt).scalars())


# --- agents' figures (telephony quality inspection reads these) -------------------------------

#: A centre's change of the category an order was registered with (dispatch records it).
RECATEGORISED = "work_order.category_set"
#: An order closed during the call with an answer (即时答); ``knowledge_item`` in its detail
#: when the answer came from the knowledge base.
ANSWERED_ON_SPOT = "work_order.answered"
#: A unit's return the centre accepted by re-dispatching the order (not refused as unjustified):
#: the order had been routed wrongly from its registration.
RETURN_ACCEPTED = "redispatched"


@dataclass
class RegistrationFigures:
    """What an agent registered in a period: orders, those answered on the spot (and of them
    from the knowledge base), and those whose registration proved wrong (re-categorised by
    the centre, or returned by a unit and re-dispatched)."""

    registered: int = 0
    answered_on_spot: int = 0
    answered_from_knowledge: int = 0
    inaccurate: int = 0


def _centre_units(prefix: str) -> Select[Any]:
    """Ids of the units of the regions with this code prefix (the centres among them)."""
    return select(Unit.id).join(Region, Region.id == Unit.region_id).where(Region.code.startswith(prefix,
                                                                                                   autoescape=True))


def _centres_in(prefix: str) -> Any:
    """Orders owned by a centre of the region with this code prefix."""
    return WorkOrder.centre_unit_id.in_(_centre_units(prefix))


def registration_figures(session: Session, agent_ids: list[int], start: dt.datetime, end: dt.datetime, *,
                         region_prefix: str) -> dict[int, RegistrationFigures]:
    """Per registering account (``created_by_id``), the orders it registered in ``[start, end)``
    for a centre of the region with this code prefix."""
    out: dict[int, RegistrationFigures] = {}
    if not agent_ids:
        return out
    ids = sorted(set(agent_ids))
    # The centres are filtered here, not in SQL: the planner then reads the orders through
    # (created_by_id, registered_at) instead of every order the centres ever owned.
    centres = set(session.execute(_centre_units(region_prefix)).scalars())
    owner: dict[int, int] = {}
    for order_id, agent_id, centre in session.execute(
            select(WorkOrder.id, WorkOrder.created_by_id, WorkOrder.centre_unit_id).where(
                WorkOrder.created_by_id.in_(ids), WorkOrder.registered_at >= start, WorkOrder.registered_at < end)):
        if centre not in centres:
            continue
        owner[order_id] = int(agent_id or 0)
        out.setdefault(int(agent_id or 0), RegistrationFigures()).registered += 1
    for actor_id, object_id, detail in session.execute(
            select(AuditEvent.actor_id, AuditEvent.object_id, AuditEvent.detail).where(
                AuditEvent.action == ANSWERED_ON_SPOT, AuditEvent.actor_id.in_(ids),
                AuditEvent.at >= start, AuditEvent.at < end)):
        if not (object_id and object_id.isdigit() and int(object_id) in owner):
            continue  # another region's order
        figures = out.setdefault(int(actor_id or 0), RegistrationFigures())
        figures.answered_on_spot += 1
        if isinstance(detail, dict) and detail.get("knowledge_item") is not None:
            figures.answered_from_knowledge += 1
    wrong: set[int] = set()
    for object_id, detail in session.execute(
            select(AuditEvent.object_id, AuditEvent.detail).where(
                AuditEvent.action == RECATEGORISED, AuditEvent.object_type == "work_order", AuditEvent.at >= start)):
        order_id = int(object_id) if object_id and object_id.isdigit() else 0
        if order_id in owner and isinstance(detail, dict) and detail.get("old") is not None:
            wrong.add(order_id)
    wrong.update(order_id for order_id in session.execute(
        select(ReturnRequest.work_order_id).join(WorkOrder, WorkOrder.id == ReturnRequest.work_order_id).where(
            WorkOrder.created_by_id.in_(ids), WorkOrder.registered_at >= start, WorkOrder.registered_at < end,
            ReturnRequest.decision == RETURN_ACCEPTED)).scalars() if order_id in owner)
    for order_id in wrong:
        out[owner[order_id]].inaccurate += 1
    return out


def callbacks_by(session: Session, agent_ids: list[int], start: dt.datetime, end: dt.datetime, *,
                 region_prefix: str) -> dict[int, int]:
    """Per account, the callback attempts (回访) it recorded in ``[start, end)``, reached or not,
    on orders of the centres of the region with this code prefix."""
    if not agent_ids:
        return {}
    stmt = (select(Callback.agent_id, func.count()).join(WorkOrder, WorkOrder.id == Callback.work_order_id).where(
        Callback.agent_id.in_(sorted(set(agent_ids))), Callback.at >= start, Callback.at < end,
        _centres_in(region_prefix))
        .group_by(Callback.agent_id))
    return {int(agent_id or 0): count for agent_id, count in session.execute(stmt)}


def orders_registered_by(session: Session, agent_ids: list[int], start: dt.datetime, end: dt.datetime, *,
                         region_prefix: str) -> list[tuple[int, int, dt.datetime]]:
    """``(order id, registering account, registered at)`` of the accounts' orders in ``[start, end)``
    for centres of the region (merged duplicates included: registering one is work too)."""
    if not agent_ids:
        return []
    stmt = select(WorkOrder.id, WorkOrder.created_by_id, WorkOrder.registered_at).where(
        WorkOrder.created_by_id.in_(sorted(set(agent_ids))), WorkOrder.registered_at >= start,
        WorkOrder.registered_at < end, _centres_in(region_prefix)).order_by(WorkOrder.id)
    return [(i, int(a or 0), at) for i, a, at in session.execute(stmt)]


# --- the agent's drafts --------------------------------------------------------------------------


def count_drafts(session: Session, owner_id: int | None) -> int:
    return int(session.scalar(select(func.count()).select_from(IntakeDraft)
                              .where(IntakeDraft.owner_id == owner_id)) or 0)


def draft_by_ref(session: Session, ref: str) -> IntakeDraft | None:
    return session.scalar(select(IntakeDraft).where(IntakeDraft.ref == ref))


def drafts_of(session: Session, owner_id: int | None) -> list[IntakeDraft]:
    return list(session.scalars(select(IntakeDraft).where(IntakeDraft.owner_id == owner_id)
                                .order_by(IntakeDraft.updated_at.desc(), IntakeDraft.id.desc())))
