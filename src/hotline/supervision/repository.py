"""Queries of supervision and evaluation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, Table, and_, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEvent
from hotline.auth.models import Role, User
from hotline.notify.models import Notification
from hotline.org.models import Region, Unit
from hotline.supervision.models import (
    COUNTERS,
    AuthorityKind,
    DailyLedgerReport,
    EscalationKind,
    EscalationRule,
    EvaluationFact,
    LedgerEntry,
    LedgerKind,
    LetterKind,
    LetterTemplate,
    MeetingKind,
    NoticeStatus,
    ProjectionCursor,
    PublicNotice,
    SupervisionAuthority,
    SupervisionLetter,
    SupervisionMeeting,
    UnitDayStats,
    meeting_order,
    meeting_unit,
)
from hotline.workorder.lifecycle import OPEN_STATUSES, Status
from hotline.workorder.models import SWEEP_INDEX_WHERE, WorkOrder
from hotline.workorder.sla import Urgency

#: Statuses in which the lead unit holds the order and its deadline runs.
HANDLING = (Status.dispatched, Status.handling)


# --- deadline sweep ------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepCandidate:
    """What the sweep reads of an order (no ORM object: a batch is marked in one update)."""

    id: int
    number: str
    status: str
    due_at: dt.datetime
    overdue_at: dt.datetime | None
    due_soon_warned_at: dt.datetime | None
    direct_rule_id: int | None
    urgency: str
    lead_unit_id: int | None
    centre_unit_id: int | None = None


def sweep_candidates(session: Session, now: dt.datetime, *, soon_before: dt.datetime, soon_hourly: dt.datetime,
                     limit: int) -> list[SweepCandidate]:
    """Open orders in the unit's hands that now qualify for a mark they lack, locked
    (PostgreSQL ``SKIP LOCKED``: concurrent sweeps share): past due and not yet marked
    overdue, or not yet warned and due before ``soon_before`` (working-day deadlines) or by
    ``soon_hourly`` (hour-based deadlines: direct dispatch and emergencies)."""
    w = WorkOrder
    hourly = w.direct_rule_id.is_not(None) | (w.urgency == Urgency.emergency)
    due_soon = w.due_soon_warned_at.is_(None) & (
        (hourly & (w.due_at <= soon_hourly)) | (~hourly & (w.due_at < soon_before)))
    stmt = (
        select(w.id, w.number, w.status, w.due_at, w.overdue_at, w.due_soon_warned_at, w.direct_rule_id, w.urgency,
               w.lead_unit_id, w.centre_unit_id)
        # ix_work_order_sweep's own condition, word for word: SQLite uses a partial index only
        # for a query whose WHERE holds the index's terms as written (bound values do not count)
        .where(text(SWEEP_INDEX_WHERE), w.due_at <= max(soon_before, soon_hourly))
        .where(((w.due_at <= now) & w.overdue_at.is_(None)) | due_soon)
        .order_by(w.due_at, w.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=w)
    )
    out: list[SweepCandidate] = []
    for r in session.execute(stmt):
        assert r.due_at is not None  # compared above
        out.append(SweepCandidate(id=r.id, number=r.number, status=r.status, due_at=r.due_at, overdue_at=r.overdue_at,
                                  due_soon_warned_at=r.due_soon_warned_at, direct_rule_id=r.direct_rule_id,
                                  urgency=r.urgency, lead_unit_id=r.lead_unit_id,
                                  centre_unit_id=r.centre_unit_id))
    return out


def mark_deadlines(session: Session, *, overdue: list[int], warned: list[int], now: dt.datetime) -> None:
    """Set the sweep's marks: past due (and so warned, if it never was) and due soon."""
    w = WorkOrder
    if overdue:
        session.execute(update(w).where(w.id.in_(overdue)).values(
            overdue_at=now, due_soon_warned_at=func.coalesce(w.due_soon_warned_at, now), version=w.version + 1),
            execution_options={"synchronize_session": "fetch"})
    if warned:
        session.execute(update(w).where(w.id.in_(warned)).values(due_soon_warned_at=now, version=w.version + 1),
                        execution_options={"synchronize_session": "fetch"})


# --- projector -----------------------------------------------------------------------------


