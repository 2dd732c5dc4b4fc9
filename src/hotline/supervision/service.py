"""Use cases of supervision: the deadline sweep, the projector that keeps ledgers and unit
statistics current from the work-order events, ledgers and evaluation.

Services take the session first and never commit; the job or request boundary does."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Row
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, region_prefix
from hotline.config import get_settings
from hotline.kit import clock, excel, validate
from hotline.kit.errors import Conflict, InvalidInput, NotFound
from hotline.kit.workcalendar import business_date, load_calendar
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import Region, Unit
from hotline.supervision import documents, repository, rules
from hotline.supervision.models import (
    LEDGER_NAMES,
    LETTER_NAMES,
    AuthorityKind,
    EscalationKind,
    EscalationRule,
    LedgerEntry,
    LedgerKind,
    LetterKind,
    LetterTemplate,
    SupervisionAuthority,
    SupervisionLetter,
)
from hotline.workorder import sla
from hotline.workorder.lifecycle import STATUS_NAMES
from hotline.workorder.models import WorkOrder

PROJECTOR = "supervision"
SWEEP_BATCH = 500
PROJECT_BATCH = 2000


# --- the deadline sweep --------------------------------------------------------------------


@dataclass
class SweepResult:
    warned: int = 0
    overdue: int = 0


def sweep_batch(session: Session, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> SweepResult:
    """One batch of the sweep: warn the lead unit of orders due soon (``due_soon_working_days``
    working days ahead; hours ahead for hour-based deadlines) and mark orders past their
    deadline overdue. Each mark is set once, so a re-run does nothing more; concurrent sweeps
    on PostgreSQL skip each other's locked rows."""
    now = now or clock.now()
    calendar = load_calendar(session)
    settings = get_settings()
    # Due soon (sla.state): a working-day deadline before the start of the working day after
    # the warning window; an hour-based one within ``due_soon_hours``.
    after_window = business_date(calendar.add_working_days(now, settings.due_soon_working_days + 1).at)
    soon_before = dt.datetime.combine(after_window, dt.time(), tzinfo=clock.CST).astimezone(dt.UTC)
    soon_hourly = now + dt.timedelta(hours=settings.due_soon_hours)
    result = SweepResult()
    for order in repository.sweep_candidates(session, now, soon_before=soon_before, soon_hourly=soon_hourly,
                                             limit=limit):
        assert order.due_at is not None
        if order.due_at <= now:
            if order.overdue_at is None:
                order.overdue_at = now
                order.due_soon_warned_at = order.due_soon_warned_at or now
                _mark(session, order, "overdue", "unit_overdue")
                result.overdue += 1
            continue
        hourly = order.direct_rule_id is not None or order.urgency == sla.Urgency.emergency
        warn_before = dt.timedelta(hours=settings.due_soon_hours) if hourly else None
        state = sla.state(calendar, now, order.due_at, warn_before=warn_before,
                          warn_working_days=settings.due_soon_working_days)
        if state != sla.DeadlineState.due_soon:
            continue
        order.due_soon_warned_at = now
        _mark(session, order, "due_soon", "unit_due_soon")
        result.warned += 1
    return result


def _mark(session: Session, order: WorkOrder, event: str, template: str) -> None:
    """The event of a deadline mark on the order's timeline, and the text to its lead unit."""
    assert order.due_at is not None
    _event(session, order, event, due_at=order.due_at.isoformat())
    unit = order.lead_unit
    if unit is not None and unit.contact_phone:
        notify.notify(session, template=template, recipient_kind="unit", phone=unit.contact_phone,
                      body=notify.render(template, number=order.number, due=_cst(order.due_at)),
                      work_order_id=order.id, unit_id=unit.id)


def _cst(at: dt.datetime) -> str:
    return at.astimezone(clock.CST).strftime("%m月%d日 %H:%M")


def _stamp(at: dt.datetime | None) -> str | None:
    return at.astimezone(clock.CST).strftime("%Y-%m-%d %H:%M") if at else None


def _event(session: Session, order: WorkOrder, event: str, **detail: Any) -> None:
    audit.record(session, None, f"work_order.{event}", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, **detail}, actor_name="system")


