"""Use cases of spot checks (工单抽查) and rectification lists (整改清单).

Who does what (ADR 0029):

- **Checkers** (``Cap.spot_check``): a centre's supervisors (the inspection team, 督导检查组)
  and a provincial department's sector viewers (省直部门抽查). They draw samples from the
  orders they may see (``access.order_scope``: a centre's region, a department's sectors),
  record findings and re-callbacks, require corrections, accept or send back the answers,
  and issue rectification lists. A check or list belongs to the checker's unit: a sector
  viewer sees its own department's; a supervisor those issued by the centres in their region.
- **Units** (``Cap.handle``): see and answer only the corrections and rectification items
  addressed to their own unit (404 for anyone else's).
- Everyone else: 403.

Services take the session first, never commit, and record an audit event for every write
(no free text in the detail: it may hold personal data)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, region_prefix
from hotline.kit import clock, validate
from hotline.kit.errors import Forbidden, InvalidInput, NotFound, StaleVersion
from hotline.kit.workcalendar import load_calendar
from hotline.org import repository as org_repository
from hotline.org.models import Unit
from hotline.spotcheck import repository, rules
from hotline.spotcheck.models import RectificationItem, RectificationList, SpotCheck, SpotCheckItem
from hotline.spotcheck.rules import Correction, Finding, ItemStatus, Method, ProblemType, Recall, Stratum
from hotline.supervision.models import LEDGER_NAMES, LedgerKind
from hotline.workorder import service as workorder
from hotline.workorder.models import WorkOrder

REF_RE = re.compile(r"[0-9a-f]{32}")
#: Ledgers a rectification list may be built from (S0: 超期、推诿扯皮、敷衍应付 …).
LISTABLE_LEDGERS = frozenset({LedgerKind.overdue, LedgerKind.buck_passing, LedgerKind.perfunctory,
                              LedgerKind.dissatisfied_twice, LedgerKind.escalated})


# --- access -----------------------------------------------------------------------------------


def may_check(actor: Principal) -> bool:
    return actor.can(Cap.spot_check)


def may_answer(actor: Principal) -> bool:
    return actor.can(Cap.handle)


def require_checker(actor: Principal) -> None:
    if not may_check(actor):
        raise Forbidden("只有督导检查人员（热线中心督办人员、省直部门）可以抽查工单、下达整改")


def issuers(actor: Principal) -> Select[Any]:
    """The units whose checks and lists the caller sees: a centre's supervisors those of the
    centres in their region, a department its own."""
    if actor.role in access.CENTRE_ROLES:
        return repository.centres_in(actor.region_prefix)
    return repository.just(actor.unit_id)


def _visible_issuer(session: Session, actor: Principal, unit_id: int) -> bool:
    return session.execute(issuers(actor).where(Unit.id == unit_id)).first() is not None


def _find(session: Session, model: Any, ref: str) -> Any:
    return repository.by_ref(session, model, ref) if isinstance(ref, str) and REF_RE.fullmatch(ref) else None


def access_check(session: Session, actor: Principal, ref: str) -> SpotCheck:
    """A spot check the caller may work on: 403 for a role that never checks, 404 for
    another issuer's (missing and hidden look the same)."""
    require_checker(actor)
    check: SpotCheck | None = _find(session, SpotCheck, ref)
    if check is None or not _visible_issuer(session, actor, check.issuer_unit_id):
        if check is not None:
            access.deny(session, actor, "spot_check", check.ref)
        raise NotFound("抽查不存在")
    return check


def access_item(session: Session, actor: Principal, check: SpotCheck, ref: str) -> SpotCheckItem:
    item: SpotCheckItem | None = _find(session, SpotCheckItem, ref)
    if item is None or item.spot_check_id != check.id:
        raise NotFound("抽查工单不存在")
    return item


