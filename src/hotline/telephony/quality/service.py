"""Use cases of quality inspection (质检) and agents' figures. Services take the session
first, never commit, and audit every write (``qa_checklist.saved``, ``qa_sample.drawn``,
``qa_inspection.picked|scored|appealed|appeal_upheld|appeal_rejected``).

Who may: the checklist is edited by the administrator (``manage_telephony``) or a centre
supervisor (``inspect_quality``) for their region; samples, scores and appeal decisions are
the inspectors' (``inspect_quality``); an agent sees their own scored inspections and may
appeal each once; figures and monthly reports are for inspectors and administrators."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region, region_prefix
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.telephony.models import Call
from hotline.telephony.quality import repository, rules
from hotline.telephony.quality.models import Checklist, ChecklistItem, Inspection, Sample, Score
from hotline.telephony.quality.rules import Action, Kind, Status
from hotline.telephony.stats import service as stats
from hotline.workorder import repository as workorder_repository
from hotline.workorder.models import WorkOrder

#: The checklist a region starts from when its administrator has not written one.
DEFAULT_ITEMS: list[dict[str, object]] = [
    {"code": "greeting", "name": "问候语规范", "max_points": 10},
    {"code": "registration", "name": "登记准确", "max_points": 25},
    {"code": "category", "name": "分类正确", "max_points": 20},
    {"code": "answer", "name": "答复正确", "max_points": 25},
    {"code": "attitude", "name": "服务态度", "max_points": 20},
]
IN_HOUSE = "本中心自有坐席"


# --- who may ----------------------------------------------------------------------------------

def require_checklist_editor(principal: Principal) -> None:
    if not (principal.can(Cap.manage_telephony) or principal.can(Cap.inspect_quality)):
        raise Forbidden("只有管理员或中心质检主管可以维护质检评分表")


def require_reports(principal: Principal) -> None:
    if not (principal.can(Cap.manage_telephony) or principal.can(Cap.inspect_quality)):
        raise Forbidden("您的角色无权查看坐席员绩效和质检报表")


def may_view_checklist(principal: Principal) -> bool:
    return access.may_see_inspections(principal) or principal.can(Cap.manage_telephony)


def _region_id(session: Session, principal: Principal) -> int:
    region = repository.region_by_code(session, principal.region_code)
    if region is None:  # an account's region always exists
        raise NotFound("行政区划不存在")
    return region.id


def period(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)``, the current month (China time) when both are absent."""
    if start is None and end is None:
        return rules.month_bounds(rules.month_of(clock.now()))
    if start is None:
        raise InvalidInput("from", "请给出开始时间")
    if end is None:
        raise InvalidInput("to", "请给出结束时间")
    return rules.validate_period(start, end)


# --- the checklist ----------------------------------------------------------------------------

def current_checklist(session: Session, principal: Principal) -> Checklist | None:
    if not may_view_checklist(principal):
        raise Forbidden("您的角色无权查看质检评分表")
    return repository.current_checklist(session, _region_id(session, principal))


def checklist_versions(session: Session, principal: Principal) -> list[Checklist]:
    require_checklist_editor(principal)
    return repository.checklist_versions(session, _region_id(session, principal))


def save_checklist(session: Session, actor: Principal, *, items: Sequence[Mapping[str, object]]) -> Checklist:
    """Make the next version of the checklist of the actor's region (versions are never
    changed: inspections keep the version they were scored on)."""
    require_checklist_editor(actor)
    valid = rules.validate_items(items)
    region_id = _region_id(session, actor)
    version = repository.last_version(session, region_id) + 1
    checklist = repository.add_checklist(
        session, Checklist(region_id=region_id, version=version, created_by_id=actor.user_id, created_at=clock.now()),
        [ChecklistItem(code=i.code, name=i.name, max_points=i.max_points, position=n) for n, i in enumerate(valid)])
    audit.record(session, actor, "qa_checklist.saved", object_type="qa_checklist", object_id=checklist.id,
                 detail={"version": version, "region_code": actor.region_code, "items": [i.code for i in valid],
                         "max_score": sum(i.max_points for i in valid)})
    return checklist


def _checklist_for(session: Session, region_id: int) -> Checklist:
    checklist = repository.current_checklist(session, region_id)
    if checklist is None:
        raise Conflict("尚未设置质检评分表，请先由管理员或质检主管设置")
    return checklist


