"""Finding orders (工单查询): by number, phone, text and any combination of filters, in the
caller's scope, newest first, a page at a time by keyset; saved searches per account.

One parser (:func:`parse`) turns a query string — the search page's form, the API's query, a
saved search, an export job's — into a :class:`SearchQuery`, refusing what it cannot read
with 422 naming the field. :func:`search` runs it; :func:`rows_for_export` walks every
matching order for the Excel export (``workorder.export``).

* **Number**: exact. **Phone**: exact, through the citizen register's keyed hash (the phone is
  never decrypted to compare); only centre staff, who see callers' phones, may search by one,
  and each such search is audited (which phone is never written, only that one was used).
* **Text**: every word of the query must occur in the title, content or place (substring, case
  insensitive). The bigram index (``kit.grams``) finds the candidates, the substring test
  confirms them. A word needs two characters; confidential reports are searched by text only
  for those who may read their reporter (as the order lists always did).
* **Filters**: registration dates (China time, both ends included), channel, appeal type,
  category and region (each with its subtree), lead unit, status (``open`` for every open
  status), urgency, overdue (ever past a deadline), enterprise (and its USCC or part of its
  name), merged, returned, re-handled, urged, satisfaction (the final verdict, or ``unrated``),
  due soon (in a unit's hands, warned by the deadline sweep, not yet past), mine (registered by
  the caller).
* **Pages**: newest registration first (registration order: the order ids); ``after`` is the
  number of the last order of the previous page. The total is counted up to :data:`COUNT_CAP`
  (then shown as "1000+": counting every match of a broad search would read the province's
  orders; the export counts them all)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access, roles
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.citizen import service as citizen_service
from hotline.kit import cache, crypto, grams, redact, validate
from hotline.kit.clock import CST
from hotline.kit.errors import Forbidden, InvalidInput
from hotline.org import repository as org_repository
from hotline.workorder import search_repository as repo
from hotline.workorder.lifecycle import OPEN_STATUSES, STATUS_NAMES, Status
from hotline.workorder.models import Verdict
from hotline.workorder.service.citizen import hides_reporters
from hotline.workorder.sla import Urgency

NUMBER = re.compile(r"HL[0-9]{14}")
PAGE = 50
MAX_PAGE = 500
#: Totals are counted up to here; beyond, the list says "more than".
COUNT_CAP = 1_000
MAX_TEXT = 100
MAX_WORDS = 5
URGENCY_NAMES = {Urgency.normal: "一般", Urgency.urgent: "紧急", Urgency.emergency: "特急"}
VERDICT_NAMES = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意", "unrated": "未评价"}
YES_NO = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass(frozen=True)
class SearchQuery:
    """What to look for. Every field is optional; the fields combine with AND."""

    number: str | None = None
    phone: str | None = None  # national digits (validated)
    q: str | None = None
    registered_from: dt.date | None = None
    registered_to: dt.date | None = None
    channel: str | None = None  # channel code
    appeal_type: str | None = None  # appeal type code
    category: str | None = None  # category code: it and its subtree
    region: str | None = None  # region code: it and its subtree
    lead_unit: str | None = None  # unit code
    status: tuple[str, ...] = ()  # Status values, or "open" for every open status
    urgency: Urgency | None = None
    overdue: bool | None = None
    enterprise: bool | None = None
    uscc: str | None = None
    enterprise_name: str | None = None
    merged: bool | None = None
    returned: bool | None = None
    rehandled: bool | None = None
    urged: bool | None = None
    satisfaction: str | None = None  # a Verdict value or "unrated"
    due_soon: bool | None = None  # in a unit's hands, warned of its coming deadline, not yet past it
    mine: bool | None = None  # registered by the caller (an agent's own orders)

    def params(self) -> list[tuple[str, str]]:
        """The canonical query string pairs (what a saved search keeps, what links carry)."""
        out: list[tuple[str, str]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == ():
                continue
            name = PARAM_NAMES.get(f.name, f.name)
            if isinstance(value, tuple):
                out.append((name, ",".join(value)))
            elif isinstance(value, bool):
                out.append((name, "true" if value else "false"))
            elif isinstance(value, dt.date):
                out.append((name, value.isoformat()))
            else:
                out.append((name, str(value)))
        return out

    def query_string(self) -> str:
        return urlencode(self.params())

    def is_empty(self) -> bool:
        return not self.params()


#: Field → query parameter where they differ.
PARAM_NAMES = {"registered_from": "from", "registered_to": "to"}
#: What each parameter is called on the page, in the export's header and in errors.
LABELS = {"number": "工单号", "phone": "来电号码", "q": "关键词", "from": "受理日期起", "to": "受理日期止",
          "channel": "渠道", "appeal_type": "诉求类型", "category": "诉求分类", "region": "区域",
          "lead_unit": "主办单位", "status": "状态", "urgency": "紧急程度", "overdue": "是否超期",
          "enterprise": "诉求人类型", "uscc": "统一社会信用代码", "enterprise_name": "市场主体名称",
          "merged": "是否并案", "returned": "是否退单", "rehandled": "是否重办", "urged": "是否催办",
          "satisfaction": "满意度", "due_soon": "是否临期", "mine": "本人受理"}
PARAMS = frozenset(LABELS)


def _one(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _flag(params: Mapping[str, Any], name: str) -> bool | None:
    value = _one(params, name)
    if value is None:
        return None
    if value.lower() not in YES_NO:
        raise InvalidInput(name, "应为 true 或 false")
    return YES_NO[value.lower()]


def _date(params: Mapping[str, Any], name: str) -> dt.date | None:
    value = _one(params, name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(name, "日期格式应为 YYYY-MM-DD") from None


def parse(params: Mapping[str, Any]) -> SearchQuery:
    """A search from query-string parameters (a mapping of name → value or list of values).
    Unknown parameters are the caller's business (the API refuses them, pages ignore them)."""
    number = _one(params, "number")
    if number is not None:
        number = number.upper()
        if not NUMBER.fullmatch(number):
            raise InvalidInput("number", "工单号应为 HL 加 14 位数字")
    phone = _one(params, "phone")
    if phone is not None:
        phone = validate.phone(phone, "phone")
    q = _one(params, "q")
    if q is not None:
        if len(q) > MAX_TEXT:
            raise InvalidInput("q", f"关键词最多 {MAX_TEXT} 个字")
        words = q.split()
        if len(words) > MAX_WORDS:
            raise InvalidInput("q", f"关键词最多 {MAX_WORDS} 个（以空格分隔）")
        if any(grams.query_terms(w) is None for w in words):
            raise InvalidInput("q", "每个关键词至少 2 个字（单字无法检索）")
        q = " ".join(words)
    start, end = _date(params, "from"), _date(params, "to")
    if start and end and end < start:
        raise InvalidInput("to", "结束日期不能早于开始日期")
    statuses: list[str] = []
    for raw in (_one(params, "status") or "").split(","):
        raw = raw.strip()
        if not raw:
            continue
        if raw != "open" and raw not in {s.value for s in Status}:
            raise InvalidInput("status", f"状态 {raw[:20]} 不存在（可用 open 表示全部未办结）")
        statuses.append(raw)
    urgency = _one(params, "urgency")
    if urgency is not None and urgency not in {u.value for u in Urgency}:
        raise InvalidInput("urgency", "紧急程度应为 normal、urgent、emergency 之一")
    satisfaction = _one(params, "satisfaction")
    if satisfaction is not None and satisfaction not in VERDICT_NAMES:
        raise InvalidInput("satisfaction", "满意度应为 satisfied、basically_satisfied、dissatisfied、unrated 之一")
    uscc = _one(params, "uscc")
    if uscc is not None:
        uscc = validate.uscc_code(uscc, "uscc")
    enterprise_name = _one(params, "enterprise_name")
    if enterprise_name is not None and len(enterprise_name) > 100:
        raise InvalidInput("enterprise_name", "市场主体名称最多 100 个字")
    codes = {}
    for name in ("channel", "appeal_type", "category", "region", "lead_unit"):
        value = _one(params, name)
        if value is not None and (len(value) > 40 or not re.fullmatch(r"[0-9A-Za-z_.\-]+", value)):
            raise InvalidInput(name, f"{LABELS[name]}代码格式不正确")
        codes[name] = value
    if codes["region"] is not None:
        codes["region"] = validate.region_code(codes["region"], "region")
    return SearchQuery(
        number=number, phone=phone, q=q, registered_from=start, registered_to=end,
        status=tuple(dict.fromkeys(statuses)), urgency=Urgency(urgency) if urgency else None,
        overdue=_flag(params, "overdue"), enterprise=_flag(params, "enterprise"), uscc=uscc,
        enterprise_name=enterprise_name, merged=_flag(params, "merged"), returned=_flag(params, "returned"),
        rehandled=_flag(params, "rehandled"), urged=_flag(params, "urged"), satisfaction=satisfaction,
        due_soon=_flag(params, "due_soon"), mine=_flag(params, "mine"), **codes)