# --- the projector -------------------------------------------------------------------------


def project(session: Session, limit: int = PROJECT_BATCH) -> int:
    """Read the work-order events after the cursor and fold them into the unit-day counters
    and the ledgers. The cursor row is locked, so one worker projects at a time; the cursor
    moves in the same transaction as the counts, so a crash re-reads the batch and counts
    nothing twice. Returns how many events were read."""
    cursor = repository.lock_cursor(session, PROJECTOR)
    events = repository.work_order_events_after(session, cursor.last_seq, limit)
    if not events:
        return 0
    facts = repository.order_facts(session, (int(e.object_id) for e in events if e.object_id))
    counts: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event in events:
        order = facts.get(int(event.object_id)) if event.object_id else None
        if order is not None:
            _fold(session, event, order, counts)
    repository.add_counts(session, counts)
    cursor.last_seq = events[-1].seq
    return len(events)


def _fold(session: Session, event: Row[Any], order: repository.OrderFacts,
          counts: dict[tuple[int, dt.date], dict[str, int]]) -> None:
    action = event.action.removeprefix("work_order.")
    detail: dict[str, Any] = dict(event.detail or {})
    day = event.at.astimezone(clock.CST).date()
    named = detail.get("unit_id")
    unit_id: int | None = named if isinstance(named, int) else order.lead_unit_id

    def count(*names: str, unit: int | None = unit_id) -> None:
        if unit is not None:
            for name in names:
                counts[(unit, day)][name] += 1

    def ledger(kind: LedgerKind, reason: str) -> None:
        repository.enter_ledger(session, {
            "kind": kind, "work_order_id": order.id, "unit_id": order.lead_unit_id,
            "centre_unit_id": order.centre_unit_id, "region_id": order.region_id,
            "category_id": order.category_id, "entered_at": event.at,
            "reason": reason[:200],
        })

    if action in ("dispatched", "direct_dispatched"):
        count("assigned")
    elif action == "signed":
        count("signed", *(("signed_on_time",) if detail.get("on_time", True) else ()))
    elif action == "replied":
        result = detail.get("result")
        extra = (result,) if result in ("resolved", "partly_resolved", "not_resolved") else ()
        count("replied", *(("replied_on_time",) if detail.get("on_time", True) else ()), *extra)
    elif action == "reply_rejected":
        count("reply_rejected", unit=order.lead_unit_id)
        ledger(LedgerKind.perfunctory, "答复审核被退回：" + str(detail.get("note") or ""))
    elif action == "returned":
        count("returned")
        if int(detail.get("return_count", 0)) >= 2:
            ledger(LedgerKind.buck_passing, f"第 {detail.get('return_count')} 次退单：{detail.get('note') or ''}")
    elif action == "return_rejected":
        count("unjustified_returns")
    elif action == "callback_recorded":
        verdict = detail.get("verdict")
        extra = (verdict,) if verdict in ("satisfied", "basically_satisfied", "dissatisfied") else ()
        count("rated", *extra, unit=order.lead_unit_id)
    elif action == "supervision_flagged":
        ledger(LedgerKind.dissatisfied_twice, str(detail.get("reason") or "两次回访不满意"))
        if detail.get("unit_fault"):
            full = session.get(WorkOrder, order.id)
            if full is not None:
                rectify(session, full)
    elif action == "rehandle":
        count("rehandled")
    elif action == "overdue":
        count("overdue", unit=order.lead_unit_id)
        ledger(LedgerKind.overdue, "超过办理期限未答复")
    elif action == "closed":
        on_time = order.replied_at is not None and (order.due_at is None or order.replied_at <= order.due_at)
        count("closed", *(("closed_on_time",) if on_time else ()), unit=order.lead_unit_id)
        repository.clear_ledgers(session, order.id, event.at)
    elif action in ("answered", "withdrawn"):
        repository.clear_ledgers(session, order.id, event.at)
    elif action == "transferred":
        repository.move_ledgers(session, order.id, order.centre_unit_id)
    elif action == "registered":
        found = rules.classify(order.title, order.content)
        if found is not None:
            kind, term = found
            ledger(kind, f"命中关键词“{term}”")


