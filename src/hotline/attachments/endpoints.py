"""JSON API of attachments: upload to an order (multipart), list an order's, read one (and its
thumbnail). The path names ``attachments`` so that the larger upload limit applies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import File, Form, Path, Response, UploadFile
from pydantic import BaseModel

from hotline.attachments import service
from hotline.attachments.models import CONTEXT_NAMES, Attachment
from hotline.auth import access
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["attachments"], responses={
    401: {"description": "Not logged in"}, 403: {"description": "The role may not"},
    404: {"description": "Not found, or not the caller's"}, 409: {"description": "Not in a state that allows it"},
    413: {"description": "Upload too large"}, 422: {"description": "Invalid field (named)"}})


class AttachmentOut(BaseModel):
    ref: str
    context: str
    context_name: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    public: bool
    has_thumbnail: bool
    uploaded_by: str
    uploaded_at: dt.datetime
    url: str


def out(row: Attachment) -> AttachmentOut:
    return AttachmentOut(ref=row.ref, context=row.context, context_name=CONTEXT_NAMES.get(row.context, row.context),
                         file_name=row.file_name, content_type=row.content_type, size=row.size, sha256=row.sha256,
                         public=row.public, has_thumbnail=row.thumb_key is not None,
                         uploaded_by=row.uploaded_by_name, uploaded_at=row.uploaded_at,
                         url=f"/api/v1/attachments/{row.ref}")


@router.post("/work-orders/{number}/attachments", response_model=AttachmentOut, status_code=201)
async def upload(number: str, principal: CurrentPrincipal, db: Db, file: Annotated[UploadFile, File()],
                 context: Annotated[str, Form(max_length=16)] = "handling",
                 public: Annotated[bool, Form()] = False) -> AttachmentOut:
    """A photo or file for the order: its content decides its type; photos lose their camera data."""
    data = await file.read()

    def store() -> AttachmentOut:
        order = access.access_work_order(db, principal, number)
        row = service.upload(db, principal, order, file_name=file.filename or "", data=data, context=context,
                             public=public)
        db.commit()
        return out(row)

    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(store)


@router.get("/work-orders/{number}/attachments", response_model=list[AttachmentOut])
def list_attachments(number: str, principal: CurrentPrincipal, db: Db) -> list[AttachmentOut]:
    return [out(r) for r in service.of_order(db, access.access_work_order(db, principal, number))]


Ref = Annotated[str, Path(max_length=32)]


def file_response(row: Attachment, data: bytes, *, thumbnail: bool) -> Response:
    kind = "image/jpeg" if thumbnail else row.content_type
    inline = kind.startswith("image/") or kind == "application/pdf"
    disposition = "inline" if inline else "attachment"
    return Response(data, media_type=kind, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.file_name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300",
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox"})


@router.get("/attachments/{ref}")
def read(ref: Ref, principal: CurrentPrincipal, db: Db) -> Response:
    row, data = service.read(db, principal, ref)
    return file_response(row, data, thumbnail=False)


@router.get("/attachments/{ref}/thumbnail")
def thumbnail(ref: Ref, principal: CurrentPrincipal, db: Db) -> Response:
    row, data = service.read(db, principal, ref, thumbnail=True)
    return file_response(row, data, thumbnail=True)