def access_correction(session: Session, actor: Principal, ref: str) -> tuple[SpotCheckItem, SpotCheck]:
    """A required correction: its unit's handlers and managers, or the checkers of its check;
    403 for other roles, 404 for another unit's (or no correction at all)."""
    if not (may_answer(actor) or may_check(actor)):
        raise Forbidden("您的角色无权查看整改要求")
    item: SpotCheckItem | None = _find(session, SpotCheckItem, ref)
    check = session.get(SpotCheck, item.spot_check_id) if item is not None else None
    ok = item is not None and check is not None and item.correction_state != Correction.none and (
        (may_answer(actor) and item.unit_id == actor.unit_id)
        or (may_check(actor) and _visible_issuer(session, actor, check.issuer_unit_id)))
    if not ok or item is None or check is None:
        if item is not None:
            access.deny(session, actor, "spot_check_item", item.ref)
        raise NotFound("整改要求不存在")
    return item, check


def access_list(session: Session, actor: Principal, ref: str) -> RectificationList:
    """A rectification list: its issuer's checkers see all of it; a unit with an item on it
    sees the list with its own items only (``items_for``); 403 for other roles."""
    if not (may_answer(actor) or may_check(actor)):
        raise Forbidden("您的角色无权查看整改清单")
    found: RectificationList | None = _find(session, RectificationList, ref)
    ok = found is not None and (
        (may_check(actor) and _visible_issuer(session, actor, found.issuer_unit_id))
        or (may_answer(actor) and any(i.unit_id == actor.unit_id for i in repository.list_items(session, found.id))))
    if not ok or found is None:
        if found is not None:
            access.deny(session, actor, "rectification_list", found.ref)
        raise NotFound("整改清单不存在")
    return found


def access_rect_item(session: Session, actor: Principal, ref: str) -> tuple[RectificationItem, RectificationList]:
    if not (may_answer(actor) or may_check(actor)):
        raise Forbidden("您的角色无权查看整改事项")
    item: RectificationItem | None = _find(session, RectificationItem, ref)
    owner = session.get(RectificationList, item.list_id) if item is not None else None
    ok = item is not None and owner is not None and (
        (may_answer(actor) and item.unit_id == actor.unit_id)
        or (may_check(actor) and _visible_issuer(session, actor, owner.issuer_unit_id)))
    if not ok or item is None or owner is None:
        if item is not None:
            access.deny(session, actor, "rectification_item", item.ref)
        raise NotFound("整改事项不存在")
    return item, owner


def items_for(session: Session, actor: Principal, lst: RectificationList) -> list[RectificationItem]:
    items = repository.list_items(session, lst.id)
    if may_check(actor) and _visible_issuer(session, actor, lst.issuer_unit_id):
        return items
    return [i for i in items if i.unit_id == actor.unit_id]


def _expect(obj: Any, version: int | None) -> None:
    if version is not None and version != obj.version:
        raise StaleVersion("记录已被他人更新，请刷新后重试", current_version=obj.version)


def _due(session: Session, working_days: int) -> dt.datetime:
    return load_calendar(session).add_working_days(clock.now(), working_days).at


def _plausible(day: dt.date | None, field_name: str) -> None:
    if day is not None and not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
        raise InvalidInput(field_name, "日期应在 2000–2100 年之间")


def _working_days(value: int | None, field_name: str) -> int:
    days = rules.DEFAULT_CORRECTION_WORKING_DAYS if value is None else value
    if isinstance(days, bool) or not 1 <= days <= rules.MAX_CORRECTION_WORKING_DAYS:
        raise InvalidInput(field_name, f"整改期限应为 1–{rules.MAX_CORRECTION_WORKING_DAYS} 个工作日")
    return days


# --- drawing a sample -------------------------------------------------------------------------


@dataclass
class DrawData:
    title: str
    period_start: dt.date
    period_end: dt.date
    size: int
    method: str = Method.random
    stratify_by: str | None = None
    seed: str | None = None
    unit_id: int | None = None
    region_code: str | None = None
    category_code: str | None = None
    closed_only: bool = True
    correction_working_days: int | None = None


def _stratum(c: repository.Candidate, by: Stratum) -> str:
    return str(c.unit_id) if by == Stratum.unit else c.county if by == Stratum.region else c.top_category


