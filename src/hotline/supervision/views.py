"""Pages of supervision: the ledgers (台账) with their filters and Excel export; the internal
and the public good/bad ranking of units (好差评榜单); letters and referral on the order page;
the administration of escalation rules, letter templates and supervision authorities."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.db import MAX_ID
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput, NotFound
from hotline.org import repository as org_repository
from hotline.org.models import RegionLevel
from hotline.supervision import repository, rules, service
from hotline.supervision.models import (
    AUTHORITY_NAMES,
    ESCALATION_NAMES,
    LEDGER_NAMES,
    LETTER_NAMES,
    MEETING_NAMES,
    NOTICE_STATUS_NAMES,
    AuthorityKind,
    EscalationKind,
    LedgerKind,
    LetterKind,
    MeetingKind,
    NoticeStatus,
    PublicNotice,
)
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.web.forms import Form, choice, flag, integer, text
from hotline.web.templating import render, templates
from hotline.workorder.models import WorkOrder

router = routing.router()
PAGE = 50


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "日期格式应为 YYYY-MM-DD") from None


def _number(value: str | None) -> int:
    """A non-negative integer from the query string; 0 for anything else."""
    return int(value) if value and re.fullmatch(r"[0-9]{1,12}", value) else 0


@router.get("/ledgers", response_class=HTMLResponse)
def ledgers_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_orders)
    q = request.query_params
    values = {k: q.get(k, "") for k in ("kind", "region_code", "since", "until", "open", "enterprise")}
    kind = LedgerKind(values["kind"]) if values["kind"] in LedgerKind.__members__ else None
    offset = min(_number(q.get("offset")), 10**6)
    errors: dict[str, str] = {}
    rows: list[service.LedgerRow] = []
    total = 0
    try:
        f = service.ledger_filter(kind=kind, open_only=values["open"] == "1",
                                  region_code=values["region_code"] or None,
                                  since=_date(values["since"], "since"), until=_date(values["until"], "until"),
                                  enterprise={"1": True, "0": False}.get(values["enterprise"]))
        rows, total = service.ledger_rows(db, principal, f, limit=PAGE, offset=offset)
    except InvalidInput as exc:
        errors[exc.field or "kind"] = str(exc.detail.get("reason") or exc.message)
        f = repository.LedgerFilter()
    query = {k: v for k, v in values.items() if v}
    return render(request, "supervision/ledgers.html", principal, title="督办台账", rows=rows, total=total,
                  limit=PAGE, offset=offset, kinds=list(LEDGER_NAMES.items()), values=values, errors=errors,
                  base="/ledgers?" + urlencode(query) + ("&" if query else ""),
                  can_notice=service.may_supervise(principal),  # tick rows to draft a notice of them
                  count_cap=repository.COUNT_CAP,
                  export="/api/v1/ledgers/export.xlsx" + ("?" + urlencode(
                      {("open_only" if k == "open" else k): ("true" if k == "open" else v) for k, v in query.items()})
                      if query else ""))


def _chart(r: service.Ranking, top: int = 20) -> str:
    """The bar chart's data, read by static/js/charts.js (the CSP allows no inline script)."""
    rows = [row for row in r.rows if row.score is not None][:top]
    text = json.dumps({"title": f"{r.period.label}综合得分（前 {len(rows)} 名）",
                       "names": [row.unit_name for row in rows], "values": [row.score for row in rows]},
                      ensure_ascii=False)
    # Inside <script>: no name may close the element or open a comment.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _periods(now: dt.date) -> list[tuple[str, str]]:
    """The last twelve months and the last four quarters, newest first."""
    out: list[tuple[str, str]] = []
    year, month = now.year, now.month
    for _ in range(12):
        p = rules.period(f"{year}-{month:02d}")
        out.append((p.key, p.label))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    year, quarter = now.year, (now.month - 1) // 3 + 1
    for _ in range(4):
        p = rules.period(f"{year}-Q{quarter}")
        out.append((p.key, p.label))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return out


