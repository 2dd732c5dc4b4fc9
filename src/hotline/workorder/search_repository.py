"""The queries of the order search (``workorder.search``): conditions, keyset pages, capped counts.

A page is read in two steps, as the statistics drill-down does: the ids of the page along the
registration-time index (newest first, keyset), then only those orders' list columns with their
names. Joining the names before the sort would join every matching order."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from psycopg.errors import QueryCanceled
from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.citizen.models import Citizen
from hotline.kit import cache
from hotline.org.models import CENTRE_KINDS, AppealType, Category, Channel, Region, Unit
from hotline.workorder.lifecycle import OPEN_STATUSES, Status
from hotline.workorder.models import OPEN_TERM, OrderText, Verdict, WorkOrder
from hotline.workorder.sla import Urgency

W = WorkOrder
#: The statuses in a unit's hands (signed or not): its handling deadline runs.
IN_HAND = (Status.dispatched, Status.handling)
Scope = Callable[[Select[Any]], Select[Any]]
_FTS = table("work_order_fts")
_REFERENCE = cache.reference_cache()


@dataclass(frozen=True)
class Criteria:
    """A search with its codes resolved to ids and its dates to instants."""

    number: str | None = None
    citizen_ids: list[int] | None = None
    #: each word of the text query with the bigrams to look up for it
    words: list[tuple[str, list[str]]] = field(default_factory=list)
    text_in_confidential: bool = True
    #: Look the words up in the bigram index (False: test the substrings on the scope's own
    #: orders — a unit's few thousand read faster than a common word's index entries)
    use_text_index: bool = True
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    channel_id: int | None = None
    appeal_type: str | None = None
    category_code: str | None = None
    region_prefix: str | None = None
    lead_unit_id: int | None = None
    statuses: tuple[Status, ...] = ()
    urgency: Urgency | None = None
    overdue: bool | None = None
    enterprise: bool | None = None
    uscc: str | None = None
    enterprise_name: str | None = None
    merged: bool | None = None
    returned: bool | None = None
    rehandled: bool | None = None
    urged: bool | None = None
    verdict: Verdict | None = None
    unrated: bool = False
    due_soon: bool | None = None
    created_by: int | None = None
    not_created_by: int | None = None
    #: PostgreSQL: look the words up only among the orders after this id (a window of the
    #: newest, widened until the page is full: see :func:`_windows`)
    text_after_id: int | None = None
    #: … and up to this id (a count adds up disjoint windows rather than recount the newest)
    text_until_id: int | None = None
    #: The unit whose own orders are the scope (words tested on them, ``use_text_index`` False):
    #: PostgreSQL tests them window by window, newest first (see :func:`_windows`)
    own_unit_id: int | None = None
    #: … the ids of its orders (newest first) the windows are cut from
    own_ids: tuple[int, ...] | None = None


def _centre_ids(session: Session, prefix: str) -> list[int]:
    def load() -> list[int]:
        stmt = (select(Unit.id).join(Region, Unit.region_id == Region.id)
                .where(Unit.kind.in_(sorted(CENTRE_KINDS)), Region.code.startswith(prefix, autoescape=True)))
        return sorted(session.execute(stmt).scalars())

    if cache.changes_reference(session):
        return load()
    ids: list[int] = _REFERENCE.get_or_load(("search_centres", prefix), load)
    return ids


def _subtree_ids(session: Session, model: type[Region] | type[Category], prefix: str) -> list[int]:
    """The ids of the regions (categories) whose code starts with ``prefix``: a subtree, as a
    list of ids so that the database tests a row's column against it as cheaply as any other
    column — before, not after, a costly condition such as the text's confirmation."""
    def load() -> list[int]:
        return sorted(session.execute(select(model.id).where(model.code.startswith(prefix, autoescape=True))).scalars())

    if cache.changes_reference(session):
        return load()
    ids: list[int] = _REFERENCE.get_or_load(("search_subtree", model.__name__, prefix), load)
    return ids


