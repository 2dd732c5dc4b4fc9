"""The administrator's message pages: the messages of the region by status (短信发送记录), newest
first, with retry for the failed ones; and the SMS templates (短信模板), with a preview."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from hotline.kit.errors import HotlineError, InvalidInput
from hotline.notify import messages, wording
from hotline.notify.models import NotificationStatus
from hotline.notify.service import TEMPLATES
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, text
from hotline.web.templating import render

router = routing.router()


@router.get("/admin/messages", response_class=HTMLResponse)
def messages_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    messages.require_admin(principal)
    raw = request.query_params.get("status") or "failed"
    status = NotificationStatus(raw) if raw in messages.STATUS_NAMES else NotificationStatus.failed
    before = request.query_params.get("before")
    rows, next_before = messages.messages(db, principal, status=status,
                                          before=int(before) if before and before.isdigit() else None)
    return render(request, "notify/messages.html", principal, title="短信发送记录", rows=rows, status=status.value,
                  statuses=messages.STATUS_NAMES, recipients=messages.RECIPIENT_NAMES, templates=TEMPLATES,
                  next_url=f"/admin/messages?{urlencode({'status': status.value, 'before': next_before})}"
                  if next_before else None, flash=request.query_params.get("ok"))


@router.post("/admin/messages/{ref}/retry", response_class=HTMLResponse)
def retry(ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    try:
        messages.retry(db, principal, ref)
        note = "已重新加入发送队列"
    except HotlineError as exc:
        if exc.status_code == 404:
            raise
        db.rollback()
        note = exc.message
    return RedirectResponse("/admin/messages?" + urlencode({"status": "failed", "ok": note}), status_code=303)


@router.post("/admin/messages/retry-failed", response_class=HTMLResponse)
def retry_all(principal: CurrentPrincipal, db: Db) -> Response:
    done = messages.retry_failed(db, principal)
    return RedirectResponse("/admin/messages?" + urlencode({"status": "pending", "ok": f"已重发 {done} 条"}),
                            status_code=303)


@router.get("/admin/sms-templates", response_class=HTMLResponse)
def templates_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return render(request, "notify/sms_templates.html", principal, title="短信模板",
                  rows=wording.wordings(db, principal), flash=request.query_params.get("ok"),
                  error=None, failed=None)


@router.post("/admin/sms-templates/{code}", response_class=HTMLResponse)
def save_template(request: Request, code: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        wording.save(db, principal, code, text(form, "text"))
    except InvalidInput as exc:
        db.rollback()
        return render(request, "notify/sms_templates.html", principal, status_code=422, title="短信模板",
                      rows=wording.wordings(db, principal), flash=None, error=exc.reason, failed=code,
                      failed_text=text(form, "text") or "")
    return RedirectResponse("/admin/sms-templates?" + urlencode({"ok": f"已保存模板 {code}"}) + f"#t-{code}",
                            status_code=303)


@router.post("/admin/sms-templates/{code}/preview", response_class=HTMLResponse)
def preview_template(code: str, principal: CurrentPrincipal, form: Form) -> Response:
    from hotline.auth import access

    access.require_province_admin(principal)
    try:
        shown = wording.preview(code, text(form, "text"))
    except InvalidInput as exc:
        return HTMLResponse(f'<span class="wo-err">{escape(exc.reason)}</span>')
    return HTMLResponse(f'<span class="sms-preview">预览：{escape(shown)}</span>')


@router.post("/admin/sms-templates/{code}/reset", response_class=HTMLResponse)
def reset_template(code: str, principal: CurrentPrincipal, db: Db) -> Response:
    wording.reset(db, principal, code)
    return RedirectResponse("/admin/sms-templates?" + urlencode({"ok": f"已恢复模板 {code} 的默认内容"}),
                            status_code=303)
