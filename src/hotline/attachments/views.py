"""Attachments on the order page: thumbnails and files by where they came from, and an upload form
(on a phone, the camera opens); the files themselves at ``/attachments/{ref}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hotline.attachments import service
from hotline.attachments.endpoints import file_response
from hotline.attachments.models import CONTEXT_NAMES
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.kit.errors import HotlineError
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.templating import env
from hotline.workorder.models import AssignmentState, WorkOrder
from hotline.workorder.views import extensions

router = routing.router()


def _contexts(principal: Principal, order: WorkOrder) -> list[tuple[str, str]]:
    out = []
    if principal.role in access.CENTRE_ROLES:
        out += [(c, CONTEXT_NAMES[c]) for c in ("intake", "handling", "letter")]
    holds = any(a.unit_id == principal.unit_id and a.state == AssignmentState.active for a in order.assignments)
    if holds and not principal.is_service and principal.role.value in ("unit_handler", "unit_manager"):
        out += [(c, CONTEXT_NAMES[c]) for c in ("reply", "extension", "handling")]
    return list(dict.fromkeys(out))


def _section(request: Request, db: Session, principal: Principal, order: WorkOrder) -> Markup | None:
    rows = service.of_order(db, order)
    contexts = _contexts(principal, order)
    if not rows and not contexts:
        return None
    html = env.get_template("attachments/_order.html").render(
        order=order, rows=rows, contexts=contexts, names=CONTEXT_NAMES, principal=principal,
        error=request.query_params.get("attachment_error"))
    return Markup(html)  # noqa: S704 (autoescaped template output)


extensions.ORDER_SECTIONS.append(_section)


@router.post("/orders/{number}/attachments")
async def upload(number: str, principal: CurrentPrincipal, db: Db, file: Annotated[UploadFile, File()],
                 context: Annotated[str, Form(max_length=16)] = "handling",
                 public: Annotated[str | None, Form(max_length=1)] = None) -> Response:
    data = await file.read()

    def store() -> Response:
        order = access.access_work_order(db, principal, number)
        try:
            service.upload(db, principal, order, file_name=file.filename or "", data=data, context=context,
                           public=public == "1")
            db.commit()
        except HotlineError as exc:
            db.rollback()
            from urllib.parse import urlencode

            return RedirectResponse(f"/orders/{number}?{urlencode({'attachment_error': exc.message})}#attachments",
                                    status_code=303)
        return RedirectResponse(f"/orders/{number}#attachments", status_code=303)

    return await run_in_threadpool(store)


@router.get("/attachments/{ref}")
def read(ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    row, data = service.read(db, principal, ref)
    return file_response(row, data, thumbnail=False)


@router.get("/attachments/{ref}/thumbnail")
def thumbnail(ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    row, data = service.read(db, principal, ref, thumbnail=True)
    return file_response(row, data, thumbnail=True)


@router.get("/public/attachments/{ref}")
def public_file(ref: str, db: Db, e: str = "", s: str = "", thumb: str = "") -> Response:
    """A public attachment through the signed link of the citizen's progress page (no login)."""
    row, data = service.read_by_link(db, ref[:32], expires=e[:12], signature=s[:64], thumbnail=thumb == "1")
    return file_response(row, data, thumbnail=thumb == "1")
