"""The reference data that steers intake and dispatch, maintained by the province
administrator: the direct-dispatch catalogue (直派目录) and the deadline rules (办理时限).

Direct-dispatch catalogue: an entry names categories (a code covers its sub-categories) and/or
keywords; an order that matches goes straight to the local unit — the public utility of the
named type, the county government or the competent county department — with copies to the
county government and the city department (``workorder.service.direct._plan_direct_dispatch``).

Deadline rules: while the ``deadline_rule`` table is empty the built-in defaults
(:data:`hotline.workorder.sla.DEFAULT_RULES`) apply; once it has rows they replace the defaults
entirely. So a non-empty table must always hold a catch-all rule (any appeal type, any category,
any urgency), or an order nothing else matches would have no deadline: the services below refuse
any change that would leave the table without one.

Writes are reserved for an administrator whose scope is the province; services take the
session first, never commit, and record an audit event for every write.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.access import require_province_admin
from hotline.auth.principal import Principal
from hotline.kit import clock, validate
from hotline.kit.errors import Forbidden, InvalidInput, NotFound
from hotline.kit.workcalendar import Deadline, load_calendar
from hotline.org import repository as org_repository
from hotline.org.models import AppealType, UtilityType
from hotline.workorder import repository, sla
from hotline.workorder.models import DeadlineRuleRow, DirectDispatchRule, DirectTarget
from hotline.workorder.sla import Urgency

TARGET_NAMES: dict[DirectTarget, str] = {
    DirectTarget.utility: "公共事业单位",
    DirectTarget.county_government: "县（区）人民政府",
    DirectTarget.competent_department: "主管部门（县级，无则市级）",
}
URGENCY_NAMES: dict[Urgency, str] = {Urgency.normal: "一般", Urgency.urgent: "紧急", Urgency.emergency: "特急"}

NAME_MAX = 100
#: A keyword is matched as a substring of title + content: one character would match far too much.
KEYWORD_MIN, KEYWORD_MAX, KEYWORDS_MAX = 2, 20, 50
CATEGORY_CODES_MAX = 200
#: Bounds of a deadline rule: beyond these the number is a typing error, not a policy.
WORKING_DAYS_MAX, HOURS_MAX = 60, 720
_KEYWORD_SEPARATORS = re.compile(r"[,，、;；\s]+")
_PREFIX_RE = re.compile(r"^(?:[0-9]{2}){1,3}$")


def require_writer(actor: Principal) -> None:
    """Only an administrator whose scope is the province maintains these (they are shared)."""
    try:
        require_province_admin(actor)
    except Forbidden:
        raise Forbidden("只有省级管理员可以维护直派目录和办理时限") from None


# --- direct-dispatch catalogue -----------------------------------------------------------------


def parse_keywords(values: str | Iterable[str] | None) -> list[str]:
    """Keywords from text separated by commas, 、, semicolons or spaces (or a list of such
    texts), trimmed, without duplicates, in the order given."""
    if values is None:
        return []
    parts = [values] if isinstance(values, str) else list(values)
    out: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise InvalidInput("keywords", "关键词应为文本")
        for word in _KEYWORD_SEPARATORS.split(part):
            if word and word not in out:
                out.append(word)
    return out


def _keywords(values: str | Iterable[str] | None) -> list[str]:
    words = parse_keywords(values)
    if len(words) > KEYWORDS_MAX:
        raise InvalidInput("keywords", f"关键词最多 {KEYWORDS_MAX} 个")
    for word in words:
        if len(word) < KEYWORD_MIN:
            raise InvalidInput("keywords", f"关键词“{word}”太短：至少 {KEYWORD_MIN} 个字，以免误派")
        if len(word) > KEYWORD_MAX:
            raise InvalidInput("keywords", f"关键词“{word[:KEYWORD_MAX]}…”太长：最多 {KEYWORD_MAX} 个字")
        if any(ord(ch) < 32 for ch in word):
            raise InvalidInput("keywords", "关键词不能包含控制字符")
    return words


def _category_codes(session: Session, codes: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for code in codes or []:
        if not isinstance(code, str):
            raise InvalidInput("category_codes", "分类编码应为文本")
        code = code.strip()
        if not code or code in out:
            continue
        category = org_repository.category_by_code(session, code) if _PREFIX_RE.fullmatch(code) else None
        if category is None:
            raise InvalidInput("category_codes", f"分类 {code[:16]} 不存在")
        if not category.active:
            raise InvalidInput("category_codes", f"分类 {code}（{category.name}）已停用")
        out.append(code)
    if len(out) > CATEGORY_CODES_MAX:
        raise InvalidInput("category_codes", f"最多选择 {CATEGORY_CODES_MAX} 个分类")
    return sorted(out)


def _target(value: DirectTarget | str | None) -> DirectTarget:
    try:
        return DirectTarget(value or "")
    except ValueError:
        raise InvalidInput("target", "请选择派往对象：公共事业单位、县（区）人民政府或主管部门") from None


def _utility_type(value: UtilityType | str | None) -> UtilityType | None:
    if value is None or value == "":
        return None
    try:
        return UtilityType(value)
    except ValueError:
        raise InvalidInput("utility_type", "公共事业类型无效") from None


def _rule_name(session: Session, name: str | None, exclude_id: int | None) -> str:
    text = validate.text(name, "name", max_length=NAME_MAX) or ""
    if any(r.name == text and r.id != exclude_id for r in repository.all_direct_rules(session)):
        raise InvalidInput("name", "已有同名的直派目录条目")
    return text


def _check_rule(rule: DirectDispatchRule) -> None:
    if not rule.category_codes and not rule.keywords:
        raise InvalidInput("category_codes", "请至少选择一个诉求分类或填写一个关键词")
    if rule.target == DirectTarget.utility and rule.utility_type is None:
        raise InvalidInput("utility_type", "派往公共事业单位时须选择公共事业类型（供水、供电、燃气等）")


def _rule_detail(rule: DirectDispatchRule) -> dict[str, Any]:
    return {"name": rule.name, "category_codes": list(rule.category_codes), "keywords": list(rule.keywords),
            "target": rule.target.value, "utility_type": rule.utility_type, "active": rule.active}


def list_rules(session: Session, *, active_only: bool = False) -> list[DirectDispatchRule]:
    """The catalogue in the order intake tries it (the first matching active entry wins)."""
    return repository.active_direct_rules(session) if active_only else repository.all_direct_rules(session)


def get_rule(session: Session, rule_id: int) -> DirectDispatchRule:
    rule = session.get(DirectDispatchRule, rule_id)
    if rule is None:
        raise NotFound(f"直派目录条目 {rule_id} 不存在")
    return rule


def create_rule(
    session: Session, actor: Principal, *, name: str, category_codes: Iterable[str] | None = None,
    keywords: str | Iterable[str] | None = None, target: DirectTarget | str,
    utility_type: UtilityType | str | None = None, active: bool = True,
) -> DirectDispatchRule:
    """Add an entry. It needs at least one category or keyword; a utility target needs the
    utility type (a type given for another target is dropped)."""
    require_writer(actor)
    kind = _target(target)
    utility = _utility_type(utility_type)
    rule = DirectDispatchRule(
        name=_rule_name(session, name, None), category_codes=_category_codes(session, category_codes),
        keywords=_keywords(keywords), target=kind,
        utility_type=utility.value if utility and kind == DirectTarget.utility else None, active=bool(active),
    )
    _check_rule(rule)
    session.add(rule)
    session.flush()
    audit.record(session, actor, "direct_dispatch_rule.created", object_type="direct_dispatch_rule",
                 object_id=rule.id, detail=_rule_detail(rule))
    return rule


def update_rule(
    session: Session, actor: Principal, rule: DirectDispatchRule, *, name: str | None = None,
    category_codes: Iterable[str] | None = None, keywords: str | Iterable[str] | None = None,
    target: DirectTarget | str | None = None, utility_type: UtilityType | str | None = None,
    active: bool | None = None,
) -> DirectDispatchRule:
    """Change an entry; ``None`` leaves a field as it is (pass ``[]`` to empty a list).
    Deactivating (``active=False``) takes it out of intake's matching and keeps its history."""
    require_writer(actor)
    before = _rule_detail(rule)
    if name is not None:
        rule.name = _rule_name(session, name, rule.id)
    if category_codes is not None:
        rule.category_codes = _category_codes(session, category_codes)
    if keywords is not None:
        rule.keywords = _keywords(keywords)
    if target is not None:
        rule.target = _target(target)
    utility = _utility_type(utility_type)
    if rule.target != DirectTarget.utility:
        rule.utility_type = None
    elif utility is not None:
        rule.utility_type = utility.value
    if active is not None:
        rule.active = bool(active)
    _check_rule(rule)
    session.flush()
    after = _rule_detail(rule)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit.record(session, actor, "direct_dispatch_rule.updated", object_type="direct_dispatch_rule",
                     object_id=rule.id, detail={"name": rule.name, "changes": changes})
    return rule