def draw(session: Session, actor: Principal, data: DrawData) -> SpotCheck:
    """Draw a sample of the orders in the caller's scope (``access.order_scope``) registered in
    the period and record it as a spot check, one item per order. The seed (given, or a new
    random one) is recorded: the same seed over the same orders draws the same sample."""
    require_checker(actor)
    title = validate.text(data.title, "title", max_length=100)
    assert title is not None
    try:
        method = Method(data.method)
    except ValueError:
        raise InvalidInput("method", "抽样方式应为 random（随机）或 stratified（分层）") from None
    by: Stratum | None = None
    if method == Method.stratified:
        try:
            by = Stratum(data.stratify_by or "")
        except ValueError:
            raise InvalidInput("stratify_by",
                               "分层抽样须按 unit（单位）、region（地区）或 category（分类）分层") from None
    if isinstance(data.size, bool) or not 1 <= data.size <= rules.MAX_SAMPLE:
        raise InvalidInput("size", f"样本量应为 1–{rules.MAX_SAMPLE}")
    _plausible(data.period_start, "period_start")
    _plausible(data.period_end, "period_end")
    if data.period_end < data.period_start:
        raise InvalidInput("period_end", "结束日期不能早于开始日期")
    if (data.period_end - data.period_start).days > 366:
        raise InvalidInput("period_end", "抽查期间不能超过一年")
    seed = (data.seed or "").strip() or rules.new_seed()
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,32}", seed):
        raise InvalidInput("seed", "随机种子应为 1–32 位字母、数字、- 或 _")
    prefix = None
    if data.region_code:
        prefix = region_prefix(validate.region_code(data.region_code, "region_code"))
    category = None
    if data.category_code:
        if not re.fullmatch(r"[0-9]{2,16}", data.category_code) or \
                org_repository.category_by_code(session, data.category_code) is None:
            raise InvalidInput("category_code", "分类不存在")
        category = data.category_code
    if data.unit_id is not None and session.get(Unit, data.unit_id) is None:
        raise InvalidInput("unit_id", "单位不存在")
    days = _working_days(data.correction_working_days, "correction_working_days")
    since = dt.datetime.combine(data.period_start, dt.time(), tzinfo=clock.CST)
    until = dt.datetime.combine(data.period_end + dt.timedelta(days=1), dt.time(), tzinfo=clock.CST)
    pool = repository.population(session, lambda s: access.order_scope(actor, s), since=since, until=until,
                                 closed_only=data.closed_only, unit_id=data.unit_id, region_prefix=prefix,
                                 category_prefix=category)
    if not pool:
        raise InvalidInput("period_start", "该期间、范围内没有可抽查的工单")
    strata_of: dict[int, str] = {}  # order id → its stratum
    shares: dict[str, int] = {}
    if by is None:
        drawn = rules.draw_random([c.id for c in pool], data.size, seed)
    else:
        groups: dict[str, list[int]] = defaultdict(list)
        for c in pool:
            key = _stratum(c, by)
            groups[key].append(c.id)
            strata_of[c.id] = key
        drawn, shares = rules.draw_stratified(groups, data.size, seed)
    sizes = Counter(strata_of.values())
    now = clock.now()
    check = SpotCheck(title=title, issuer_unit_id=actor.unit_id, created_by_id=actor.user_id, created_at=now,
                      method=method.value, stratify_by=by.value if by else None, period_start=data.period_start,
                      period_end=data.period_end, sample_size=len(drawn), population=len(pool), seed=seed,
                      correction_working_days=days, status="open",
                      criteria={"closed_only": data.closed_only, "unit_id": data.unit_id,
                                "region_code": data.region_code, "category_code": category,
                                "strata": {k: {"population": sizes[k], "drawn": n} for k, n in shares.items()}})
    session.add(check)
    session.flush()
    by_id = {c.id: c for c in pool}
    for order_id in drawn:
        session.add(SpotCheckItem(spot_check_id=check.id, work_order_id=order_id, unit_id=by_id[order_id].unit_id,
                                  stratum=strata_of.get(order_id), correction_state=Correction.none))
    session.flush()
    audit.record(session, actor, "spot_check.drawn", object_type="spot_check", object_id=check.ref,
                 detail={"title": title, "method": method.value, "stratify_by": check.stratify_by,
                         "seed": seed, "population": len(pool), "count": len(drawn),
                         "from": data.period_start.isoformat(), "to": data.period_end.isoformat()})
    return check