def lock_cursor(session: Session, name: str) -> ProjectionCursor:
    cursor = session.execute(
        select(ProjectionCursor).where(ProjectionCursor.name == name).with_for_update()
    ).scalar_one_or_none()
    if cursor is None:
        cursor = ProjectionCursor(name=name, last_seq=0)
        session.add(cursor)
        session.flush()
    return cursor


def work_order_events_after(session: Session, seq: int, limit: int) -> list[Row[Any]]:
    """The next work-order events after ``seq``, in order, as plain rows (``seq``, ``at``,
    ``action``, ``object_id``, ``detail``): the projector reads every event once."""
    t = AuditEvent.__table__.c
    stmt = (
        select(t.seq, t.at, t.action, t.object_id, t.detail)
        .where(t.seq > seq, t.object_type == "work_order")
        .order_by(t.seq)
        .limit(limit)
    )
    return list(session.execute(stmt))


@dataclass(frozen=True)
class OrderFacts:
    id: int
    lead_unit_id: int | None
    centre_unit_id: int
    region_id: int | None
    category_id: int | None
    title: str
    content: str
    due_at: dt.datetime | None
    replied_at: dt.datetime | None
    merged_into_id: int | None = None


def order_facts(session: Session, ids: Iterable[int]) -> dict[int, OrderFacts]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    c = WorkOrder.__table__.c
    stmt = select(c.id, c.lead_unit_id, c.centre_unit_id, c.region_id, c.category_id, c.title, c.content, c.due_at,
                  c.replied_at, c.merged_into_id).where(c.id.in_(wanted))
    return {row.id: OrderFacts(**row._mapping) for row in session.execute(stmt)}


def add_counts(session: Session, increments: Mapping[tuple[int, dt.date], Mapping[str, int]]) -> None:
    """Add to the day counters (insert the row or add to it, one statement per unit-day)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = UnitDayStats.__table__
    assert isinstance(table, Table)
    for (unit_id, day), counts in sorted(increments.items()):
        values = {name: int(counts.get(name, 0)) for name in COUNTERS}
        stmt = insert(table).values(unit_id=unit_id, day=day, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["unit_id", "day"],
            set_={name: table.c[name] + stmt.excluded[name] for name, n in values.items() if n},
        ) if any(values.values()) else stmt.on_conflict_do_nothing(index_elements=["unit_id", "day"])
        session.execute(stmt)


def add_evaluation_facts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Which order is behind each count just added (one executemany)."""
    if rows:
        session.execute(insert(EvaluationFact), rows)


def withdraw_facts(session: Session, work_order_id: int, names: tuple[str, ...]) -> None:
    """Take back the counts ``names`` an order made (on the days and for the units they were
    made): the order has become part of another one (并案)."""
    table = UnitDayStats.__table__
    assert isinstance(table, Table)
    rows = session.execute(select(EvaluationFact.unit_id, EvaluationFact.day, EvaluationFact.counter, func.count())
                           .where(EvaluationFact.work_order_id == work_order_id, EvaluationFact.counter.in_(names))
                           .group_by(EvaluationFact.unit_id, EvaluationFact.day, EvaluationFact.counter)).all()
    for unit_id, day, counter, n in rows:
        session.execute(update(table).where(table.c.unit_id == unit_id, table.c.day == day)
                        .values({counter: table.c[counter] - n}))
    session.execute(delete(EvaluationFact).where(EvaluationFact.work_order_id == work_order_id,
                                                 EvaluationFact.counter.in_(names)))


def enter_ledger(session: Session, values: dict[str, Any]) -> None:
    """Put an order on a ledger once (a second entry of the same kind does nothing)."""
    enter_ledgers(session, [values])


def enter_ledgers(session: Session, rows: list[dict[str, Any]]) -> None:
    """Put orders on ledgers, each once per kind, in one statement (executemany)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = LedgerEntry.__table__
    assert isinstance(table, Table)
    session.execute(insert(table).on_conflict_do_nothing(index_elements=["kind", "work_order_id"]), rows)


def move_ledgers(session: Session, work_order_id: int, centre_unit_id: int) -> None:
    """An order passed down to another centre takes its ledger entries along (not the
    escalated ones, which the centre above keeps)."""
    session.execute(update(LedgerEntry).where(LedgerEntry.work_order_id == work_order_id,
                                              LedgerEntry.kind != LedgerKind.escalated)
                    .values(centre_unit_id=centre_unit_id))


def enter_document_ledger(session: Session, values: dict[str, Any]) -> None:
    """Put a policy document on a ledger once (knowledge published late)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(LedgerEntry).values(**values).on_conflict_do_nothing(
        index_elements=["kind", "policy_document_id"]))


