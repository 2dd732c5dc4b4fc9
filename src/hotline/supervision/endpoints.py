"""JSON API of supervision: ledgers (台账), rankings, escalation rules, letters, referral,
authorities, meetings, public notices (通报) and the drill-down from a figure to its orders."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Query, Response
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.roles import Cap, region_prefix
from hotline.kit import clock, validate
from hotline.kit.db import MAX_ID
from hotline.kit.excel import XLSX_MEDIA_TYPE
from hotline.org.models import Region
from hotline.supervision import documents, rules, service
from hotline.supervision import repository as supervision_repository
from hotline.supervision.models import (
    ESCALATION_NAMES,
    LETTER_NAMES,
    MEETING_NAMES,
    EscalationRule,
    LedgerKind,
    LetterKind,
    MeetingKind,
    NoticeStatus,
    PublicNotice,
    SupervisionAuthority,
    SupervisionLetter,
    SupervisionMeeting,
)
from hotline.supervision.repository import LedgerFilter
from hotline.supervision.schemas import (
    AuthorityIn,
    AuthorityOut,
    BehindOut,
    BehindRowOut,
    DailyReportOut,
    EscalationRuleIn,
    EscalationRuleOut,
    LedgerEntryOut,
    LetterIn,
    LetterOut,
    LetterResponseIn,
    LetterTemplateIn,
    LetterTemplateOut,
    MeetingIn,
    MeetingOut,
    NoticeIn,
    NoticeLineOut,
    NoticeOut,
    PublicNoticeOut,
    RankingOut,
    RankRowOut,
    ReferralIn,
    ReferralOut,
    StaffRankingOut,
    StaffRankRowOut,
    WithdrawIn,
)
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.workorder.models import WorkOrder

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
router = routing.router(tags=["supervision"])
public_router = routing.router(tags=["public"])
ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"},
    422: {"description": "Invalid filter"},
}


def ledger_query(
    kind: LedgerKind | None = None,
    open_only: bool = False,
    unit_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    region_code: Annotated[str | None, Query(max_length=12)] = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    enterprise: Annotated[bool | None, Query(description="true: enterprises' appeals only (市场主体诉求)")] = None,
) -> LedgerFilter:
    """The ledger filters of the query string (``since``/``until``: China dates, inclusive)."""
    return service.ledger_filter(kind=kind, open_only=open_only, unit_id=unit_id, region_code=region_code,
                                 since=since, until=until, enterprise=enterprise)


LedgerQuery = Annotated[LedgerFilter, Depends(ledger_query)]


@router.get("/ledgers", response_model=list[LedgerEntryOut], responses=ERRORS)
def ledger(
    principal: CurrentPrincipal, db: Db, response: Response, f: LedgerQuery,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[LedgerEntryOut]:
    """Orders on the supervisors' ledgers within the caller's scope: ``overdue``,
    ``buck_passing`` (returned twice or more), ``perfunctory`` (reply sent back at review),
    ``dissatisfied_twice``, ``escalated``, and the daily ``emergency`` and ``stability``
    ledgers. ``X-Total-Count`` counts up to 10,000 past the page; beyond, it says 10,000 (or
    the page's end) and ``X-Total-Count-Capped: true``."""
    rows, total = service.ledger_rows(db, principal, f, limit=limit, offset=offset)
    cap = max(supervision_repository.COUNT_CAP, offset + limit)
    response.headers["X-Total-Count"] = str(min(total, cap))
    if total > cap:  # counted no further: there are more
        response.headers["X-Total-Count-Capped"] = "true"
    return [LedgerEntryOut(**row.__dict__) for row in rows]


@router.get("/ledgers/export.xlsx", responses={**ERRORS, 200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def ledger_export(principal: CurrentPrincipal, db: Db, f: LedgerQuery) -> Response:
    """The same ledger as an Excel file (at most 50,000 rows)."""
    data, name = service.ledger_xlsx(db, principal, f)
    return Response(content=data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


def _scope(principal: CurrentPrincipal, region_code: str | None) -> str:
    """The region a ranking covers: the one asked for, inside the caller's own."""
    if not region_code:
        return principal.region_prefix
    prefix = region_prefix(validate.region_code(region_code, "region_code"))
    return prefix if prefix.startswith(principal.region_prefix) else principal.region_prefix


@router.get("/rankings", response_model=StaffRankingOut, responses=ERRORS)
def ranking(principal: CurrentPrincipal, db: Db, period: Annotated[str | None, Query(max_length=10)] = None,
            region_code: Annotated[str | None, Query(max_length=12)] = None) -> StaffRankingOut:
    """The evaluation of handling units for a month (``2026-11``) or quarter (``2026-Q4``):
    rates, weighted score and rank, with the counts behind each rate, in the caller's region."""
    access.require(principal, Cap.view_org)
    r = service.ranking(db, service.parse_period(period), region_prefix=_scope(principal, region_code))
    return StaffRankingOut(period=r.period.key, label=r.period.label, indicators=rules.INDICATORS,
                           rows=[StaffRankRowOut(**row.__dict__) for row in r.rows],
                           unranked=[StaffRankRowOut(**row.__dict__) for row in r.unranked], min_orders=r.min_orders)


@router.get("/rankings/export.xlsx", responses={**ERRORS, 200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def ranking_export(principal: CurrentPrincipal, db: Db, period: Annotated[str | None, Query(max_length=10)] = None,
                   region_code: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    access.require(principal, Cap.view_org)
    r = service.ranking(db, service.parse_period(period), region_prefix=_scope(principal, region_code))
    data, name = service.ranking_xlsx(r)
    return Response(content=data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@public_router.get("/public/rankings", response_model=RankingOut, responses={422: {"description": "Bad period"}})
def public_ranking(db: Db, period: Annotated[str | None, Query(max_length=10)] = None) -> RankingOut:
    """The public good/bad ranking (好差评榜单): unit-level rates and scores, province-wide."""
    r = service.ranking(db, service.parse_period(period))
    return RankingOut(period=r.period.key, label=r.period.label, indicators=rules.INDICATORS,
                      rows=[RankRowOut(**{k: v for k, v in row.__dict__.items() if k != "counts"}) for row in r.rows],
                      unranked=[RankRowOut(**{k: v for k, v in row.__dict__.items() if k != "counts"})
                                for row in r.unranked], min_orders=r.min_orders)


def _rule_out(rule: EscalationRule) -> EscalationRuleOut:
    return EscalationRuleOut(id=rule.id, name=ESCALATION_NAMES[rule.kind], kind=rule.kind, threshold=rule.threshold,
                             window_days=rule.window_days, active=rule.active)


@router.get("/escalation-rules", response_model=list[EscalationRuleOut], responses=ERRORS)
def list_escalation_rules(principal: CurrentPrincipal, db: Db) -> list[EscalationRuleOut]:
    """The rules of escalated supervision (提级督办): many-to-one and one-to-many count orders
    over ``window_days``; long-open counts working days; re-handled counts re-handlings."""
    return [_rule_out(r) for r in service.escalation_rules(db, principal)]


@router.post("/escalation-rules", response_model=EscalationRuleOut, status_code=201, responses=ERRORS)
def create_escalation_rule(body: EscalationRuleIn, principal: CurrentPrincipal, db: Db) -> EscalationRuleOut:
    return _rule_out(service.save_escalation_rule(db, principal, rule_id=None, **body.model_dump()))


@router.put("/escalation-rules/{rule_id}", response_model=EscalationRuleOut,
            responses={**ERRORS, 404: {"description": "No such rule"}})
def update_escalation_rule(rule_id: IdPath, body: EscalationRuleIn, principal: CurrentPrincipal,
                           db: Db) -> EscalationRuleOut:
    return _rule_out(service.save_escalation_rule(db, principal, rule_id=rule_id, **body.model_dump()))


# --- supervision letters ---------------------------------------------------------------------


def _letter_out(db: Session, letter: SupervisionLetter) -> LetterOut:
    order = db.get(WorkOrder, letter.work_order_id)
    assert order is not None
    return LetterOut(
        id=letter.id, kind=letter.kind, kind_name=LETTER_NAMES[letter.kind], number=letter.number,
        order_number=order.number, unit=letter.unit.name, centre=letter.centre_unit.name, title=letter.title,
        body=letter.body, issued_at=letter.issued_at, due_at=letter.due_at, response=letter.response,
        responded_at=letter.responded_at, overdue=letter.responded_at is None and clock.now() > letter.due_at,
    )


@router.post("/work-orders/{number}/letters", response_model=LetterOut, status_code=201,
             responses={**ERRORS, 404: {"description": "No such order in scope"},
                        409: {"description": "Not dispatched"}})
def issue_letter(number: str, body: LetterIn, principal: CurrentPrincipal, db: Db) -> LetterOut:
    """Send a reminder (提示函), supervision (督办函) or rectification letter (整改函) to the
    order's lead unit, with a response deadline in working days."""
    order = access.access_work_order(db, principal, number)
    letter = service.issue_letter(db, principal, order, kind=body.kind, reason=body.reason,
                                  working_days=body.working_days)
    return _letter_out(db, letter)


@router.get("/work-orders/{number}/letters", response_model=list[LetterOut],
            responses={**ERRORS, 404: {"description": "No such order in scope"}})
def order_letters(number: str, principal: CurrentPrincipal, db: Db) -> list[LetterOut]:
    order = access.access_work_order(db, principal, number)
    return [_letter_out(db, x) for x in service.letters_of(db, principal, order)]


@router.get("/letters/{letter_id}.docx",
            responses={**ERRORS, 404: {"description": "Not found"}, 200: {"content": {DOCX: {}}}})
def letter_document(letter_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    """The letter as a Word document, to print, sign and seal."""
    letter = service.access_letter(db, principal, letter_id)
    name = quote(f"{LETTER_NAMES[letter.kind]}-{letter.number or letter.id}.docx")
    return Response(content=documents.letter_docx(letter), media_type=DOCX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@router.get("/letters/{letter_id}", response_model=LetterOut, responses={**ERRORS, 404: {"description": "Not found"}})
def get_letter(letter_id: IdPath, principal: CurrentPrincipal, db: Db) -> LetterOut:
    return _letter_out(db, service.access_letter(db, principal, letter_id))


@router.post("/letters/{letter_id}/response", response_model=LetterOut,
             responses={**ERRORS, 404: {"description": "Not found"}, 409: {"description": "Already answered"}})
def respond_letter(letter_id: IdPath, body: LetterResponseIn, principal: CurrentPrincipal, db: Db) -> LetterOut:
    """The addressed unit's written response."""
    letter = service.access_letter(db, principal, letter_id)
    return _letter_out(db, service.respond_letter(db, principal, letter, text=body.text))


def _template_out(kind: LetterKind, title: str, body: str) -> LetterTemplateOut:
    return LetterTemplateOut(kind=kind, title=title, body=body, fields=rules.LETTER_FIELDS)


@router.get("/letter-templates", response_model=list[LetterTemplateOut], responses=ERRORS)
def letter_templates(principal: CurrentPrincipal, db: Db) -> list[LetterTemplateOut]:
    """The editable texts of the letters and the ``{fields}`` they may use."""
    return [_template_out(t.kind, t.title, t.body) for t in service.letter_templates(db, principal)]


@router.put("/letter-templates/{kind}", response_model=LetterTemplateOut, responses=ERRORS)
def save_letter_template(kind: LetterKind, body: LetterTemplateIn, principal: CurrentPrincipal,
                         db: Db) -> LetterTemplateOut:
    t = service.save_letter_template(db, principal, kind, title=body.title, body=body.body)
    return _template_out(t.kind, t.title, t.body)




# --- rectification and referral --------------------------------------------------------------


@router.post("/work-orders/{number}/referral", response_model=ReferralOut, status_code=201,
             responses={**ERRORS, 404: {"description": "No such order in scope"},
                        409: {"description": "No rectification letter yet, or no commission set up"}})
def refer(number: str, body: ReferralIn, principal: CurrentPrincipal, db: Db) -> ReferralOut:
    """Refer an order whose rectification did not fix it to the discipline commission
    (移交纪委监委). Orders whose rectification letter goes unanswered are referred by the
    platform itself."""
    order = access.access_work_order(db, principal, number)
    commission = service.refer(db, principal, order, reason=body.reason)
    return ReferralOut(order_number=order.number, commission=commission.name)


@router.get("/work-orders/{number}/case-file.docx",
            responses={**ERRORS, 404: {"description": "No such order in scope"}, 200: {"content": {DOCX: {}}}})
def case_file(number: str, principal: CurrentPrincipal, db: Db) -> Response:
    """The case file (timeline, replies, letters) handed over with a referral."""
    order = access.access_work_order(db, principal, number)
    data = service.case_file(db, principal, order)
    name = quote(f"移交案卷-{order.number}.docx")
    return Response(content=data, media_type=DOCX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


def _authority_out(a: SupervisionAuthority, db: Session) -> AuthorityOut:
    region = db.get(Region, a.region_id)
    assert region is not None
    return AuthorityOut(region_code=region.code, region_name=region.name, kind=a.kind, unit_id=a.unit_id,
                        unit_name=a.unit.name)


@router.get("/supervision-authorities", response_model=list[AuthorityOut], responses=ERRORS)
def list_authorities(principal: CurrentPrincipal, db: Db) -> list[AuthorityOut]:
    """Each region's business-environment authority (told of rectification letters) and
    discipline commission (receives referrals); an order uses the nearest above its place."""
    return [_authority_out(a, db) for a in service.authorities(db, principal)]


@router.put("/supervision-authorities", response_model=AuthorityOut,
            responses={**ERRORS, 404: {"description": "No such region"}})
def set_authority(body: AuthorityIn, principal: CurrentPrincipal, db: Db) -> AuthorityOut:
    return _authority_out(service.set_authority(db, principal, **body.model_dump()), db)


# --- admonition talks and joint meetings -------------------------------------------------------


def meeting_out(db: Session, m: SupervisionMeeting) -> MeetingOut:
    return MeetingOut(id=m.id, kind=m.kind, kind_name=MEETING_NAMES[m.kind], centre=m.centre_unit.name,
                      held_at=m.held_at, place=m.place, subject=m.subject, attendees=m.attendees,
                      decisions=m.decisions, due_on=m.due_on, units=[u.name for u in m.units],
                      order_numbers=service.meeting_orders(db, m), recorded_at=m.recorded_at)


@router.post("/meetings", response_model=MeetingOut, status_code=201,
             responses={**ERRORS, 404: {"description": "A linked order is not in scope"}})
def record_meeting(body: MeetingIn, principal: CurrentPrincipal, db: Db) -> MeetingOut:
    """Record an admonition talk (约谈) or a joint meeting (联席会议): participants, decisions
    and the orders it was about; each order gets it on its timeline, each unit is told."""
    meeting = service.record_meeting(db, principal, **body.model_dump())
    return meeting_out(db, meeting)


@router.get("/meetings", response_model=list[MeetingOut], responses=ERRORS)
def list_meetings(principal: CurrentPrincipal, db: Db, response: Response, kind: MeetingKind | None = None,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> list[MeetingOut]:
    """Meetings held by centres in the caller's region, or (for a unit) those it attended."""
    rows, total = service.meetings(db, principal, kind=kind, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [meeting_out(db, m) for m in rows]


@router.get("/meetings/{meeting_id}", response_model=MeetingOut,
            responses={**ERRORS, 404: {"description": "Not found"}})
def get_meeting(meeting_id: IdPath, principal: CurrentPrincipal, db: Db) -> MeetingOut:
    return meeting_out(db, service.access_meeting(db, principal, meeting_id))


# --- public notices (通报) ---------------------------------------------------------------------


def _lines(body: NoticeIn) -> list[service.NoticeLine]:
    return [service.NoticeLine(number=x.order_number, problem=x.problem) for x in body.items]


def _public_notice_out(db: Session, n: PublicNotice) -> PublicNoticeOut:
    return PublicNoticeOut(id=n.id, number=n.number, centre=n.centre_unit.name, title=n.title, body=n.body,
                           published_at=n.published_at,
                           items=[NoticeLineOut(**x.__dict__) for x in service.notice_lines(db, n)])


def notice_out(db: Session, n: PublicNotice) -> NoticeOut:
    return NoticeOut(**_public_notice_out(db, n).model_dump(), status=n.status, created_at=n.created_at,
                     withdrawn_at=n.withdrawn_at, withdrawn_reason=n.withdrawn_reason)


NOTICE_ERRORS: dict[int | str, dict[str, str]] = {
    **ERRORS, 404: {"description": "No such notice or order in scope"},
    409: {"description": "Not a draft (publish, edit) or not published (withdraw)"},
}


@router.post("/notices", response_model=NoticeOut, status_code=201, responses=NOTICE_ERRORS)
def create_notice(body: NoticeIn, principal: CurrentPrincipal, db: Db) -> NoticeOut:
    """Draft a notice of irregular orders (通报); a line's problem defaults to the order's
    latest ledger entry."""
    return notice_out(db, service.create_notice(db, principal, title=body.title, body=body.body,
                                                lines=_lines(body)))


@router.get("/notices", response_model=list[NoticeOut], responses=ERRORS)
def list_notices(principal: CurrentPrincipal, db: Db, response: Response, status: NoticeStatus | None = None,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50,
                 offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> list[NoticeOut]:
    rows, total = service.notices(db, principal, status=status, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [notice_out(db, n) for n in rows]


@router.get("/notices/{notice_id}.docx", responses={**NOTICE_ERRORS, 200: {"content": {DOCX: {}}}})
def notice_document(notice_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    notice = service.access_notice(db, principal, notice_id)
    name = quote(f"通报-{notice.number or notice.id}.docx")
    return Response(content=service.notice_docx(db, notice), media_type=DOCX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@router.get("/notices/{notice_id}", response_model=NoticeOut, responses=NOTICE_ERRORS)
def get_notice(notice_id: IdPath, principal: CurrentPrincipal, db: Db) -> NoticeOut:
    return notice_out(db, service.access_notice(db, principal, notice_id))


@router.put("/notices/{notice_id}", response_model=NoticeOut, responses=NOTICE_ERRORS)
def update_notice(notice_id: IdPath, body: NoticeIn, principal: CurrentPrincipal, db: Db) -> NoticeOut:
    notice = service.access_notice(db, principal, notice_id)
    return notice_out(db, service.update_notice(db, principal, notice, title=body.title, body=body.body,
                                                lines=_lines(body)))


@router.post("/notices/{notice_id}/publish", response_model=NoticeOut, responses=NOTICE_ERRORS)
def publish_notice(notice_id: IdPath, principal: CurrentPrincipal, db: Db) -> NoticeOut:
    """Publish: numbered, on the public site, on each order's timeline, sent to the units named."""
    notice = service.access_notice(db, principal, notice_id)
    return notice_out(db, service.publish_notice(db, principal, notice))


@router.post("/notices/{notice_id}/withdraw", response_model=NoticeOut, responses=NOTICE_ERRORS)
def withdraw_notice(notice_id: IdPath, body: WithdrawIn, principal: CurrentPrincipal, db: Db) -> NoticeOut:
    notice = service.access_notice(db, principal, notice_id)
    return notice_out(db, service.withdraw_notice(db, principal, notice, reason=body.reason))


@public_router.get("/public/notices", response_model=list[PublicNoticeOut])
def public_notices(db: Db, response: Response, limit: Annotated[int, Query(ge=1, le=100)] = 20,
                   offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> list[PublicNoticeOut]:
    """Published notices of irregular orders, newest first: units, categories, places and the
    problems found; nothing about any person."""
    rows, total = service.public_notices(db, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [_public_notice_out(db, n) for n in rows]


@public_router.get("/public/notices/{notice_id}", response_model=PublicNoticeOut,
                   responses={404: {"description": "Not found"}})
def public_notice(notice_id: IdPath, db: Db) -> PublicNoticeOut:
    return _public_notice_out(db, service.public_notice(db, notice_id))


# --- drill-down and the daily ledger -------------------------------------------------------------


@router.get("/rankings/orders", response_model=BehindOut, responses={**ERRORS, 404: {"description": "No such unit"}})
def orders_behind(
    principal: CurrentPrincipal, db: Db, response: Response,
    unit_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    period: Annotated[str | None, Query(max_length=10)] = None,
    figure: Annotated[str | None, Query(max_length=40)] = None,
    part: Annotated[str, Query(max_length=10)] = "base",
    counter: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> BehindOut:
    """The orders behind one figure of a unit's evaluation: a rate's denominator
    (``part=base``), numerator (``hit``) or the difference (``miss``: e.g. signed but not on
    time), or one counter (``counter=unjustified_returns``)."""
    b = service.orders_behind(db, principal, unit_id=unit_id, period=service.parse_period(period), figure=figure,
                              part=part, counter=counter, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(b.total)
    return BehindOut(unit_id=b.unit.id, unit_name=b.unit.name, period=b.period.key, label=b.label, total=b.total,
                     counted=b.counted, rows=[BehindRowOut(**r.__dict__) for r in b.rows])


@router.get("/ledgers/daily-reports", response_model=list[DailyReportOut], responses=ERRORS)
def daily_reports(principal: CurrentPrincipal, db: Db) -> list[DailyReportOut]:
    """The daily emergency and stability ledgers sent to the caller's department (last 30)."""
    return [DailyReportOut(day=r.day, emergency=r.emergency, stability=r.stability, sent_at=r.sent_at)
            for r in service.daily_reports(db, principal)]