# --- findings, re-callbacks, corrections ------------------------------------------------------


def record_finding(session: Session, actor: Principal, check: SpotCheck, item: SpotCheckItem, *, finding: str,
                   problem_type: str | None = None, note: str | None = None, correction: str | None = None,
                   correction_working_days: int | None = None, version: int | None = None) -> SpotCheckItem:
    """The finding on one sampled order: ``correct``, or ``problem`` with its type and a
    required correction (整改要求) that the order's lead unit must answer within the working
    days given (the check's default otherwise). A finding may be changed until a correction
    has been answered."""
    require_checker(actor)
    _expect(item, version)
    if check.status != "open":
        raise InvalidInput("finding", "抽查已结束，不能再修改")
    if item.correction_state not in (Correction.none, Correction.open):
        raise InvalidInput("finding", "单位已答复整改，不能再修改结论")
    try:
        verdict = Finding(finding)
    except ValueError:
        raise InvalidInput("finding", "结论应为 correct（规范）或 problem（存在问题）") from None
    note = validate.text(note, "note", max_length=1000, required=False, multiline=True)
    kind: ProblemType | None = None
    if verdict == Finding.problem:
        try:
            kind = ProblemType(problem_type or "")
        except ValueError:
            raise InvalidInput("problem_type", "请选择问题类型") from None
        required = validate.text(correction, "correction", max_length=1000, multiline=True)
        if item.unit_id is None:
            raise InvalidInput("correction", "该工单没有主办单位，无法下达整改")
        days = _working_days(correction_working_days if correction_working_days is not None
                             else check.correction_working_days, "correction_working_days")
        item.correction_required, item.correction_due_at = required, _due(session, days)
        item.correction_state = Correction.open
    else:
        item.correction_required = item.correction_due_at = None
        item.correction_state = Correction.none
    item.finding, item.problem_type, item.finding_note = verdict.value, kind.value if kind else None, note
    item.checked_by_id, item.checked_at = actor.user_id, clock.now()
    session.flush()
    number = session.get(WorkOrder, item.work_order_id)
    audit.record(session, actor, "spot_check.finding_recorded", object_type="spot_check", object_id=check.ref,
                 detail={"item": item.ref, "number": number.number if number else None, "finding": verdict.value,
                         "problem_type": item.problem_type, "unit_id": item.unit_id,
                         "due_at": item.correction_due_at.isoformat() if item.correction_due_at else None})
    return item


def recall_contact(session: Session, actor: Principal, item: SpotCheckItem) -> workorder.CitizenShown | None:
    """The citizen's contact for the re-callback, as the checker's role may see it (ADR 0004):
    a centre supervisor sees it (audited ``pii.viewed``), a provincial department masked; a
    confidential reporter is hidden from the department entirely."""
    order = session.get(WorkOrder, item.work_order_id)
    return workorder.citizen_shown(session, actor, order) if order is not None else None


def record_recall(session: Session, actor: Principal, check: SpotCheck, item: SpotCheckItem, *, verdict: str,
                  note: str | None = None) -> SpotCheckItem:
    """The re-callback to the citizen (复核回访) as part of the check: satisfied, basically
    satisfied, dissatisfied, or not reached."""
    require_checker(actor)
    if check.status != "open":
        raise InvalidInput("verdict", "抽查已结束，不能再修改")
    try:
        result = Recall(verdict)
    except ValueError:
        raise InvalidInput("verdict", "回访结果应为满意、基本满意、不满意或未接通") from None
    item.recall_verdict = result.value
    item.recall_note = validate.text(note, "note", max_length=500, required=False, multiline=True)
    item.recall_by_id, item.recall_at = actor.user_id, clock.now()
    session.flush()
    audit.record(session, actor, "spot_check.recalled", object_type="spot_check", object_id=check.ref,
                 detail={"item": item.ref, "verdict": result.value})
    return item