# --- escalated supervision -----------------------------------------------------------------


def escalate(session: Session, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Apply the active escalation rules (提级督办): each open order a rule catches goes on the
    escalated ledger of the centre one level above its own, once, with an event on its
    timeline and a text to its lead unit. Returns how many orders were escalated."""
    now = now or clock.now()
    calendar = load_calendar(session)
    done = 0
    for rule in repository.active_escalation_rules(session):
        if done >= limit:
            break
        cutoff = rules.opened_before(calendar, now, rule.threshold)
        for order_id, found in repository.escalation_candidates(session, rule, now, cutoff, limit - done):
            order = session.get(WorkOrder, order_id)
            if order is None:
                continue
            reason = rules.escalation_reason(rule.kind, rule.threshold, rule.window_days, found)
            higher = _higher_centre(session, order)
            repository.enter_ledger(session, {
                "kind": LedgerKind.escalated, "work_order_id": order.id, "unit_id": order.lead_unit_id,
                "centre_unit_id": higher.id, "region_id": order.region_id, "category_id": order.category_id,
                "entered_at": now, "reason": reason[:200],
            })
            _event(session, order, "escalated", rule=rule.kind.value, reason=reason, centre=higher.name)
            unit = order.lead_unit
            if unit is not None and unit.contact_phone:
                notify.notify(session, template="unit_escalated", recipient_kind="unit", phone=unit.contact_phone,
                              body=notify.render("unit_escalated", number=order.number, centre=higher.name),
                              work_order_id=order.id, unit_id=unit.id)
            done += 1
    return done


def escalation_rules(session: Session, actor: Principal) -> list[EscalationRule]:
    access.require_province_admin(actor)
    return repository.all_escalation_rules(session)


def save_escalation_rule(session: Session, actor: Principal, *, rule_id: int | None, kind: EscalationKind,
                         threshold: int, window_days: int | None, active: bool) -> EscalationRule:
    """Create a rule (``rule_id`` None) or change one; the province administrator tunes them."""
    access.require_province_admin(actor)
    try:
        rules.check_rule(kind, threshold, window_days)
    except ValueError as exc:
        field, message = exc.args
        raise InvalidInput(field, message) from None
    if rule_id is None:
        rule = EscalationRule(kind=kind, threshold=threshold, window_days=window_days, active=active)
        session.add(rule)
    else:
        found = session.get(EscalationRule, rule_id)
        if found is None:
            raise NotFound(f"提级督办规则 {rule_id} 不存在")
        rule = found
        rule.kind, rule.threshold, rule.window_days, rule.active = kind, threshold, window_days, active
    session.flush()
    audit.record(session, actor, "escalation_rule.saved", object_type="escalation_rule", object_id=rule.id,
                 detail={"kind": kind.value, "threshold": threshold, "window_days": window_days, "active": active})
    return rule


def _higher_centre(session: Session, order: WorkOrder) -> Unit:
    """The hotline centre one level above the order's own (county workstation → city centre
    → province centre); the province centre escalates to itself."""
    region = order.centre_unit.region
    if region.parent is not None:
        found = org_repository.cached_centre_for_region(session, region.parent)
        if found is not None:
            return found
    return order.centre_unit


# --- ledgers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    """A ledger entry as the ledger pages, the API and the Excel export show it."""

    kind: LedgerKind
    kind_name: str
    number: str
    title: str
    status: str
    unit: str | None
    region: str | None
    reason: str
    entered_at: dt.datetime
    cleared_at: dt.datetime | None


def ledger_filter(*, kind: LedgerKind | None = None, open_only: bool = False, unit_id: int | None = None,
                  region_code: str | None = None, since: dt.date | None = None,
                  until: dt.date | None = None) -> repository.LedgerFilter:
    """A checked ledger filter: a valid region code, a period that does not end before it
    starts. Dates are China dates; ``until`` is inclusive."""
    if region_code:
        region_code = validate.region_code(region_code, "region_code")
    if since and until and until < since:
        raise InvalidInput("until", "结束日期不能早于开始日期")
    return repository.LedgerFilter(
        kind=kind, open_only=open_only, unit_id=unit_id,
        region_prefix=region_prefix(region_code) if region_code else None,
        since=_day_start(since) if since else None,
        until=_day_start(until + dt.timedelta(days=1)) if until else None,
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.CST)


def ledger(session: Session, actor: Principal, f: repository.LedgerFilter, *, limit: int = 50,
           offset: int = 0) -> tuple[list[LedgerEntry], int]:
    """A ledger within the caller's scope: supervisors see their centre's region, sector
    viewers the orders of their sectors, units their own orders."""
    access.require(actor, Cap.view_orders)
    return repository.ledger(session, lambda s: access.ledger_scope(actor, s), f, limit=limit, offset=offset)


def ledger_rows(session: Session, actor: Principal, f: repository.LedgerFilter, *, limit: int = 50,
                offset: int = 0) -> tuple[list[LedgerRow], int]:
    entries, total = ledger(session, actor, f, limit=limit, offset=offset)
    orders = repository.ledger_orders(session, entries)
    rows = []
    for e in entries:
        order = orders[e.work_order_id]
        rows.append(LedgerRow(
            kind=e.kind, kind_name=LEDGER_NAMES[e.kind], number=order.number, title=order.title,
            status=STATUS_NAMES[order.status], unit=e.unit.name if e.unit else None,
            region=e.region.name if e.region else None, reason=e.reason, entered_at=e.entered_at,
            cleared_at=e.cleared_at,
        ))
    return rows, total


def ledger_xlsx(session: Session, actor: Principal, f: repository.LedgerFilter) -> tuple[bytes, str]:
    """The ledger as an .xlsx file and its file name."""
    rows, _ = ledger_rows(session, actor, f, limit=excel.MAX_ROWS)
    data = excel.write("台账", ["台账", "工单号", "标题", "状态", "主办单位", "区划", "原因", "列入时间", "销账时间"], [
        (r.kind_name, r.number, r.title, r.status, r.unit, r.region, r.reason, _stamp(r.entered_at),
         _stamp(r.cleared_at)) for r in rows])
    name = "台账" + (f"-{LEDGER_NAMES[f.kind]}" if f.kind else "") + f"-{clock.now().astimezone(clock.CST):%Y%m%d}.xlsx"
    return data, quote(name)


def evaluation(session: Session, since: dt.date, until: dt.date,
               weights: dict[str, float] | None = None,
               unit_ids: list[int] | None = None) -> list[tuple[int, rules.Evaluation]]:
    """Every unit with activity in the period, best score first (from the day counters)."""
    totals = repository.unit_totals(session, since, until, unit_ids)
    evaluated = [(unit_id, rules.evaluate(counts, weights)) for unit_id, counts in totals.items()]
    return sorted(evaluated, key=lambda item: (-(item[1].score if item[1].score is not None else -1), item[0]))


@dataclass(frozen=True)
class RankRow:
    rank: int
    unit_id: int
    unit_name: str
    region_name: str
    score: float | None
    rates: dict[str, float | None]
    counts: dict[str, int]


@dataclass(frozen=True)
class Ranking:
    period: rules.Period
    rows: list[RankRow]


def parse_period(key: str | None) -> rules.Period:
    """The named period, or this month; ``InvalidInput`` naming ``period`` otherwise."""
    if not key:
        return rules.month_of(clock.now().astimezone(clock.CST).date())
    try:
        return rules.period(key)
    except ValueError:
        raise InvalidInput("period", "考核周期应为 2026-11（月）或 2026-Q4（季度）") from None


def ranking(session: Session, period: rules.Period, *, region_prefix: str | None = None) -> Ranking:
    """The good/bad ranking (好差评榜单) of handling units for a period, best first, within a
    region (its prefix) or the whole province. Read from the day counters the projector keeps,
    never by scanning orders. Unit-level figures only: nothing personal."""
    evaluated = evaluation(session, period.since, period.until, get_settings().evaluation_weights or None)
    units = repository.units_by_ids(session, [unit_id for unit_id, _ in evaluated])
    rows: list[RankRow] = []
    for unit_id, result in evaluated:
        unit = units.get(unit_id)
        if unit is None or (region_prefix and not unit.region.code.startswith(region_prefix)):
            continue
        rows.append(RankRow(rank=len(rows) + 1, unit_id=unit_id, unit_name=unit.name, region_name=unit.region.name,
                            score=result.score, rates=dict(result.rates), counts=dict(result.counts)))
    return Ranking(period=period, rows=rows)


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def ranking_xlsx(r: Ranking) -> tuple[bytes, str]:
    names = list(rules.INDICATORS.values())
    data = excel.write("好差评榜单", ["名次", "单位", "区划", "综合得分", *names, "受理派单", "无理退单"], [
        (row.rank, row.unit_name, row.region_name, row.score,
         *[_percent(row.rates[k]) for k in rules.INDICATORS],
         row.counts.get("assigned", 0), row.counts.get("unjustified_returns", 0)) for row in r.rows])
    return data, quote(f"好差评榜单-{r.period.key}.xlsx")


# --- supervision letters -------------------------------------------------------------------

LETTER_WORKING_DAYS = {LetterKind.reminder: 2, LetterKind.supervision: 3, LetterKind.rectification: 5}
#: The document number's prefix (文号), e.g. 热线督〔2026〕12号.
LETTER_PREFIX = {LetterKind.reminder: "热线提示", LetterKind.supervision: "热线督",
                 LetterKind.rectification: "热线整改"}


def issue_letter(session: Session, actor: Principal | None, order: WorkOrder, *, kind: LetterKind,
                 reason: str | None = None, working_days: int | None = None) -> SupervisionLetter:
    """Send a reminder, supervision or rectification letter to the order's lead unit, from its
    centre: the template filled with the order's facts, a response deadline in working days
    (2, 3 and 5 by default), an event on the order and a text to the unit. ``actor`` None is
    the platform itself (the rectification after a second dissatisfied callback)."""
    if actor is not None:
        access.require_centre_of(actor, order, Cap.dispatch)
    unit = order.lead_unit
    if unit is None:
        raise Conflict("工单尚未派单，没有可以发函的承办单位", status=order.status.value)
    reason = validate.text(reason, "reason", max_length=500, required=False)
    days = working_days if working_days is not None else LETTER_WORKING_DAYS[kind]
    if not 1 <= days <= 30:
        raise InvalidInput("working_days", "回复期限应为 1 到 30 个工作日")
    template = session.get(LetterTemplate, kind)
    if template is None:
        raise NotFound(f"没有{LETTER_NAMES[kind]}模板")
    now = clock.now()
    due = load_calendar(session).add_working_days(now, days).at
    facts = {
        "number": order.number, "title": order.title, "unit": unit.name, "registered": _date(order.registered_at),
        "due": _date(order.due_at) if order.due_at else "未定", "state": STATUS_NAMES[order.status],
        "reason": reason or "", "reply_by": _date(due), "centre": order.centre_unit.name, "today": _date(now),
    }
    letter = SupervisionLetter(
        kind=kind, work_order_id=order.id, unit_id=unit.id, centre_unit_id=order.centre_unit_id,
        title=template.title, body=rules.fill(template.body, facts), issued_by_id=actor.user_id if actor else None,
        issued_at=now, due_at=due,
    )
    session.add(letter)
    session.flush()
    letter.number = f"{LETTER_PREFIX[kind]}〔{now.astimezone(clock.CST).year}〕{letter.id}号"
    audit.record(session, actor, "work_order.letter_issued", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, "letter": letter.number,
                         "kind": kind.value, "unit": unit.name, "due_at": due.isoformat(), "reason": reason},
                 actor_name=None if actor else "system")
    if unit.contact_phone:
        notify.notify(session, template="unit_letter", recipient_kind="unit", phone=unit.contact_phone,
                      body=notify.render("unit_letter", kind=LETTER_NAMES[kind], number=order.number,
                                         due=_cst(due)), work_order_id=order.id, unit_id=unit.id)
    return letter


def _date(at: dt.datetime) -> str:
    local = at.astimezone(clock.CST)
    return f"{local.year}年{local.month}月{local.day}日"


def access_letter(session: Session, actor: Principal, letter_id: int) -> SupervisionLetter:
    """A letter the caller may see: centre staff who see its order, and the addressed unit.
    Anything else is reported as not found."""
    letter = session.get(SupervisionLetter, letter_id)
    if letter is None:
        raise NotFound("督办文书不存在")
    order = session.get(WorkOrder, letter.work_order_id)
    assert order is not None
    if actor.can(Cap.handle):
        if letter.unit_id != actor.unit_id:
            raise NotFound("督办文书不存在")
        return letter
    access.access_work_order(session, actor, order.number)  # 404 outside the caller's scope
    return letter


def letters_of(session: Session, actor: Principal, order: WorkOrder) -> list[SupervisionLetter]:
    """An order's letters, oldest first; a unit sees those addressed to it."""
    letters = repository.letters_of_order(session, order.id)
    if actor.can(Cap.handle):
        letters = [x for x in letters if x.unit_id == actor.unit_id]
    return letters


