"""Use cases of the reports: draft (figures read once, text generated), edit a section's text,
read the figures again, issue (the .docx and .xlsx frozen), discard a draft, the archive,
downloads, the scheduled drafts, and the daily emergency and stability ledger as a document.
Nothing here commits; every write is audited.

Who: ``Cap.issue_reports`` (centre supervisors) drafts, edits, issues and discards the reports
of their region and below; ``Cap.view_reports`` (also dispatchers) reads and downloads issued
ones. A draft is the issuers' business: to a reader it does not exist (404). Everyone else: 403.
The daily ledger document follows the ledgers' own scope (:func:`hotline.auth.access.ledger_scope`):
a provincial sector department sees the entries of its sectors, a centre those of its region."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline.analytics.periods import Period, custom, period
from hotline.analytics.reports import compose, documents, lifecycle, repository
from hotline.analytics.reports.lifecycle import KIND_NAMES, Action, Kind, Status
from hotline.analytics.reports.models import Report
from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region, region_prefix
from hotline.kit import clock, validate
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput, NotFound, StaleVersion
from hotline.kit.workcalendar import load_calendar
from hotline.org import repository as org_repository
from hotline.org.models import Region

log = logging.getLogger(__name__)
REF = re.compile(r"[0-9a-f]{32}")
MONTH = re.compile(r"(\d{4})-(\d{2})")
HALF = re.compile(r"(\d{4})H([12])", re.IGNORECASE)
#: The longest span of a campaign report.
MAX_SPAN_DAYS = 732
EARLIEST_YEAR = 2000


# --- who -------------------------------------------------------------------------------------------


def may_read(actor: Principal) -> bool:
    return actor.can(Cap.view_reports) or actor.can(Cap.issue_reports)


def may_issue(actor: Principal) -> bool:
    return actor.can(Cap.issue_reports)


def require_reader(actor: Principal) -> None:
    if not may_read(actor):
        raise Forbidden("您的角色无权查看分析报告")


def require_issuer(actor: Principal) -> None:
    if not may_issue(actor):
        raise Forbidden("只有热线中心值班长（班长）可以起草和印发分析报告")


def access_report(session: Session, actor: Principal, ref: str, *, write: bool = False) -> Report:
    """The report with this reference if the caller may see it (and change it, with ``write``):
    403 for a role that never reads reports, 404 for another region's report, for a draft shown
    to a reader, and for a missing or malformed reference alike."""
    require_issuer(actor) if write else require_reader(actor)
    report = repository.by_ref(session, ref) if isinstance(ref, str) and REF.fullmatch(ref) else None
    if report is None:
        raise NotFound("报告不存在")
    code = repository.region_codes(session, [report.region_id]).get(report.region_id, "")
    hidden = not in_region(actor.region_code, code) or (report.status == Status.draft and not may_issue(actor))
    if hidden:
        access.deny(session, actor, "report", report.ref, write=write)
        raise NotFound("报告不存在")
    return report


# --- what is asked ---------------------------------------------------------------------------------


@dataclass
class DraftRequest:
    """What to draft. ``period`` is ``2026-11`` (monthly), ``2026H2`` (half-year) or a day
    ``2026-11-05`` (daily ledger); a campaign takes ``start`` and ``end``; a special report
    ``hotspot_month`` and ``hotspot_rank`` or ``warning_id``. ``region_code`` defaults to the
    caller's region (the province for the command line and the scheduled job)."""

    kind: str
    period: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    hotspot_month: str | None = None
    hotspot_rank: int | None = None
    warning_id: int | None = None
    region_code: str | None = None