def clear_document_ledger(session: Session, policy_document_id: int, at: dt.datetime) -> None:
    session.execute(update(LedgerEntry).where(LedgerEntry.policy_document_id == policy_document_id,
                                              LedgerEntry.cleared_at.is_(None)).values(cleared_at=at))


def clear_ledgers(session: Session, work_order_id: int, at: dt.datetime, kind: LedgerKind | None = None) -> None:
    """Clear an order's open ledger entries (of one ``kind``, or all)."""
    stmt = update(LedgerEntry).where(LedgerEntry.work_order_id == work_order_id, LedgerEntry.cleared_at.is_(None))
    if kind is not None:
        stmt = stmt.where(LedgerEntry.kind == kind)
    session.execute(stmt.values(cleared_at=at))


# --- escalated supervision -----------------------------------------------------------------


def active_escalation_rules(session: Session) -> list[EscalationRule]:
    return list(session.execute(
        select(EscalationRule).where(EscalationRule.active.is_(True)).order_by(EscalationRule.id)).scalars())


def all_escalation_rules(session: Session) -> list[EscalationRule]:
    return list(session.execute(select(EscalationRule).order_by(EscalationRule.id)).scalars())


def _open_not_escalated() -> Any:
    escalated = select(LedgerEntry.work_order_id).where(LedgerEntry.kind == LedgerKind.escalated)
    return (WorkOrder.status.in_(sorted(OPEN_STATUSES))) & WorkOrder.id.not_in(escalated)


def escalation_candidates(session: Session, rule: EscalationRule, now: dt.datetime, opened_before: dt.datetime,
                          limit: int) -> list[tuple[int, int]]:
    """Open orders the rule catches that are not escalated yet, as ``(order id, count)``:
    the count is the size of the group (many-to-one, one-to-many) or the re-handlings."""
    c = WorkOrder.__table__.c
    open_ = _open_not_escalated()
    if rule.kind == EscalationKind.long_open:
        stmt = select(c.id, literal(rule.threshold)).where(open_, c.registered_at < opened_before)
    elif rule.kind == EscalationKind.rehandled:
        stmt = select(c.id, c.rehandle_count).where(open_, c.rehandle_count > rule.threshold)
    else:
        since = now - dt.timedelta(days=rule.window_days or 1)
        keys = [c.citizen_id] if rule.kind == EscalationKind.one_to_many else [c.category_id, c.region_id]
        groups = (select(*keys, func.count().label("n"))
                  .where(c.registered_at >= since, *[k.is_not(None) for k in keys])
                  .group_by(*keys).having(func.count() >= rule.threshold).subquery())
        stmt = (select(c.id, groups.c.n)
                .join(groups, and_(*[k == groups.c[k.name] for k in keys]))
                .where(open_, c.registered_at >= since))
        if rule.kind == EscalationKind.many_to_one:
            # a merged group (并案) is many people on one matter too: the parent and its duplicates
            merged = (select(c.merged_into_id.label("parent"), (func.count() + 1).label("n"))
                      .where(c.merged_into_id.is_not(None), c.registered_at >= since)
                      .group_by(c.merged_into_id).having(func.count() + 1 >= rule.threshold).subquery())
            both = stmt.union(select(c.id, merged.c.n).join(merged, merged.c.parent == c.id).where(open_)).subquery()
            found: dict[int, int] = {}
            for i, n in session.execute(select(both).order_by(both.c[0]).limit(limit * 2)):
                found[int(i)] = max(found.get(int(i), 0), int(n))
            return sorted(found.items())[:limit]
    return [(int(i), int(n)) for i, n in session.execute(stmt.order_by(c.id).limit(limit))]


# --- ledgers -------------------------------------------------------------------------------


