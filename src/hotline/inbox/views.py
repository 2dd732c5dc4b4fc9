"""The inbox pages: the list (``/inbox``), opening a message (marks it read, goes to its object),
marking all read, and the bell's badge (an htmx fragment refreshed every minute)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.inbox import service
from hotline.inbox.models import KIND_NAMES
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.templating import render

router = routing.router()


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    unread_only = request.query_params.get("unread") == "1"
    before = request.query_params.get("before")
    items = service.messages(db, principal, unread_only=unread_only,
                             before=int(before) if before and before.isdigit() else None, limit=51)
    more = len(items) > 50
    items = items[:50]
    return render(request, "inbox/inbox.html", principal, title="消息", items=items, unread_only=unread_only,
                  unread=service.unread(db, principal), kinds=KIND_NAMES,
                  next_url=f"/inbox?{'unread=1&' if unread_only else ''}before={items[-1].id}" if more else None)


@router.get("/inbox/badge", response_class=HTMLResponse)
def badge(principal: CurrentPrincipal, db: Db) -> Response:
    n = service.unread(db, principal)
    shown = "99+" if n >= service.BELL_CAP else str(n)
    body = f'消息<span class="bell-count" aria-label="未读 {shown} 条">{shown}</span>' if n else "消息"
    return HTMLResponse(body)


@router.get("/inbox/{ref}/open")
def open_message(ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    item = service.mark_read(db, principal, service.access_item(db, principal, ref))
    return RedirectResponse(item.url if item.url.startswith("/") else "/inbox", status_code=303)


@router.post("/inbox/read-all", response_class=HTMLResponse)
def read_all(principal: CurrentPrincipal, db: Db) -> Response:
    service.mark_all_read(db, principal)
    return RedirectResponse("/inbox", status_code=303)