def parse_month(value: str | None, field: str = "period") -> Period:
    m = MONTH.fullmatch((value or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < EARLIEST_YEAR:
        raise InvalidInput(field, "月份格式应为 YYYY-MM，例如 2026-11")
    return period("month", f"{int(m.group(1)):04d}-{int(m.group(2)):02d}")


def parse_half(value: str | None, field: str = "period") -> Period:
    m = HALF.fullmatch((value or "").strip())
    if not m or int(m.group(1)) < EARLIEST_YEAR:
        raise InvalidInput(field, "半年格式应为 YYYYH1 或 YYYYH2，例如 2026H2")
    return period("half", f"{m.group(1)}H{m.group(2)}")


def parse_day(value: str | dt.date | None, field: str = "period") -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        day = dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(field, "日期格式应为 YYYY-MM-DD") from None
    if day.year < EARLIEST_YEAR:
        raise InvalidInput(field, "日期超出范围")
    return day


def _not_future(p: Period, field: str) -> None:
    if p.start > clock.today():
        raise InvalidInput(field, "统计期尚未开始")


def _kind(value: str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise InvalidInput("kind", "报告类型应为 " + "、".join(k.value for k in Kind)) from None


def resolve_region(session: Session, actor: Principal | None, code: str | None) -> Region:
    """The region a report covers: the one asked (within the caller's region), else the
    caller's, else (command line, scheduled job) the province."""
    if code is not None and str(code).strip():
        code = validate.region_code(str(code).strip(), "region_code")
        region = repository.region_by_code(session, code)
        if region is None:
            raise InvalidInput("region_code", f"区划 {code} 不存在")
        if actor is not None and not in_region(actor.region_code, region.code):
            raise InvalidInput("region_code", f"区划 {code} 不在您的辖区内")
        return region
    if actor is not None:
        region = repository.region_by_code(session, actor.region_code)
    else:
        region = repository.province(session)
    if region is None:
        raise InvalidInput("region_code", "没有可用的区划")
    return region


@dataclass
class Plan:
    kind: Kind
    key: str
    period: Period
    source: str | None = None


def plan(session: Session, req: DraftRequest) -> Plan:
    """The kind, period key and period of a request (422 naming the bad field)."""
    kind = _kind(req.kind)
    if kind == Kind.monthly:
        p = parse_month(req.period)
        _not_future(p, "period")
        return Plan(kind, p.start.strftime("%Y-%m"), p)
    if kind == Kind.half_year:
        p = parse_half(req.period)
        _not_future(p, "period")
        return Plan(kind, f"{p.start.year}H{1 if p.start.month <= 6 else 2}", p)
    if kind == Kind.daily_ledger:
        day = parse_day(req.period)
        if day > clock.today():
            raise InvalidInput("period", "不能生成未来日期的日报")
        return Plan(kind, day.isoformat(), period("day", day))
    if kind == Kind.campaign:
        if req.start is None:
            raise InvalidInput("start", "请填写开始日期")
        if req.end is None:
            raise InvalidInput("end", "请填写结束日期")
        if req.end < req.start:
            raise InvalidInput("end", "结束日期不能早于开始日期")
        if (req.end - req.start).days > MAX_SPAN_DAYS or req.start.year < EARLIEST_YEAR:
            raise InvalidInput("start", "统计区间不能超过两年")
        p = custom(req.start, req.end)
        _not_future(p, "start")
        return Plan(kind, f"{req.start.isoformat()}/{req.end.isoformat()}", p)
    # special
    if req.warning_id is not None:
        return Plan(kind, f"warning:{req.warning_id}", period("day", clock.today()), f"warning:{req.warning_id}")
    if req.hotspot_month is None:
        raise InvalidInput("hotspot_month", "请指定热点（月份和名次）或预警")
    month = parse_month(req.hotspot_month, "hotspot_month")
    if req.hotspot_rank is None or not 1 <= req.hotspot_rank <= 50:
        raise InvalidInput("hotspot_rank", "热点名次应为 1–50")
    key = f"hotspot:{month.start:%Y-%m}:{req.hotspot_rank}"
    return Plan(kind, key, month, key)


def _hotspot(session: Session, region: Region, month: str, rank: int) -> dict[str, Any]:
    from hotline.intelligence import repository as intelligence_repository

    centre = org_repository.centre_for_region(session, region)
    snapshot = intelligence_repository.hotspot_snapshot(session, centre.id, month) if centre is not None else None
    if snapshot is None or not 1 <= rank <= len(snapshot.hotspots):
        raise InvalidInput("hotspot_rank", f"{month} 没有第 {rank} 位热点（请先在“热点问题”中计算）")
    return dict(snapshot.hotspots[rank - 1])


def _warning(session: Session, region: Region, warning_id: int) -> Any:
    """The warning if it lies in the region: its place, else (no place) its centre's region."""
    from hotline.intelligence.models import EarlyWarning
    from hotline.org.models import Unit

    found = session.get(EarlyWarning, warning_id) if 1 <= warning_id <= 2**62 else None
    if found is not None:
        if found.region_id is not None:
            code = repository.region_codes(session, [found.region_id]).get(found.region_id, "")
        else:
            centre = session.get(Unit, found.centre_unit_id)
            code = centre.region.code if centre is not None else ""
        if not in_region(region.code, code):
            found = None
    if found is None:
        raise InvalidInput("warning_id", "预警不存在或不在本辖区")
    return found


def build(session: Session, region: Region, p: Plan) -> dict[str, Any]:
    """The content of a report of this plan, read now."""
    if p.kind == Kind.monthly:
        content = compose.analysis(session, region, p.period, half=False)
    elif p.kind == Kind.half_year:
        content = compose.analysis(session, region, p.period, half=True)
    elif p.kind == Kind.campaign:
        content = compose.campaign(session, region, p.period)
    elif p.kind == Kind.daily_ledger:
        since, until = _day_bounds(p.period.start)
        rows = repository.daily_ledger(session, since=since, until=until,
                                       scope=repository.centre_scope(region_prefix(region.code)))
        content = compose.daily_ledger(region.name, p.period.start, rows)
    elif p.source and p.source.startswith("warning:"):
        content = compose.special_from_warning(session, region, _warning(session, region, int(p.source[8:])))
    else:
        assert p.source is not None
        _, month, rank = p.source.split(":")
        content = compose.special_from_hotspot(session, region, month, int(rank),
                                               _hotspot(session, region, month, int(rank)))
    content["warnings"] = documents.font_warnings() if content.get("charts") else []
    content["generated_at"] = clock.now().isoformat()
    return content


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    since = dt.datetime.combine(day, dt.time(), tzinfo=clock.CST).astimezone(dt.UTC)
    return since, since + dt.timedelta(days=1)


# --- the draft and its life ------------------------------------------------------------------------


def draft(session: Session, actor: Principal | None, req: DraftRequest, *, auto_key: str | None = None) -> Report:
    """Draft a report: read the figures, generate each section's text. ``actor`` None: the
    command line or the scheduled job (with ``auto_key``, at most one draft per key exists;
    a second one raises :class:`AlreadyDrafted`)."""
    if actor is not None:
        require_issuer(actor)
    p = plan(session, req)
    region = resolve_region(session, actor, req.region_code)
    content = build(session, region, p)
    now = clock.now()
    report = Report(kind=p.kind.value, period_key=p.key, period_start=p.period.start, period_end=p.period.end,
                    source=p.source, region_id=region.id, title=str(content["title"])[:lifecycle.MAX_TITLE],
                    content=content, status=Status.draft.value, auto_key=auto_key,
                    created_by_id=actor.user_id if actor else None, created_at=now, updated_at=now, version=1)
    if auto_key is not None:
        if not repository.add_once(session, report):
            raise AlreadyDrafted
    else:
        session.add(report)
        session.flush()
    audit.record(session, actor, "report.drafted", object_type="report", object_id=report.ref,
                 detail={"kind": KIND_NAMES[p.kind], "period": p.key, "region": region.code},
                 actor_name=None if actor else "system")
    return report


class AlreadyDrafted(Exception):
    """A scheduled draft with this key exists already."""


def _check_version(report: Report, version: int | None) -> None:
    if version is not None and version != report.version:
        raise StaleVersion("报告已被他人修改，请刷新后重试")


def _touch(report: Report) -> None:
    report.version += 1
    report.updated_at = clock.now()


def edit(session: Session, actor: Principal, report: Report, *, sections: dict[str, str | None] | None = None,
         title: str | None = None, version: int | None = None) -> Report:
    """Change the title or a section's text before issue. A text equal to the generated one,
    or None, goes back to the generated text (so a later refresh updates it)."""
    lifecycle.apply(Status(report.status), Action.edit)
    _check_version(report, version)
    content = dict(report.content)
    by_key = {s["key"]: dict(s) for s in content.get("sections", [])}
    changed: list[str] = []
    for key, text in (sections or {}).items():
        if key not in by_key:
            raise InvalidInput("sections", f"没有这一节：{str(key)[:20]}")
        if text is not None and not isinstance(text, str):
            raise InvalidInput("sections", "内容应为文本")
        cleaned = validate.text(text, "sections", max_length=lifecycle.MAX_SECTION, required=False, multiline=True)
        value = None if cleaned is None or cleaned == by_key[key]["generated"] else cleaned
        if by_key[key].get("text") != value:
            by_key[key]["text"] = value
            changed.append(key)
    content["sections"] = [by_key[s["key"]] for s in content.get("sections", [])]
    if title is not None:
        new_title = validate.text(title, "title", max_length=lifecycle.MAX_TITLE)
        if new_title != report.title:
            report.title = new_title or report.title
            content["title"] = report.title
            changed.append("title")
    if changed:
        report.content = content
        _touch(report)
        session.flush()
        audit.record(session, actor, "report.edited", object_type="report", object_id=report.ref,
                     detail={"sections": changed})
    return report


def regenerate(session: Session, actor: Principal, report: Report, *, version: int | None = None) -> Report:
    """Read the figures again; sections whose text was edited keep the edit (the generated
    text beside it is renewed), the title as edited is kept."""
    lifecycle.apply(Status(report.status), Action.regenerate)
    _check_version(report, version)
    region = session.get(Region, report.region_id)
    assert region is not None
    p = plan(session, _request_of(report, region))
    content = build(session, region, p)
    edits = {s["key"]: s.get("text") for s in report.content.get("sections", [])}
    for s in content["sections"]:
        s["text"] = edits.get(s["key"])
    content["title"] = report.title
    report.content = content
    _touch(report)
    session.flush()
    audit.record(session, actor, "report.regenerated", object_type="report", object_id=report.ref)
    return report


def _request_of(report: Report, region: Region) -> DraftRequest:
    kind = Kind(report.kind)
    if kind == Kind.campaign:
        return DraftRequest(kind=kind.value, start=report.period_start, end=report.period_end, region_code=region.code)
    if kind == Kind.special and report.source:
        if report.source.startswith("warning:"):
            return DraftRequest(kind=kind.value, warning_id=int(report.source[8:]), region_code=region.code)
        _, month, rank = report.source.split(":")
        return DraftRequest(kind=kind.value, hotspot_month=month, hotspot_rank=int(rank), region_code=region.code)
    return DraftRequest(kind=kind.value, period=report.period_key, region_code=region.code)


def issuer_line(session: Session, report: Report, actor: Principal | None) -> tuple[str, str]:
    """The signature of an issued report: the issuing centre and the date (China)."""
    region = session.get(Region, report.region_id)
    centre = org_repository.centre_for_region(session, region) if region is not None else None
    name = actor.unit_name if actor is not None else (centre.name if centre is not None else "12345 热线中心")
    day = clock.now().astimezone(clock.CST).date()
    return name, f"{day.year}年{day.month}月{day.day}日"


def issue(session: Session, actor: Principal, report: Report, *, version: int | None = None) -> Report:
    """Issue a draft: the .docx and .xlsx are made now from the figures and text as they
    stand, stored, and every later download returns exactly these."""
    issued = lifecycle.apply(Status(report.status), Action.issue)
    _check_version(report, version)
    report.status = issued.value
    signer, day = issuer_line(session, report, actor)
    report.docx = documents.docx_bytes(report.content, issued_by=signer, issued_on=day)
    report.xlsx = documents.xlsx_bytes(report.content)
    report.issued_by_id, report.issued_at = actor.user_id, clock.now()
    _touch(report)
    session.flush()
    audit.record(session, actor, "report.issued", object_type="report", object_id=report.ref,
                 detail={"kind": KIND_NAMES[Kind(report.kind)], "period": report.period_key, "title": report.title})
    return report


def discard(session: Session, actor: Principal, report: Report, *, version: int | None = None) -> None:
    lifecycle.apply(Status(report.status), Action.discard)
    _check_version(report, version)
    audit.record(session, actor, "report.discarded", object_type="report", object_id=report.ref,
                 detail={"kind": KIND_NAMES[Kind(report.kind)], "period": report.period_key})
    session.delete(report)
    session.flush()


def list_reports(session: Session, actor: Principal, *, status: str | None = None,
                 kind: str | None = None) -> list[Report]:
    """The reports of the caller's region: issued ones for readers, drafts too for issuers."""
    require_reader(actor)
    statuses = [Status.issued.value] + ([Status.draft.value] if may_issue(actor) else [])
    if status is not None:
        if status not in {s.value for s in Status}:
            raise InvalidInput("status", "状态应为 draft 或 issued")
        statuses = [s for s in statuses if s == status]
    if kind is not None:
        _kind(kind)
    return repository.reports(session, region_prefix=actor.region_prefix, statuses=statuses, kind=kind)


def document(session: Session, actor: Principal | None, report: Report, ext: str) -> bytes:
    """The .docx or .xlsx: as issued, or (a draft) as it would be issued now, marked draft."""
    if ext not in ("docx", "xlsx"):
        raise InvalidInput("format", "格式应为 docx 或 xlsx")
    stored = (report.docx if ext == "docx" else report.xlsx) if report.status == Status.issued else None
    if stored is not None:
        data = stored
    elif ext == "docx":
        data = documents.docx_bytes(report.content, draft=True)
    else:
        data = documents.xlsx_bytes(report.content)
    if actor is not None:
        audit.record(session, actor, "report.downloaded", object_type="report", object_id=report.ref,
                     detail={"status": report.status, "format": ext})
    return data


def filename(report: Report, ext: str) -> str:
    return f"{KIND_NAMES[Kind(report.kind)]}-{report.period_key.replace('/', '_').replace(':', '_')}.{ext}"


def names(session: Session, reports: list[Report]) -> dict[int, str]:
    return repository.users_names(session, [r.created_by_id for r in reports] + [r.issued_by_id for r in reports])


# --- the command line and the schedule ---------------------------------------------------------------


def generate(session: Session, req: DraftRequest) -> tuple[Report, bytes, bytes]:
    """A report drafted by the system (command line) with its documents, as a draft."""
    report = draft(session, None, req)
    return report, document(session, None, report, "docx"), document(session, None, report, "xlsx")


def first_working_day(session: Session, day: dt.date) -> bool:
    """Whether ``day`` is the first working day of its month (kit.workcalendar)."""
    calendar = load_calendar(session)
    if not calendar.is_workday(day):
        return False
    first = day.replace(day=1)
    return not any(calendar.is_workday(first + dt.timedelta(days=i)) for i in range((day - first).days))


def draft_scheduled(session: Session, now: dt.datetime | None = None) -> list[Report]:
    """On the first working day of a month, draft last month's analysis for every hotline
    centre's region — and in January and July the last half-year's — once each (``auto_key``):
    a second run, another worker or a later day of the month drafts nothing more."""
    today = (now or clock.now()).astimezone(clock.CST).date()
    if not first_working_day(session, today):
        return []
    last_month = period("month", today.replace(day=1) - dt.timedelta(days=1))
    wanted = [(Kind.monthly, last_month.start.strftime("%Y-%m"))]
    if today.month in (1, 7):
        half = period("half", today.replace(day=1) - dt.timedelta(days=1))
        wanted.append((Kind.half_year, f"{half.start.year}H{1 if half.start.month <= 6 else 2}"))
    made: list[Report] = []
    for centre in repository.centres(session):
        code = centre.region.code
        for kind, key in wanted:
            auto = f"{kind.value}:{key}:{code}"
            if repository.exists_auto(session, auto):
                continue
            try:
                made.append(draft(session, None, DraftRequest(kind=kind.value, period=key, region_code=code),
                                  auto_key=auto))
            except AlreadyDrafted:
                continue
            except HotlineError as exc:  # one region's failure must not stop the others' drafts
                log.warning("scheduled %s report of %s not drafted: %s", kind.value, code, exc.message)
    return made


# --- the daily emergency and stability ledger --------------------------------------------------------


def may_read_daily_ledger(actor: Principal) -> bool:
    return actor.can(Cap.view_orders) and not actor.is_service and (
        actor.role == Role.sector_viewer or actor.role in access.CENTRE_ROLES)


def daily_ledger(session: Session, actor: Principal, day: dt.date | str | None) -> dict[str, Any]:
    """The day's emergency and stability entries as the caller may see them (a sector
    department: its sectors in its region; a centre: its region), as report content."""
    if not may_read_daily_ledger(actor):
        raise Forbidden("您的角色无权查看突发事件与涉稳风险日报")
    when = parse_day(day, "day") if day else clock.today() - dt.timedelta(days=1)
    if when > clock.today():
        raise InvalidInput("day", "不能查看未来日期的日报")
    since, until = _day_bounds(when)
    rows = repository.daily_ledger(session, since=since, until=until,
                                   scope=lambda stmt: access.ledger_scope(actor, stmt))
    content = compose.daily_ledger(actor.unit_name, when, rows)
    content["day"] = when.isoformat()
    content["warnings"] = documents.font_warnings() if content.get("charts") else []
    return content


def daily_ledger_files(session: Session, actor: Principal, day: dt.date | str | None) -> tuple[dict[str, Any], bytes,
                                                                                             bytes]:
    content = daily_ledger(session, actor, day)
    audit.record(session, actor, "daily_ledger.downloaded", object_type="daily_ledger", object_id=content["day"])
    return content, documents.docx_bytes(content), documents.xlsx_bytes(content)
