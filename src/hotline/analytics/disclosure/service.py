"""Use cases of public disclosure (公开曝光): publish a month's figures (a snapshot), choose a
handled order as a typical case (its text anonymised automatically), edit it, submit it,
approve it (a second supervisor: four eyes) or send it back, withdraw it; the public lists.
Nothing here commits; every write is audited.

Who: centre supervisors (``Cap.manage_disclosure``) of the region. The supervisor who chose
or last edited or submitted a case may not approve it. Everyone else: 403. The public reads
only what was published, and only from the stored snapshot and the stored anonymised text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline.analytics.disclosure import repository, rules
from hotline.analytics.disclosure.lifecycle import CaseAction, CaseState, MonthState, apply_case
from hotline.analytics.disclosure.models import DisclosureMonth, TypicalCase
from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region, region_prefix
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound, StaleVersion
from hotline.org.models import Region, RegionLevel
from hotline.workorder import repository as workorder_repository
from hotline.workorder.lifecycle import Status as OrderStatus
from hotline.workorder.models import RESULT_NAMES, ReplyResult, Verdict, WorkOrder

VERDICT_NAMES = {Verdict.satisfied: "满意", Verdict.basically_satisfied: "基本满意", Verdict.dissatisfied: "不满意"}


# --- who ------------------------------------------------------------------------------------------


def is_editor(actor: Principal) -> bool:
    return actor.can(Cap.manage_disclosure)


def require_editor(actor: Principal) -> None:
    if not is_editor(actor):
        raise Forbidden("只有热线中心值班长（班长）可以办理数据公开和典型案例")


def _region_code(session: Session, region_id: int) -> str:
    return repository.regions_by_ids(session, [region_id])[region_id].code


def access_case(session: Session, actor: Principal, ref: str) -> TypicalCase:
    """The case with this public reference if the caller may handle it: 403 for roles that
    never do, 404 outside the caller's region (missing and hidden look the same)."""
    require_editor(actor)
    case = repository.case_by_ref(session, ref) if isinstance(ref, str) and len(ref) == 32 else None
    if case is None or not in_region(actor.region_code, _region_code(session, case.region_id)):
        if case is not None:
            access.deny(session, actor, "typical_case", case.id)
        raise NotFound("典型案例不存在")
    return case


def access_month(session: Session, actor: Principal, ref: str) -> DisclosureMonth:
    require_editor(actor)
    month = repository.month_by_ref(session, ref) if isinstance(ref, str) and len(ref) == 32 else None
    if month is None or not in_region(actor.region_code, _region_code(session, month.region_id)):
        if month is not None:
            access.deny(session, actor, "disclosure_month", month.id)
        raise NotFound("公开月份不存在")
    return month


def _expect(obj: TypicalCase | DisclosureMonth, version: int | None) -> None:
    if version is not None and version != obj.version:
        raise StaleVersion("内容已被他人修改，请刷新后重试", current_version=obj.version, state=obj.state)


# --- months -------------------------------------------------------------------------------------


def _today() -> dt.date:
    return clock.now().astimezone(clock.CST).date()


def month_figures(session: Session, region: Region, period: str) -> dict[str, Any]:
    """The month's figures for the region's centre(s), from the one source of every figure
    (``hotline.analytics.service.statistics``) and the unit ranking that supervision keeps."""
    from hotline.analytics import periods
    from hotline.analytics import service as statistics_service
    from hotline.analytics.service import Scope, StatQuery, statistics
    from hotline.supervision import rules as supervision_rules
    from hotline.supervision.service import rankings

    p = periods.period("month", period)
    # the month's cells counted again from the orders themselves, so that the snapshot holds
    # every order as it stands now, whatever events the cube's job has not folded in yet
    statistics_service.rebuild(session, p.start, p.end)
    scope = Scope.region(session, region.code)
    total = statistics(session, scope, StatQuery(p, compare=True)).total
    by_category = statistics(session, scope, StatQuery(p, dimension="category", level=1, compare=False))
    categories = [(row.label, int(row.values.get("received") or 0)) for row in by_category.rows]
    categories = sorted((c for c in categories if c[1] > 0), key=lambda c: -c[1])
    ranking = rankings.ranking(session, supervision_rules.period(period), region_prefix=region_prefix(region.code))
    ranked = [rules.RankedUnit(rank=r.rank, unit=r.unit_name, region=r.region_name, score=r.score)
              for r in ranking.rows]
    return rules.snapshot(period=period, region_code=region.code, region_name=region.name, totals=total.values,
                          previous=total.previous, categories=categories, ranking=ranked,
                          ranking_min_orders=ranking.min_orders, computed_at=clock.now())


