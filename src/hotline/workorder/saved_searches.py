"""Saved order searches (常用查询): an account keeps searches under names, opens and deletes its
own. Private: another account's search is not found (404), whatever its role. Every write is
audited (the name only: a search by phone keeps its number in the saved query, which only its
owner can read)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import handover
from hotline.auth.models import User
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.kit.errors import Conflict, HotlineError, InvalidInput, NotFound
from hotline.workorder import search
from hotline.workorder.models import SavedSearch

REF = re.compile(r"[0-9a-f]{32}")
MAX_NAME = 60
#: How many searches one account keeps.
MAX_SEARCHES = 100


def list_searches(session: Session, principal: Principal) -> list[SavedSearch]:
    search.require_searcher(principal)
    return list(session.scalars(select(SavedSearch).where(SavedSearch.owner_id == principal.user_id)
                                .order_by(SavedSearch.name, SavedSearch.id)))


def access_search(session: Session, principal: Principal, ref: str) -> SavedSearch:
    search.require_searcher(principal)
    found = session.scalar(select(SavedSearch).where(SavedSearch.ref == ref)) if REF.fullmatch(ref or "") else None
    if found is None or found.owner_id != principal.user_id:
        raise NotFound("保存的查询不存在")
    return found


def query_of(saved: SavedSearch) -> search.SearchQuery:
    """The search it keeps (one that no longer parses, e.g. a status renamed since, opens empty)."""
    try:
        return search.parse(parse_qs(saved.query, keep_blank_values=False))
    except InvalidInput:
        return search.SearchQuery()


def save(session: Session, principal: Principal, *, name: str, query: search.SearchQuery) -> SavedSearch:
    search.require_searcher(principal)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name", "请填写查询名称")
    if len(name) > MAX_NAME:
        raise InvalidInput("name", f"查询名称最多 {MAX_NAME} 个字")
    if query.is_empty():
        raise InvalidInput("query", "请先设置查询条件再保存")
    mine = select(SavedSearch).where(SavedSearch.owner_id == principal.user_id)
    if session.scalar(mine.where(SavedSearch.name == name).with_only_columns(SavedSearch.id)) is not None:
        raise Conflict(f"已有名为“{name}”的查询", field="name")
    if (session.scalar(select(func.count()).select_from(mine.subquery())) or 0) >= MAX_SEARCHES:
        raise Conflict(f"每个账号最多保存 {MAX_SEARCHES} 个查询，请先删除不用的查询")
    saved = SavedSearch(ref=secrets.token_hex(16), owner_id=principal.user_id, name=name,
                        query=query.query_string(), created_at=clock.now())
    session.add(saved)
    session.flush()
    audit.record(session, principal, "saved_search.created", object_type="saved_search", object_id=saved.ref,
                 detail={"name": name})
    return saved


def delete(session: Session, principal: Principal, saved: SavedSearch) -> None:
    audit.record(session, principal, "saved_search.deleted", object_type="saved_search", object_id=saved.ref,
                 detail={"name": saved.name})
    session.delete(saved)


@handover.register
def hand_over(session: Session, actor: Principal, leaver: User, colleague: User) -> list[handover.Item]:
    """A leaver's saved searches go to the colleague (离职交接), unless the colleague may not search
    orders or already keeps a search of that name."""
    taker = Principal.of(colleague)
    try:
        search.require_searcher(taker)
        searcher = True
    except HotlineError:
        searcher = False
    taken = set(session.scalars(select(SavedSearch.name).where(SavedSearch.owner_id == colleague.id)))
    out = []
    for saved in session.scalars(select(SavedSearch).where(SavedSearch.owner_id == leaver.id)
                                 .order_by(SavedSearch.name)).all():
        if not searcher:
            out.append(handover.Item("saved_search", saved.name, moved=False, reason="接收人不能查询工单"))
        elif saved.name in taken:
            out.append(handover.Item("saved_search", saved.name, moved=False, reason="接收人已有同名查询"))
        else:
            saved.owner_id = colleague.id
            taken.add(saved.name)
            audit.record(session, actor, "saved_search.handed_over", object_type="saved_search",
                         object_id=saved.ref, detail={"from_user_id": leaver.id, "to_user_id": colleague.id})
            out.append(handover.Item("saved_search", saved.name, moved=True))
    session.flush()
    return out
