"""Queries of the knowledge base. The full-text search is the one place that differs by
database: SQLite's FTS5 table ``knowledge_fts`` (external content: the ``knowledge_search``
rows) and PostgreSQL's generated ``tsvector`` column with a GIN index (see the migration)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, column, delete, func, literal_column, or_, select, table, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.sql.elements import ColumnElement

from hotline.knowledge import search
from hotline.knowledge.models import (
    KnowledgeAnswer,
    KnowledgeCollection,
    KnowledgeItem,
    KnowledgeSearchEntry,
    KnowledgeTerm,
    KnowledgeVersion,
    KnowledgeVote,
    PolicyClass,
    PolicyDocument,
    VersionStatus,
)
from hotline.org.models import Category, Region, Unit

#: The row of ``knowledge_term`` that counts the searchable versions.
DOCUMENTS = ""
#: What a term handed to the full-text syntax may contain (``search.terms`` makes no other).
SAFE_TERM = re.compile(r"[^\W_]{1,64}")
#: SQLite's FTS5 table (created by the migration on SQLite only).
FTS = table("knowledge_fts", column("rowid"))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert(session: Session) -> Any:
    return postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert


# --- the search index ------------------------------------------------------------------------


def index(session: Session, entry: KnowledgeSearchEntry) -> None:
    """Make a published version searchable: its row, the FTS5 row on SQLite (PostgreSQL's
    column is generated), and one more document for each of its terms."""
    session.add(entry)
    session.flush()
    if _dialect(session) == "sqlite":
        session.execute(text("INSERT INTO knowledge_fts(rowid, question_terms, answer_terms) VALUES (:id, :q, :a)"),
                        {"id": entry.version_id, "q": entry.question_terms, "a": entry.answer_terms})
    _count_terms(session, entry, +1)


def unindex(session: Session, version_id: int) -> None:
    """A version stops answering (superseded, expired, withdrawn)."""
    entry = session.get(KnowledgeSearchEntry, version_id)
    if entry is None:
        return
    if _dialect(session) == "sqlite":
        session.execute(text("INSERT INTO knowledge_fts(knowledge_fts, rowid, question_terms, answer_terms) "
                             "VALUES ('delete', :id, :q, :a)"),
                        {"id": entry.version_id, "q": entry.question_terms, "a": entry.answer_terms})
    _count_terms(session, entry, -1)
    session.delete(entry)
    session.flush()


def _count_terms(session: Session, entry: KnowledgeSearchEntry, delta: int) -> None:
    distinct = sorted({*entry.question_terms.split(), *entry.answer_terms.split(), DOCUMENTS})
    table = KnowledgeTerm.__table__
    stmt = _insert(session)(table)
    stmt = stmt.on_conflict_do_update(index_elements=["term"], set_={"df": table.c.df + stmt.excluded.df})
    session.execute(stmt, [{"term": term, "df": delta} for term in distinct])


def stats(session: Session, terms: Iterable[str]) -> search.Stats:
    wanted = sorted({*terms, DOCUMENTS})
    stmt = select(KnowledgeTerm.term, KnowledgeTerm.df).where(KnowledgeTerm.term.in_(wanted))
    rows = dict(session.execute(stmt).all())
    return search.Stats(documents=int(rows.pop(DOCUMENTS, 0) or 0), df={k: int(v) for k, v in rows.items()})


@dataclass(frozen=True)
class SearchFilter:
    """What narrows a search: the regions an item may apply to (a region, the regions above
    it — ``region_codes`` — and those below it — ``region_prefix``; None for all), a category
    subtree, a policy class, an owner unit, and the day on which it must be in force (expired
    items never answer)."""

    today: dt.date
    region_codes: tuple[str, ...] | None = None
    region_prefix: str | None = None
    category_code: str | None = None
    policy_class: PolicyClass | None = None
    owner_unit_id: int | None = None


def _filtered(stmt: Select[Any], f: SearchFilter) -> Select[Any]:
    s = KnowledgeSearchEntry
    stmt = stmt.where(s.effective_on <= f.today, or_(s.expires_on.is_(None), s.expires_on > f.today))
    if f.region_codes is not None:
        place: ColumnElement[bool] = s.region_code.in_(f.region_codes)
        if f.region_prefix:
            place = or_(place, s.region_code.startswith(f.region_prefix, autoescape=True))
        stmt = stmt.where(place)
    if f.category_code:
        stmt = stmt.where(s.category_code.startswith(f.category_code, autoescape=True))
    if f.policy_class is not None:
        stmt = stmt.where(s.policy_class == f.policy_class.value)
    if f.owner_unit_id is not None:
        stmt = stmt.where(s.owner_unit_id == f.owner_unit_id)
    return stmt


def _match(plan: search.Retrieval, *, postgres: bool) -> str:
    """The full-text expression of a retrieval plan: one term of every group (the terms are
    quoted: ``search.terms`` makes nothing else, and ``SAFE_TERM`` checks it)."""
    if postgres:
        return " & ".join("(" + " | ".join(f"'{t}'" for t in group) + ")" for group in plan.required)
    expression = " AND ".join("(" + " OR ".join(f'"{t}"' for t in group) + ")" for group in plan.required)
    return f"question_terms : ({expression})" if plan.question_only else expression


def candidates(session: Session, plan: search.Retrieval, f: SearchFilter, limit: int) -> list[search.Candidate]:
    """Up to ``limit`` searchable versions that the plan's index expression matches, best
    first by the database's own relevance over all the plan's ``scored`` terms (BM25 on
    SQLite, ``ts_rank`` on PostgreSQL), with their text for re-ranking."""
    terms = [t for group in plan.required for t in group]
    if not terms or not all(SAFE_TERM.fullmatch(t) for t in [*terms, *plan.scored]):
        return []
    s = KnowledgeSearchEntry
    columns: tuple[Any, ...] = (s.version_id, s.question_terms, s.answer_terms)
    if _dialect(session) == "postgresql":
        # Read at most ``row_cap`` matching rows, then rank them. The cap binds only when the
        # plan could not know the count: concepts that go together more than independent ones
        # would, or a common term in the question field (its own GIN index, see the migration).
        field = ("to_tsvector('simple', knowledge_search.question_terms)" if plan.question_only
                 else "knowledge_search.tsv")
        # to_tsquery in a scalar subquery: evaluated once per search even when PostgreSQL
        # reuses a generic plan of the prepared statement (else once per row: 5x slower)
        matching = _filtered(select(*columns, literal_column("knowledge_search.tsv").label("tsv"))
                             .where(text(f"{field} @@ (SELECT to_tsquery('simple', :match))")), f)
        if plan.row_cap:
            matching = matching.limit(plan.row_cap)
        found = matching.subquery("found")
        stmt: Select[Any] = select(found.c.version_id, found.c.question_terms, found.c.answer_terms).order_by(
            func.ts_rank(found.c.tsv, text("(SELECT to_tsquery('simple', :score))")).desc(), found.c.version_id
        ).limit(limit)
        params = {"match": _match(plan, postgres=True), "score": " | ".join(f"'{t}'" for t in plan.scored)}
    else:
        # rows the plan matches, scored by every term (bm25 sums over the whole expression)
        params = {"match": f"({_match(plan, postgres=False)}) AND ("
                  + " OR ".join(f'"{t}"' for t in plan.scored) + ")"}
        rank: ColumnElement[float] = literal_column("bm25(knowledge_fts, 3.0, 1.0)")
        if f.region_codes is None and not f.category_code and f.policy_class is None and f.owner_unit_id is None:
            # Only the validity dates filter, and they remove almost nothing (the upkeep job
            # takes expired items out): rank in the index alone, then join the best few.
            best = (select(FTS.c.rowid.label("version_id"), rank.label("rank"))
                    .where(text("knowledge_fts MATCH :match")).order_by(rank).limit(limit * 4).subquery())
            stmt = _filtered(select(*columns).join(best, best.c.version_id == s.version_id), f).order_by(
                best.c.rank, s.version_id).limit(limit)
        else:  # a narrowing filter: rank only the rows that pass it
            stmt = _filtered(select(*columns).join(FTS, FTS.c.rowid == s.version_id)
                             .where(text("knowledge_fts MATCH :match")), f).order_by(rank, s.version_id).limit(limit)
    rows = session.execute(stmt, params).all()
    return [search.Candidate(key=r.version_id, question_terms=r.question_terms, answer_terms=r.answer_terms)
            for r in rows]


def versions_with_items(session: Session, ids: Iterable[int]) -> dict[int, tuple[KnowledgeVersion, KnowledgeItem]]:
    """Versions by id, each with its item, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = (select(KnowledgeVersion, KnowledgeItem).join(KnowledgeItem, KnowledgeItem.id == KnowledgeVersion.item_id)
            .where(KnowledgeVersion.id.in_(wanted))
            .options(lazyload(KnowledgeItem.latest_version), lazyload(KnowledgeItem.published_version)))
    return {version.id: (version, item) for version, item in session.execute(stmt).unique().all()}