def answer_correction(session: Session, actor: Principal, item: SpotCheckItem, *, text: str,
                      version: int | None = None) -> SpotCheckItem:
    """The responsible unit answers a required correction (what it corrected)."""
    if not may_answer(actor) or item.unit_id != actor.unit_id:
        raise Forbidden("只有被要求整改的单位可以答复")
    _expect(item, version)
    item.correction_state = rules.move_correction(item.correction_state, "answer")
    item.correction_answer = validate.text(text, "text", max_length=4000, multiline=True)
    item.correction_answered_at, item.correction_answered_by_id = clock.now(), actor.user_id
    session.flush()
    late = item.correction_due_at is not None and item.correction_answered_at > item.correction_due_at
    audit.record(session, actor, "spot_check.correction_answered", object_type="spot_check_item", object_id=item.ref,
                 detail={"unit_id": item.unit_id, "late": late})
    return item


def decide_correction(session: Session, actor: Principal, check: SpotCheck, item: SpotCheckItem, *, accept: bool,
                      note: str | None = None, version: int | None = None) -> SpotCheckItem:
    """The checker accepts the unit's answer (on time when it came before the deadline) or
    sends it back (a reason is required; the unit answers again, same deadline)."""
    require_checker(actor)
    _expect(item, version)
    item.correction_state = rules.move_correction(item.correction_state, "accept" if accept else "return")
    reason = validate.text(note, "note", max_length=500, required=not accept, multiline=True)
    item.correction_decision_note, item.correction_decided_at = reason, clock.now()
    if accept:
        item.correction_on_time = bool(item.correction_due_at and item.correction_answered_at
                                       and item.correction_answered_at <= item.correction_due_at)
    session.flush()
    audit.record(session, actor, "spot_check.correction_accepted" if accept else "spot_check.correction_returned",
                 object_type="spot_check", object_id=check.ref,
                 detail={"item": item.ref, "unit_id": item.unit_id, "on_time": item.correction_on_time})
    return item


def close_check(session: Session, actor: Principal, check: SpotCheck, *, version: int | None = None) -> SpotCheck:
    """End a check: no more findings. Open corrections stay open until answered."""
    require_checker(actor)
    _expect(check, version)
    if check.status != "open":
        raise InvalidInput("status", "抽查已结束")
    check.status, check.closed_at = "closed", clock.now()
    session.flush()
    audit.record(session, actor, "spot_check.closed", object_type="spot_check", object_id=check.ref,
                 detail={"count": check.sample_size})
    return check


def list_checks(session: Session, actor: Principal) -> list[SpotCheck]:
    require_checker(actor)
    return repository.checks(session, issuers(actor))


def check_items(session: Session, check: SpotCheck) -> list[SpotCheckItem]:
    return repository.items_of(session, check.id)


def corrections_for(session: Session, actor: Principal, *, overdue_only: bool = False,
                    states: tuple[str, ...] | None = None) -> list[SpotCheckItem]:
    """A unit's own corrections, or the corrections of the caller's checks; ``overdue_only``:
    still open past their deadline."""
    if not (may_answer(actor) or may_check(actor)):
        raise Forbidden("您的角色无权查看整改要求")
    wanted = states or ((Correction.open, Correction.returned) if overdue_only else
                        tuple(c.value for c in Correction if c != Correction.none))
    if may_check(actor):
        return repository.corrections(session, unit_id=None, issuers=issuers(actor), states=wanted,
                                      due_before=clock.now() if overdue_only else None)
    return repository.corrections(session, unit_id=actor.unit_id, issuers=None, states=wanted,
                                  due_before=clock.now() if overdue_only else None)


def is_overdue(item: SpotCheckItem, now: dt.datetime | None = None) -> bool:
    return (item.correction_state in rules.OPEN_CORRECTIONS and item.correction_due_at is not None
            and item.correction_due_at < (now or clock.now()))


# --- statistics per unit ----------------------------------------------------------------------


