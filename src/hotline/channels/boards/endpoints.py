"""JSON API of the message boards (``/api/v1/boards``): boards and their pull settings (the
province's administrator), their messages and imports (centre staff of the board's centre),
the upload of an export file (dispatchers and supervisors there) and the reply file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hotline.auth.principal import Principal
from hotline.auth.schemas import Page
from hotline.channels.boards import fileformat, repository, runner, service
from hotline.channels.boards.models import Board, BoardImport
from hotline.kit import clock
from hotline.kit.errors import InvalidInput
from hotline.kit.excel import XLSX_MEDIA_TYPE
from hotline.org.models import Channel
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["boards"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"},
    404: {"description": "Not found"}, 422: {"description": "Invalid field or file"},
}


class BoardOut(BaseModel):
    code: str
    name: str
    active: bool
    set_up: bool  # False: a message-board channel not yet set up as a board
    centre_unit_id: int | None = None
    account: str | None = None
    appeal_type: str | None = None
    messages: int | None = None
    pull_url: str | None = None
    pull_enabled: bool = False
    pull_interval_seconds: int | None = None
    field_map: dict[str, str] | None = None
    pull_cursor: str | None = None
    last_pulled_at: dt.datetime | None = None
    next_pull_at: dt.datetime | None = None
    last_error: str | None = None


class BoardCreate(BaseModel):
    code: str = Field(max_length=32)
    name: str | None = Field(default=None, max_length=50)
    centre_unit_code: str | None = Field(default=None, max_length=32)
    appeal_type: str = Field(default="complaint", max_length=32)


class PullSettings(BaseModel):
    url: str | None = Field(default=None, max_length=500)
    interval_seconds: int = Field(default=900, ge=60, le=86_400)
    field_map: dict[str, str] | None = None
    enabled: bool = True


class MessageOut(BaseModel):
    ref: str
    user_ref: str | None
    subject: str
    posted_at: dt.datetime
    likes: int
    dislikes: int
    work_order_number: str | None
    status: str | None
    merged_into: str | None
    imported_at: dt.datetime


class ImportOut(BaseModel):
    id: int
    source: str
    filename: str | None
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    read: int
    created: int
    merged: int
    updated: int
    skipped: int
    rejected: int
    errors: list[str]


class ImportSummary(BaseModel):
    read: int
    created: int
    merged: int
    updated: int
    rejected: int
    seconds: float
    skipped: int
    unchanged: int
    status: str
    import_id: int | None
    errors: list[str]


def board_out(session: Session, channel: Channel, board: Board | None, *, full: bool) -> BoardOut:
    if board is None:
        return BoardOut(code=channel.code, name=channel.name, active=channel.active, set_up=False)
    out = BoardOut(code=channel.code, name=channel.name, active=channel.active, set_up=True,
                   centre_unit_id=board.centre_unit_id, appeal_type=board.appeal_type,
                   messages=repository.message_count(session, board.id), pull_enabled=board.pull_enabled,
                   last_pulled_at=board.last_pulled_at, next_pull_at=board.next_pull_at)
    if full:  # the pull settings are the administrator's
        out.account = service.account_name(channel.code)
        out.pull_url, out.pull_interval_seconds = board.pull_url, board.pull_interval_seconds
        out.field_map, out.pull_cursor, out.last_error = board.field_map, board.pull_cursor, board.last_error
    return out


def import_out(row: BoardImport) -> ImportOut:
    return ImportOut(id=row.id, source=row.source, filename=row.filename, status=row.status,
                     started_at=row.started_at, finished_at=row.finished_at, read=row.read, created=row.created,
                     merged=row.merged, updated=row.updated, skipped=row.skipped, rejected=row.rejected,
                     errors=list(row.errors or [])[:50])


@router.get("/boards", response_model=list[BoardOut], responses=ERRORS)
def list_boards(principal: CurrentPrincipal, db: Db) -> list[BoardOut]:
    """The boards the caller may see (the administrator: every message-board channel)."""
    from hotline.auth import access

    full = access.is_province_admin(principal)
    return [board_out(db, c, b, full=full) for c, b in service.boards_for(db, principal)]


@router.post("/boards", response_model=BoardOut, status_code=201, responses=ERRORS)
def create_board(body: BoardCreate, principal: CurrentPrincipal, db: Db) -> BoardOut:
    board = service.create_board(db, principal, code=body.code, name=body.name,
                                 centre_unit_code=body.centre_unit_code, appeal_type=body.appeal_type)
    channel = repository.board_by_code_id(db, board)
    return board_out(db, channel, board, full=True)


@router.put("/boards/{code}/pull", response_model=BoardOut, responses=ERRORS)
def set_pull(code: str, body: PullSettings, principal: CurrentPrincipal, db: Db) -> BoardOut:
    board, channel = service.access_board(db, principal, code, need="manage")
    service.configure_pull(db, principal, board, url=body.url, interval_seconds=body.interval_seconds,
                           field_map=body.field_map, enabled=body.enabled)
    return board_out(db, channel, board, full=True)


@router.get("/boards/{code}/messages", response_model=Page[MessageOut], responses=ERRORS)
def board_messages(code: str, principal: CurrentPrincipal, db: Db,
                   q: Annotated[str | None, Query(max_length=50)] = None,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50,
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Page[MessageOut]:
    board, _ = service.access_board(db, principal, code, need="view")
    rows, total = service.list_messages(db, board, limit=limit, offset=offset, text=q)
    return Page(items=[MessageOut(ref=v.message.ref, user_ref=v.message.user_ref, subject=v.message.subject,
                                  posted_at=v.message.posted_at, likes=v.message.likes,
                                  dislikes=v.message.dislikes, work_order_number=v.message.work_order_number,
                                  status=v.status, merged_into=v.main_number, imported_at=v.message.imported_at)
                       for v in rows], total=total, limit=limit, offset=offset)


@router.get("/boards/{code}/imports", response_model=list[ImportOut], responses=ERRORS)
def board_imports(code: str, principal: CurrentPrincipal, db: Db) -> list[ImportOut]:
    board, _ = service.access_board(db, principal, code, need="view")
    return [import_out(r) for r in service.list_imports(db, board)]


def run_upload(request: Request, db: Session, principal: Principal, code: str, upload: Any) -> runner.Summary:
    """Check an uploaded export and import it, a batch per transaction (the request's own
    session only checks who may)."""
    service.access_board(db, principal, code, need="import")
    db.commit()
    data = upload.file.read(fileformat.MAX_BYTES + 1) if hasattr(upload, "file") else b""
    name = getattr(upload, "filename", None) or ""
    try:
        parsed = fileformat.read_file(data, name)
    except fileformat.FileRefused as exc:
        raise InvalidInput("file", str(exc)) from None
    return runner.run_import(request.app.state.session_factory, board_code=code, parsed=parsed, actor=principal,
                             source="upload", filename=name)


@router.post("/boards/{code}/import", response_model=ImportSummary, responses=ERRORS)
def upload_export(code: str, request: Request, principal: CurrentPrincipal, db: Db,
                  file: Annotated[UploadFile, File()]) -> ImportSummary:
    """Import a board's export file (CSV or XLSX). A file with a bad row imports nothing and
    answers 422 with every error (``第 7 行 留言时间: …``) in ``errors``."""
    summary = run_upload(request, db, principal, code, file)
    out = ImportSummary(**summary.as_json(), errors=summary.counts.errors[:200])
    if summary.status != "done":
        raise InvalidInput("file", out.errors[0] if out.errors else "文件未导入", errors=out.errors,
                           summary=summary.as_json())
    return out


def reply_file(db: Session, principal: Principal, code: str, since: dt.datetime | None,
               fmt: str) -> Response:
    board, channel = service.access_board(db, principal, code, need="view")
    rows = service.export_replies(db, principal, board, channel, since=since)
    data = fileformat.write_replies(rows, fmt)
    stamp = clock.now().astimezone(clock.CST).strftime("%Y%m%d")
    media = XLSX_MEDIA_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="replies-{code}-{stamp}.{fmt}"'})


@router.get("/boards/{code}/replies", responses={**ERRORS, 200: {"content": {"text/csv": {}}}})
def board_replies(code: str, principal: CurrentPrincipal, db: Db,
                  since: Annotated[dt.date | None, Query()] = None,
                  format: Annotated[Literal["csv", "xlsx"], Query()] = "csv") -> Response:
    """The board's reply file: 留言编号, 答复意见, 答复时间 of accepted replies (since a day)."""
    start = dt.datetime(since.year, since.month, since.day, tzinfo=clock.CST) if since else None
    return reply_file(db, principal, code, start, format)