def publish_month(session: Session, actor: Principal, *, period: str) -> DisclosureMonth:
    """公开月度数据: the figures of an ended month for the supervisor's region, stored as a
    snapshot and shown to the public. 409 when already published (withdraw it first)."""
    require_editor(actor)
    key = (period or "").strip()
    if rules.parse_month(key) is None:
        raise InvalidInput("period", "月份应写作 2026-11")
    if not rules.is_over(key, _today()):
        raise InvalidInput("period", "只能公开已结束月份的数据")
    region = repository.region_by_code(session, actor.region_code)
    if region is None:
        raise NotFound("您所在的区划不存在")
    month = repository.month_of(session, region.id, key)
    if month is not None and month.state == MonthState.published.value:
        raise Conflict(f"{rules.month_label(key)}的数据已公开；如需更正请先撤回", field="period")
    figures = month_figures(session, region, key)
    now = clock.now()
    if month is None:
        month = DisclosureMonth(region_id=region.id, period=key, version=1)
        session.add(month)
    else:
        month.version += 1
    month.state, month.figures = MonthState.published.value, figures
    month.published_by_id, month.published_at = actor.user_id, now
    month.withdrawn_by_id = month.withdrawn_at = month.withdraw_reason = None
    session.flush()
    audit.record(session, actor, "disclosure.month_published", object_type="disclosure_month", object_id=month.id,
                 detail={"period": key, "region": region.code, "received": figures["figures"]["received"]})
    return month


def withdraw_month(session: Session, actor: Principal, month: DisclosureMonth, *, reason: str | None,
                   version: int | None) -> DisclosureMonth:
    """撤回: the month leaves the public page and the feeds (the reason is required)."""
    require_editor(actor)
    _expect(month, version)
    if month.state != MonthState.published.value:
        raise Conflict("该月数据未在公开状态")
    note = validate.text(reason, "reason", max_length=500) or ""
    month.state, month.withdrawn_by_id, month.withdrawn_at, month.withdraw_reason = (
        MonthState.withdrawn.value, actor.user_id, clock.now(), note)
    month.version += 1
    audit.record(session, actor, "disclosure.month_withdrawn", object_type="disclosure_month", object_id=month.id,
                 detail={"period": month.period, "reason": note})
    return month


def months(session: Session, actor: Principal) -> list[DisclosureMonth]:
    require_editor(actor)
    return repository.months(session, region_prefix=actor.region_prefix)


# --- typical cases ------------------------------------------------------------------------------


def known(session: Session, order: WorkOrder) -> rules.Known:
    """What the order says about its people and places: the citizen's name and address, the
    order's address, the townships and streets of its city, the enterprise it names."""
    citizen = repository.citizen(session, order.citizen_id)
    names = tuple(n for n in [citizen.name if citizen else None] if n)
    addresses = tuple(a for a in [order.address, citizen.address if citizen else None] if a)
    centre_code = order.centre_unit.region.code
    city = centre_code[:4] + "00" if len(centre_code) >= 6 and not centre_code.endswith("0000") else centre_code
    places = repository.township_names(session, region_prefix(city))
    if order.region is not None and order.region.level == RegionLevel.township:
        places.append(order.region.name)
    enterprises = tuple(e for e in [order.enterprise_name] if e)
    return rules.Known(names=names, addresses=addresses, places=tuple(dict.fromkeys(places)), enterprises=enterprises)


def source_texts(session: Session, order: WorkOrder) -> dict[str, str]:
    """The order's own text for the case: its title and appeal, the accepted reply (or the
    answer given on the spot), the result and the citizen's verdict."""
    reply = workorder_repository.latest_accepted_reply(session, order.id)
    handling = (reply.text if reply else None) or order.answer or "（无办理答复）"
    result = RESULT_NAMES.get(ReplyResult(order.final_result), "") if order.final_result else "已办结"
    if order.final_verdict:
        result += f"；回访评价：{VERDICT_NAMES[Verdict(order.final_verdict)]}"
    return {"title": order.title, "appeal": order.content, "handling": handling, "result": result}


def _area_name(order: WorkOrder) -> str | None:
    """Where the appeal is, no finer than the county."""
    region = order.region
    if region is None:
        return None
    if region.level == RegionLevel.township and region.parent is not None:
        return region.parent.name
    return region.name