def _ranking_context(request: Request, db: Db, region_prefix: str | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    try:
        period = service.parse_period(request.query_params.get("period"))
    except InvalidInput as exc:
        errors["period"] = exc.message
        period = service.parse_period(None)
    r = service.ranking(db, period, region_prefix=region_prefix)
    return {"ranking": r, "chart": _chart(r), "indicators": rules.INDICATORS, "errors": errors,
            "periods": _periods(clock.now().astimezone(clock.CST).date()), "period": period}


@router.get("/rankings", response_class=HTMLResponse)
def rankings_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_org)
    context = _ranking_context(request, db, principal.region_prefix)
    parts = rules.RATE_PARTS if principal.can(Cap.view_orders) else None  # drill-down links for order viewers
    return render(request, "supervision/rankings.html", principal, title="好差评榜单", parts=parts, **context)


@router.get("/rankings/orders", response_class=HTMLResponse)
def ranking_orders_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The orders behind one figure of the ranking (see ``service.orders_behind``)."""
    q = request.query_params
    unit_id = _number(q.get("unit_id"))
    if not 0 < unit_id <= MAX_ID:
        raise InvalidInput("unit_id", "请指定单位")
    offset = min(_number(q.get("offset")), 10**6)
    figure, counter, part = q.get("figure") or None, q.get("counter") or None, q.get("part") or "base"
    period = service.parse_period(q.get("period"))
    behind = service.orders_behind(db, principal, unit_id=int(unit_id), period=period, figure=figure, part=part,
                                   counter=counter, limit=PAGE, offset=offset)
    base = "/rankings/orders?" + urlencode({"period": period.key, "unit_id": unit_id,
                                            **({"figure": figure} if figure else {"counter": counter or ""})})
    page_base = base + (f"&part={part}&" if figure else "&")
    return render(request, "supervision/ranking_orders.html", principal, title="榜单明细", behind=behind,
                  figure=figure, part=part, base=base, page_base=page_base, limit=PAGE, offset=offset)


@router.get("/public/rankings", response_class=HTMLResponse)
def public_rankings_page(request: Request, db: Db) -> Response:
    """The public ranking: unit-level rates and scores, nothing about any person."""
    context = _ranking_context(request, db, None)
    return templates.TemplateResponse(request, "supervision/public_rankings.html",
                                      {**context, "title": "好差评榜单"})


# --- letters on the order page ---------------------------------------------------------------


@router.post("/supervision/orders/{number}/letters", response_class=HTMLResponse)
def issue_letter_form(request: Request, number: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    order = access.access_work_order(db, principal, number)
    try:
        kind_value = text(form, "kind") or ""
        if kind_value not in LetterKind.__members__:
            raise InvalidInput("kind", "请选择文书类型")
        days = text(form, "working_days")
        if days is not None and not days.isdigit():
            raise InvalidInput("working_days", "回复期限应为 1 到 30 个工作日")
        service.issue_letter(db, principal, order, kind=LetterKind(kind_value), reason=text(form, "reason"),
                             working_days=int(days) if days else None)
    except HotlineError as exc:
        return _failed(request, principal, db, order, exc, "letter", form)
    return RedirectResponse(f"/orders/{order.number}?done=letter#letters", status_code=303)


@router.post("/supervision/letters/{letter_id}/response", response_class=HTMLResponse)
def respond_letter_form(request: Request, letter_id: IdPath, principal: CurrentPrincipal, db: Db,
                        form: Form) -> Response:
    letter = service.access_letter(db, principal, letter_id)
    order = db.get(WorkOrder, letter.work_order_id)
    assert order is not None
    try:
        service.respond_letter(db, principal, letter, text=text(form, "text") or "")
    except HotlineError as exc:
        return _failed(request, principal, db, order, exc, "letter_response", form)
    return RedirectResponse(f"/orders/{order.number}?done=letter_response#letters", status_code=303)


def _failed(request: Request, principal: Principal, db: Session, order: WorkOrder, exc: HotlineError,
            failed: str, form: dict[str, Any]) -> Response:
    from hotline.workorder.views.actions import _failure
    from hotline.workorder.views.order import _detail

    db.rollback()
    errors, banner, kind = _failure(exc)
    return _detail(request, principal, db, order, status=exc.status_code, flash=banner, flash_kind=kind,
                   failed=failed, errors=errors, values=form)


@router.post("/supervision/orders/{number}/referral", response_class=HTMLResponse)
def refer_form(request: Request, number: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """Refer the order to the discipline commission from the letters card (移交纪检监察)."""
    order = access.access_work_order(db, principal, number)
    try:
        service.refer(db, principal, order, reason=text(form, "reason"))
    except HotlineError as exc:
        return _failed(request, principal, db, order, exc, "referral", form)
    return RedirectResponse(f"/orders/{order.number}?done=referral#letters", status_code=303)


# --- administration pages ---
# The province administrator tunes the escalation rules and the letter texts; a region's
# administrator names its authorities. Every read and write goes through the service, which
# checks access itself; the checks up front only keep a refused write from re-rendering.


def _admin_failure(db: Session, exc: HotlineError) -> tuple[dict[str, str], str, str]:
    """Roll the failed write back; the field errors, banner and banner kind to re-render with."""
    from hotline.workorder.views.actions import _failure

    db.rollback()
    return _failure(exc)


def _raw(form: dict[str, Any], key: str) -> str:
    """A field as typed, to show again after an error."""
    value = form.get(key)
    return value if isinstance(value, str) else ""


def _whole(form: dict[str, Any], key: str, message: str) -> int | None:
    """A whole number from the form, None when left empty; its range is the service's to check."""
    if text(form, key) is None:
        return None
    value = integer(form, key)
    if value is None:
        raise InvalidInput(key, message)
    return value