# --- running a search --------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """One order as a result list shows it (its text masked where the caller must not read names)."""

    number: str
    title: str
    status: Status
    status_name: str
    appeal_type: str
    category: str | None
    region: str | None
    lead_unit: str | None
    channel: str
    urgency: Urgency
    registered_at: dt.datetime
    due_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue: bool
    is_enterprise: bool
    enterprise_name: str | None
    urge_count: int
    return_count: int
    rehandle_count: int
    merged: bool
    verdict: str | None
    is_confidential: bool = False
    citizen_id: int | None = None  # for the export's contact columns, never shown as such


@dataclass(frozen=True)
class Page:
    items: list[Found]
    total: int
    total_capped: bool  # the total is at least ``total`` (counting stopped there)
    next_after: str | None  # the ``after`` of the next page, if there is one
    query: SearchQuery = field(default_factory=SearchQuery)


def require_searcher(principal: Principal) -> None:
    access.require(principal, Cap.view_orders)
    if principal.is_service:
        raise Forbidden("服务账号不能使用工单查询")


def _resolve(session: Session, principal: Principal, query: SearchQuery) -> repo.Criteria:
    """The query with its codes turned into ids (422 naming a code that does not exist)."""
    citizen_ids: list[int] | None = None
    if query.phone is not None:
        if not principal.can(Cap.view_citizens):
            raise Forbidden("只有热线中心工作人员可以按来电号码查询")
        citizen_ids = repo.citizens_with_phone(session, citizen_service.phone_hash(query.phone))
    ids: dict[str, int | None] = {}
    if query.channel is not None:
        channel = org_repository.cached_channel_by_code(session, query.channel)
        if channel is None:
            raise InvalidInput("channel", f"渠道 {query.channel} 不存在")
        ids["channel_id"] = channel.id
    if query.appeal_type is not None and org_repository.cached_appeal_type(session, query.appeal_type) is None:
        raise InvalidInput("appeal_type", f"诉求类型 {query.appeal_type} 不存在")
    category_code = None
    if query.category is not None:
        category = org_repository.cached_category_by_code(session, query.category)
        if category is None:
            raise InvalidInput("category", f"诉求分类 {query.category} 不存在")
        category_code = category.code
    region_prefix = None
    if query.region is not None:
        region = org_repository.cached_region_by_code(session, query.region)
        if region is None:
            raise InvalidInput("region", f"区域代码 {query.region} 不存在")
        region_prefix = roles.region_prefix(region.code)
    if query.lead_unit is not None:
        unit = org_repository.unit_by_code(session, query.lead_unit)
        if unit is None:
            raise InvalidInput("lead_unit", f"单位代码 {query.lead_unit} 不存在")
        ids["lead_unit_id"] = unit.id
    words = [(w, grams.query_terms(w) or []) for w in (query.q or "").split()]
    start = dt.datetime.combine(query.registered_from, dt.time(), CST) if query.registered_from else None
    end = (dt.datetime.combine(query.registered_to + dt.timedelta(days=1), dt.time(), CST)
           if query.registered_to else None)
    return repo.Criteria(
        number=query.number, citizen_ids=citizen_ids, words=words, text_in_confidential=not hides_reporters(principal),
        use_text_index=not principal.can(Cap.handle),
        own_unit_id=principal.unit_id if principal.can(Cap.handle) else None,
        start=start, end=end, channel_id=ids.get("channel_id"), appeal_type=query.appeal_type,
        category_code=category_code, region_prefix=region_prefix, lead_unit_id=ids.get("lead_unit_id"),
        statuses=_statuses(query.status), urgency=query.urgency, overdue=query.overdue, enterprise=query.enterprise,
        uscc=query.uscc, enterprise_name=query.enterprise_name, merged=query.merged, returned=query.returned,
        rehandled=query.rehandled, urged=query.urged,
        verdict=None if query.satisfaction in (None, "unrated") else Verdict(query.satisfaction or ""),
        unrated=query.satisfaction == "unrated", due_soon=query.due_soon,
        created_by=principal.user_id if query.mine else None, not_created_by=principal.user_id
        if query.mine is False else None)