def centre_ids_of(session: Session, principal: Principal) -> list[int] | None:
    """The centres whose orders centre staff see (None: every centre of the province)."""
    prefix = principal.region_prefix
    return None if len(prefix) == 2 else _centre_ids(session, prefix)


def scope_for(session: Session, principal: Principal) -> Scope:
    """The caller's order scope (``access.order_scope``), for centre staff as a list of their
    region's centres (the province's staff: no condition at all) instead of a join per order."""
    if principal.role in access.CENTRE_ROLES and principal.can(Cap.view_orders):
        prefix = principal.region_prefix
        if len(prefix) == 2:
            return lambda stmt: stmt
        centres = _centre_ids(session, prefix)
        return lambda stmt: stmt.where(W.centre_unit_id.in_(centres))
    return lambda stmt: access.order_scope(principal, stmt)


def citizens_with_phone(session: Session, phone_hash: str) -> list[int]:
    return list(session.execute(select(Citizen.id).where(Citizen.phone_hash == phone_hash)).scalars())


def _text_terms(c: Criteria) -> list[str]:
    return [t for _, terms in c.words for t in terms]


def _pg_text_condition(terms: list[str], after_id: int | None, until_id: int | None) -> ColumnElement[bool]:
    """The orders whose bigram index holds every term (candidates; the substring test confirms),
    among those after ``after_id`` when given. ``order_grams`` is the index's expression (the
    migration: a function the planner knows to be costly, so that it reads the index's bitmap
    — with the id range's — rather than split the text of order after order)."""
    grams = func.order_grams(OrderText.terms, type_=postgresql.ARRAY(Text))
    wanted = bindparam(None, terms, type_=postgresql.ARRAY(Text))
    candidates = select(OrderText.work_order_id).where(grams.op("@>")(wanted))
    if after_id is not None:
        candidates = candidates.where(OrderText.work_order_id > after_id)
    if until_id is not None:
        candidates = candidates.where(OrderText.work_order_id <= until_id)
    return W.id.in_(candidates)


#: PostgreSQL: how far back from the newest order a text search looks first, then next… (ids);
#: the last window is every order. A GIN index answers in no order, so a common word's
#: candidates among millions would all be read for one page; among the newest 20,000 orders
#: it has enough for a page (and a count) while a rare one widens the window in a few steps.
TEXT_WINDOWS = (20_000, 100_000, 500_000, 2_500_000)
#: PostgreSQL's memory for a search's bitmaps (the default 4 MB holds about 400,000 orders'
#: pages exactly; a text window of 2.5 million needs about 10 MB)
SEARCH_WORK_MEM = "32MB"


#: PostgreSQL, words tested on a unit's own orders: how many of its newest orders a search
#: tests first, then next… (the last window: all of them). A common word fills a page from
#: the first few hundred; each order's text is long and stored compressed.
SCOPE_WINDOWS = (500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000)