# --- items and versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFilter:
    status: VersionStatus | None = None  # of the latest version
    owner_unit_id: int | None = None
    owner_region_prefix: str | None = None
    policy_class: PolicyClass | None = None
    category_code: str | None = None
    text: str | None = None  # a plain substring of the question
    document_id: int | None = None
    collection_id: int | None = None


def items(session: Session, f: ItemFilter, *, limit: int, offset: int) -> tuple[list[KnowledgeItem], int]:
    """Items by their latest version, newest change first."""
    v = KnowledgeVersion
    stmt = select(KnowledgeItem).join(v, v.id == KnowledgeItem.latest_version_id)
    if f.status is not None:
        stmt = stmt.where(v.status == f.status)
    if f.owner_unit_id is not None:
        stmt = stmt.where(KnowledgeItem.owner_unit_id == f.owner_unit_id)
    if f.owner_region_prefix:
        stmt = stmt.join(Unit, Unit.id == KnowledgeItem.owner_unit_id).join(Region, Region.id == Unit.region_id).where(
            Region.code.startswith(f.owner_region_prefix, autoescape=True))
    if f.policy_class is not None:
        stmt = stmt.where(v.policy_class == f.policy_class)
    if f.category_code:
        stmt = stmt.join(Category, Category.id == v.category_id).where(
            Category.code.startswith(f.category_code, autoescape=True))
    if f.text:
        stmt = stmt.where(v.question.contains(f.text, autoescape=True))
    if f.document_id is not None:
        stmt = stmt.where(v.policy_document_id == f.document_id)
    if f.collection_id is not None:
        stmt = stmt.where(KnowledgeItem.id.in_(select(v.item_id).where(v.collection_id == f.collection_id)))
    total = session.execute(select(func.count()).select_from(stmt.with_only_columns(KnowledgeItem.id).subquery())
                            ).scalar_one()
    rows = session.execute(stmt.order_by(v.created_at.desc(), KnowledgeItem.id.desc()).limit(limit).offset(offset)
                           ).unique().scalars().all()
    return list(rows), int(total)