def choose(session: Session, actor: Principal, order: WorkOrder, *, hide_enterprise: bool = False) -> TypicalCase:
    """选为典型案例: a closed order becomes a draft case, its text anonymised automatically.
    Not a confidential order (a report's reporter stays protected), not an order that has a
    case already (409)."""
    require_editor(actor)
    if order.status != OrderStatus.closed:
        raise Conflict("只有已办结的工单可以选为典型案例")
    if order.is_confidential:
        raise Conflict("保密工单不能选为典型案例")
    if repository.live_case_of_order(session, order.id) is not None:
        raise Conflict("该工单已选为典型案例")
    texts = rules.anonymise_case(source_texts(session, order), known(session, order),
                                 hide_enterprise=hide_enterprise)
    now = clock.now()
    registered = order.registered_at.astimezone(clock.CST)
    case = TypicalCase(work_order_id=order.id, region_id=order.centre_unit.region_id,
                       period=f"{registered.year}-{registered.month:02d}",
                       category_name=order.category.name if order.category else None, area_name=_area_name(order),
                       title=texts["title"][: rules.CASE_LIMITS["title"]], appeal=texts["appeal"],
                       handling=texts["handling"], result=texts["result"], hide_enterprise=hide_enterprise,
                       state=CaseState.draft.value, created_by_id=actor.user_id, created_at=now,
                       updated_by_id=actor.user_id, updated_at=now, version=1)
    session.add(case)
    session.flush()
    audit.record(session, actor, "disclosure.case_chosen", object_type="typical_case", object_id=case.id,
                 detail={"order": order.number, "hide_enterprise": hide_enterprise})
    return case


def order_of(session: Session, case: TypicalCase) -> WorkOrder:
    order = session.get(WorkOrder, case.work_order_id)
    assert order is not None
    return order


def _texts(case: TypicalCase) -> dict[str, str]:
    return {k: getattr(case, k) for k in rules.CASE_FIELDS}


def residue(session: Session, case: TypicalCase) -> dict[str, list[str]]:
    """Field → kinds of personal data still in the case's text (empty when publishable)."""
    return rules.residue(_texts(case), known(session, order_of(session, case)), hide_enterprise=case.hide_enterprise)


def _require_clean(session: Session, case: TypicalCase) -> None:
    found = residue(session, case)
    if found:
        field, reason = rules.residue_message(found)
        raise InvalidInput(field, reason)


@dataclass
class CaseText:
    title: str | None
    appeal: str | None
    handling: str | None
    result: str | None
    hide_enterprise: bool | None = None


def edit(session: Session, actor: Principal, case: TypicalCase, data: CaseText, *, version: int | None
         ) -> TypicalCase:
    """Edit a draft's text (the edits are the editor's: they may not approve it). Turning on
    ``hide_enterprise`` anonymises the text again with enterprise names hidden."""
    require_editor(actor)
    _expect(case, version)
    if case.state != CaseState.draft.value:
        raise Conflict("只有草稿状态的典型案例可以修改")
    values = {k: validate.text(getattr(data, k), k, max_length=rules.CASE_LIMITS[k], multiline=k != "title") or ""
              for k in rules.CASE_FIELDS}
    hide = case.hide_enterprise if data.hide_enterprise is None else bool(data.hide_enterprise)
    if hide and not case.hide_enterprise:
        values = rules.anonymise_case(values, known(session, order_of(session, case)), hide_enterprise=True)
    changed = [k for k, v in values.items() if getattr(case, k) != v] + (
        ["hide_enterprise"] if hide != case.hide_enterprise else [])
    for k, v in values.items():
        setattr(case, k, v)
    case.hide_enterprise = hide
    case.updated_by_id, case.updated_at = actor.user_id, clock.now()
    case.version += 1
    audit.record(session, actor, "disclosure.case_edited", object_type="typical_case", object_id=case.id,
                 detail={"changed": changed})
    return case


def _move(session: Session, actor: Principal, case: TypicalCase, action: CaseAction, version: int | None,
          **detail: Any) -> None:
    _expect(case, version)
    before = case.state
    case.state = apply_case(before, action).value
    case.version += 1
    audit.record(session, actor, f"disclosure.case_{_PAST[action]}", object_type="typical_case", object_id=case.id,
                 detail={"from": before, "to": case.state, **detail})


_PAST = {CaseAction.submit: "submitted", CaseAction.approve: "approved", CaseAction.reject: "rejected",
         CaseAction.withdraw: "withdrawn", CaseAction.discard: "discarded"}


