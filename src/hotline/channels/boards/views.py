"""Pages of the message boards: the boards (``/boards``; the administrator adds boards and sets
their pull adapter there), a board's messages and imports with the upload of an export file
and the download of its reply file (``/boards/{code}``). Every read and write goes through
``boards.service``, which checks who may."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.channels.boards import endpoints, service
from hotline.kit import clock
from hotline.kit.errors import HotlineError, InvalidInput
from hotline.org import repository as org_repository
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, flag, integer, refused, text
from hotline.web.templating import render
from hotline.workorder.lifecycle import STATUS_NAMES

router = routing.router()


def _boards_page(request: Request, principal: Principal, db: Db, *, status: int = 200, **kw: Any) -> Response:
    admin = access.is_province_admin(principal)
    boards = [endpoints.board_out(db, c, b, full=admin) for c, b in service.boards_for(db, principal)]
    return render(request, "channels/boards/boards.html", principal, status_code=status, title="网络留言板",
                  boards=boards, admin=admin, appeal_types=org_repository.list_appeal_types(db),
                  field_names=service.MESSAGE_FIELDS + service.PAGE_FIELDS, defaults=service.DEFAULT_FIELD_MAP, **kw)


@router.get("/boards", response_class=HTMLResponse)
def boards_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _boards_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/boards", response_class=HTMLResponse)
def add_board(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        service.create_board(db, principal, code=text(form, "code") or "", name=text(form, "name"),
                             centre_unit_code=text(form, "centre_unit_code"),
                             appeal_type=text(form, "appeal_type") or "complaint")
    except HotlineError as exc:
        return refused(db, exc, partial(_boards_page, request, principal, db))
    return RedirectResponse(f"/boards?ok={quote('已添加留言板 ' + (text(form, 'code') or ''))}", status_code=303)


@router.post("/boards/{code}/pull", response_class=HTMLResponse)
def save_pull(request: Request, code: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        board, _ = service.access_board(db, principal, code, need="manage")
        raw = text(form, "field_map")
        try:
            mapping = json.loads(raw) if raw else None
        except ValueError:
            raise InvalidInput("field_map", "字段映射应为 JSON 对象") from None
        if mapping is not None and not isinstance(mapping, dict):
            raise InvalidInput("field_map", "字段映射应为 JSON 对象")
        service.configure_pull(db, principal, board, url=text(form, "pull_url"),
                               interval_seconds=integer(form, "interval_seconds") or 900, field_map=mapping,
                               enabled=flag(form, "enabled"))
    except HotlineError as exc:
        return refused(db, exc, partial(_boards_page, request, principal, db))
    return RedirectResponse(f"/boards?ok={quote('已保存拉取设置 ' + code)}", status_code=303)


def _board_page(request: Request, principal: Principal, db: Db, code: str, *, status: int = 200,
                **kw: Any) -> Response:
    board, channel = service.access_board(db, principal, code, need="view")
    q = (request.query_params.get("q") or "").strip()[:50] or None
    offset = min(max(integer(request.query_params, "offset") or 0, 0), 10_000_000)
    rows, total = service.list_messages(db, board, limit=50, offset=offset, text=q)
    return render(request, "channels/boards/board.html", principal, status_code=status, title=channel.name,
                  board=board, channel=channel, rows=rows, total=total, offset=offset, q=q or "",
                  imports=service.list_imports(db, board)[:20], may_import=principal.can(Cap.dispatch),
                  today=clock.today().isoformat(), status_names={k.value: v for k, v in STATUS_NAMES.items()}, **kw)


@router.get("/boards/{code}", response_class=HTMLResponse)
def board_page(request: Request, code: str, principal: CurrentPrincipal, db: Db) -> Response:
    return _board_page(request, principal, db, code, flash=request.query_params.get("ok"))


@router.post("/boards/{code}/import", response_class=HTMLResponse)
def upload_page(request: Request, code: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        summary = endpoints.run_upload(request, db, principal, code, form.get("file"))
    except InvalidInput as exc:
        db.rollback()
        return _board_page(request, principal, db, code, status=422, flash=exc.reason, flash_kind="err")
    c = summary.counts
    if summary.status != "done":
        return _board_page(request, principal, db, code, status=422, import_errors=c.errors[:200],
                           flash=f"文件有 {c.rejected} 行错误，未导入（见下方错误清单）", flash_kind="err")
    message = (f"导入完成：读取 {c.read} 条，新建 {c.created} 件，并入已有工单 {c.merged} 件，"
               f"更新点赞 {c.updated} 条，跳过 {c.skipped} 条，用时 {summary.seconds:.1f} 秒")
    return RedirectResponse(f"/boards/{quote(code)}?ok={quote(message)}", status_code=303)


@router.get("/boards/{code}/replies.{fmt}")
def download_replies(request: Request, code: str, fmt: str, principal: CurrentPrincipal, db: Db) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput("format", "格式应为 csv 或 xlsx")
    raw = (request.query_params.get("since") or "").strip()
    since = None
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise InvalidInput("since", "日期格式应为 YYYY-MM-DD") from None
        since = dt.datetime(day.year, day.month, day.day, tzinfo=clock.CST)
    return endpoints.reply_file(db, principal, code, since, fmt)