def respond_letter(session: Session, actor: Principal, letter: SupervisionLetter, *, text: str) -> SupervisionLetter:
    """The addressed unit's written response (once)."""
    access.require(actor, Cap.handle)
    if letter.unit_id != actor.unit_id:
        raise NotFound("督办文书不存在")
    if letter.responded_at is not None:
        raise Conflict("该文书已经回复", status="responded")
    letter.response = validate.text(text, "text", max_length=5000) or ""
    letter.responded_at, letter.responded_by_id = clock.now(), actor.user_id
    order = session.get(WorkOrder, letter.work_order_id)
    assert order is not None
    audit.record(session, actor, "work_order.letter_responded", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, "letter": letter.number,
                         "on_time": letter.responded_at <= letter.due_at})
    return letter


def letter_templates(session: Session, actor: Principal) -> list[LetterTemplate]:
    access.require_province_admin(actor)
    return repository.letter_templates(session)


def save_letter_template(session: Session, actor: Principal, kind: LetterKind, *, title: str,
                         body: str) -> LetterTemplate:
    """Change a letter's text; only the allowed ``{fields}`` may appear (422 naming ``body``)."""
    access.require_province_admin(actor)
    title = validate.text(title, "title", max_length=100) or ""
    body = validate.text(body, "body", max_length=5000) or ""
    try:
        rules.template_fields(body)
    except ValueError as exc:
        raise InvalidInput("body", str(exc)) from None
    template = session.get(LetterTemplate, kind)
    if template is None:
        template = LetterTemplate(kind=kind, title=title, body=body)
        session.add(template)
    template.title, template.body = title, body
    audit.record(session, actor, "letter_template.saved", object_type="letter_template", object_id=kind.value,
                 detail={"title": title})
    return template