# --- agents' figures --------------------------------------------------------------------------

@dataclass
class Figures:
    """What an agent, a seat, a team or an operator did in a period. ``wrap_up_s``: time in
    the wrap-up state (话后整理) inside the period; ``inaccurate``: registered orders later
    re-categorised by the centre or returned and re-dispatched; ``accuracy`` = share of the
    registered orders that were not (None without orders)."""

    key: str
    name: str
    team: str | None = None
    operator: str | None = None
    agents: int = 0
    calls_answered: int = 0
    talk_s: float = 0.0
    wrap_up_s: float = 0.0
    orders_registered: int = 0
    answered_on_spot: int = 0
    answered_from_knowledge: int = 0
    callbacks: int = 0
    inaccurate: int = 0

    @property
    def accuracy(self) -> float | None:
        return rules.accuracy(self.orders_registered, self.inaccurate)

    @property
    def avg_talk_s(self) -> float | None:
        return round(self.talk_s / self.calls_answered, 1) if self.calls_answered else None

    def add(self, other: Figures) -> None:
        self.agents += 1
        for name in ("calls_answered", "talk_s", "wrap_up_s", "orders_registered", "answered_on_spot",
                     "answered_from_knowledge", "callbacks", "inaccurate"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "team": self.team, "operator": self.operator,
                "agents": self.agents, "calls_answered": self.calls_answered, "talk_s": round(self.talk_s, 1),
                "avg_talk_s": self.avg_talk_s, "wrap_up_s": round(self.wrap_up_s, 1),
                "orders_registered": self.orders_registered, "answered_on_spot": self.answered_on_spot,
                "answered_from_knowledge": self.answered_from_knowledge, "callbacks": self.callbacks,
                "inaccurate": self.inaccurate, "accuracy": self.accuracy}


@dataclass
class FigureTables:
    start: dt.datetime
    end: dt.datetime
    agents: list[Figures] = field(default_factory=list)
    seats: list[Figures] = field(default_factory=list)
    teams: list[Figures] = field(default_factory=list)
    operators: list[Figures] = field(default_factory=list)


def main_seats(rows: Iterable[tuple[int, int, int]]) -> dict[int, int]:
    """agent → the seat where they answered most calls (ties: the lower seat id)."""
    best: dict[int, tuple[int, int]] = {}
    for agent, seat, count in rows:
        if agent not in best or (count, -seat) > (best[agent][1], -best[agent][0]):
            best[agent] = (seat, count)
    return {agent: seat for agent, (seat, _) in best.items()}