@dataclass
class UnitStats:
    """A unit's figures over the sampled orders of one or more checks."""

    unit_id: int | None
    unit_name: str
    sampled: int = 0
    checked: int = 0
    correct: int = 0
    problems: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    corrections: int = 0
    answered: int = 0
    accepted: int = 0
    on_time: int = 0
    overdue: int = 0
    recalled: int = 0
    dissatisfied: int = 0

    @property
    def correct_rate(self) -> float | None:
        return self.correct / self.checked if self.checked else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.accepted if self.accepted else None


def unit_statistics(session: Session, items: list[SpotCheckItem]) -> list[UnitStats]:
    """Per unit: sampled, checked, correct, problems (and by type), corrections required,
    answered, accepted, accepted on time, overdue (still open past the deadline), re-callbacks
    and dissatisfied re-callbacks. Units with the most problems first."""
    now = clock.now()
    names = {u.id: u.name for u in repository.units(session, (i.unit_id for i in items)).values()}
    stats: dict[int | None, UnitStats] = {}
    for i in items:
        s = stats.setdefault(i.unit_id, UnitStats(i.unit_id, names.get(i.unit_id or 0, "（无主办单位）")))
        s.sampled += 1
        if i.finding is not None:
            s.checked += 1
        if i.finding == Finding.correct:
            s.correct += 1
        if i.finding == Finding.problem:
            s.problems += 1
            if i.problem_type:
                s.by_type[i.problem_type] = s.by_type.get(i.problem_type, 0) + 1
        if i.correction_state != Correction.none:
            s.corrections += 1
        if i.correction_answered_at is not None:
            s.answered += 1
        if i.correction_state == Correction.accepted:
            s.accepted += 1
            s.on_time += 1 if i.correction_on_time else 0
        if is_overdue(i, now):
            s.overdue += 1
        if i.recall_verdict is not None:
            s.recalled += 1
            s.dissatisfied += 1 if i.recall_verdict == Recall.dissatisfied else 0
    return sorted(stats.values(), key=lambda s: (-s.problems, -s.sampled, s.unit_name))


def statistics_of(session: Session, actor: Principal, *, since: dt.date | None = None,
                  until: dt.date | None = None) -> list[UnitStats]:
    """Per-unit figures over every check of the caller's (created in the period, China dates)."""
    require_checker(actor)
    _plausible(since, "since")
    _plausible(until, "until")
    if since and until and until < since:
        raise InvalidInput("until", "结束日期不能早于开始日期")
    start = dt.datetime.combine(since, dt.time(), tzinfo=clock.CST) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=clock.CST) if until else None
    return unit_statistics(session, repository.items_of_checks(session, issuers(actor), since=start, until=end))


def problem_totals(items: list[SpotCheckItem]) -> dict[str, int]:
    return dict(Counter(i.problem_type for i in items if i.problem_type))


# --- rectification lists ----------------------------------------------------------------------


@dataclass
class ItemData:
    unit_id: int
    description: str
    working_days: int = rules.DEFAULT_CORRECTION_WORKING_DAYS
    work_order_id: int | None = None


def _new_list(session: Session, actor: Principal, *, title: str, source: str, note: str | None,
              spot_check_id: int | None = None) -> RectificationList:
    lst = RectificationList(title=validate.text(title, "title", max_length=100), issuer_unit_id=actor.unit_id,
                            created_by_id=actor.user_id, created_at=clock.now(), source=source,
                            spot_check_id=spot_check_id,
                            note=validate.text(note, "note", max_length=500, required=False, multiline=True))
    session.add(lst)
    session.flush()
    return lst


def _created(session: Session, actor: Principal, lst: RectificationList, items: list[RectificationItem]) -> None:
    audit.record(session, actor, "rectification_list.created", object_type="rectification_list", object_id=lst.ref,
                 detail={"title": lst.title, "kind": lst.source, "count": len(items),
                         "units": sorted({i.unit_id for i in items})})