# --- rectification and referral (S2 §五, S4 达州) ---------------------------------------------

RECTIFY_REASON = "两次回访群众不满意，系承办单位责任（拖延办理、虚假答复或推诿扯皮）"


def authority_for(session: Session, region: Region | None, kind: AuthorityKind) -> Unit | None:
    """The nearest business-environment authority or discipline commission of a place."""
    chain = org_repository.region_chain(session, region) if region is not None else []
    for node in chain:
        unit = repository.authority(session, node.id, kind)
        if unit is not None:
            return unit
    return None


def rectify(session: Session, order: WorkOrder) -> SupervisionLetter | None:
    """A second dissatisfied callback through the unit's fault: a rectification letter to the
    lead unit and a notice to the business-environment authority. Once per order."""
    if order.lead_unit_id is None or repository.has_letter(session, order.id, LetterKind.rectification):
        return None
    letter = issue_letter(session, None, order, kind=LetterKind.rectification, reason=RECTIFY_REASON)
    authority = authority_for(session, order.region, AuthorityKind.business_environment)
    if authority is not None:
        audit.record(session, None, "work_order.business_environment_notified", object_type="work_order",
                     object_id=order.id, detail={"number": order.number, "status": order.status.value,
                                                 "unit": authority.name, "letter": letter.number},
                     actor_name="system")
        if authority.contact_phone:
            notify.notify(session, template="authority_rectification", recipient_kind="unit",
                          phone=authority.contact_phone,
                          body=notify.render("authority_rectification", number=order.number,
                                             unit=order.lead_unit.name if order.lead_unit else "",
                                             letter=letter.number or ""),
                          work_order_id=order.id, unit_id=authority.id)
    return letter