def submit(session: Session, actor: Principal, case: TypicalCase, *, version: int | None) -> TypicalCase:
    """提交审核: refused (422 naming the field) while the text still holds personal data."""
    require_editor(actor)
    _expect(case, version)
    if case.state == CaseState.draft.value:
        _require_clean(session, case)
    _move(session, actor, case, CaseAction.submit, version)
    case.submitted_by_id, case.submitted_at = actor.user_id, clock.now()
    return case


def _require_second_person(actor: Principal, case: TypicalCase) -> None:
    if actor.user_id in {case.created_by_id, case.updated_by_id, case.submitted_by_id}:
        raise Forbidden("不能审核自己选取、修改或提交的典型案例，请由另一位值班长审核")


def approve(session: Session, actor: Principal, case: TypicalCase, *, note: str | None, version: int | None
            ) -> TypicalCase:
    """审核通过并公开: by a second supervisor (not who chose, last edited or submitted it);
    the text is checked once more for personal data."""
    require_editor(actor)
    _expect(case, version)
    _require_second_person(actor, case)
    if case.state == CaseState.in_review.value:
        _require_clean(session, case)
    text = validate.text(note, "note", max_length=500, required=False)
    _move(session, actor, case, CaseAction.approve, version)
    now = clock.now()
    case.reviewed_by_id, case.reviewed_at, case.review_note, case.published_at = actor.user_id, now, text, now
    return case


def reject(session: Session, actor: Principal, case: TypicalCase, *, note: str | None, version: int | None
           ) -> TypicalCase:
    """退回修改: back to draft, with the reviewer's reason (required)."""
    require_editor(actor)
    _expect(case, version)
    _require_second_person(actor, case)
    text = validate.text(note, "note", max_length=500) or ""
    _move(session, actor, case, CaseAction.reject, version, note=text)
    case.reviewed_by_id, case.reviewed_at, case.review_note = actor.user_id, clock.now(), text
    case.submitted_by_id = case.submitted_at = None
    return case


def withdraw(session: Session, actor: Principal, case: TypicalCase, *, reason: str | None, version: int | None
             ) -> TypicalCase:
    """撤回: a published case leaves the public page and the feeds (the reason is required)."""
    require_editor(actor)
    _expect(case, version)
    text = validate.text(reason, "reason", max_length=500) or ""
    _move(session, actor, case, CaseAction.withdraw, version, reason=text)
    case.withdrawn_by_id, case.withdrawn_at, case.withdraw_reason = actor.user_id, clock.now(), text
    return case


def discard(session: Session, actor: Principal, case: TypicalCase, *, version: int | None) -> TypicalCase:
    require_editor(actor)
    _move(session, actor, case, CaseAction.discard, version)
    return case


def cases(session: Session, actor: Principal, *, state: str | None = None) -> list[TypicalCase]:
    require_editor(actor)
    if state is not None and state not in {s.value for s in CaseState}:
        raise InvalidInput("state", "未知的案例状态")
    return repository.cases(session, region_prefix=actor.region_prefix, states=[state] if state else None)


def case_of_order(session: Session, actor: Principal, order: WorkOrder) -> TypicalCase | None:
    if not is_editor(actor):
        return None
    return repository.live_case_of_order(session, order.id)


# --- the public ---------------------------------------------------------------------------------


def _public_prefix(region: str | None) -> str | None:
    if not region:
        return None
    return region_prefix(validate.region_code(region, "region"))


def public_months(session: Session, *, region: str | None = None, limit: int = 60) -> list[DisclosureMonth]:
    """Published months, newest first (of a region and the regions under it)."""
    return repository.months(session, region_prefix=_public_prefix(region), published_only=True, limit=limit)


def public_cases(session: Session, *, region: str | None = None, limit: int = 60) -> list[TypicalCase]:
    """Published typical cases, newest first."""
    return repository.cases(session, region_prefix=_public_prefix(region), states=[CaseState.published.value],
                            limit=limit)


def public_month(session: Session, ref: str) -> DisclosureMonth:
    month = repository.month_by_ref(session, ref) if isinstance(ref, str) and len(ref) == 32 else None
    if month is None or month.state != MonthState.published.value:
        raise NotFound("公开月份不存在")
    return month


def public_case(session: Session, ref: str) -> TypicalCase:
    case = repository.case_by_ref(session, ref) if isinstance(ref, str) and len(ref) == 32 else None
    if case is None or case.state != CaseState.published.value:
        raise NotFound("典型案例不存在")
    return case


def region_names(session: Session, ids: set[int]) -> dict[int, str]:
    return {i: r.name for i, r in repository.regions_by_ids(session, ids).items()}