def create_list(session: Session, actor: Principal, *, title: str, items: list[ItemData],
                note: str | None = None) -> RectificationList:
    """A rectification list written by hand: each item a unit, what to fix and the working days."""
    require_checker(actor)
    if not items:
        raise InvalidInput("items", "整改清单至少要有一项")
    if len(items) > 200:
        raise InvalidInput("items", "一份整改清单最多 200 项")
    lst = _new_list(session, actor, title=title, source="manual", note=note)
    made = []
    for n, data in enumerate(items):
        unit = session.get(Unit, data.unit_id)
        if unit is None or not unit.active:
            raise InvalidInput(f"items[{n}].unit_id", "单位不存在或已停用")
        description = validate.text(data.description, f"items[{n}].description", max_length=1000, multiline=True)
        assert description is not None
        made.append(RectificationItem(list_id=lst.id, unit_id=unit.id, description=description,
                                      due_at=_due(session, _working_days(data.working_days,
                                                                         f"items[{n}].working_days")),
                                      status=ItemStatus.open, source_kind="manual", work_order_id=data.work_order_id))
    session.add_all(made)
    session.flush()
    _created(session, actor, lst, made)
    return lst


def list_from_check(session: Session, actor: Principal, check: SpotCheck, *, title: str | None = None,
                    working_days: int | None = None) -> RectificationList:
    """One click: a rectification list of the check's problem findings not listed before, each
    item the unit's, the problem and the correction required, due in the working days given
    (the check's correction time otherwise)."""
    require_checker(actor)
    problems = [i for i in repository.items_of(session, check.id) if i.finding == Finding.problem and i.unit_id]
    listed = repository.items_listed_from_findings(session, [i.id for i in problems])
    problems = [i for i in problems if i.id not in listed]
    if not problems:
        raise InvalidInput("spot_check", "该抽查没有尚未列入清单的问题工单")
    days = _working_days(working_days if working_days is not None else check.correction_working_days,
                         "working_days")
    lst = _new_list(session, actor, title=title or f"{check.title} 整改清单", source="spot_check", note=None,
                    spot_check_id=check.id)
    orders = repository.orders(session, (i.work_order_id for i in problems))
    due = _due(session, days)
    made = []
    for i in problems:
        order = orders.get(i.work_order_id)
        kind = rules.PROBLEM_NAMES.get(ProblemType(i.problem_type), "其他") if i.problem_type else "问题"
        text = f"工单 {order.number if order else ''}：{kind}。整改要求：{i.correction_required or '按抽查结论整改'}"
        made.append(RectificationItem(list_id=lst.id, unit_id=i.unit_id, description=text[:1000], due_at=due,
                                      status=ItemStatus.open, source_kind="finding", spot_check_item_id=i.id,
                                      work_order_id=i.work_order_id))
    session.add_all(made)
    session.flush()
    _created(session, actor, lst, made)
    return lst


def list_from_ledger(session: Session, actor: Principal, *, numbers: list[str], title: str,
                     kind: str | None = None, working_days: int | None = None,
                     note: str | None = None) -> RectificationList:
    """A rectification list of ledger entries (超期、推诿扯皮、敷衍应付 …) the caller may see
    (``access.ledger_scope``), named by their orders' numbers (the ledger's ticks): one item
    per order, from its newest entry (of ``kind`` when given), for the unit the entry names."""
    require_checker(actor)
    wanted = list(dict.fromkeys(n.strip() for n in numbers if isinstance(n, str) and n.strip()))
    if not wanted:
        raise InvalidInput("numbers", "请选择台账中的工单")
    if len(wanted) > 200:
        raise InvalidInput("numbers", "一份整改清单最多 200 项")
    kinds = LISTABLE_LEDGERS
    if kind:
        try:
            chosen = LedgerKind(kind)
        except ValueError:
            raise InvalidInput("kind", "台账类别不存在") from None
        if chosen not in LISTABLE_LEDGERS:
            raise InvalidInput("kind", f"“{LEDGER_NAMES.get(chosen, chosen)}”台账不能生成整改清单")
        kinds = frozenset({chosen})
    newest: dict[int, Any] = {}
    for e in repository.ledger_entries(session, lambda s: access.ledger_scope(actor, s), wanted, kinds):
        if e.work_order_id is not None and e.unit_id is not None:
            newest.setdefault(e.work_order_id, e)
    orders = repository.orders(session, newest)
    found = {o.number for o in orders.values()}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise InvalidInput("numbers", f"工单 {missing[0]} 不在您可见的超期、推诿扯皮、敷衍应付等台账中")
    days = _working_days(working_days, "working_days")
    lst = _new_list(session, actor, title=title, source="ledger", note=note)
    due = _due(session, days)
    made = []
    by_number = {o.number: o for o in orders.values()}
    for number in wanted:
        order = by_number[number]
        e = newest[order.id]
        text = f"工单 {number}（{LEDGER_NAMES.get(e.kind, e.kind)}）：{e.reason}"
        made.append(RectificationItem(list_id=lst.id, unit_id=e.unit_id, description=text[:1000], due_at=due,
                                      status=ItemStatus.open, source_kind="ledger", ledger_entry_id=e.id,
                                      work_order_id=order.id))
    session.add_all(made)
    session.flush()
    _created(session, actor, lst, made)
    return lst