def _statuses(values: tuple[str, ...]) -> tuple[Status, ...]:
    out: dict[Status, None] = {}
    for value in values:
        for status in (sorted(OPEN_STATUSES) if value == "open" else [Status(value)]):
            out.setdefault(status, None)
    return tuple(out)


def _scope(session: Session, principal: Principal) -> repo.Scope:
    return repo.scope_for(session, principal)


def _found(principal: Principal, row: repo.ResultRow, now: dt.datetime) -> Found:
    title = row.title
    if row.is_confidential and hides_reporters(principal):
        title = redact.mask_personal_text(title)
    open_ = row.status in OPEN_STATUSES
    overdue = row.overdue_at is not None or (open_ and row.due_at is not None and row.due_at < now)
    return Found(number=row.number, title=title, status=row.status, status_name=STATUS_NAMES[row.status],
                 appeal_type=row.appeal_type, category=row.category, region=row.region, lead_unit=row.lead_unit,
                 channel=row.channel, urgency=row.urgency, registered_at=row.registered_at, due_at=row.due_at,
                 closed_at=row.closed_at, overdue=overdue, is_enterprise=row.is_enterprise,
                 enterprise_name=row.enterprise_name, urge_count=row.urge_count, return_count=row.return_count,
                 rehandle_count=row.rehandle_count, merged=row.merged, verdict=row.verdict,
                 is_confidential=row.is_confidential, citizen_id=row.citizen_id)


