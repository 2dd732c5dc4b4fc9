"""Admin pages of the reference data behind intake and dispatch, for the province
administrator: the direct-dispatch catalogue (直派目录), the deadline rules (办理时限) and the
working-day calendar (工作日历). Each write goes through its service (``workorder.catalogue``,
``kit.calendar_admin``), which checks access and records the audit event."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.auth.access import require_province_admin
from hotline.auth.principal import Principal
from hotline.kit import calendar_admin, clock
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput
from hotline.kit.workcalendar import load_calendar
from hotline.org import repository as org_repository
from hotline.org.models import UTILITY_TYPE_NAMES, UtilityType
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.web.forms import Form, error_map, flag, integer, text
from hotline.web.templating import render
from hotline.workorder import catalogue, green, sla
from hotline.workorder.catalogue import TARGET_NAMES, URGENCY_NAMES
from hotline.workorder.models import DirectDispatchRule, DirectTarget

router = routing.router()
WEEKDAYS = "一二三四五六日"


def _back(path: str, message: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"{path}?ok={quote(message)}{anchor}", status_code=303)


def _category_options(db: Db) -> list[tuple[str, str]]:
    return [(c.code, ("　" * (c.level - 1)) + f"{c.code} {c.name}" + ("" if c.active else "（已停用）"))
            for c in org_repository.all_categories(db)]


def _category_names(db: Db) -> dict[str, str]:
    return {c.code: c.name for c in org_repository.all_categories(db)}


def _type_names(db: Db) -> dict[str, str]:
    return {t.code: t.name for t in org_repository.list_appeal_types(db)}


# --- direct-dispatch catalogue -----------------------------------------------------------------


@router.get("/admin/direct-dispatch", response_class=HTMLResponse)
def direct_dispatch_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    catalogue.require_writer(principal)
    return render(request, "workorder/admin_direct_dispatch.html", principal, title="直派目录",
                  rules=catalogue.list_rules(db), category_names=_category_names(db),
                  target_names=TARGET_NAMES, utility_names=UTILITY_TYPE_NAMES,
                  direct_hours=sla.DIRECT_DISPATCH_HOURS, flash=request.query_params.get("ok"))


def _direct_form(request: Request, principal: Principal, db: Db, *, rule: DirectDispatchRule | None = None,
                 status: int = 200, errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                 flash: str | None = None) -> Response:
    if values is None:
        values = {"name": rule.name, "category_codes": list(rule.category_codes),
                  "keywords": "、".join(rule.keywords), "target": rule.target.value,
                  "utility_type": rule.utility_type or "", "active": rule.active} if rule else {"active": True}
    return render(
        request, "workorder/admin_direct_dispatch_form.html", principal, status_code=status,
        title="编辑直派目录条目" if rule else "新增直派目录条目", rule=rule, values=values, errors=errors or {},
        flash=flash, flash_kind="err", categories=_category_options(db),
        targets=[(t.value, TARGET_NAMES[t]) for t in DirectTarget],
        utilities=[(u.value, UTILITY_TYPE_NAMES[u]) for u in UtilityType],
    )


def _direct_args(form: dict[str, Any]) -> dict[str, Any]:
    return {"name": text(form, "name") or "", "category_codes": form.get("category_codes") or [],
            "keywords": text(form, "keywords") or "", "target": text(form, "target") or "",
            "utility_type": text(form, "utility_type")}


def _direct_values(form: dict[str, Any]) -> dict[str, Any]:
    return {**{k: text(form, k) or "" for k in ("name", "keywords", "target", "utility_type")},
            "category_codes": form.get("category_codes") or [], "active": flag(form, "active")}


@router.get("/admin/direct-dispatch/new", response_class=HTMLResponse)
def new_direct_rule_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    catalogue.require_writer(principal)
    return _direct_form(request, principal, db)


@router.post("/admin/direct-dispatch/new", response_class=HTMLResponse)
def submit_new_direct_rule(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    catalogue.require_writer(principal)
    try:
        rule = catalogue.create_rule(db, principal, **_direct_args(form))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _direct_form(request, principal, db, status=exc.status_code, errors=errors,
                            values=_direct_values(form), flash=banner)
    return _back("/admin/direct-dispatch", f"已新增直派目录条目“{rule.name}”", f"#r-{rule.id}")


@router.get("/admin/direct-dispatch/{rule_id}", response_class=HTMLResponse)
def edit_direct_rule_page(request: Request, rule_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    catalogue.require_writer(principal)
    return _direct_form(request, principal, db, rule=catalogue.get_rule(db, rule_id))


@router.post("/admin/direct-dispatch/{rule_id}", response_class=HTMLResponse)
def submit_direct_rule(request: Request, rule_id: IdPath, principal: CurrentPrincipal, db: Db,
                       form: Form) -> Response:
    catalogue.require_writer(principal)
    rule = catalogue.get_rule(db, rule_id)
    try:
        catalogue.update_rule(db, principal, rule, active=flag(form, "active"), **_direct_args(form))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _direct_form(request, principal, db, rule=catalogue.get_rule(db, rule_id), status=exc.status_code,
                            errors=errors, values=_direct_values(form), flash=banner)
    return _back("/admin/direct-dispatch", f"已保存直派目录条目“{rule.name}”", f"#r-{rule.id}")


@router.post("/admin/direct-dispatch/{rule_id}/active", response_class=HTMLResponse)
def submit_direct_rule_active(request: Request, rule_id: IdPath, principal: CurrentPrincipal, db: Db,
                       form: Form) -> Response:
    catalogue.require_writer(principal)
    rule = catalogue.get_rule(db, rule_id)
    active = flag(form, "active")
    catalogue.update_rule(db, principal, rule, active=active)
    return _back("/admin/direct-dispatch", f"已{'启用' if active else '停用'}“{rule.name}”", f"#r-{rule.id}")


# --- deadline rules --------------------------------------------------------------------------


DEADLINE_FIELD_NAMES = {"appeal_type": "诉求类型", "category_prefix": "诉求分类", "urgency": "紧急程度",
                        "amount": "办理时限"}


def _deadline_args(form: dict[str, Any]) -> dict[str, Any]:
    amount = integer(form, "amount", maximum=10_000)
    if amount is None:
        raise InvalidInput("amount", "请填写时限（正整数）")
    hours = text(form, "unit") == "hours"
    return {"appeal_type": text(form, "appeal_type"), "category_prefix": text(form, "category_prefix"),
            "urgency": text(form, "urgency"), "working_days": None if hours else amount,
            "hours": amount if hours else None}


def _deadline_errors(exc: HotlineError) -> tuple[dict[str, str], str]:
    errors, banner = error_map(exc)
    # The page has one "amount + unit" input for working days and hours.
    for key in ("working_days", "hours"):
        if key in errors:
            errors["amount"] = errors.pop(key)
    label = next((DEADLINE_FIELD_NAMES[k] for k in errors if k in DEADLINE_FIELD_NAMES), None)
    return errors, f"{label}：{banner}" if label else banner


def _preview(db: Db, request: Request) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    params = request.query_params
    asked = {"appeal_type": params.get("p_appeal_type") or "", "category_code": params.get("p_category") or "",
             "urgency": params.get("p_urgency") or "normal"}
    if "preview" not in params:
        return asked, None, None
    try:
        shown = catalogue.preview_deadline(db, appeal_type=asked["appeal_type"][:32],
                                           category_code=asked["category_code"][:16], urgency=asked["urgency"][:16])
    except InvalidInput as exc:
        return asked, None, exc.reason
    result = {
        "rule": catalogue.describe(shown.rule, _type_names(db), _category_names(db)),
        "from_table": shown.from_table, "start": shown.start, "due": shown.due, "sign_due": shown.sign_due,
        "due_weekday": WEEKDAYS[shown.due.at.astimezone(clock.CST).weekday()],
    }
    return asked, result, None


def _deadlines_page(request: Request, principal: Principal, db: Db, *, status: int = 200,
                    errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                    edit_id: int | None = None, flash: str | None = None, flash_kind: str = "ok") -> Response:
    catalogue.require_writer(principal)
    type_names, category_names = _type_names(db), _category_names(db)
    rows = catalogue.list_deadline_rules(db)
    asked, preview, preview_error = _preview(db, request)
    return render(
        request, "workorder/admin_deadlines.html", principal, status_code=status, title="办理时限",
        rows=[(row, catalogue.describe(catalogue.rule_of(row), type_names, category_names)) for row in rows],
        defaults=[catalogue.describe(rule, type_names, category_names) for rule in sla.DEFAULT_RULES],
        appeal_types=list(type_names.items()), categories=_category_options(db),
        urgencies=[(u.value, URGENCY_NAMES[u]) for u in sla.Urgency],
        errors=errors or {}, values=values or {}, edit_id=edit_id, flash=flash, flash_kind=flash_kind,
        asked=asked, preview=preview, preview_error=preview_error,
        direct_hours=sla.DIRECT_DISPATCH_HOURS,
    )


def _deadline_values(form: dict[str, Any]) -> dict[str, Any]:
    return {k: text(form, k) or "" for k in ("appeal_type", "category_prefix", "urgency", "amount", "unit")}


@router.get("/admin/deadlines", response_class=HTMLResponse)
def deadlines_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _deadlines_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/admin/deadlines", response_class=HTMLResponse)
def submit_new_deadline_rule(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    catalogue.require_writer(principal)
    try:
        row = catalogue.create_deadline_rule(db, principal, **_deadline_args(form))
    except HotlineError as exc:
        db.rollback()
        errors, banner = _deadline_errors(exc)
        return _deadlines_page(request, principal, db, status=exc.status_code, errors=errors,
                               values=_deadline_values(form), flash=banner, flash_kind="err")
    return _back("/admin/deadlines", f"已新增规则 #{row.id}", f"#d-{row.id}")


@router.post("/admin/deadlines/defaults", response_class=HTMLResponse)
def submit_default_deadline_rules(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    catalogue.require_writer(principal)
    try:
        rows = catalogue.load_default_rules(db, principal)
    except InvalidInput as exc:
        db.rollback()
        return _deadlines_page(request, principal, db, status=exc.status_code, flash=exc.reason, flash_kind="err")
    return _back("/admin/deadlines", f"已载入 {len(rows)} 条默认规则，可在此基础上调整")


@router.post("/admin/deadlines/{rule_id}", response_class=HTMLResponse)
def submit_deadline_rule(request: Request, rule_id: IdPath, principal: CurrentPrincipal, db: Db,
                         form: Form) -> Response:
    catalogue.require_writer(principal)
    row = catalogue.get_deadline_rule(db, rule_id)
    try:
        catalogue.update_deadline_rule(db, principal, row, **_deadline_args(form))
    except HotlineError as exc:
        db.rollback()
        errors, banner = _deadline_errors(exc)
        return _deadlines_page(request, principal, db, status=exc.status_code, errors=errors,
                               values=_deadline_values(form), edit_id=rule_id,
                               flash=f"规则 #{rule_id}：{banner}", flash_kind="err")
    return _back("/admin/deadlines", f"已保存规则 #{rule_id}", f"#d-{rule_id}")


@router.post("/admin/deadlines/{rule_id}/delete", response_class=HTMLResponse)
def submit_delete_deadline_rule(request: Request, rule_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    catalogue.require_writer(principal)
    row = catalogue.get_deadline_rule(db, rule_id)
    try:
        catalogue.delete_deadline_rule(db, principal, row)
    except InvalidInput as exc:
        db.rollback()
        return _deadlines_page(request, principal, db, status=exc.status_code,
                               flash=f"规则 #{rule_id}：{exc.reason}", flash_kind="err")
    return _back("/admin/deadlines", f"已删除规则 #{rule_id}")


# --- working-day calendar ----------------------------------------------------------------------

_DATE = r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
_RANGE_RE = re.compile(rf"^{_DATE}(?:\s*(?:~|～|至|到|--|—)\s*{_DATE})?$")
_LIST_SPLIT = re.compile(r"[\s,，、;；]+")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def _require_calendar_admin(principal: Principal) -> None:
    try:
        require_province_admin(principal)
    except Forbidden:
        raise Forbidden("只有省级管理员可以维护工作日历") from None


def _date(parts: tuple[str, ...], field: str, raw: str) -> dt.date:
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise InvalidInput(field, f"“{raw[:30]}”不是有效的日期") from None


def parse_dates(value: str | None, field: str) -> list[dt.date]:
    """Dates as an administrator types them from the State Council notice: ``2027-02-06``,
    ``2027/2/6`` or ``2027年2月6日``, separated by commas, 、 or line breaks; a range
    ``2027-02-06~2027-02-14`` (or ``至``) stands for every day in it."""
    days: list[dt.date] = []
    # Let a range keep its spaces around the separator before splitting the list.
    cleaned = re.sub(r"\s*(~|～|至|到|--|—)\s*", r"\1", value or "")
    for item in _LIST_SPLIT.split(cleaned.strip()):
        if not item:
            continue
        match = _RANGE_RE.fullmatch(item)
        if match is None:
            raise InvalidInput(field, f"无法识别“{item[:30]}”：请写成 2027-02-06，或范围 2027-02-06~2027-02-14")
        first = _date(match.groups()[:3], field, item)
        last = _date(match.groups()[3:], field, item) if match.group(4) else first
        if last < first or (last - first).days > 366:
            raise InvalidInput(field, f"日期范围“{item[:30]}”无效")
        days += [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    return days


def _month(request: Request, shown: str | None = None) -> tuple[int, int]:
    """The month to show: ``?month=YYYY-MM`` (or, after a form error, the form's), else this month."""
    match = _MONTH_RE.fullmatch(shown or request.query_params.get("month") or "")
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if calendar_admin.MIN_YEAR <= year <= calendar_admin.MAX_YEAR and 1 <= month <= 12:
            return year, month
    today = clock.today()
    return today.year, today.month


def _shift(year: int, month: int, by: int) -> str:
    index = year * 12 + month - 1 + by
    year, month = divmod(index, 12)
    year = min(max(year, calendar_admin.MIN_YEAR), calendar_admin.MAX_YEAR)
    return f"{year:04d}-{month + 1:02d}"


def _calendar_page(request: Request, principal: Principal, db: Db, *, status: int = 200, form: str = "",
                   errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                   flash: str | None = None, flash_kind: str = "ok") -> Response:
    """``form`` names the form (``override`` or ``schedule``) whose ``errors`` and ``values`` these are."""
    _require_calendar_admin(principal)
    year, month = _month(request, (values or {}).get("month"))
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    start, end = first - dt.timedelta(days=first.weekday()), last + dt.timedelta(days=6 - last.weekday())
    notes = {row.day: row.note for row in calendar_admin.overrides_between(db, start, end)}
    today = clock.today()
    cells = [{"day": day, "status": status_, "in_month": day.month == month, "today": day == today,
              "note": notes.get(day, "")}
             for day, status_ in calendar_admin.day_statuses(db, start=start, end=end)]
    uncovered = calendar_admin.uncovered_years(db)
    override_values = values if form == "override" and values else {"day": request.query_params.get("day", "")[:10]}
    schedule_values = values if form == "schedule" and values else {
        "year": str(uncovered[0] if uncovered else today.year + 1)}
    return render(
        request, "workorder/admin_calendar.html", principal, status_code=status, title="工作日历",
        year=year, month=month, weeks=[cells[i:i + 7] for i in range(0, len(cells), 7)], weekdays=WEEKDAYS,
        prev_month=_shift(year, month, -1), next_month=_shift(year, month, 1),
        this_month=f"{today.year:04d}-{today.month:02d}",
        warnings=[(y, calendar_admin.uncovered_message(y)) for y in uncovered],
        year_covered=load_calendar(db).year_covered(year),
        overrides=calendar_admin.list_overrides(db, year), override_values=override_values,
        schedule_values=schedule_values, override_errors=(errors or {}) if form == "override" else {},
        schedule_errors=(errors or {}) if form == "schedule" else {}, flash=flash, flash_kind=flash_kind,
    )


def _calendar_back(request: Request, message: str, month: str | None = None) -> RedirectResponse:
    query = {"ok": message}
    if month:
        query["month"] = month
    return RedirectResponse(f"/admin/calendar?{urlencode(query)}", status_code=303)


def _one_date(form: dict[str, Any], field: str) -> dt.date:
    raw = text(form, field) or ""
    days = parse_dates(raw, field)
    if len(days) != 1:
        raise InvalidInput(field, "请填写一个日期，如 2027-01-04")
    return days[0]


@router.get("/admin/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _calendar_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/admin/calendar/override", response_class=HTMLResponse)
def submit_calendar_override(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    _require_calendar_admin(principal)
    try:
        day = _one_date(form, "day")
        if text(form, "is_workday") not in ("1", "0"):
            raise InvalidInput("is_workday", "请选择上班或休息")
        calendar_admin.set_override(db, principal, day=day, is_workday=text(form, "is_workday") == "1",
                                    note=text(form, "note"))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _calendar_page(request, principal, db, status=exc.status_code, form="override", errors=errors,
                              values={k: text(form, k) or "" for k in ("day", "is_workday", "note", "month")},
                              flash=banner, flash_kind="err")
    kind = "上班" if text(form, "is_workday") == "1" else "休息"
    return _calendar_back(request, f"已将 {day.isoformat()} 设为{kind}", f"{day.year:04d}-{day.month:02d}")


@router.post("/admin/calendar/override/delete", response_class=HTMLResponse)
def submit_delete_calendar_override(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    _require_calendar_admin(principal)
    try:
        day = _one_date(form, "day")
        calendar_admin.delete_override(db, principal, day=day)
    except HotlineError as exc:
        db.rollback()
        return _calendar_page(request, principal, db, status=exc.status_code, flash=error_map(exc)[1],
                              flash_kind="err", values={"month": text(form, "month") or ""})
    return _calendar_back(request, f"已删除 {day.isoformat()} 的调整，恢复按官方安排",
                          f"{day.year:04d}-{day.month:02d}")


@router.post("/admin/calendar/schedule", response_class=HTMLResponse)
def submit_calendar_schedule(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    _require_calendar_admin(principal)
    try:
        year = integer(form, "year", maximum=calendar_admin.MAX_YEAR)
        if year is None or year < calendar_admin.MIN_YEAR:
            raise InvalidInput("year", f"年份应在 {calendar_admin.MIN_YEAR}–{calendar_admin.MAX_YEAR} 之间")
        holidays = parse_dates(text(form, "holidays"), "holidays")
        workdays = parse_dates(text(form, "workdays"), "workdays")
        rows = calendar_admin.import_schedule(db, principal, year=year, holidays=holidays, workdays=workdays,
                                              note=text(form, "note"))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _calendar_page(request, principal, db, status=exc.status_code, form="schedule", errors=errors,
                              values={k: text(form, k) or ""
                                      for k in ("year", "holidays", "workdays", "note", "month")},
                              flash=banner, flash_kind="err")
    return _calendar_back(request, f"已录入 {year} 年节假日安排：共 {len(rows)} 天调整；"
                                   "按周末推算的期限将在后台重新计算", f"{year:04d}-01")


# --- the green channel for enterprises' appeals (涉企诉求绿色通道) --------------------------------


def _green_page(request: Request, principal: Principal, db: Db, *, status: int = 200,
                errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                edit_id: int | None = None, flash: str | None = None, flash_kind: str = "ok") -> Response:
    catalogue.require_writer(principal)
    type_names = _type_names(db)
    return render(request, "workorder/admin_green_channel.html", principal, status_code=status, title="绿色通道",
                  rows=[(row, green.rule_of(row)) for row in green.list_rules(db)], type_names=type_names,
                  appeal_types=list(type_names.items()), effects=green.effects(db),
                  suggested=sla.SUGGESTED_GREEN_RULES, errors=errors or {}, values=values or {},
                  edit_id=edit_id, flash=flash, flash_kind=flash_kind)


def _green_args(form: dict[str, Any]) -> dict[str, Any]:
    raw = {k: text(form, k) for k in ("percent", "working_days")}
    out: dict[str, Any] = {"appeal_type": text(form, "appeal_type")}
    for key, value in raw.items():
        number = integer(form, key, maximum=10_000)
        if value is not None and number is None:
            raise InvalidInput(key, "应为正整数")
        out[key] = number
    return out


@router.get("/admin/green-channel", response_class=HTMLResponse)
def green_channel_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _green_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/admin/green-channel", response_class=HTMLResponse)
def submit_green_rule(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    catalogue.require_writer(principal)
    try:
        row = green.save_rule(db, principal, **_green_args(form))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _green_page(request, principal, db, status=exc.status_code, errors=errors, flash=banner,
                           flash_kind="err", values={k: text(form, k) or "" for k in ("appeal_type", "percent",
                                                                                         "working_days")})
    return _back("/admin/green-channel", f"已新增绿色通道规则 #{row.id}")


@router.post("/admin/green-channel/suggested", response_class=HTMLResponse)
def submit_suggested_green_rules(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    catalogue.require_writer(principal)
    try:
        rows = green.load_suggested(db, principal)
    except InvalidInput as exc:
        db.rollback()
        return _green_page(request, principal, db, status=exc.status_code, flash=exc.reason, flash_kind="err")
    return _back("/admin/green-channel", f"已载入 {len(rows)} 条建议规则")


@router.post("/admin/green-channel/{rule_id}", response_class=HTMLResponse)
def submit_green_rule_change(request: Request, rule_id: IdPath, principal: CurrentPrincipal, db: Db,
                             form: Form) -> Response:
    catalogue.require_writer(principal)
    row = green.get_rule(db, rule_id)
    try:
        if form.get("delete") == "1":
            green.delete_rule(db, principal, row)
            return _back("/admin/green-channel", f"已删除规则 #{rule_id}")
        green.save_rule(db, principal, row=row, **_green_args(form))
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _green_page(request, principal, db, status=exc.status_code, errors=errors, edit_id=rule_id,
                           flash=f"规则 #{rule_id}：{banner}", flash_kind="err")
    return _back("/admin/green-channel", f"已保存规则 #{rule_id}")