def _search_memory(session: Session) -> None:
    """PostgreSQL: a bitmap (a word's index entries, an id range, a flag's partial index) must
    stay exact: past work_mem PostgreSQL keeps whole pages instead, and tests the conditions
    again on every row of them (two rare flags at 5 M orders: 250,000 rows tested, 345 ms;
    exact: 6,000)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{SEARCH_WORK_MEM}'"))


def _windows(session: Session, c: Criteria, before: int | None) -> list[tuple[Criteria, int | None]]:
    """The criteria to try in turn, each with how many ids back it reaches: the text search
    within ever wider windows of the newest orders (before ``before``), the last one unbounded
    (None). One try only without a PostgreSQL text search."""
    if session.get_bind().dialect.name != "postgresql":
        return [(c, None)]
    _search_memory(session)
    if not c.words:
        return [(c, None)]
    if not c.use_text_index:
        if c.own_unit_id is None:
            return [(c, None)]
        # the unit's orders, read from its assignments (no order row touched), newest first
        stmt = access.unit_orders(c.own_unit_id)
        own = sorted(set(session.execute(stmt).scalars()), reverse=True)
        if before is not None:
            own = [i for i in own if i < before]
        full = replace(c, own_ids=tuple(own))
        return [*((replace(full, text_after_id=own[w]), w) for w in SCOPE_WINDOWS if w < len(own)), (full, None)]
    top = before if before is not None else session.execute(select(func.max(W.id))).scalar()
    if top is None:
        return [(c, None)]
    return [*((replace(c, text_after_id=top - w), w) for w in TEXT_WINDOWS if top - w > 0), (c, None)]


def _next_window(windows: list[tuple[Criteria, int | None]], tried: int, found: int, wanted: int) -> int:
    """Which window to try after ``windows[tried]`` gave ``found`` of the ``wanted`` matches:
    the first wide enough, at the rate found so far, to hold them all — a rare word (nothing
    found) goes straight to the unbounded search, whose few index entries are cheap to read."""
    span = windows[tried][1]
    assert span is not None
    needed = span * wanted / found if found else float("inf")
    for i in range(tried + 1, len(windows)):
        reach = windows[i][1]
        if reach is None or reach >= needed:
            return i
    return len(windows) - 1


def _pattern(word: str) -> str:
    """``word`` anywhere, as a LIKE pattern with ``/`` as its escape character."""
    return "%" + word.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _fts_match(terms: list[str]) -> ColumnElement[bool]:
    match = " AND ".join(f'"{t}"' for t in terms)  # terms are runs of word characters: no quotes inside
    return literal_column("work_order_fts").op("MATCH")(bindparam(None, match))


def conditions(session: Session, c: Criteria) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if c.number is not None:
        out.append(W.number == c.number)
    if c.citizen_ids is not None:
        out.append(W.citizen_id.in_(c.citizen_ids) if c.citizen_ids else false())
    if c.words:
        indexed_pg = c.use_text_index and session.get_bind().dialect.name == "postgresql"
        if indexed_pg:
            out.append(_pg_text_condition(_text_terms(c), c.text_after_id, c.text_until_id))
            if c.text_until_id is not None:
                out.append(W.id <= c.text_until_id)
        # (SQLite: the caller joins the FTS table, see _ids)
        for word, _ in c.words:
            if indexed_pg:  # the same test, in a function the planner knows to be costly (the migration)
                out.append(func.order_text_matches(W.title, W.content, W.address, bindparam(None, _pattern(word)),
                                                   type_=Boolean))
                continue
            out.append(or_(W.title.icontains(word, autoescape=True), W.content.icontains(word, autoescape=True),
                           W.address.icontains(word, autoescape=True)))
        if not indexed_pg and c.own_ids is not None:  # a window of the unit's orders (_windows)
            window = [i for i in c.own_ids if (c.text_after_id is None or i > c.text_after_id)
                      and (c.text_until_id is None or i <= c.text_until_id)]
            out.append(W.id == any_(bindparam(None, window, type_=postgresql.ARRAY(Integer))))
        if not c.text_in_confidential:
            out.append(W.is_confidential.is_(False))
    if c.start is not None:
        out.append(W.registered_at >= c.start)
    if c.end is not None:
        out.append(W.registered_at < c.end)
    if c.channel_id is not None:
        out.append(W.channel_id == c.channel_id)
    if c.appeal_type is not None:
        out.append(W.appeal_type == c.appeal_type)
    if c.category_code is not None:
        out.append(W.category_id.in_(_subtree_ids(session, Category, c.category_code)))
    if c.region_prefix is not None:
        out.append(W.region_id.in_(_subtree_ids(session, Region, c.region_prefix)))
    if c.lead_unit_id is not None:
        out.append(W.lead_unit_id == c.lead_unit_id)
    if set(c.statuses) == OPEN_STATUSES:  # written as the partial indexes of open orders are
        out.append(literal_column(OPEN_TERM))
    elif c.statuses:
        out.append(W.status.in_(c.statuses))
    if c.urgency is not None:
        out.append(W.urgency == c.urgency)
        if c.urgency != Urgency.normal:  # the term the partial index of urgent orders is made for
            out.append(W.urgency != literal_column("'normal'"))
    if c.overdue is not None:
        out.append(W.overdue_at.is_not(None) if c.overdue else W.overdue_at.is_(None))
    # the flags' terms are written with literals, exactly as their partial indexes' conditions
    # (workorder.models.SEARCH_FLAG_INDEXES): a planner proves a partial index usable only from
    # the same term, never from a bound parameter (nor from a generic plan's)
    if c.enterprise is not None:
        out.append(W.is_enterprise.is_(c.enterprise))
    if c.uscc is not None:
        out.append(W.uscc == c.uscc)
    if c.enterprise_name is not None:
        out.append(W.enterprise_name.icontains(c.enterprise_name, autoescape=True))
    for flag, column in ((c.returned, W.return_count), (c.rehandled, W.rehandle_count), (c.urged, W.urge_count)):
        if flag is not None:
            out.append(column > literal_column("0") if flag else column == literal_column("0"))
    if c.merged is not None:
        out.append(W.merged_into_id.is_not(None) if c.merged else W.merged_into_id.is_(None))
    if c.verdict is not None:
        out.append(W.final_verdict == literal_column(f"'{Verdict(c.verdict).value}'"))
    if c.unrated:
        out.append(W.final_verdict.is_(None))
    soon = and_(W.status.in_(IN_HAND), W.due_soon_warned_at.is_not(None), W.overdue_at.is_(None))
    if c.due_soon is not None:
        out.append(soon if c.due_soon else ~soon)
    if c.created_by is not None:
        out.append(W.created_by_id == c.created_by)
    if c.not_created_by is not None:
        out.append(or_(W.created_by_id.is_(None), W.created_by_id != c.not_created_by))
    return out


def position_of(session: Session, number: str) -> int | None:
    """Where an order stands in the newest-first order (a page's ``after``): its id."""
    return session.execute(select(W.id).where(W.number == number)).scalar_one_or_none()


def _ids(session: Session, scope: Scope, c: Criteria) -> Select[Any]:
    """The matching orders' ids, newest registered first. On SQLite a text search is driven
    by the FTS table in descending rowid (= order id) order, so that a common word's many
    candidates are read only until the page is full."""
    if c.words and c.use_text_index and session.get_bind().dialect.name != "postgresql":
        fts_id: ColumnElement[int] = literal_column("work_order_fts.rowid")
        stmt = (select(W.id).select_from(_FTS).join(W, W.id == fts_id)
                .where(_fts_match(_text_terms(c)), *conditions(session, c)))
        return scope(stmt).order_by(fts_id.desc())
    return scope(select(W.id).where(*conditions(session, c))).order_by(W.id.desc())


@dataclass(frozen=True)
class ResultRow:
    id: int
    number: str
    title: str
    status: Status
    appeal_type: str
    category: str | None
    region: str | None
    lead_unit: str | None
    channel: str
    urgency: Urgency
    registered_at: dt.datetime
    due_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue_at: dt.datetime | None
    is_enterprise: bool
    enterprise_name: str | None
    urge_count: int
    return_count: int
    rehandle_count: int
    merged: bool
    verdict: str | None
    is_confidential: bool
    citizen_id: int | None


def page(session: Session, scope: Scope, c: Criteria, *, after: int | None, limit: int) -> list[ResultRow]:
    """Up to ``limit`` matching orders registered before the order ``after`` (its id), newest first.

    Newest first is the order of registration — the id order, which the table is stored in
    (SQLite) and every index ends with — so that a page of any filter is read along an index
    or the table backwards and stops when it is full, never sorting every match."""
    return rows_of(session, page_ids(session, scope, c, after=after, limit=limit))


def page_ids(session: Session, scope: Scope, c: Criteria, *, after: int | None, limit: int) -> list[int]:
    """The ids of :func:`page`'s orders."""
    ids: list[int] = []
    windows = _windows(session, c, after)
    i = 0
    while True:
        tried, reach = windows[i]
        stmt = _ids(session, scope, tried)
        if after is not None:
            stmt = stmt.where(W.id < after)
        ids = list(session.execute(stmt.limit(limit)).scalars())
        if len(ids) >= limit or reach is None:  # a window's newest matches are the newest of all
            break
        i = _next_window(windows, i, len(ids), limit)
    return ids


def rows_of(session: Session, ids: list[int]) -> list[ResultRow]:
    """These orders' list columns with their names, in the order of ``ids`` (a page; an export
    reads its ids in long stretches and its rows a batch at a time)."""
    if not ids:
        return []
    lead = aliased(Unit)
    columns = (select(W.id, W.number, W.title, W.status, W.appeal_type, Category.name, Region.name, lead.name,
                      Channel.name, W.urgency, W.registered_at, W.due_at, W.closed_at, W.overdue_at, W.is_enterprise,
                      W.enterprise_name, W.urge_count, W.return_count, W.rehandle_count,
                      W.merged_into_id.is_not(None), W.final_verdict, W.is_confidential, W.citizen_id)
               .select_from(W).join(Channel, W.channel_id == Channel.id)
               .outerjoin(Category, W.category_id == Category.id).outerjoin(Region, W.region_id == Region.id)
               .outerjoin(lead, W.lead_unit_id == lead.id).where(W.id.in_(ids)))
    found = {row[0]: ResultRow(*tuple(row)) for row in session.execute(columns)}
    return [found[i] for i in ids if i in found]


def first_page_and_count(session: Session, scope: Scope, c: Criteria, *, limit: int, cap: int,
                         deadline: float | None) -> tuple[list[ResultRow], int, bool]:
    """The first page of a search and its total (up to ``cap``), read together where that
    costs less than apart. A text search reads the matching ids of each window once (see
    :func:`_tally` for whether the total is then complete). Other searches read the matching
    ids as the count would (in no order, up to ``cap``): when that is all of them, the newest
    are the page; otherwise the page is read along the id order, stopping when full. (Reading
    a thousand ids in order would let the planner trade the count's plan for a sort of every
    match: at 5 M orders a city's month of complaints went from 100 to 400 ms.)"""
    if c.words:
        found, ids, complete = _tally(session, scope, c, cap=cap, deadline=deadline, keep=limit)
        return rows_of(session, ids[:limit]), found, complete
    _search_memory(session)
    matching = list(session.execute(_ids(session, scope, c).order_by(None).limit(cap)).scalars())
    if len(matching) < cap:
        return rows_of(session, sorted(matching, reverse=True)[:limit]), len(matching), True
    return page(session, scope, c, after=None, limit=limit), len(matching), True


def count(session: Session, scope: Scope, c: Criteria, *, cap: int) -> int:
    """How many orders match, counting no further than ``cap`` (exact below it)."""
    return _tally(session, scope, c, cap=cap, deadline=None, keep=0)[0]


def count_within(session: Session, scope: Scope, c: Criteria, *, cap: int,
                 deadline: float | None) -> tuple[int, bool]:
    """How many orders match (up to ``cap``) and whether the count is complete: see :func:`_tally`."""
    found, _, complete = _tally(session, scope, c, cap=cap, deadline=deadline, keep=0)
    return found, complete


#: How long after a search page began its text count may go on (seconds): past it, the total
#: is what had been found (at least that many match). The page itself is read whatever the time.
TEXT_COUNT_SECONDS = 0.2


def _tally(session: Session, scope: Scope, c: Criteria, *, cap: int, deadline: float | None,
           keep: int) -> tuple[int, list[int], bool]:
    """How many orders match (up to ``cap``), the ids of the newest ``keep`` of them, and
    whether the count is complete.

    A PostgreSQL text search reads window by window — the newest orders first, then the next
    older stretch — never reading an order twice. Given a ``deadline`` (``time.monotonic``),
    once the ``keep`` newest are known it reads on only until then (each window's statement
    under a timeout, in a savepoint) and the count is what it had found: at least that many.
    SQLite's text search reads once, through its FTS index, and stops at the deadline likewise."""
    kept: list[int] = []

    def read(tried: Criteria, up_to: int, timed: bool) -> int | None:
        """How many match in ``tried`` (up to ``up_to``), their ids kept while the page is not
        full; None when the deadline passed first."""
        if not timed:
            return _read(session, scope, tried, up_to, kept, keep)
        assert deadline is not None
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            return None
        try:
            with session.begin_nested():
                session.execute(text(f"SET LOCAL statement_timeout = {left_ms}"))
                n = _read(session, scope, tried, up_to, kept, keep)
                session.execute(text("SET LOCAL statement_timeout TO DEFAULT"))
        except OperationalError as exc:
            if isinstance(exc.orig, QueryCanceled):
                return None
            raise
        return n

    windows = _windows(session, c, None)
    if len(windows) == 1:
        if deadline is not None and c.words and session.get_bind().dialect.name != "postgresql":
            # SQLite: one read (through its FTS index, or a unit's orders), stopped in time
            counted, complete = _read_until(session, scope, c, cap, kept, keep, deadline)
            return counted, kept, complete
        return _read(session, scope, c, cap, kept, keep), kept, True
    found, until, i = 0, None, 0
    while True:
        tried, reach = windows[i]
        # the first read, and those the page still needs, go on whatever the time
        timed = deadline is not None and i > 0 and len(kept) >= keep
        if reach is None and found == 0:  # straight to the unbounded search: no range to exclude
            n = read(tried, cap, timed)
            return (0, kept, False) if n is None else (n, kept, True)
        n = read(replace(tried, text_until_id=until), cap - found, timed)
        if n is None:
            return found, kept, False
        found += n
        if found >= cap or reach is None:
            return found, kept, True
        until = tried.text_after_id
        # wide enough for what the page still needs, else for the count (a page's search must
        # not read a word's every match in an unbounded window because the count wants 1,001)
        i = _next_window(windows, i, found, keep if len(kept) < keep else cap)
        if windows[i][1] is None and found * 10 < cap and c.use_text_index:
            # a rare word: reading what is left past the windows means an id range of millions
            # to exclude; reading everything afresh takes only the word's few index entries
            if len(kept) < keep:
                kept.clear()  # … and the page from the start
            n = read(windows[i][0], cap, deadline is not None and len(kept) >= keep)
            return (found, kept, False) if n is None else (n, kept, True)


def _read(session: Session, scope: Scope, c: Criteria, up_to: int, kept: list[int], keep: int) -> int:
    """How many orders match ``c`` (up to ``up_to``); while ``kept`` holds fewer than ``keep``
    ids, the newest of these are added to it."""
    if len(kept) < keep:
        ids = list(session.execute(_ids(session, scope, c).limit(up_to)).scalars())
        kept += ids[:keep - len(kept)]
        return len(ids)
    inner = _ids(session, scope, c).order_by(None).limit(up_to).subquery()
    return int(session.execute(select(func.count()).select_from(inner)).scalar_one())


def _read_until(session: Session, scope: Scope, c: Criteria, up_to: int, kept: list[int], keep: int,
                deadline: float) -> tuple[int, bool]:
    """:func:`_read` in one statement whose rows are taken one by one (SQLite steps its plan as
    they are asked for), stopping at ``deadline`` once ``kept`` holds ``keep``: how many were
    found and whether that is all of them. A common word in a city walks the word's index
    entries newest first testing each order's region: a thousand in a city of ten can mean
    ten thousand orders read."""
    result = session.execute(_ids(session, scope, c).limit(up_to).execution_options(yield_per=_STEP))
    n = 0
    try:
        for n, order_id in enumerate(result.scalars(), 1):
            if len(kept) < keep:
                kept.append(order_id)
            elif time.monotonic() >= deadline:
                return n, False
    finally:
        result.close()
    return n, True


#: rows :func:`_read_until` asks for at a time (each a look at the clock)
_STEP = 16


def name_of_code(session: Session, kind: str, code: str) -> str | None:
    model: Any = {"channel": Channel, "category": Category, "region": Region, "lead_unit": Unit}.get(kind)
    if kind == "appeal_type":
        return session.execute(select(AppealType.name).where(AppealType.code == code)).scalar_one_or_none()
    if model is None:
        return None
    return session.execute(select(model.name).where(model.code == code)).scalar_one_or_none()