def figures(session: Session, principal: Principal, *, start: dt.datetime | None = None,
            end: dt.datetime | None = None) -> FigureTables:
    """Agents' figures of the caller's region for ``[start, end)`` (this month by default): per
    agent, per seat, per team (the agent's unit) and per outsourced operator (the operator of
    the seat where the agent answered most calls in the period; agents on in-house seats are
    counted under :data:`IN_HOUSE`)."""
    require_reports(principal)
    start, end = period(start, end)
    prefix, now = principal.region_prefix, clock.now()
    regions = repository.region_ids(session, prefix)
    rows = [(agent, seat, a.calls, a.talk_s, a.order_links)
            for (agent, seat), a in stats.answered_calls(session, regions=regions, start=start, end=end).items()]
    by_agent_calls: dict[int, tuple[int, float]] = {}
    by_seat: dict[int, tuple[int, float]] = {}
    seat_orders: dict[int, int] = {}
    for agent_id, seat_id, calls, talk, linked in rows:
        n, t = by_agent_calls.get(agent_id, (0, 0.0))
        by_agent_calls[agent_id] = (n + calls, t + talk)
        if seat_id is not None:
            n, t = by_seat.get(seat_id, (0, 0.0))
            by_seat[seat_id] = (n + calls, t + talk)
            seat_orders[seat_id] = seat_orders.get(seat_id, 0) + linked
    agent_names = repository.centre_agents(session, prefix)
    extra = [a for a in by_agent_calls if a not in agent_names]
    agent_names.update(repository.accounts(session, extra))
    ids = sorted(agent_names)
    registered = workorder_repository.registration_figures(session, ids, start, end, region_prefix=prefix)
    callbacks = workorder_repository.callbacks_by(session, ids, start, end, region_prefix=prefix)
    main = main_seats((a, s, n) for a, s, n, _, _ in rows if s is not None)
    wrap_agent, wrap_seat = _wrap_up(stats.wrap_up_time(session, regions=regions, start=start, end=end, now=now))
    seats = {s.id: s for s in repository.region_seats(session, prefix)}
    out = FigureTables(start=start, end=end)
    teams: dict[str, Figures] = {}
    operators: dict[str, Figures] = {}
    for agent_id in ids:
        name, _, unit = agent_names[agent_id]
        calls, talk = by_agent_calls.get(agent_id, (0, 0.0))
        reg = registered.get(agent_id, workorder_repository.RegistrationFigures())
        seat = seats.get(main.get(agent_id, -1))
        operator = seat.operator if seat is not None else None
        row = Figures(key=str(agent_id), name=name, team=unit, operator=operator, agents=1, calls_answered=calls,
                      talk_s=talk, wrap_up_s=wrap_agent.get(agent_id, 0.0), orders_registered=reg.registered,
                      answered_on_spot=reg.answered_on_spot, answered_from_knowledge=reg.answered_from_knowledge,
                      callbacks=callbacks.get(agent_id, 0), inaccurate=reg.inaccurate)
        out.agents.append(row)
        teams.setdefault(unit, Figures(key=unit, name=unit)).add(row)
        op = operator or IN_HOUSE
        operators.setdefault(op, Figures(key=op, name=op, operator=operator)).add(row)
    for seat in seats.values():
        calls, talk = by_seat.get(seat.id, (0, 0.0))
        out.seats.append(Figures(key=seat.code, name=seat.code, operator=seat.operator, calls_answered=calls,
                                 talk_s=talk, wrap_up_s=wrap_seat.get(seat.id, 0.0),
                                 orders_registered=seat_orders.get(seat.id, 0)))
    out.teams = sorted(teams.values(), key=lambda f: f.name)
    out.operators = sorted(operators.values(), key=lambda f: (f.operator is None, f.name))
    return out


def _wrap_up(seconds: Mapping[tuple[int | None, int], float]) -> tuple[dict[int, float], dict[int, float]]:
    """Wrap-up seconds per (agent, seat) summed per agent and per seat (rounded to the ms)."""
    by_agent: dict[int, float] = {}
    by_seat: dict[int, float] = {}
    for (agent_id, seat_id), total in seconds.items():
        if agent_id is not None:
            by_agent[agent_id] = by_agent.get(agent_id, 0.0) + total
        by_seat[seat_id] = by_seat.get(seat_id, 0.0) + total
    return ({k: round(max(v, 0.0), 3) for k, v in by_agent.items()},
            {k: round(max(v, 0.0), 3) for k, v in by_seat.items()})


# --- sampling and picking ---------------------------------------------------------------------

@dataclass
class SamplePlan:
    calls: dict[int, list[int]]  # agent → call ids drawn
    orders: dict[int, list[int]]  # agent → order ids drawn


def plan_sample(session: Session, prefix: str, start: dt.datetime, end: dt.datetime, *, share: float,
                seed: int) -> SamplePlan:
    """Which calls and orders a draw picks: ``share`` of each agent's answered calls and of the
    orders they registered in the period (at least one of each kind when they have any), the
    same picks for the same seed and data (:func:`rules.draw`)."""
    calls: dict[int, list[int]] = defaultdict(list)
    for call_id, agent_id in repository.answered_calls(session, prefix, start, end):
        calls[agent_id].append(call_id)
    agents = sorted(set(repository.centre_agents(session, prefix)) | set(calls))
    orders: dict[int, list[int]] = defaultdict(list)
    for order_id, agent_id, _ in workorder_repository.orders_registered_by(session, agents, start, end,
                                                                              region_prefix=prefix):
        orders[agent_id].append(order_id)
    return SamplePlan(
        calls={a: rules.draw(ids, share, seed=seed, key=f"call:{a}") for a, ids in sorted(calls.items())},
        orders={a: rules.draw(ids, share, seed=seed, key=f"order:{a}") for a, ids in sorted(orders.items())})