# --- deadline rules --------------------------------------------------------------------------


def rule_of(row: DeadlineRuleRow) -> sla.DeadlineRule:
    return sla.DeadlineRule(appeal_type=row.appeal_type, category_prefix=row.category_prefix, urgency=row.urgency,
                            working_days=row.working_days, hours=row.hours)


def list_deadline_rules(session: Session) -> list[DeadlineRuleRow]:
    return repository.deadline_rules(session)


def effective_rules(session: Session) -> tuple[list[sla.DeadlineRule], bool]:
    """The rules dispatch uses now, and whether they come from the table (else the defaults)."""
    rows = repository.deadline_rules(session)
    if not rows:
        return list(sla.DEFAULT_RULES), False
    return [rule_of(r) for r in rows], True


def get_deadline_rule(session: Session, rule_id: int) -> DeadlineRuleRow:
    row = session.get(DeadlineRuleRow, rule_id)
    if row is None:
        raise NotFound(f"办理时限规则 {rule_id} 不存在")
    return row


def _is_catch_all(rule: sla.DeadlineRule) -> bool:
    return rule.key == (None, None, None)


def _deadline_fields(
    session: Session, *, appeal_type: str | None, category_prefix: str | None, urgency: Urgency | str | None,
    working_days: int | None, hours: int | None,
) -> sla.DeadlineRule:
    """Check each field with a message naming it, then let :class:`sla.DeadlineRule` have the
    last word (its ValueError becomes an InvalidInput on the field it is about)."""
    type_code = (appeal_type or "").strip() or None
    if type_code is not None and session.get(AppealType, type_code) is None:
        raise InvalidInput("appeal_type", "诉求类型不存在")
    prefix = (category_prefix or "").strip() or None
    if prefix is not None:
        if not _PREFIX_RE.fullmatch(prefix):
            raise InvalidInput("category_prefix", "分类编码应为 2、4 或 6 位数字")
        if org_repository.category_by_code(session, prefix) is None:
            raise InvalidInput("category_prefix", f"分类 {prefix} 不存在")
    level: Urgency | None = None
    if urgency is not None and urgency != "":
        try:
            level = Urgency(urgency)
        except ValueError:
            raise InvalidInput("urgency", "紧急程度应为一般、紧急或特急") from None
    if (working_days is None) == (hours is None):
        raise InvalidInput("working_days", "请填写工作日数或小时数中的一项（且只填一项）")
    for field, value, high in (("working_days", working_days, WORKING_DAYS_MAX), ("hours", hours, HOURS_MAX)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high):
            raise InvalidInput(field, f"应为 1–{high} 的整数")
    try:
        return sla.DeadlineRule(appeal_type=type_code, category_prefix=prefix, urgency=level,
                                working_days=working_days, hours=hours)
    except ValueError as exc:
        message = str(exc)
        field = next((f for f in ("category_prefix", "appeal_type") if f in message),
                     "working_days" if working_days is not None else "hours")
        raise InvalidInput(field, "规则无效：" + message) from None