def refer(session: Session, actor: Principal | None, order: WorkOrder, *, reason: str | None = None) -> Unit:
    """Refer an order to the discipline commission (移交纪委监委) when the rectification did not
    fix it: allowed once a rectification letter has been sent, and automatic when that letter
    goes unanswered past its deadline. Records the referral on the ledger and the timeline and
    tells the commission; the case file is ``documents.case_file_docx``."""
    if actor is not None:
        access.require_centre_of(actor, order, Cap.dispatch)
    letters = [x for x in repository.letters_of_order(session, order.id) if x.kind == LetterKind.rectification]
    if not letters:
        raise Conflict("尚未发出整改函，不能移交纪检监察机关", status=order.status.value)
    commission = authority_for(session, order.region, AuthorityKind.discipline)
    if commission is None:
        raise Conflict("未设置该地的纪检监察机关，请管理员先配置", status=order.status.value)
    text = validate.text(reason, "reason", max_length=500, required=False) or "整改函逾期未整改或整改不到位"
    now = clock.now()
    repository.enter_ledger(session, {
        "kind": LedgerKind.referred, "work_order_id": order.id, "unit_id": order.lead_unit_id,
        "centre_unit_id": order.centre_unit_id, "region_id": order.region_id, "category_id": order.category_id,
        "entered_at": now, "reason": f"移交{commission.name}：{text}"[:200],
    })
    audit.record(session, actor, "work_order.referred", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, "unit": commission.name,
                         "letter": letters[-1].number, "reason": text},
                 actor_name=None if actor else "system")
    if commission.contact_phone:
        notify.notify(session, template="authority_referral", recipient_kind="unit", phone=commission.contact_phone,
                      body=notify.render("authority_referral", number=order.number), work_order_id=order.id,
                      unit_id=commission.id)
    return commission