def draw_sample(session: Session, actor: Principal, *, start: dt.datetime | None, end: dt.datetime | None,
                share: float, seed: int | None = None) -> tuple[Sample, list[Inspection]]:
    """Draw a sample of the actor's region and open a pending inspection for each pick not
    inspected yet. The seed (given, or drawn at random) is recorded with the sample."""
    access.require(actor, Cap.inspect_quality)
    start, end = period(start, end)
    share = rules.validate_share(share)
    if seed is not None and not 0 <= seed < 2**31:
        raise InvalidInput("seed", "随机种子须为 0 到 2147483647 之间的整数")
    seed = secrets.randbelow(2**31) if seed is None else seed
    region_id = _region_id(session, actor)
    checklist = _checklist_for(session, region_id)
    plan = plan_sample(session, actor.region_prefix, start, end, share=share, seed=seed)
    now = clock.now()
    sample = Sample(region_id=region_id, period_start=start, period_end=end, share=share, seed=seed,
                    drawn_by_id=actor.user_id, drawn_at=now)
    repository.add(session, sample)
    session.flush()
    call_ids = [c for ids in plan.calls.values() for c in ids]
    order_ids = [o for ids in plan.orders.values() for o in ids]
    done_calls = repository.inspected_calls(session, call_ids)
    done_orders = repository.inspected_orders(session, order_ids)
    made: list[Inspection] = []
    calls = repository.calls_by_id(session, [c for c in call_ids if c not in done_calls])
    for call in calls.values():
        made.append(_call_inspection(session, call, checklist, sample_id=sample.id, now=now))
    orders = workorder_repository.orders_by_id(session, [o for o in order_ids if o not in done_orders])
    for order in orders.values():
        made.append(_order_inspection(session, order, checklist, sample_id=sample.id, now=now))
    sample.calls = sum(1 for i in made if i.kind == Kind.call)
    sample.orders = len(made) - sample.calls
    session.flush()
    audit.record(session, actor, "qa_sample.drawn", object_type="qa_sample", object_id=sample.ref,
                 detail={"share": share, "seed": seed, "from": start.isoformat(), "to": end.isoformat(),
                         "calls": sample.calls, "orders": sample.orders})
    return sample, made


def _seat_operator(session: Session, seat_id: int | None) -> tuple[int | None, str | None]:
    seat = repository.seats_by_id(session, [seat_id]).get(seat_id) if seat_id is not None else None
    return (seat.id, seat.operator) if seat is not None else (None, None)


def _call_inspection(session: Session, call: Call, checklist: Checklist, *, sample_id: int | None,
                     now: dt.datetime) -> Inspection:
    assert call.agent_id is not None and call.answered_at is not None
    seat_id, operator = _seat_operator(session, call.seat_id)
    unit_id = repository.accounts(session, [call.agent_id])[call.agent_id][1]
    row = Inspection(kind=Kind.call.value, call_id=call.id, region_id=call.region_id, agent_id=call.agent_id,
                     unit_id=unit_id, seat_id=seat_id, operator=operator, work_at=call.answered_at,
                     sample_id=sample_id, checklist_id=checklist.id, status=Status.pending.value,
                     max_score=checklist.max_score, created_at=now)
    repository.add(session, row)
    return row


def _order_inspection(session: Session, order: WorkOrder, checklist: Checklist, *, sample_id: int | None,
                      now: dt.datetime) -> Inspection:
    assert order.created_by_id is not None
    calls = repository.calls_of_order(session, order.id)
    seat_id, operator = _seat_operator(session, calls[0].seat_id if calls else None)
    unit_id = repository.accounts(session, [order.created_by_id])[order.created_by_id][1]
    row = Inspection(kind=Kind.order.value, order_id=order.id, region_id=order.centre_unit.region_id,
                     agent_id=order.created_by_id, unit_id=unit_id, seat_id=seat_id, operator=operator,
                     work_at=order.registered_at, sample_id=sample_id, checklist_id=checklist.id,
                     status=Status.pending.value, max_score=checklist.max_score, created_at=now)
    repository.add(session, row)
    return row