def _check_rule_set(rules: list[tuple[int | None, sla.DeadlineRule]], changed: sla.DeadlineRule | None,
                    changed_id: int | None) -> None:
    """The table after the change: no two rules with the same key, and a catch-all rule
    whenever it has any rule at all."""
    if changed is not None:
        for row_id, rule in rules:
            if row_id != changed_id and rule.key == changed.key:
                raise InvalidInput("appeal_type",
                                   "已有适用范围相同（诉求类型、分类、紧急程度都相同）的规则，请修改那条规则")
    after = [rule for row_id, rule in rules if row_id != changed_id] + ([changed] if changed is not None else [])
    if after and not any(_is_catch_all(rule) for rule in after):
        raise InvalidInput(
            "appeal_type" if changed is not None else "id",
            "规则表中须保留一条兜底规则（诉求类型、分类、紧急程度均为“不限”），否则部分工单将没有办理时限；"
            "可先载入默认规则，或先添加兜底规则",
        )


def _table(session: Session) -> list[tuple[int | None, sla.DeadlineRule]]:
    return [(row.id, rule_of(row)) for row in repository.deadline_rules(session)]


def _row_detail(row: DeadlineRuleRow) -> dict[str, Any]:
    return {"appeal_type": row.appeal_type, "category_prefix": row.category_prefix,
            "urgency": row.urgency.value if row.urgency else None, "working_days": row.working_days,
            "hours": row.hours}


def create_deadline_rule(
    session: Session, actor: Principal, *, appeal_type: str | None = None, category_prefix: str | None = None,
    urgency: Urgency | str | None = None, working_days: int | None = None, hours: int | None = None,
) -> DeadlineRuleRow:
    """Add a rule. ``None`` (or empty) conditions mean "any"; exactly one of ``working_days``
    and ``hours``."""
    require_writer(actor)
    rule = _deadline_fields(session, appeal_type=appeal_type, category_prefix=category_prefix, urgency=urgency,
                            working_days=working_days, hours=hours)
    _check_rule_set(_table(session), rule, None)
    row = DeadlineRuleRow(appeal_type=rule.appeal_type, category_prefix=rule.category_prefix, urgency=rule.urgency,
                          working_days=rule.working_days, hours=rule.hours)
    session.add(row)
    session.flush()
    audit.record(session, actor, "deadline_rule.created", object_type="deadline_rule", object_id=row.id,
                 detail=_row_detail(row))
    return row