def audit_phone(session: Session, principal: Principal, query: SearchQuery, count: int, purpose: str) -> None:
    if query.phone is not None:
        audit.record(session, principal, "pii.searched",
                     detail={"fields": ["phone"], "purpose": purpose, "count": count})


def search(session: Session, principal: Principal, query: SearchQuery, *, after: str | None = None,
           limit: int = PAGE, now: dt.datetime) -> Page:
    """One page of the orders matching ``query`` in the caller's scope, newest first."""
    started = time.monotonic()
    require_searcher(principal)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput("limit", f"每页 1–{MAX_PAGE} 条")
    criteria = _resolve(session, principal, query)
    scope = _scope(session, principal)
    position = None
    if after is not None:
        if not NUMBER.fullmatch(after):
            raise InvalidInput("after", "应为上一页最后一张工单的工单号")
        position = repo.position_of(session, after)
        if position is None:
            raise InvalidInput("after", f"工单 {after} 不存在")
    counted = _counted_key(principal, query)
    known = _COUNTED.get(counted) if position is not None else None
    if known is not None:  # a next page: the total its first page counted
        rows = repo.page(session, scope, criteria, after=position, limit=limit + 1)
        total, complete = known
    else:
        deadline = started + repo.TEXT_COUNT_SECONDS
        if position is None:  # the ids read once for the page and the count
            rows, total, complete = repo.first_page_and_count(session, scope, criteria, limit=limit + 1,
                                                              cap=COUNT_CAP + 1, deadline=deadline)
        else:
            rows = repo.page(session, scope, criteria, after=position, limit=limit + 1)
            total, complete = repo.count_within(session, scope, criteria, cap=COUNT_CAP + 1, deadline=deadline)
        _COUNTED.put(counted, (total, complete))  # kept from this count on, never refreshed by a reuse
    more = len(rows) > limit
    rows = rows[:limit]
    if not complete:  # a text count out of time: at least what it found, and what the page shows
        total = max(total, len(rows) + (1 if more else 0))
    audit_phone(session, principal, query, len(rows), "search")
    return Page(items=[_found(principal, r, now) for r in rows], total=min(total, COUNT_CAP),
                total_capped=total > COUNT_CAP or not complete,
                next_after=rows[-1].number if more and rows else None, query=query)