def versions_of(session: Session, item_id: int) -> list[KnowledgeVersion]:
    return list(session.execute(select(KnowledgeVersion).where(KnowledgeVersion.item_id == item_id)
                                .order_by(KnowledgeVersion.number.desc())).unique().scalars())


def next_version_number(session: Session, item_id: int) -> int:
    last = session.execute(select(func.max(KnowledgeVersion.number)).where(KnowledgeVersion.item_id == item_id)
                           ).scalar()
    return int(last or 0) + 1


def expiring(session: Session, today: dt.date, limit: int) -> list[KnowledgeVersion]:
    """Published versions whose expiry date has come."""
    return list(session.execute(
        select(KnowledgeVersion).where(KnowledgeVersion.status == VersionStatus.published,
                                       KnowledgeVersion.expires_on.is_not(None),
                                       KnowledgeVersion.expires_on <= today)
        .order_by(KnowledgeVersion.expires_on, KnowledgeVersion.id).limit(limit)
        .with_for_update(skip_locked=True, of=KnowledgeVersion)
    ).unique().scalars())


def add_usage(session: Session, item_id: int, **deltas: int) -> None:
    """Add to an item's usage counters in one statement (no read, no lost update)."""
    c = KnowledgeItem.__table__.c
    session.execute(update(KnowledgeItem).where(KnowledgeItem.id == item_id)
                    .values({name: c[name] + n for name, n in deltas.items()}))