def report_progress(session: Session, actor: Principal, item: RectificationItem, *, text: str, done: bool,
                    version: int | None = None) -> RectificationItem:
    """The responsible unit reports progress on an item, or that it is done (the issuer confirms)."""
    if not may_answer(actor) or item.unit_id != actor.unit_id:
        raise Forbidden("只有责任单位可以报告整改进展")
    _expect(item, version)
    item.status = rules.move_item(item.status, "report_done" if done else "progress")
    item.progress = validate.text(text, "text", max_length=4000, multiline=True)
    item.progress_at = clock.now()
    if done:
        item.reported_at = item.progress_at
    session.flush()
    audit.record(session, actor, "rectification_item.reported_done" if done else "rectification_item.progressed",
                 object_type="rectification_item", object_id=item.ref,
                 detail={"unit_id": item.unit_id, "late": item.progress_at > item.due_at})
    return item


def decide_item(session: Session, actor: Principal, item: RectificationItem, *, confirm: bool,
                note: str | None = None, version: int | None = None) -> RectificationItem:
    """The issuer confirms a reported item (done, 销号) or sends it back (a reason is required)."""
    require_checker(actor)
    _expect(item, version)
    item.status = rules.move_item(item.status, "confirm" if confirm else "return")
    item.return_note = None if confirm else validate.text(note, "note", max_length=500, multiline=True)
    if confirm:
        item.done_at, item.confirmed_by_id = clock.now(), actor.user_id
    session.flush()
    audit.record(session, actor, "rectification_item.confirmed" if confirm else "rectification_item.returned",
                 object_type="rectification_item", object_id=item.ref, detail={"unit_id": item.unit_id})
    return item


def lists_for(session: Session, actor: Principal) -> list[RectificationList]:
    """The caller's lists: an issuer's, or for a unit the lists with an item of its own."""
    if may_check(actor):
        return repository.lists(session, issuers(actor))
    if may_answer(actor):
        mine = repository.rect_items(session, unit_id=actor.unit_id, issuers=None,
                                     statuses=[s.value for s in ItemStatus])
        return sorted(repository.lists_by_ids(session, (i.list_id for i in mine)).values(),
                      key=lambda x: (x.created_at, x.id), reverse=True)
    raise Forbidden("您的角色无权查看整改清单")


def rect_items_for(session: Session, actor: Principal, *, overdue_only: bool = False) -> list[RectificationItem]:
    """A unit's own items, or the items of the caller's lists; ``overdue_only``: not done (nor
    reported) past the deadline."""
    statuses = ([ItemStatus.open.value, ItemStatus.in_progress.value] if overdue_only
                else [s.value for s in ItemStatus])
    due = clock.now() if overdue_only else None
    if may_check(actor):
        return repository.rect_items(session, unit_id=None, issuers=issuers(actor), statuses=statuses,
                                     due_before=due)
    if may_answer(actor):
        return repository.rect_items(session, unit_id=actor.unit_id, issuers=None, statuses=statuses,
                                     due_before=due)
    raise Forbidden("您的角色无权查看整改事项")


def item_overdue(item: RectificationItem, now: dt.datetime | None = None) -> bool:
    return item.status in rules.OPEN_ITEMS and item.due_at < (now or clock.now())
