"""Saved views of the statistics workbench: a user saves the current state under a name, lists,
opens and deletes their own. Private: another account's view is not found (404), whatever
its role. Every write is audited. (The few queries live here, beside the use cases, to keep
the workbench's files apart from the query engine's repository.)"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.analytics import workbench
from hotline.analytics.saved_models import SavedView
from hotline.audit import service as audit
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.kit.errors import Conflict, InvalidInput, NotFound

REF = re.compile(r"[0-9a-f]{32}")
MAX_NAME = 60
#: How many views one account keeps.
MAX_VIEWS = 100


def list_views(session: Session, principal: Principal) -> list[SavedView]:
    workbench.require_user(principal)
    return list(session.scalars(select(SavedView).where(SavedView.owner_id == principal.user_id)
                                .order_by(SavedView.created_at.desc(), SavedView.id.desc())))


def access_view(session: Session, principal: Principal, ref: str) -> SavedView:
    """The caller's own view with this reference; 404 for anything else (another account's
    view looks exactly like a missing one)."""
    workbench.require_user(principal)
    view = session.scalar(select(SavedView).where(SavedView.ref == ref)) if REF.fullmatch(ref or "") else None
    if view is None or view.owner_id != principal.user_id:
        raise NotFound("保存的视图不存在")
    return view


def canonical(state: workbench.State) -> str:
    return urlencode(state.params())


def state_of(view: SavedView) -> workbench.State:
    """The state a view saved (a view saved before a measure was renamed falls back to the
    defaults for what no longer parses)."""
    params = parse_qs(view.query, keep_blank_values=True)
    try:
        return workbench.parse_state(params)
    except InvalidInput:
        return workbench.State()


def save_view(session: Session, principal: Principal, *, name: str, state: workbench.State) -> SavedView:
    workbench.require_user(principal)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name", "请填写视图名称")
    if len(name) > MAX_NAME:
        raise InvalidInput("name", f"视图名称最多 {MAX_NAME} 个字")
    mine = select(SavedView).where(SavedView.owner_id == principal.user_id)
    if session.scalar(mine.where(SavedView.name == name).with_only_columns(SavedView.id)) is not None:
        raise Conflict(f"已有名为“{name}”的视图", field="name")
    if (session.scalar(select(func.count()).select_from(mine.subquery())) or 0) >= MAX_VIEWS:
        raise Conflict(f"每个账号最多保存 {MAX_VIEWS} 个视图，请先删除不用的视图")
    view = SavedView(owner_id=principal.user_id, name=name, query=canonical(state), created_at=clock.now())
    session.add(view)
    session.flush()
    audit.record(session, principal, "saved_view.created", object_type="saved_view", object_id=view.ref,
                 detail={"name": name})
    return view


def delete_view(session: Session, principal: Principal, view: SavedView) -> None:
    audit.record(session, principal, "saved_view.deleted", object_type="saved_view", object_id=view.ref,
                 detail={"name": view.name})
    session.delete(view)
    session.flush()