ESCALATION_HINTS = {
    EscalationKind.many_to_one: "同一地点、同一诉求分类在统计窗口内的工单达到阈值件数",
    EscalationKind.one_to_many: "同一诉求人在统计窗口内的工单达到阈值件数",
    EscalationKind.long_open: "受理后超过阈值个工作日仍未办结；不填统计窗口",
    EscalationKind.rehandled: "重办次数超过阈值（0 即重办一次就提级）；不填统计窗口",
}
ESCALATION_DONE = {"created": "已新增提级督办规则", "saved": "已保存提级督办规则"}


def _escalation_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                     failed: str | None = None, errors: dict[str, str] | None = None,
                     values: dict[str, Any] | None = None, flash: str | None = None,
                     flash_kind: str = "ok") -> Response:
    """``failed`` names the form the errors and values belong to: ``new`` or ``r<id>``."""
    return render(request, "supervision/admin_escalation_rules.html", principal, status_code=status,
                  title="提级督办规则", rules=service.escalation_rules(db, principal), names=ESCALATION_NAMES,
                  hints=ESCALATION_HINTS, kinds=[(k.value, ESCALATION_NAMES[k]) for k in EscalationKind],
                  failed=failed, errors=errors or {}, values=values or {}, flash=flash, flash_kind=flash_kind)


def _rule_args(form: dict[str, Any]) -> dict[str, Any]:
    threshold = _whole(form, "threshold", "阈值应为整数")
    if threshold is None:
        raise InvalidInput("threshold", "请填写阈值")
    return {"threshold": threshold, "window_days": _whole(form, "window_days", "统计窗口应为整数天数"),
            "active": flag(form, "active")}


def _rule_values(form: dict[str, Any]) -> dict[str, Any]:
    return {"kind": _raw(form, "kind"), "threshold": _raw(form, "threshold"),
            "window_days": _raw(form, "window_days"), "active": flag(form, "active")}


@router.get("/admin/escalation-rules", response_class=HTMLResponse)
def escalation_rules_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _escalation_page(request, principal, db,
                            flash=ESCALATION_DONE.get(request.query_params.get("done") or ""))