def pick(session: Session, actor: Principal, *, call_ref: str | None = None,
         order_number: str | None = None) -> Inspection:
    """An inspector picks one call or one order by hand (within their region). A call must
    have been answered by an agent; an order must have been registered by one; neither may be
    inspected twice (409)."""
    access.require(actor, Cap.inspect_quality)
    if (call_ref is None) == (order_number is None):
        raise InvalidInput("call_ref", "请给出来电编号或工单编号之一")
    now = clock.now()
    if call_ref is not None:
        call = access.access_call(session, actor, call_ref)
        if call.agent_id is None or call.answered_at is None:
            raise InvalidInput("call_ref", "该来电未被坐席员接听，无法质检")
        if repository.inspected_calls(session, [call.id]):
            raise Conflict("该来电已在质检中")
        row = _call_inspection(session, call, _checklist_for(session, call.region_id), sample_id=None, now=now)
    else:
        order = access.access_work_order(session, actor, (order_number or "").strip()[:20])
        if order.created_by_id is None:
            raise InvalidInput("order_number", "该工单不是坐席员登记的，无法质检")
        if repository.inspected_orders(session, [order.id]):
            raise Conflict("该工单已在质检中")
        row = _order_inspection(session, order, _checklist_for(session, order.centre_unit.region_id),
                                sample_id=None, now=now)
    session.flush()
    audit.record(session, actor, "qa_inspection.picked", object_type="qa_inspection", object_id=row.ref,
                 detail={"kind": row.kind})
    return row


# --- scoring and appeals ----------------------------------------------------------------------

def _items(session: Session, inspection: Inspection) -> list[ChecklistItem]:
    checklist = repository.checklist_by_id(session, inspection.checklist_id)
    assert checklist is not None
    return list(checklist.items)


def _validated(items: Sequence[ChecklistItem], scores: Mapping[str, object]) -> dict[str, float]:
    return rules.validate_scores([rules.Item(i.code, i.name, i.max_points) for i in items], scores)


def _expect_version(inspection: Inspection, version: int | None) -> None:
    if version is not None and version != inspection.version:
        from hotline.kit.errors import StaleVersion

        raise StaleVersion("质检记录已被他人更新，请刷新后重试", current_version=inspection.version)


def score(session: Session, actor: Principal, inspection: Inspection, *, scores: Mapping[str, object],
          feedback: str | None, version: int | None = None) -> Inspection:
    """An inspector scores a pending inspection on its checklist version: points for every
    item (0 … the item's max; 422 otherwise) and feedback for the agent."""
    access.require(actor, Cap.inspect_quality)
    _expect_version(inspection, version)
    new_status = rules.apply(Status(inspection.status), Action.score)
    items = _items(session, inspection)
    points = _validated(items, scores)
    text = validate.text(feedback, "feedback", max_length=2000, multiline=True, required=False)
    for item in items:
        inspection.scores.append(Score(item_id=item.id, points=points[item.code], first_points=points[item.code]))
    total = round(sum(points.values()), 2)
    inspection.status, inspection.score, inspection.original_score = new_status.value, total, total
    inspection.feedback, inspection.inspector_id, inspection.scored_at = text, actor.user_id, clock.now()
    session.flush()
    audit.record(session, actor, "qa_inspection.scored", object_type="qa_inspection", object_id=inspection.ref,
                 detail={"score": total, "max_score": inspection.max_score})
    return inspection


def appeal(session: Session, actor: Principal, inspection: Inspection, *, reason: str | None,
           version: int | None = None) -> Inspection:
    """The inspected agent appeals their score, once, with a reason (a second appeal: 409)."""
    if actor.user_id != inspection.agent_id:
        raise Forbidden("只有被质检的坐席员本人可以申诉")
    _expect_version(inspection, version)
    new_status = rules.apply(Status(inspection.status), Action.appeal)
    text = validate.text(reason, "reason", max_length=1000, multiline=True)
    inspection.status, inspection.appeal_reason, inspection.appealed_at = new_status.value, text, clock.now()
    session.flush()
    audit.record(session, actor, "qa_inspection.appealed", object_type="qa_inspection", object_id=inspection.ref)
    return inspection


