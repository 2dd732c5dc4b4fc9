"""Actions on an order posted from its page: form fields read, the service called, failures shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import UploadFile

from hotline.attachments import service as attachments
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.kit.errors import HotlineError, InvalidInput, NotFound, StaleVersion
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, choice, error_map, flag, integer, text
from hotline.workorder import service
from hotline.workorder.models import ReplyResult, Verdict, WorkOrder
from hotline.workorder.views import extensions
from hotline.workorder.views._common import _redirect, router
from hotline.workorder.views.order import _detail

STALE_BANNER = "工单已被他人更新，以下是最新状态，请确认后重新操作。"


def _ids(form: dict[str, Any], key: str) -> list[int]:
    values = form.get(key)
    if not isinstance(values, list):
        return []
    out = []
    for value in values:
        number = integer({"v": value}, "v")
        if number is None or number < 1:
            raise InvalidInput(key, "单位选择无效")
        out.append(number)
    return out


def _required_id(form: dict[str, Any], key: str, message: str) -> int:
    value = integer(form, key)
    if not value:
        raise InvalidInput(key, message)
    return value


def _version(form: dict[str, Any], order: WorkOrder) -> int | None:
    """The version the form was rendered from; a different current version means someone
    else acted meanwhile (checked here too for the actions whose service takes no version)."""
    version = integer(form, "version")
    if version is not None and version != order.version:
        raise StaleVersion(STALE_BANNER, current_version=order.version)
    return version


def _reached(form: dict[str, Any]) -> bool:
    value = form.get("reached")
    if value not in ("1", "0"):
        raise InvalidInput("reached", "请选择是否接通")
    return value == "1"


def _resolved(form: dict[str, Any]) -> bool | None:
    return {"1": True, "0": False}.get(form.get("resolved") or "")


Handler = Callable[[Session, Principal, WorkOrder, dict[str, Any], int | None], None]


def _do_dispatch(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.dispatch(db, p, o, lead_unit_id=_required_id(f, "lead_unit_id", "请选择主办单位"),
                     assisting_unit_ids=_ids(f, "assisting_unit_ids"), note=text(f, "note"),
                     category_code=text(f, "category_code"), version=v)


def _do_transfer(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.transfer(db, p, o, centre_unit_id=_required_id(f, "centre_unit_id", "请选择下级热线中心"),
                     note=text(f, "note"), version=v)


def _do_sign(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.sign(db, p, o, version=v)


def _do_assist(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.submit_assist(db, p, o, text=text(f, "text") or "")


def _do_return(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.return_order(db, p, o, reason=text(f, "reason") or "",
                         suggested_unit_id=integer(f, "suggested_unit_id") or None, version=v)


def _do_reject_return(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.reject_return(db, p, o, reason=text(f, "reason") or "", version=v)


def _do_coordinate(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.open_coordination(db, p, o, candidate_unit_ids=_ids(f, "candidate_unit_ids"), note=text(f, "note"),
                              version=v)


def _do_decide(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.decide_coordination(db, p, o, unit_id=_required_id(f, "unit_id", "请选择承办单位"),
                                note=text(f, "note") or "", version=v)


def _do_extension(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    days = integer(f, "working_days", maximum=30)
    if not days:
        raise InvalidInput("working_days", "延期天数应为 1–30 个工作日")
    _attach(db, p, o, f, context="extension")
    service.request_extension(db, p, o, working_days=days, reason=text(f, "reason") or "")


def _attach(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], *, context: str,
            public: bool = False) -> list[dict[str, Any]]:
    """The files chosen in a reply's or an extension request's form: on the order with it, in the
    same transaction (a refused file refuses the whole step). Returns their refs and names."""
    rows = [attachments.upload(db, p, o, file_name=u.filename or "", data=u.file.read(), context=context,
                               public=public)
            for u in f.get("files") or [] if isinstance(u, UploadFile)]
    return [{"ref": a.ref, "file_name": a.file_name} for a in rows]


def _do_extension_decision(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    days = integer(f, "working_days", maximum=30)
    if text(f, "working_days") and not days:
        raise InvalidInput("working_days", "延期天数应为 1–30 个工作日")
    service.decide_extension(db, p, o, approve=f.get("approve") == "1", working_days=days or None,
                             note=text(f, "note"))


def _do_reply(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    result = choice(f, "result", ReplyResult)
    if result is None:
        raise InvalidInput("result", "请选择办理结果")
    files = _attach(db, p, o, f, context="reply", public=f.get("files_public") == "1")
    service.reply(db, p, o, result=result, text=text(f, "text") or "", attachments=files, version=v)


def _do_review(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.review_reply(db, p, o, accept=f.get("accept") == "1", reason=text(f, "reason"), version=v)


def _do_callback(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    reached = _reached(f)
    service.record_callback(db, p, o, reached=reached, resolved=_resolved(f) if reached else None,
                            verdict=choice(f, "verdict", Verdict) if reached else None,
                            unit_fault=reached and flag(f, "unit_fault"), note=text(f, "note"), version=v)
    if reached:
        for recorded in extensions.CALLBACK_RECORDED:
            recorded(db, p, o, f)


def _do_withdraw(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.withdraw(db, p, o, reason=text(f, "reason"), version=v)


def _do_merge(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    numbers = [n.strip()[:30] for n in f.get("numbers", []) if isinstance(n, str) and n.strip()]
    if not numbers:
        raise InvalidInput("numbers", "请勾选要并入的工单")
    children = [access.access_work_order(db, p, n) for n in dict.fromkeys(numbers)]
    service.merge(db, p, o, children, version=v)


def _do_unmerge(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.unmerge(db, p, o, version=v)


def _do_urge(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.urge(db, p, o, note=text(f, "urge_note"))


def _do_note(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.add_note(db, p, o, text=text(f, "note_text") or "")


ACTIONS: dict[str, Handler] = {
    "merge": _do_merge, "unmerge": _do_unmerge, "note": _do_note, "urge": _do_urge,
    "dispatch": _do_dispatch, "transfer": _do_transfer, "sign": _do_sign, "assist": _do_assist,
    "return": _do_return, "reject_return": _do_reject_return, "coordinate": _do_coordinate, "decide": _do_decide,
    "extension": _do_extension, "extension_decision": _do_extension_decision, "reply": _do_reply,
    "review": _do_review, "callback": _do_callback, "withdraw": _do_withdraw,
}


def _act(db: Session, principal: Principal, order: WorkOrder, action: str, form: dict[str, Any]) -> None:
    """Run one action; a concurrent change caught only at flush is a stale version too."""
    handler = ACTIONS[action]
    version = _version(form, order)
    try:
        handler(db, principal, order, form, version)
        db.flush()
    except StaleDataError:
        raise StaleVersion(STALE_BANNER) from None


def _failure(exc: HotlineError) -> tuple[dict[str, str], str, str]:
    """Field errors, banner and banner kind for a failed action."""
    if isinstance(exc, StaleVersion):
        return {}, STALE_BANNER, "warn"
    errors, banner = error_map(exc)
    return errors, (f"请检查表单：{banner}" if errors else banner), "err"


@router.post("/orders/{number}/{action}", response_class=HTMLResponse)
def order_action(request: Request, number: str, action: str, principal: CurrentPrincipal, db: Db,
                 form: Form) -> Response:
    if action not in ACTIONS:
        raise NotFound("没有这种操作")
    order = access.access_work_order(db, principal, number)
    try:
        _act(db, principal, order, action, form)
    except HotlineError as exc:
        db.rollback()
        errors, banner, kind = _failure(exc)
        stale = isinstance(exc, StaleVersion)
        return _detail(request, principal, db, order, status=exc.status_code, flash=banner, flash_kind=kind,
                       failed=None if stale else action, errors=errors, values={} if stale else form)
    return _redirect(f"/orders/{order.number}?done={action}")