@dataclass
class LedgerFilter:
    kind: LedgerKind | None = None
    open_only: bool = False
    unit_id: int | None = None
    region_prefix: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    enterprise: bool | None = None  # True: only enterprises' appeals (市场主体诉求); False: only citizens'


Scope = Callable[[Select[Any]], Select[Any]]


#: A ledger counts its entries up to this many past the page asked for: a province's ledger
#: holds hundreds of thousands, and counting them all on every page view costs more than the
#: page (the pages say "10000+ 条").
COUNT_CAP = 10_000


def ledger(session: Session, scope: Scope, f: LedgerFilter, *, limit: int,
           offset: int) -> tuple[list[LedgerEntry], int]:
    """A page of entries, newest first, and how many there are — at most ``COUNT_CAP`` (or the
    page's end) plus one, which means "more than that"."""
    stmt = scope(select(LedgerEntry))
    if f.kind is not None:
        stmt = stmt.where(LedgerEntry.kind == f.kind)
    if f.open_only:
        stmt = stmt.where(LedgerEntry.cleared_at.is_(None))
    if f.unit_id is not None:
        stmt = stmt.where(LedgerEntry.unit_id == f.unit_id)
    if f.region_prefix:
        stmt = stmt.join(Region, Region.id == LedgerEntry.region_id).where(
            Region.code.startswith(f.region_prefix, autoescape=True))
    if f.since is not None:
        stmt = stmt.where(LedgerEntry.entered_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(LedgerEntry.entered_at < f.until)
    if f.enterprise is not None:
        stmt = stmt.where(LedgerEntry.work_order_id.in_(
            select(WorkOrder.id).where(WorkOrder.is_enterprise.is_(f.enterprise))))
    cap = max(COUNT_CAP, offset + limit) + 1
    total = session.execute(select(func.count()).select_from(
        stmt.with_only_columns(LedgerEntry.id).limit(cap).subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(LedgerEntry.entered_at.desc(), LedgerEntry.id.desc()).limit(limit).offset(offset)
    ).unique().scalars().all()
    return list(rows), int(total)


def ledger_orders(session: Session, entries: list[LedgerEntry]) -> dict[int, WorkOrder]:
    """The orders of these entries (an export may list 50,000)."""
    return orders_by_ids(session, (e.work_order_id for e in entries if e.work_order_id is not None))


def ledger_documents(session: Session, entries: list[LedgerEntry]) -> dict[int, Any]:
    """The policy documents of these entries (late knowledge)."""
    from hotline.knowledge.models import PolicyDocument

    wanted = sorted({e.policy_document_id for e in entries if e.policy_document_id is not None})
    if not wanted:
        return {}
    return {d.id: d for d in session.execute(select(PolicyDocument).where(PolicyDocument.id.in_(wanted)))
            .unique().scalars()}


# --- evaluation ----------------------------------------------------------------------------


def unit_totals(session: Session, since: dt.date, until: dt.date,
                unit_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """Counters summed per unit over ``since`` ≤ day < ``until``."""
    t = UnitDayStats.__table__
    stmt = select(t.c.unit_id, *[func.sum(t.c[name]).label(name) for name in COUNTERS]).where(
        t.c.day >= since, t.c.day < until).group_by(t.c.unit_id)
    if unit_ids is not None:
        stmt = stmt.where(t.c.unit_id.in_(unit_ids))
    return {row.unit_id: {name: int(getattr(row, name) or 0) for name in COUNTERS} for row in session.execute(stmt)}


def units_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Unit]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in session.execute(select(Unit).where(Unit.id.in_(wanted))).unique().scalars()}


# --- letters -------------------------------------------------------------------------------


def letters_of_order(session: Session, work_order_id: int) -> list[SupervisionLetter]:
    stmt = select(SupervisionLetter).where(SupervisionLetter.work_order_id == work_order_id)
    return list(session.execute(stmt.order_by(SupervisionLetter.id)).unique().scalars())


def letter_templates(session: Session) -> list[LetterTemplate]:
    return list(session.execute(select(LetterTemplate).order_by(LetterTemplate.kind)).scalars())


def has_letter(session: Session, work_order_id: int, kind: LetterKind) -> bool:
    stmt = select(SupervisionLetter.id).where(SupervisionLetter.work_order_id == work_order_id,
                                              SupervisionLetter.kind == kind).limit(1)
    return session.execute(stmt).first() is not None


def on_ledger(session: Session, work_order_id: int, kind: LedgerKind) -> bool:
    return session.execute(select(LedgerEntry.id).where(LedgerEntry.work_order_id == work_order_id,
                                                        LedgerEntry.kind == kind)).first() is not None


def overdue_rectifications(session: Session, now: dt.datetime, limit: int) -> list[SupervisionLetter]:
    """Rectification letters past their deadline, unanswered, whose order is not referred yet."""
    referred = select(LedgerEntry.work_order_id).where(LedgerEntry.kind == LedgerKind.referred)
    stmt = (select(SupervisionLetter)
            .where(SupervisionLetter.kind == LetterKind.rectification, SupervisionLetter.responded_at.is_(None),
                   SupervisionLetter.due_at < now, SupervisionLetter.work_order_id.not_in(referred))
            .order_by(SupervisionLetter.id).limit(limit))
    return list(session.execute(stmt).unique().scalars())


# --- supervision authorities ---------------------------------------------------------------


def authority(session: Session, region_id: int, kind: AuthorityKind) -> Unit | None:
    stmt = select(SupervisionAuthority).where(SupervisionAuthority.region_id == region_id,
                                              SupervisionAuthority.kind == kind)
    found = session.execute(stmt).unique().scalar_one_or_none()
    return found.unit if found is not None else None


def all_authorities(session: Session, region_prefix: str) -> list[SupervisionAuthority]:
    stmt = (select(SupervisionAuthority).join(Region, Region.id == SupervisionAuthority.region_id)
            .where(Region.code.startswith(region_prefix, autoescape=True))
            .order_by(Region.code, SupervisionAuthority.kind))
    return list(session.execute(stmt).unique().scalars())


def set_authority(session: Session, region_id: int, kind: AuthorityKind, unit_id: int) -> SupervisionAuthority:
    stmt = select(SupervisionAuthority).where(SupervisionAuthority.region_id == region_id,
                                              SupervisionAuthority.kind == kind)
    found = session.execute(stmt).unique().scalar_one_or_none()
    if found is None:
        found = SupervisionAuthority(region_id=region_id, kind=kind, unit_id=unit_id)
        session.add(found)
    else:
        found.unit_id = unit_id
    session.flush()
    session.refresh(found)
    return found


def letters_past_due_not_on_ledger(session: Session, now: dt.datetime, limit: int) -> list[SupervisionLetter]:
    """Letters past their response deadline, unanswered, whose order is not yet on the
    ledger of overdue letters."""
    listed = select(LedgerEntry.work_order_id).where(LedgerEntry.kind == LedgerKind.letter_overdue)
    stmt = (select(SupervisionLetter)
            .where(SupervisionLetter.responded_at.is_(None), SupervisionLetter.due_at < now,
                   SupervisionLetter.work_order_id.not_in(listed))
            .order_by(SupervisionLetter.id).limit(limit))
    return list(session.execute(stmt).unique().scalars())


# --- meetings and public notices ---------------------------------------------------------------


def centres_in(region_prefix: str) -> Select[Any]:
    return select(Unit.id).join(Unit.region).where(Region.code.startswith(region_prefix, autoescape=True))


def meetings(session: Session, *, centre_prefix: str | None, unit_id: int | None, kind: MeetingKind | None,
             work_order_id: int | None, limit: int, offset: int) -> tuple[list[SupervisionMeeting], int]:
    """Meetings held by a centre in the region ``centre_prefix`` or attended by ``unit_id``,
    newest first."""
    stmt = select(SupervisionMeeting)
    if centre_prefix is not None:
        stmt = stmt.where(SupervisionMeeting.centre_unit_id.in_(centres_in(centre_prefix)))
    if unit_id is not None:
        stmt = stmt.where(SupervisionMeeting.id.in_(
            select(meeting_unit.c.meeting_id).where(meeting_unit.c.unit_id == unit_id)))
    if kind is not None:
        stmt = stmt.where(SupervisionMeeting.kind == kind)
    if work_order_id is not None:
        stmt = stmt.where(SupervisionMeeting.id.in_(
            select(meeting_order.c.meeting_id).where(meeting_order.c.work_order_id == work_order_id)))
    total = session.execute(select(func.count()).select_from(stmt.with_only_columns(SupervisionMeeting.id)
                                                             .subquery())).scalar_one()
    rows = session.execute(stmt.order_by(SupervisionMeeting.held_at.desc(), SupervisionMeeting.id.desc())
                           .limit(limit).offset(offset)).unique().scalars().all()
    return list(rows), int(total)


def meeting_order_numbers(session: Session, meeting_id: int) -> list[str]:
    stmt = (select(WorkOrder.number).join(meeting_order, meeting_order.c.work_order_id == WorkOrder.id)
            .where(meeting_order.c.meeting_id == meeting_id).order_by(WorkOrder.id))
    return list(session.execute(stmt).scalars())


def link_meeting_orders(session: Session, meeting_id: int, order_ids: Iterable[int]) -> None:
    rows = [{"meeting_id": meeting_id, "work_order_id": i} for i in order_ids]
    if rows:
        session.execute(insert(meeting_order), rows)


def notices(session: Session, *, centre_prefix: str | None, status: NoticeStatus | None, limit: int,
            offset: int) -> tuple[list[PublicNotice], int]:
    """Notices of the centres in a region (``None``: every centre), newest first."""
    stmt = select(PublicNotice)
    if centre_prefix is not None:
        stmt = stmt.where(PublicNotice.centre_unit_id.in_(centres_in(centre_prefix)))
    if status is not None:
        stmt = stmt.where(PublicNotice.status == status)
    total = session.execute(select(func.count()).select_from(stmt.with_only_columns(PublicNotice.id)
                                                             .subquery())).scalar_one()
    order = (PublicNotice.published_at.desc(), PublicNotice.id.desc()) if status == NoticeStatus.published else (
        PublicNotice.id.desc(),)
    rows = session.execute(stmt.order_by(*order).limit(limit).offset(offset)).unique().scalars().all()
    return list(rows), int(total)


def latest_ledger_entry(session: Session, work_order_id: int) -> LedgerEntry | None:
    """The most recent ledger entry of an order: the problem and the unit a notice names."""
    return session.execute(
        select(LedgerEntry).where(LedgerEntry.work_order_id == work_order_id)
        .order_by(LedgerEntry.entered_at.desc(), LedgerEntry.id.desc()).limit(1)).scalar_one_or_none()


# --- drill-down ------------------------------------------------------------------------------


def orders_behind(session: Session, scope: Callable[[Select[Any]], Select[Any]], *, unit_id: int,
                  counters: Iterable[str], since: dt.date, until: dt.date, excluding: Iterable[str] = (),
                  limit: int, offset: int) -> tuple[list[WorkOrder], int, int]:
    """The orders behind a unit's counts of ``counters`` from ``since`` to before ``until``
    (less those also counted in ``excluding``), newest first, within the caller's scope; with
    how many orders and how many counts that is."""
    f = EvaluationFact.__table__.c

    def ids(names: Iterable[str]) -> Select[Any]:
        return select(f.work_order_id).where(f.unit_id == unit_id, f.counter.in_(list(names)), f.day >= since,
                                             f.day < until)

    wanted = ids(counters)
    excluded = list(excluding)
    stmt = scope(select(WorkOrder).where(WorkOrder.id.in_(wanted)))
    if excluded:
        stmt = stmt.where(WorkOrder.id.not_in(ids(excluded)))
    total = session.execute(select(func.count()).select_from(stmt.with_only_columns(WorkOrder.id).subquery())
                            ).scalar_one()
    counted = session.execute(select(func.count()).select_from(wanted.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(WorkOrder.registered_at.desc(), WorkOrder.id.desc())
                           .limit(limit).offset(offset)).unique().scalars().all()
    return list(rows), int(total), int(counted)


def counters_of(session: Session, unit_id: int, order_ids: list[int], since: dt.date,
                until: dt.date) -> dict[int, list[str]]:
    """Which counters each of these orders counted in for the unit in the period."""
    if not order_ids:
        return {}
    f = EvaluationFact.__table__.c
    found: dict[int, list[str]] = {}
    for order_id, counter in session.execute(
            select(f.work_order_id, f.counter).where(f.unit_id == unit_id, f.work_order_id.in_(order_ids),
                                                     f.day >= since, f.day < until).order_by(f.id)):
        found.setdefault(order_id, []).append(counter)
    return found


# --- the daily emergency and stability ledger -------------------------------------------------


def sector_departments(session: Session) -> list[Unit]:
    """Departments with an active sector viewer account (provincial departments that spot-check)."""
    from hotline.auth.models import Role, User

    stmt = (select(Unit).where(Unit.id.in_(select(User.unit_id).where(User.role == Role.sector_viewer,
                                                                      User.active.is_(True))))
            .order_by(Unit.id))
    return list(session.execute(stmt).unique().scalars())


def daily_report_sent(session: Session, unit_id: int, day: dt.date) -> bool:
    return session.get(DailyLedgerReport, (unit_id, day)) is not None


def daily_counts(session: Session, *, region_prefix: str, category_ids: Iterable[int], since: dt.datetime,
                 until: dt.datetime) -> dict[LedgerKind, int]:
    """Emergency and stability entries that entered the ledger in ``[since, until)`` in the
    region and categories."""
    categories = list(category_ids)
    if not categories:
        return {LedgerKind.emergency: 0, LedgerKind.stability: 0}
    places = select(Region.id).where(Region.code.startswith(region_prefix, autoescape=True))
    rows = session.execute(
        select(LedgerEntry.kind, func.count()).where(
            LedgerEntry.kind.in_((LedgerKind.emergency, LedgerKind.stability)), LedgerEntry.entered_at >= since,
            LedgerEntry.entered_at < until, LedgerEntry.region_id.in_(places), LedgerEntry.category_id.in_(categories))
        .group_by(LedgerEntry.kind))
    counts = {LedgerKind.emergency: 0, LedgerKind.stability: 0}
    counts.update({kind: int(n) for kind, n in rows})
    return counts


def daily_reports(session: Session, unit_id: int, limit: int = 30) -> list[DailyLedgerReport]:
    return list(session.execute(select(DailyLedgerReport).where(DailyLedgerReport.unit_id == unit_id)
                                .order_by(DailyLedgerReport.day.desc()).limit(limit)).unique().scalars())


def claim_daily_report(session: Session, unit_id: int, day: dt.date, emergency: int, stability: int,
                       at: dt.datetime) -> bool:
    """Write the day's report row unless one exists; False if another worker wrote it."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = session.execute(upsert(DailyLedgerReport).values(
        unit_id=unit_id, day=day, emergency=emergency, stability=stability, sent_at=at,
    ).on_conflict_do_nothing(index_elements=["unit_id", "day"]))
    return bool(getattr(result, "rowcount", 0))


def orders_by_ids(session: Session, ids: Iterable[int]) -> dict[int, WorkOrder]:
    """Orders by id, read 1,000 at a time (SQLite caps the parameters of one statement)."""
    wanted = sorted(set(ids))
    found: dict[int, WorkOrder] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        found.update((o.id, o) for o in session.execute(
            select(WorkOrder).where(WorkOrder.id.in_(chunk))).unique().scalars())
    return found


def supervisors_of(session: Session, centre_unit_id: int) -> list[User]:
    """The active centre supervisors (督办员) of a centre."""
    stmt = select(User).where(User.unit_id == centre_unit_id, User.role == Role.centre_supervisor,
                              User.active.is_(True)).order_by(User.id)
    return list(session.execute(stmt).scalars().unique())


def notified_since(session: Session, template: str, since: dt.datetime) -> bool:
    """Whether a text of ``template`` was queued (or skipped) since ``since``."""
    return session.execute(select(Notification.id).where(Notification.template == template,
                                                         Notification.created_at >= since).limit(1)).first() is not None


def province_admins(session: Session) -> list[User]:
    """The active administrators of the province centre (their unit's region is the province)."""
    stmt = (select(User).join(Unit, Unit.id == User.unit_id).join(Region, Region.id == Unit.region_id)
            .where(User.role == Role.admin, User.active.is_(True), User.is_service.is_(False),
                   Region.parent_id.is_(None)).order_by(User.id))
    return list(session.execute(stmt).scalars().unique())
