"""Pages of supervision: the ledgers (台账) with their filters and Excel export; the internal
and the public good/bad ranking of units (好差评榜单); letters and referral on the order page;
the administration of escalation rules, letter templates and supervision authorities."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.errors import HotlineError, InvalidInput, NotFound
from hotline.org import repository as org_repository
from hotline.org.models import RegionLevel
from hotline.supervision import repository, rules, service
from hotline.supervision.models import (
    AUTHORITY_NAMES,
    ESCALATION_NAMES,
    LEDGER_NAMES,
    LETTER_NAMES,
    AuthorityKind,
    EscalationKind,
    LedgerKind,
    LetterKind,
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


@router.get("/ledgers", response_class=HTMLResponse)
def ledgers_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_orders)
    q = request.query_params
    values = {k: q.get(k, "") for k in ("kind", "region_code", "since", "until", "open")}
    kind = LedgerKind(values["kind"]) if values["kind"] in LedgerKind.__members__ else None
    offset = max(0, min(int(q.get("offset", "0")) if q.get("offset", "0").isdigit() else 0, 10**6))
    errors: dict[str, str] = {}
    rows: list[service.LedgerRow] = []
    total = 0
    try:
        f = service.ledger_filter(kind=kind, open_only=values["open"] == "1",
                                  region_code=values["region_code"] or None,
                                  since=_date(values["since"], "since"), until=_date(values["until"], "until"))
        rows, total = service.ledger_rows(db, principal, f, limit=PAGE, offset=offset)
    except InvalidInput as exc:
        errors[exc.field or "kind"] = exc.message
        f = repository.LedgerFilter()
    query = {k: v for k, v in values.items() if v}
    return render(request, "supervision/ledgers.html", principal, title="督办台账", rows=rows, total=total,
                  limit=PAGE, offset=offset, kinds=list(LEDGER_NAMES.items()), values=values, errors=errors,
                  base="/ledgers?" + urlencode(query) + ("&" if query else ""),
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
    return render(request, "supervision/rankings.html", principal, title="好差评榜单", **context)


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
    from hotline.workorder.views import _detail, _failure

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
    from hotline.workorder.views import _failure

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