def decide(session: Session, actor: Principal, inspection: Inspection, *, upheld: bool, note: str | None,
           scores: Mapping[str, object] | None = None, version: int | None = None) -> Inspection:
    """An inspector decides an appeal: upheld (the score is adjusted to the new ``scores``,
    each item's first points kept) or rejected (the score stands). The inspector who scored
    may not decide when the region has another inspector (409)."""
    access.require(actor, Cap.inspect_quality)
    _expect_version(inspection, version)
    new_status = rules.apply(Status(inspection.status), Action.uphold if upheld else Action.reject)
    if actor.user_id == inspection.inspector_id and any(
            i != actor.user_id for i in repository.inspectors(
                session, region_prefix(repository.region_code(session, inspection.region_id)))):
        raise Conflict("申诉须由评分人以外的质检员处理")
    text = validate.text(note, "note", max_length=1000, multiline=True)
    before = inspection.score
    if upheld:
        if scores is None:
            raise InvalidInput("scores", "申诉成立须给出调整后的分数")
        items = _items(session, inspection)
        points = _validated(items, scores)
        by_item = {s.item_id: s for s in inspection.scores}
        for item in items:
            by_item[item.id].points = points[item.code]
        inspection.score = round(sum(points.values()), 2)
    inspection.status, inspection.decision_note = new_status.value, text
    inspection.decided_by_id, inspection.decided_at = actor.user_id, clock.now()
    session.flush()
    audit.record(session, actor, f"qa_inspection.{new_status.value}", object_type="qa_inspection",
                 object_id=inspection.ref, detail={"previous": before, "score": inspection.score})
    return inspection


def list_inspections(session: Session, principal: Principal, *, status: str | None = None,
                     start: dt.datetime | None = None, end: dt.datetime | None = None,
                     sample_ref: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Inspection], int]:
    """The caller's inspections: an agent their own scored ones, an inspector their region's."""
    if not access.may_see_inspections(principal):
        raise Forbidden("您的角色无权查看质检记录")
    statuses: list[str] | None = None
    if status is not None:
        try:
            statuses = [Status(status).value]
        except ValueError:
            raise InvalidInput("status", "状态不存在") from None
    agent_only = not principal.can(Cap.inspect_quality)
    if agent_only:
        allowed = [s.value for s in rules.SCORED]
        statuses = [s for s in (statuses or allowed) if s in allowed]
        if not statuses:
            return [], 0
    sample_id = None
    if sample_ref is not None:
        sample = repository.sample_by_ref(session, sample_ref)
        if sample is None or agent_only or not in_region(principal.region_code,
                                                                repository.region_code(session, sample.region_id)):
            raise NotFound("抽检批次不存在")
        sample_id = sample.id
    return repository.list_inspections(
        session, prefix=principal.region_prefix, agent_id=principal.user_id if agent_only else None,
        statuses=statuses, start=start, end=end, sample_id=sample_id, limit=limit, offset=offset)


# --- what an inspection shows -----------------------------------------------------------------

@dataclass
class InspectionView:
    inspection: Inspection
    agent_name: str
    team: str | None
    inspector_name: str | None
    decided_by_name: str | None
    call: Call | None
    seat_code: str | None
    orders: list[WorkOrder]
    calls: list[Call]
    items: list[tuple[ChecklistItem, float | None, float | None]]  # item, points, first points
    checklist_version: int

    @property
    def percent(self) -> float | None:
        i = self.inspection
        return rules.percent(i.score, i.max_score) if i.score is not None else None


def view(session: Session, principal: Principal, inspection: Inspection) -> InspectionView:
    """The inspection with what it looks at: the call (recording link, times, seat) and the
    order(s) it produced, or the order and the call(s) it came from; the checklist items
    with their points."""
    names = repository.accounts(session, [i for i in (inspection.agent_id, inspection.inspector_id,
                                                      inspection.decided_by_id) if i is not None])
    call = repository.calls_by_id(session, [inspection.call_id]).get(inspection.call_id) \
        if inspection.call_id is not None else None
    if call is not None:
        order_ids = repository.orders_of_call(session, call.id)
        calls = [call]
    else:
        assert inspection.order_id is not None
        order_ids = [inspection.order_id]
        calls = repository.calls_of_order(session, inspection.order_id)
    orders = list(workorder_repository.orders_by_id(session, order_ids).values())
    seat_id = (calls[0].seat_id if calls else None) or inspection.seat_id
    seat = repository.seats_by_id(session, [seat_id]).get(seat_id) if seat_id is not None else None
    checklist = repository.checklist_by_id(session, inspection.checklist_id)
    assert checklist is not None
    given = {s.item_id: s for s in inspection.scores}
    items = [(item, given[item.id].points if item.id in given else None,
              given[item.id].first_points if item.id in given else None) for item in checklist.items]

    def name(uid: int | None) -> str | None:
        return names[uid][0] if uid is not None and uid in names else None

    return InspectionView(
        inspection=inspection, agent_name=name(inspection.agent_id) or "", team=names.get(inspection.agent_id,
                                                                                        ("", 0, None))[2],
        inspector_name=name(inspection.inspector_id), decided_by_name=name(inspection.decided_by_id), call=call,
        seat_code=seat.code if seat else None, orders=orders, calls=calls, items=items,
        checklist_version=checklist.version)