def take_vote(session: Session, reader: str, item_id: int, now: dt.datetime, since: dt.datetime) -> bool:
    """Record ``reader``'s vote on the item at ``now`` unless the reader's last counted vote on
    it is later than ``since``; True when recorded. One statement (an upsert), so two
    processes taking the same reader's vote at once record it once."""
    t = KnowledgeVote.__table__
    stmt = _insert(session)(t).values(reader=reader, item_id=item_id, voted_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=[t.c.reader, t.c.item_id], set_={"voted_at": now},
                                      where=t.c.voted_at <= since).returning(t.c.item_id)
    return session.execute(stmt).first() is not None


def forget_votes_before(session: Session, before: dt.datetime) -> int:
    """Drop votes older than ``before`` (they no longer hold a reader back)."""
    return int(session.execute(delete(KnowledgeVote).where(KnowledgeVote.voted_at < before))
               .rowcount)  # type: ignore[attr-defined]


def record_answer(session: Session, values: dict[str, Any]) -> None:
    session.add(KnowledgeAnswer(**values))


def answer_of_order(session: Session, work_order_id: int) -> KnowledgeAnswer | None:
    return session.execute(select(KnowledgeAnswer).where(KnowledgeAnswer.work_order_id == work_order_id)
                           .order_by(KnowledgeAnswer.id.desc()).limit(1)).scalar_one_or_none()


@dataclass(frozen=True)
class UnitUsage:
    unit_id: int
    unit_name: str
    items: int
    published: int
    views: int
    answers: int
    helpful: int
    not_helpful: int


def usage_by_unit(session: Session, region_prefix: str) -> list[UnitUsage]:
    """Per owner unit: items, published items and the summed usage figures."""
    k = KnowledgeItem
    stmt = (select(Unit.id, Unit.name, func.count(k.id), func.count(k.published_version_id), func.sum(k.views),
                   func.sum(k.answers), func.sum(k.helpful), func.sum(k.not_helpful))
            .join(Unit, Unit.id == k.owner_unit_id).join(Region, Region.id == Unit.region_id)
            .where(Region.code.startswith(region_prefix, autoescape=True))
            .group_by(Unit.id, Unit.name).order_by(func.sum(k.answers).desc(), Unit.id))
    return [UnitUsage(unit_id=r[0], unit_name=r[1], items=int(r[2]), published=int(r[3]), views=int(r[4] or 0),
                      answers=int(r[5] or 0), helpful=int(r[6] or 0), not_helpful=int(r[7] or 0))
            for r in session.execute(stmt)]


# --- policy documents ------------------------------------------------------------------------


def document_by_number(session: Session, doc_number: str) -> PolicyDocument | None:
    return session.execute(select(PolicyDocument).where(PolicyDocument.doc_number == doc_number)
                           ).unique().scalar_one_or_none()


def documents(session: Session, *, region_prefix: str | None, owner_unit_id: int | None, late_only: bool,
              limit: int, offset: int) -> tuple[list[PolicyDocument], int]:
    stmt = select(PolicyDocument)
    if region_prefix:
        stmt = stmt.join(Unit, Unit.id == PolicyDocument.owner_unit_id).join(Region, Region.id == Unit.region_id).where(
            Region.code.startswith(region_prefix, autoescape=True))
    if owner_unit_id is not None:
        stmt = stmt.where(PolicyDocument.owner_unit_id == owner_unit_id)
    if late_only:
        stmt = stmt.where(PolicyDocument.on_time.is_(False))
    total = session.execute(select(func.count()).select_from(stmt.with_only_columns(PolicyDocument.id).subquery())
                            ).scalar_one()
    rows = session.execute(stmt.order_by(PolicyDocument.issued_on.desc(), PolicyDocument.id.desc())
                           .limit(limit).offset(offset)).unique().scalars().all()
    return list(rows), int(total)