@router.post("/admin/escalation-rules", response_class=HTMLResponse)
def submit_new_escalation_rule(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require_province_admin(principal)
    try:
        kind = choice(form, "kind", EscalationKind)
        if kind is None:
            raise InvalidInput("kind", "请选择规则类型")
        rule = service.save_escalation_rule(db, principal, rule_id=None, kind=kind, **_rule_args(form))
    except HotlineError as exc:
        errors, banner, flash_kind = _admin_failure(db, exc)
        return _escalation_page(request, principal, db, status=exc.status_code, failed="new", errors=errors,
                                values=_rule_values(form), flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/admin/escalation-rules?done=created#r-{rule.id}", status_code=303)


@router.post("/admin/escalation-rules/{rule_id}", response_class=HTMLResponse)
def submit_escalation_rule(request: Request, rule_id: IdPath, principal: CurrentPrincipal, db: Db,
                           form: Form) -> Response:
    """Change a rule's threshold, window and whether it applies; its kind stays."""
    access.require_province_admin(principal)
    rule = next((r for r in service.escalation_rules(db, principal) if r.id == rule_id), None)
    if rule is None:
        raise NotFound(f"提级督办规则 {rule_id} 不存在")
    try:
        service.save_escalation_rule(db, principal, rule_id=rule_id, kind=rule.kind, **_rule_args(form))
    except HotlineError as exc:
        errors, banner, flash_kind = _admin_failure(db, exc)
        return _escalation_page(request, principal, db, status=exc.status_code, failed=f"r{rule_id}",
                                errors=errors, values=_rule_values(form), flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/admin/escalation-rules?done=saved#r-{rule_id}", status_code=303)


def _templates_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                    failed: str | None = None, errors: dict[str, str] | None = None,
                    values: dict[str, Any] | None = None, flash: str | None = None,
                    flash_kind: str = "ok") -> Response:
    """One form per kind of letter; ``failed`` is the kind the errors and values belong to."""
    saved = {t.kind: t for t in service.letter_templates(db, principal)}
    return render(request, "supervision/admin_letter_templates.html", principal, status_code=status,
                  title="督办文书模板", forms=[(kind, LETTER_NAMES[kind], saved.get(kind)) for kind in LetterKind],
                  fields=rules.LETTER_FIELDS, failed=failed, errors=errors or {}, values=values or {},
                  flash=flash, flash_kind=flash_kind)


@router.get("/admin/letter-templates", response_class=HTMLResponse)
def letter_templates_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    done = request.query_params.get("done") or ""
    flash = None
    if done in LetterKind.__members__:
        flash = f"已保存{LETTER_NAMES[LetterKind(done)]}模板，此后发出的文书使用新文本"
    return _templates_page(request, principal, db, flash=flash)


@router.post("/admin/letter-templates/{kind}", response_class=HTMLResponse)
def submit_letter_template(request: Request, kind: str, principal: CurrentPrincipal, db: Db,
                           form: Form) -> Response:
    access.require_province_admin(principal)
    if kind not in LetterKind.__members__:
        raise NotFound("没有这种督办文书")
    values = {"title": _raw(form, "title"), "body": _raw(form, "body")}
    try:
        service.save_letter_template(db, principal, LetterKind(kind), **values)
    except HotlineError as exc:
        errors, banner, flash_kind = _admin_failure(db, exc)
        return _templates_page(request, principal, db, status=exc.status_code, failed=kind, errors=errors,
                               values=values, flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/admin/letter-templates?done={kind}#t-{kind}", status_code=303)


def _authorities_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                      errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                      flash: str | None = None, flash_kind: str = "ok") -> Response:
    named: dict[int, dict[AuthorityKind, str]] = {}
    for a in service.authorities(db, principal):
        named.setdefault(a.region_id, {})[a.kind] = a.unit.name + ("" if a.unit.active else "（已停用）")
    levels = list(RegionLevel)
    regions = [r for r in org_repository.all_regions(db) if r.code.startswith(principal.region_prefix)]
    units, _ = org_repository.list_units(db, region_prefix=principal.region_prefix, active=True, limit=5000)
    if values is None:  # the "change" links of the table fill the form in
        q = request.query_params
        values = {"region_code": q.get("region_code") or "", "kind": q.get("kind") or "", "unit_id": ""}
    return render(request, "supervision/admin_authorities.html", principal, status_code=status,
                  title="督办联动单位", rows=[(r, named[r.id]) for r in regions if r.id in named],
                  kinds=[(k.value, AUTHORITY_NAMES[k]) for k in AuthorityKind],
                  region_options=[(r.code, "　" * levels.index(r.level) + f"{r.name}（{r.code}）") for r in regions],
                  unit_options=[(u.id, f"{u.name}（{u.code}）") for u in units], errors=errors or {}, values=values,
                  flash=flash, flash_kind=flash_kind)


@router.get("/admin/supervision-authorities", response_class=HTMLResponse)
def authorities_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    done = request.query_params.get("done") or ""
    flash = f"已设置{AUTHORITY_NAMES[AuthorityKind(done)]}" if done in AuthorityKind.__members__ else None
    return _authorities_page(request, principal, db, flash=flash)


@router.post("/admin/supervision-authorities", response_class=HTMLResponse)
def submit_authority(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require(principal, Cap.manage_org)
    try:
        kind = choice(form, "kind", AuthorityKind)
        if kind is None:
            raise InvalidInput("kind", "请选择联动单位类型")
        unit_id = integer(form, "unit_id")
        if unit_id is None:
            raise InvalidInput("unit_id", "请选择单位")
        service.set_authority(db, principal, region_code=text(form, "region_code") or "", kind=kind,
                              unit_id=unit_id)
    except HotlineError as exc:
        errors, banner, flash_kind = _admin_failure(db, exc)
        return _authorities_page(request, principal, db, status=exc.status_code, errors=errors,
                                 values={k: _raw(form, k) for k in ("region_code", "kind", "unit_id")},
                                 flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/admin/supervision-authorities?done={kind.value}", status_code=303)


# --- meetings and notices pages ---
# Admonition talks, joint meetings and public notices (通报). Every read and write goes through
# the supervision service, which decides who may see and do what; ``service.may_supervise``
# only decides whether a form is offered.

MEETING_DONE = {"recorded": "督办会议已登记，已记入关联工单的办理过程并通知参会单位"}
NOTICE_DONE = {
    "created": "通报草稿已生成，请核对后发布",
    "saved": "通报草稿已保存",
    "published": "通报已发布：已在公开网站公布，记入各工单办理过程并告知被通报单位",
    "withdrawn": "通报已撤回，公开网站不再显示",
}
NOTICE_TITLE = "关于督办台账问题工单的通报"
NOTICE_INTRO = ("根据 12345 政务服务便民热线督办台账，现将部分承办单位工单办理中存在的问题通报如下。"
                "请相关单位认真核查整改，举一反三，切实提升诉求办理质效。")
NOTICE_BLANK_ROWS = 3  # empty rows a notice form offers for adding orders
PUBLIC_PAGE = 20


def _offer(principal: Principal) -> None:
    """Refuse the supervision forms up front to a role the services would refuse anyway."""
    if not service.may_supervise(principal):
        raise Forbidden("只有热线中心可以开展督办")


def _page_offset(request: Request) -> int:
    return min(integer(request.query_params, "offset") or 0, 10**6)


def _strings(form: dict[str, Any], key: str) -> list[str]:
    """A multi-value field (sent as ``key[]``)."""
    values = form.get(key)
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _held_at(value: str | None) -> dt.datetime:
    """A ``datetime-local`` value, read as China time."""
    if not value:
        raise InvalidInput("held_at", "请填写会议时间")
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("held_at", "时间格式应为 YYYY-MM-DD HH:MM") from None
    return at if at.tzinfo else at.replace(tzinfo=clock.CST)


def _unit_ids(form: dict[str, Any]) -> list[int]:
    out = []
    for value in _strings(form, "unit_ids"):
        number = integer({"v": value}, "v")
        if not number:
            raise InvalidInput("unit_ids", "单位选择无效")
        out.append(number)
    return out


def _order_numbers(value: str) -> list[str]:
    """Order numbers one per line, or separated by spaces or commas."""
    for sep in ",，、;；":
        value = value.replace(sep, " ")
    return value.split()


MEETING_FIELDS = ("kind", "held_at", "place", "subject", "attendees", "decisions", "due_on", "order_numbers")


def _meeting_form(request: Request, principal: Principal, db: Session, *, values: dict[str, Any],
                  status: int = 200, errors: dict[str, str] | None = None, flash: str | None = None,
                  flash_kind: str = "ok") -> Response:
    units, _ = org_repository.list_units(db, region_prefix=principal.region_prefix, active=True, limit=5000)
    return render(request, "supervision/meeting_form.html", principal, status_code=status, title="登记督办会议",
                  kinds=[(k.value, name) for k, name in MEETING_NAMES.items()],
                  unit_options=[(u.id, f"{u.name}（{u.code}）") for u in units], values=values,
                  errors=errors or {}, flash=flash, flash_kind=flash_kind)


@router.get("/meetings", response_class=HTMLResponse)
def meetings_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """Admonition talks and joint meetings the caller may see (the service decides), newest first."""
    kind = choice(dict(request.query_params), "kind", MeetingKind)
    offset = _page_offset(request)
    rows, total = service.meetings(db, principal, kind=kind, limit=PAGE, offset=offset)
    query = {"kind": kind.value} if kind else {}
    return render(request, "supervision/meetings.html", principal, title="督办会议", rows=rows, total=total,
                  limit=PAGE, offset=offset, kind=kind, kinds=list(MEETING_NAMES.items()), names=MEETING_NAMES,
                  base="/meetings?" + urlencode(query) + ("&" if query else ""),
                  can_record=service.may_supervise(principal))


@router.get("/meetings/new", response_class=HTMLResponse)
def new_meeting_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The form to record a meeting; ``?order=<number>`` links it to that order and picks its
    lead unit."""
    _offer(principal)
    number = (request.query_params.get("order") or "").strip()[:40]
    values: dict[str, Any] = {"kind": MeetingKind.admonition.value, "order_numbers": number, "unit_ids": []}
    if number:
        try:
            order = access.access_work_order(db, principal, number)
        except HotlineError:
            order = None
        if order is not None and order.lead_unit_id is not None:
            values["unit_ids"] = [order.lead_unit_id]
    return _meeting_form(request, principal, db, values=values)


@router.post("/meetings/new", response_class=HTMLResponse)
def submit_meeting(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    _offer(principal)
    values: dict[str, Any] = {k: _raw(form, k) for k in MEETING_FIELDS}
    values["unit_ids"] = [n for v in _strings(form, "unit_ids") if (n := integer({"v": v}, "v"))]
    try:
        kind = choice(form, "kind", MeetingKind)
        if kind is None:
            raise InvalidInput("kind", "请选择会议类型")
        meeting = service.record_meeting(
            db, principal, kind=kind, held_at=_held_at(text(form, "held_at")), place=values["place"],
            subject=values["subject"], attendees=values["attendees"], decisions=values["decisions"],
            unit_ids=_unit_ids(form), order_numbers=_order_numbers(values["order_numbers"]),
            due_on=_date(text(form, "due_on"), "due_on"))
    except HotlineError as exc:
        errors, banner, flash_kind = _admin_failure(db, exc)
        if isinstance(exc, NotFound):  # a linked order outside the caller's scope
            errors["order_numbers"] = exc.message
        return _meeting_form(request, principal, db, values=values, status=exc.status_code, errors=errors,
                             flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/meetings/{meeting.id}?done=recorded", status_code=303)


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
def meeting_page(request: Request, meeting_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    meeting = service.access_meeting(db, principal, meeting_id)
    kind_name = MEETING_NAMES[meeting.kind]
    return render(request, "supervision/meeting.html", principal, title=f"{kind_name}：{meeting.subject}",
                  meeting=meeting, kind_name=kind_name, orders=service.meeting_orders(db, meeting),
                  flash=MEETING_DONE.get(request.query_params.get("done") or ""))


def _notice_rows(form: dict[str, Any]) -> list[dict[str, str]]:
    """The lines of a notice form as typed (``number[]`` and ``problem[]`` side by side), less
    the empty rows and those ticked in ``remove[]``."""
    numbers, problems = _strings(form, "number"), _strings(form, "problem")
    removed = set(_strings(form, "remove"))
    rows = []
    for i, number in enumerate(numbers):
        problem = problems[i] if i < len(problems) else ""
        if (number.strip() or problem.strip()) and number.strip() not in removed:
            rows.append({"number": number.strip(), "problem": problem})
    return rows


def _notice_lines(rows: list[dict[str, str]]) -> list[service.NoticeLine]:
    lines = []
    for i, row in enumerate(rows, 1):
        if not row["number"]:
            raise InvalidInput("items", f"第 {i} 行请填写工单编号")
        lines.append(service.NoticeLine(number=row["number"], problem=row["problem"].strip() or None))
    return lines


def _notice_values(form: dict[str, Any]) -> dict[str, Any]:
    return {"title": _raw(form, "title"), "body": _raw(form, "body"), "rows": _notice_rows(form)}


def _notice_failure(db: Session, exc: HotlineError) -> tuple[dict[str, str], str, str]:
    errors, banner, flash_kind = _admin_failure(db, exc)
    if isinstance(exc, NotFound):  # an order outside the caller's scope
        errors["items"] = exc.message
    return errors, banner, flash_kind


def _notice_form(request: Request, principal: Principal, *, values: dict[str, Any], status: int = 200,
                 errors: dict[str, str] | None = None, flash: str | None = None,
                 flash_kind: str = "ok") -> Response:
    return render(request, "supervision/notice_form.html", principal, status_code=status, title="新建通报",
                  values=values, blank=NOTICE_BLANK_ROWS, errors=errors or {}, flash=flash, flash_kind=flash_kind)


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The notices of the centres in the caller's region (centre staff only: the service decides)."""
    status = choice(dict(request.query_params), "status", NoticeStatus)
    offset = _page_offset(request)
    rows, total = service.notices(db, principal, status=status, limit=PAGE, offset=offset)
    query = {"status": status.value} if status else {}
    return render(request, "supervision/notices.html", principal, title="通报", rows=rows, total=total,
                  limit=PAGE, offset=offset, status=status, statuses=list(NOTICE_STATUS_NAMES.items()),
                  names=NOTICE_STATUS_NAMES, base="/notices?" + urlencode(query) + ("&" if query else ""),
                  can_create=service.may_supervise(principal))


@router.get("/notices/new", response_class=HTMLResponse)
def new_notice_page(request: Request, principal: CurrentPrincipal) -> Response:
    _offer(principal)
    return _notice_form(request, principal, values={"title": NOTICE_TITLE, "body": NOTICE_INTRO, "rows": []})


@router.post("/notices/new", response_class=HTMLResponse)
def submit_notice(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    _offer(principal)
    values = _notice_values(form)
    try:
        notice = service.create_notice(db, principal, title=values["title"], body=values["body"],
                                       lines=_notice_lines(values["rows"]))
    except HotlineError as exc:
        errors, banner, flash_kind = _notice_failure(db, exc)
        return _notice_form(request, principal, values=values, status=exc.status_code, errors=errors,
                            flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/notices/{notice.id}?done=created", status_code=303)


@router.post("/notices/from-ledger", response_class=HTMLResponse)
def notice_from_ledger(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """A draft of the orders ticked on the ledger page, each problem taken from its ledger
    entry; refused, the new-notice form comes back with those orders to correct."""
    _offer(principal)
    numbers = list(dict.fromkeys(n.strip() for n in _strings(form, "numbers") if n.strip()))  # a row per ledger
    values = {"title": NOTICE_TITLE, "body": NOTICE_INTRO, "rows": [{"number": n, "problem": ""} for n in numbers]}
    try:
        notice = service.create_notice(db, principal, title=NOTICE_TITLE, body=NOTICE_INTRO,
                                       lines=[service.NoticeLine(number=n) for n in numbers])
    except HotlineError as exc:
        errors, banner, flash_kind = _notice_failure(db, exc)
        return _notice_form(request, principal, values=values, status=exc.status_code, errors=errors,
                            flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/notices/{notice.id}?done=created", status_code=303)


def _notice_page(request: Request, principal: Principal, db: Session, notice: PublicNotice, *, status: int = 200,
                 failed: str | None = None, errors: dict[str, str] | None = None,
                 values: dict[str, Any] | None = None, flash: str | None = None, flash_kind: str = "ok") -> Response:
    """``failed`` names the form the errors and values belong to: ``edit``, ``publish`` or ``withdraw``."""
    lines = service.notice_lines(db, notice)
    edit = values if failed == "edit" and values is not None else {
        "title": notice.title, "body": notice.body,
        "rows": [{"number": x.order_number, "problem": x.problem} for x in lines]}
    supervises = service.may_supervise(principal)
    return render(request, "supervision/notice.html", principal, status_code=status, title=notice.title,
                  notice=notice, lines=lines, status_name=NOTICE_STATUS_NAMES[notice.status], edit=edit,
                  can_edit=supervises and notice.status == NoticeStatus.draft,
                  can_withdraw=supervises and notice.status == NoticeStatus.published,
                  published=notice.status == NoticeStatus.published, blank=NOTICE_BLANK_ROWS, failed=failed,
                  errors=errors or {}, values=values or {}, flash=flash, flash_kind=flash_kind)


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice_page(request: Request, notice_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    notice = service.access_notice(db, principal, notice_id)
    return _notice_page(request, principal, db, notice, flash=NOTICE_DONE.get(request.query_params.get("done") or ""))


@router.post("/notices/{notice_id}/edit", response_class=HTMLResponse)
def submit_notice_edit(request: Request, notice_id: IdPath, principal: CurrentPrincipal, db: Db,
                       form: Form) -> Response:
    notice = service.access_notice(db, principal, notice_id)
    _offer(principal)
    values = _notice_values(form)
    try:
        service.update_notice(db, principal, notice, title=values["title"], body=values["body"],
                              lines=_notice_lines(values["rows"]))
    except HotlineError as exc:
        errors, banner, flash_kind = _notice_failure(db, exc)
        return _notice_page(request, principal, db, notice, status=exc.status_code, failed="edit", errors=errors,
                            values=values, flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/notices/{notice_id}?done=saved", status_code=303)


@router.post("/notices/{notice_id}/publish", response_class=HTMLResponse)
def submit_notice_publish(request: Request, notice_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    notice = service.access_notice(db, principal, notice_id)
    _offer(principal)
    try:
        service.publish_notice(db, principal, notice)
    except HotlineError as exc:
        errors, banner, flash_kind = _notice_failure(db, exc)
        return _notice_page(request, principal, db, notice, status=exc.status_code, failed="publish",
                            errors=errors, flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/notices/{notice_id}?done=published", status_code=303)


@router.post("/notices/{notice_id}/withdraw", response_class=HTMLResponse)
def submit_notice_withdraw(request: Request, notice_id: IdPath, principal: CurrentPrincipal, db: Db,
                           form: Form) -> Response:
    notice = service.access_notice(db, principal, notice_id)
    _offer(principal)
    reason = _raw(form, "reason")
    try:
        service.withdraw_notice(db, principal, notice, reason=reason)
    except HotlineError as exc:
        errors, banner, flash_kind = _notice_failure(db, exc)
        return _notice_page(request, principal, db, notice, status=exc.status_code, failed="withdraw",
                            errors=errors, values={"reason": reason}, flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/notices/{notice_id}?done=withdrawn", status_code=303)


@router.get("/public/notices", response_class=HTMLResponse)
def public_notices_page(request: Request, db: Db) -> Response:
    """Published notices, newest first: no login, nothing about any person."""
    offset = _page_offset(request)
    rows, total = service.public_notices(db, limit=PUBLIC_PAGE, offset=offset)
    return templates.TemplateResponse(request, "supervision/public_notices.html", {
        "title": "通报", "rows": rows, "total": total, "limit": PUBLIC_PAGE, "offset": offset,
        "base": "/public/notices?"})


@router.get("/public/notices/{notice_id}", response_class=HTMLResponse)
def public_notice_page(request: Request, notice_id: IdPath, db: Db) -> Response:
    """One published notice: its text and, per order, the unit, category, place and problem."""
    notice = service.public_notice(db, notice_id)
    return templates.TemplateResponse(request, "supervision/public_notice.html", {
        "title": notice.title, "notice": notice, "lines": service.notice_lines(db, notice)})