#: The totals of searches just made, per caller: the next pages of a search show the total its
#: first page counted (a minute old at most) rather than count it all again.
_COUNTED: cache.TtlCache[tuple[Any, ...], tuple[int, bool]] = cache.TtlCache(60, max_entries=5_000)


def _counted_key(principal: Principal, query: SearchQuery) -> tuple[Any, ...]:
    """The caller's scope and the search (hashed: a phone number is not kept in the clear)."""
    digest = hashlib.sha256(query.query_string().encode()).hexdigest()
    return principal.user_id, principal.role, principal.unit_id, principal.region_code, digest


def count(session: Session, principal: Principal, query: SearchQuery, *, cap: int = COUNT_CAP + 1) -> int:
    """How many orders match (up to ``cap``): the workbench's figures and the export's size."""
    require_searcher(principal)
    return repo.count(session, _scope(session, principal), _resolve(session, principal, query), cap=cap)


#: How many ids an export reads at a time.
EXPORT_ID_STRETCH = 50_000


def rows_for_export(session: Session, principal: Principal, query: SearchQuery, *, now: dt.datetime,
                    batch: int = 1000, limit: int | None = None) -> Iterator[Found]:
    """Every matching order, newest first: the ids a long stretch at a time by keyset (a
    stretch of 1,000 would be read the way a page is, along the id order hoping to stop early;
    one of 50,000 is read the way the filters suit best, then sorted), the rows a batch at a time."""
    require_searcher(principal)
    criteria = _resolve(session, principal, query)
    scope = _scope(session, principal)
    position: int | None = None
    given = 0
    stretch = max(batch, EXPORT_ID_STRETCH)
    while True:
        want = stretch if limit is None else min(stretch, limit - given)
        ids = repo.page_ids(session, scope, criteria, after=position, limit=want)
        for start in range(0, len(ids), batch):
            for row in repo.rows_of(session, ids[start:start + batch]):
                yield _found(principal, row, now)
                given += 1
        if len(ids) < want or (limit is not None and given >= limit):
            return
        position = ids[-1]


def describe(session: Session, query: SearchQuery) -> list[tuple[str, str]]:
    """The search in words (the export's header, the saved search's summary): label, value."""
    out: list[tuple[str, str]] = []
    for name, value in query.params():
        shown = value
        if name == "phone":
            shown = crypto.mask_phone(value) or ""
        elif name == "status":
            shown = "、".join("全部未办结" if v == "open" else STATUS_NAMES[Status(v)] for v in value.split(","))
        elif name == "urgency":
            shown = URGENCY_NAMES[Urgency(value)]
        elif name == "satisfaction":
            shown = VERDICT_NAMES[value]
        elif name == "enterprise":
            shown = "市场主体" if value == "true" else "个人"
        elif value in ("true", "false"):
            shown = "是" if value == "true" else "否"
        elif name in ("channel", "category", "region", "lead_unit", "appeal_type"):
            shown = repo.name_of_code(session, name, value) or value
        out.append((LABELS[name], shown))
    return out


def with_params(query: SearchQuery, **changes: Any) -> SearchQuery:
    return replace(query, **changes)


def summary(session: Session, params: Sequence[tuple[str, str]]) -> str:
    return "；".join(f"{label}：{value}" for label, value in params) or "全部工单"