def unsettled_documents(session: Session, *, due_before: dt.date, limit: int) -> list[PolicyDocument]:
    """Documents whose deadline passed without a published item, not yet settled."""
    return list(session.execute(
        select(PolicyDocument).where(PolicyDocument.settled_at.is_(None), PolicyDocument.due_on < due_before)
        .order_by(PolicyDocument.due_on, PolicyDocument.id).limit(limit)
        .with_for_update(skip_locked=True, of=PolicyDocument)
    ).unique().scalars())


def unsettled_after(session: Session, *, after_id: int, limit: int) -> list[PolicyDocument]:
    """Documents not yet settled (on time or late), by id."""
    return list(session.execute(
        select(PolicyDocument).where(PolicyDocument.settled_at.is_(None), PolicyDocument.id > after_id)
        .order_by(PolicyDocument.id).limit(limit)).unique().scalars())


def document_item_counts(session: Session, document_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per document: its items, and those with a published version."""
    wanted = sorted(set(document_ids))
    if not wanted:
        return {}
    v = KnowledgeVersion
    stmt = (select(v.policy_document_id, func.count(func.distinct(v.item_id)),
                   func.count(func.distinct(KnowledgeItem.published_version_id)))
            .join(KnowledgeItem, KnowledgeItem.id == v.item_id)
            .where(v.policy_document_id.in_(wanted)).group_by(v.policy_document_id))
    return {r[0]: (int(r[1]), int(r[2])) for r in session.execute(stmt) if r[0] is not None}


# --- emergency collections ---------------------------------------------------------------------


def collections(session: Session, *, centre_prefix: str | None, unit_id: int | None, limit: int,
                offset: int) -> tuple[list[KnowledgeCollection], int]:
    from hotline.knowledge.models import collection_unit

    stmt = select(KnowledgeCollection)
    if centre_prefix is not None:
        stmt = stmt.join(Unit, Unit.id == KnowledgeCollection.centre_unit_id).join(
            Region, Region.id == Unit.region_id).where(Region.code.startswith(centre_prefix, autoescape=True))
    if unit_id is not None:
        stmt = stmt.where(KnowledgeCollection.id.in_(
            select(collection_unit.c.collection_id).where(collection_unit.c.unit_id == unit_id)))
    total = session.execute(select(func.count()).select_from(stmt.with_only_columns(KnowledgeCollection.id).subquery())
                            ).scalar_one()
    rows = session.execute(stmt.order_by(KnowledgeCollection.created_at.desc(), KnowledgeCollection.id.desc())
                           .limit(limit).offset(offset)).unique().scalars().all()
    return list(rows), int(total)


def deliveries(session: Session, collection_id: int) -> dict[int, tuple[int, dt.datetime | None]]:
    """Per unit: versions submitted for the collection and when the first was submitted."""
    v = KnowledgeVersion
    stmt = (select(KnowledgeItem.owner_unit_id, func.count(v.id), func.min(v.submitted_at))
            .join(KnowledgeItem, KnowledgeItem.id == v.item_id)
            .where(v.collection_id == collection_id, v.submitted_at.is_not(None))
            .group_by(KnowledgeItem.owner_unit_id))
    return {r[0]: (int(r[1]), r[2]) for r in session.execute(stmt)}


def term_counts(entries: Iterable[tuple[str, str]]) -> Counter[str]:
    """Document frequencies of segmented texts (question terms, answer terms) — bulk loads."""
    counts: Counter[str] = Counter()
    for q, a in entries:
        counts.update({*q.split(), *a.split(), DOCUMENTS})
    return counts