def refer_overdue_rectifications(session: Session, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Refer every order whose rectification letter is past its deadline without a response."""
    done = 0
    for letter in repository.overdue_rectifications(session, now or clock.now(), limit):
        order = session.get(WorkOrder, letter.work_order_id)
        if order is None or authority_for(session, order.region, AuthorityKind.discipline) is None:
            continue
        refer(session, None, order, reason=f"整改函 {letter.number} 逾期未回复")
        done += 1
    return done


def case_file(session: Session, actor: Principal, order: WorkOrder) -> bytes:
    """The referral case file of an order, for centre staff (audited: it is evidence)."""
    access.require_centre_of(actor, order, Cap.dispatch)
    from hotline.workorder import repository as workorder_repository
    from hotline.workorder import timeline

    events = [documents.CaseEvent(e.at, timeline.staff_label(e.action), e.actor_name or "",
                                  str(e.detail.get("note") or e.detail.get("reason") or "") or None)
              for e in workorder_repository.events(session, order.id)]
    data = documents.case_file_docx(order, events, workorder_repository.replies(session, order.id),
                                    repository.letters_of_order(session, order.id))
    audit.record(session, actor, "work_order.case_file_exported", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value})
    return data


def authorities(session: Session, actor: Principal) -> list[SupervisionAuthority]:
    access.require(actor, Cap.manage_org)
    return repository.all_authorities(session, actor.region_prefix)


def set_authority(session: Session, actor: Principal, *, region_code: str, kind: AuthorityKind,
                  unit_id: int) -> SupervisionAuthority:
    """Name a region's business-environment authority or discipline commission (an
    administrator of that region); the unit must lie in the region."""
    region = access.access_region(session, actor, validate.region_code(region_code, "region_code"), write=True)
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise InvalidInput("unit_id", f"单位 {unit_id} 不存在或已停用")
    if not unit.region.code.startswith(region_prefix(region.code)):
        raise InvalidInput("unit_id", f"{unit.name} 不在{region.name}")
    found = repository.set_authority(session, region.id, kind, unit.id)
    audit.record(session, actor, "supervision_authority.saved", object_type="region", object_id=region.code,
                 detail={"kind": kind.value, "unit": unit.name})
    return found