# --- monthly scores ---------------------------------------------------------------------------

@dataclass
class MonthlyRow:
    key: str
    name: str
    inspections: int = 0
    score: float = 0.0
    max_score: float = 0.0
    percents: list[float] = field(default_factory=list)

    @property
    def average(self) -> float | None:
        """The mean of the inspections' scores on a 100-point scale."""
        return round(sum(self.percents) / len(self.percents), 2) if self.percents else None

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "inspections": self.inspections, "score": round(self.score, 2),
                "max_score": round(self.max_score, 2), "average": self.average}


@dataclass
class Monthly:
    month: str
    agents: list[MonthlyRow]
    teams: list[MonthlyRow]
    operators: list[MonthlyRow]


def monthly(session: Session, principal: Principal, *, month: str | None = None) -> Monthly:
    """Monthly scores of the caller's region, per agent, team (the agent's unit) and
    outsourced operator: the scored inspections of work done in the month (appealed ones
    count with their current score; pending ones do not count)."""
    require_reports(principal)
    month = month or rules.month_of(clock.now())
    start, end = rules.month_bounds(month)
    rows = repository.scored_inspections(session, principal.region_prefix, start, end,
                                         [s.value for s in rules.SCORED])
    names = repository.accounts(session, [r[0] for r in rows])
    units = repository.unit_names(session, [r[1] for r in rows if r[1] is not None])
    agents: dict[str, MonthlyRow] = {}
    teams: dict[str, MonthlyRow] = {}
    operators: dict[str, MonthlyRow] = {}
    for agent_id, unit_id, operator, got, best in rows:
        team = units.get(unit_id, "") if unit_id is not None else ""
        op = operator or IN_HOUSE
        for table, key, name in ((agents, str(agent_id), names.get(agent_id, ("", 0, ""))[0]),
                                 (teams, team, team), (operators, op, op)):
            row = table.setdefault(key, MonthlyRow(key=key, name=name))
            row.inspections += 1
            row.score += got
            row.max_score += best
            percent = rules.percent(got, best)
            if percent is not None:
                row.percents.append(percent)

    def ordered(table: dict[str, MonthlyRow]) -> list[MonthlyRow]:
        return sorted(table.values(), key=lambda r: (-(r.average or 0), r.name))

    return Monthly(month=month, agents=ordered(agents), teams=ordered(teams), operators=ordered(operators))


MONTHLY_HEADERS = ["名称", "质检次数", "得分合计", "满分合计", "平均得分（百分制）"]


def monthly_xlsx(session: Session, principal: Principal, *, month: str | None = None) -> tuple[str, bytes]:
    """The monthly scores as an Excel workbook: a sheet per agent, team and operator."""
    report = monthly(session, principal, month=month)
    wb = Workbook()
    first = True
    for title, table in (("坐席员", report.agents), ("班组", report.teams), ("外包服务商", report.operators)):
        ws = wb.active if first else wb.create_sheet()
        first = False
        assert ws is not None
        ws.title = title
        ws.append(MONTHLY_HEADERS)
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F5FA8")
        for row in table:
            ws.append([row.name, row.inspections, round(row.score, 2), round(row.max_score, 2),
                       "" if row.average is None else row.average])
        for i, header in enumerate(MONTHLY_HEADERS, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(header) * 2 + 4)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    audit.record(session, principal, "qa_report.exported", object_type="qa_report", object_id=report.month,
                 detail={"month": report.month, "rows": len(report.agents)})
    return report.month, buf.getvalue()


def agent_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    return {uid: name for uid, (name, _, _) in repository.accounts(session, ids).items()}