def update_deadline_rule(
    session: Session, actor: Principal, row: DeadlineRuleRow, *, appeal_type: str | None,
    category_prefix: str | None, urgency: Urgency | str | None, working_days: int | None, hours: int | None,
) -> DeadlineRuleRow:
    """Replace a rule's conditions and time allowed (every field is given; ``None`` = any)."""
    require_writer(actor)
    rule = _deadline_fields(session, appeal_type=appeal_type, category_prefix=category_prefix, urgency=urgency,
                            working_days=working_days, hours=hours)
    _check_rule_set(_table(session), rule, row.id)
    before = _row_detail(row)
    row.appeal_type, row.category_prefix, row.urgency = rule.appeal_type, rule.category_prefix, rule.urgency
    row.working_days, row.hours = rule.working_days, rule.hours
    session.flush()
    audit.record(session, actor, "deadline_rule.updated", object_type="deadline_rule", object_id=row.id,
                 detail={"before": before, "after": _row_detail(row)})
    return row


def delete_deadline_rule(session: Session, actor: Principal, row: DeadlineRuleRow) -> None:
    """Remove a rule. The catch-all rule goes last: deleting it is refused while other rules
    remain; once the table is empty the built-in defaults apply again."""
    require_writer(actor)
    _check_rule_set(_table(session), None, row.id)
    detail = _row_detail(row)
    session.delete(row)
    session.flush()
    audit.record(session, actor, "deadline_rule.deleted", object_type="deadline_rule", object_id=row.id,
                 detail=detail)


def load_default_rules(session: Session, actor: Principal) -> list[DeadlineRuleRow]:
    """Copy the built-in defaults into the empty table, as a starting point to refine."""
    require_writer(actor)
    if repository.deadline_rules(session):
        raise InvalidInput("rules", "规则表已有规则：只能在规则表为空时载入默认规则")
    rows = [DeadlineRuleRow(appeal_type=r.appeal_type, category_prefix=r.category_prefix, urgency=r.urgency,
                            working_days=r.working_days, hours=r.hours) for r in sla.DEFAULT_RULES]
    session.add_all(rows)
    session.flush()
    audit.record(session, actor, "deadline_rule.defaults_loaded", object_type="deadline_rule",
                 detail={"count": len(rows), "ids": [r.id for r in rows]})
    return rows


@dataclass(frozen=True)
class DeadlinePreview:
    """Which rule an order would get and its deadlines if it were dispatched at ``start``."""

    rule: sla.DeadlineRule
    from_table: bool
    start: dt.datetime
    due: Deadline
    sign_due: Deadline


def preview_deadline(
    session: Session, *, appeal_type: str | None, category_code: str | None, urgency: Urgency | str | None = None,
    start: dt.datetime | None = None,
) -> DeadlinePreview:
    """The rule :func:`sla.pick_rule` picks for these facts and the handling and sign-for
    deadlines of an order dispatched at ``start`` (default: now), as dispatch would set them."""
    type_code = (appeal_type or "").strip() or None
    if type_code is not None and session.get(AppealType, type_code) is None:
        raise InvalidInput("appeal_type", "诉求类型不存在")
    code = (category_code or "").strip() or None
    if code is not None and org_repository.category_by_code(session, code) is None:
        raise InvalidInput("category_code", f"分类 {code[:16]} 不存在")
    try:
        level = Urgency(urgency or Urgency.normal)
    except ValueError:
        raise InvalidInput("urgency", "紧急程度应为一般、紧急或特急") from None
    rules, from_table = effective_rules(session)
    try:
        rule = sla.pick_rule(rules, type_code, code, level)
    except LookupError:
        raise InvalidInput("appeal_type", "没有适用的规则：规则表缺少兜底规则") from None
    calendar = load_calendar(session)
    when = start or clock.now()
    return DeadlinePreview(rule=rule, from_table=from_table, start=when, due=sla.due_at(calendar, when, rule),
                           sign_due=sla.sign_due(calendar, when, urgency=level))


def describe(rule: sla.DeadlineRule, type_names: dict[str, str], category_names: dict[str, str]) -> dict[str, str]:
    """A rule's conditions and time allowed, as the pages show them ("不限" for any)."""
    return {
        "appeal_type": type_names.get(rule.appeal_type, rule.appeal_type) if rule.appeal_type else "不限",
        "category": (f"{rule.category_prefix} {category_names.get(rule.category_prefix, '')}".strip()
                     if rule.category_prefix else "不限"),
        "urgency": URGENCY_NAMES[rule.urgency] if rule.urgency else "不限",
        "label": rule.label,
    }
