"""Use cases of the Open311 channel: keys (issue, revoke, authenticate, rate limit), the
services the centre opens and their definitions, posting a request (it becomes an order by
``workorder.service.intake``) and reading requests back as open data. Services take the
session first and never commit; every write is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hotline.attachments import service as attachments
from hotline.audit import service as audit
from hotline.auth import repository as auth_repository
from hotline.auth import service as auth_service
from hotline.auth.access import require_province_admin
from hotline.auth.models import Role, User
from hotline.auth.principal import Principal
from hotline.auth.roles import region_prefix
from hotline.channels.open311 import repository, rules
from hotline.channels.open311.models import Open311Key, Open311Request, Open311Service
from hotline.kit import clock, ratelimit, validate
from hotline.kit.errors import Forbidden, InvalidInput, NotFound
from hotline.org import repository as org_repository
from hotline.org import service as org_service
from hotline.org.models import Category, Channel, ChannelKind, RegionLevel
from hotline.workorder import service as workorder
from hotline.workorder.lifecycle import Status

#: The channel a key records its requests under when none is named, and the service account
#: that registers them (created with the first key).
DEFAULT_CHANNEL = ("open311", "Open311 接口")
ACCOUNT = ("open311", "Open311 接口")
KEY_PREFIX = "o311_"
#: The appeal type of a service request: a citizen asks the city to fix something (求助).
APPEAL_TYPE = "help"
#: Spec defaults of ``GET requests``: the last 90 days, at most 1,000 requests.
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
#: Reads without a key are limited per client address.
ANONYMOUS_LIMIT = ratelimit.Limit("open311_anonymous", 120, dt.timedelta(minutes=1), "请求过于频繁，请稍后再试")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- keys ---------------------------------------------------------------------------------


def _account(session: Session, actor: Principal) -> User:
    user = auth_repository.user_by_username(session, ACCOUNT[0])
    if user is None:
        user = auth_service.create_user(session, actor, username=ACCOUNT[0], display_name=ACCOUNT[1],
                                        role=Role.integration, unit_id=actor.unit_id, password=None, is_service=True)
    elif not (user.is_service and user.role == Role.integration):
        raise InvalidInput("channel", f"账号 {ACCOUNT[0]} 已被占用，不是对接服务账号")
    return user


def issue_key(session: Session, actor: Principal, *, name: str, channel: str | None = None,
              rate_per_minute: int = 60) -> tuple[str, Open311Key]:
    """A new Open311 key for a partner system; its requests are recorded under ``channel``
    (default ``open311``, made on first use). Returns the key — shown this once, only its
    hash is kept — and its row. Province administrators only."""
    require_province_admin(actor)
    label = validate.text(name, "name", max_length=100) or ""
    if not 1 <= rate_per_minute <= 6000:
        raise InvalidInput("rate_per_minute", "每分钟请求上限应为 1–6000")
    code = (channel or "").strip() or DEFAULT_CHANNEL[0]
    found = org_repository.channel_by_code(session, code)
    if found is None:
        if channel:
            raise InvalidInput("channel", f"受理渠道 {code} 不存在")
        found = org_service.create_channel(session, actor, code=code, name=DEFAULT_CHANNEL[1], kind=ChannelKind.api)
    elif not found.active:
        raise InvalidInput("channel", f"受理渠道 {code} 已停用")
    account = _account(session, actor)
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = Open311Key(name=label, key_hash=_hash(plaintext), hint=plaintext[:8], channel_id=found.id,
                     account_id=account.id, rate_per_minute=rate_per_minute, created_by_id=actor.user_id,
                     created_at=clock.now())
    session.add(key)
    session.flush()
    audit.record(session, actor, "open311_key.created", object_type="open311_key", object_id=key.id,
                 detail={"name": label, "channel": code})
    return plaintext, key


def revoke_key(session: Session, actor: Principal, key_id: int) -> Open311Key:
    require_province_admin(actor)
    key = repository.key_by_id(session, key_id)
    if key is None:
        raise NotFound("没有这个接口密钥")
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        session.flush()
        audit.record(session, actor, "open311_key.revoked", object_type="open311_key", object_id=key.id,
                     detail={"name": key.name})
    return key


@dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    hint: str
    channel: str
    channel_name: str
    rate_per_minute: int
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


def list_keys(session: Session, actor: Principal) -> list[KeyRow]:
    require_province_admin(actor)
    return [KeyRow(k.id, k.name, k.hint, c.code, c.name, k.rate_per_minute, k.created_at, k.revoked_at,
                   k.last_used_at) for k, c in repository.keys(session)]


@dataclass(frozen=True)
class Caller:
    """Who is calling: a valid key (with its channel and acting account) or nobody."""

    key_id: int | None = None
    channel: str | None = None
    principal: Principal | None = None


def authenticate(session: Session, api_key: str | None, *, client: str, required: bool) -> Caller:
    """Check the caller's key and count the call against its rate limit (per key; per client
    address without a key). A missing key where one is required, or a wrong or revoked one
    anywhere, is refused (403); past the limit, 429."""
    if not api_key:
        if required:
            raise Forbidden("缺少 api_key：提交诉求须使用热线中心签发的接口密钥")
        ratelimit.hit(session, ANONYMOUS_LIMIT, client)
        return Caller()
    key = repository.key_by_hash(session, _hash(api_key.strip()))
    if key is None or key.revoked_at is not None:
        raise Forbidden("api_key 无效或已吊销")
    user = session.get(User, key.account_id)
    channel = session.get(Channel, key.channel_id)
    if user is None or not user.active or channel is None or not channel.active:
        raise Forbidden("该接口密钥的对接账号或受理渠道已停用")
    ratelimit.hit(session, ratelimit.Limit("open311_key", key.rate_per_minute, dt.timedelta(minutes=1),
                                           "超过该接口密钥每分钟的请求上限，请稍后再试"), f"key:{key.id}")
    repository.touch_key(session, key.id, clock.now())
    return Caller(key_id=key.id, channel=channel.code, principal=Principal.of(user))


# --- jurisdiction --------------------------------------------------------------------------


def jurisdiction_prefix(session: Session, jurisdiction_id: str | None) -> str | None:
    """The region-code prefix a ``jurisdiction_id`` selects: the province's code or a city's.
    None when absent (the whole deployment); an unknown one is a 404."""
    if jurisdiction_id is None or not jurisdiction_id.strip():
        return None
    code = jurisdiction_id.strip()
    region = org_repository.cached_region_by_code(session, code) if re.fullmatch(r"[0-9]{6}", code) else None
    if region is None or not region.active or region.level not in (RegionLevel.province, RegionLevel.city):
        raise NotFound(f"jurisdiction_id {code[:20]} 不是本平台的辖区（省或市的行政区划代码）")
    return region_prefix(region.code)


# --- services ------------------------------------------------------------------------------


def _group(session: Session, category: Category) -> str | None:
    top = org_repository.cached_category_by_code(session, category.code[:2])
    return top.name if top is not None else None


def services(session: Session) -> list[dict[str, Any]]:
    """The public service list: one service per category opened to Open311."""
    out = []
    for service, category in repository.services(session, enabled_only=True):
        out.append({"service_code": category.code, "service_name": category.name,
                    "description": service.description or category.name, "metadata": bool(service.attributes),
                    "type": service.type, "keywords": service.keywords or "", "group": _group(session, category)})
    return out


def _enabled(session: Session, code: str) -> tuple[Open311Service, Category]:
    category = org_repository.cached_category_by_code(session, code) if re.fullmatch(r"[0-9]{2,6}", code) else None
    service = repository.service_of(session, category.id) if category is not None and category.active else None
    if category is None or service is None or not service.enabled:
        raise NotFound(f"没有这个服务：{code[:16]}")
    return service, category


def service_definition(session: Session, code: str) -> dict[str, Any]:
    service, category = _enabled(session, code)
    return {"service_code": category.code, "attributes": list(service.attributes)}


@dataclass(frozen=True)
class ServiceRow:
    code: str
    name: str
    level: int
    enabled: bool
    description: str | None
    keywords: str | None
    type: str
    attributes: list[dict[str, Any]]


def service_rows(session: Session, actor: Principal) -> list[ServiceRow]:
    """Every category with its Open311 settings (closed when it has none), for the admin."""
    require_province_admin(actor)
    defined = {c.id: s for s, c in repository.services(session, enabled_only=False)}
    rows = []
    for category in org_repository.all_categories(session):
        if not category.active:
            continue
        s = defined.get(category.id)
        rows.append(ServiceRow(category.code, category.name, category.level, bool(s and s.enabled),
                               s.description if s else None, s.keywords if s else None,
                               s.type if s else "realtime", list(s.attributes) if s else []))
    return sorted(rows, key=lambda r: r.code)


def save_service(session: Session, actor: Principal, code: str, *, enabled: bool, description: str | None = None,
                 keywords: str | None = None, type: str = "realtime",
                 attributes: Sequence[Mapping[str, Any]] = ()) -> Open311Service:
    """Open or close a category to Open311 and set its description and extra questions
    (:func:`rules.normalise_attributes`). Province administrators only."""
    require_province_admin(actor)
    category = org_repository.category_by_code(session, (code or "").strip())
    if category is None or not category.active:
        raise NotFound("没有这个诉求分类")
    if type not in rules.SERVICE_TYPES:
        raise InvalidInput("type", "服务类型须为 realtime 或 batch")
    checked = rules.normalise_attributes(attributes)
    service = repository.service_of(session, category.id)
    if service is None:
        service = Open311Service(category_id=category.id)
        session.add(service)
    service.enabled = enabled
    service.description = validate.text(description, "description", max_length=500, required=False)
    service.keywords = validate.text(keywords, "keywords", max_length=200, required=False)
    service.type = type
    service.attributes = checked
    service.updated_by_id = actor.user_id
    service.updated_at = clock.now()
    session.flush()
    audit.record(session, actor, "open311_service.saved", object_type="open311_service", object_id=category.code,
                 detail={"enabled": enabled, "attributes": [a["code"] for a in checked]})
    return service


# --- requests ------------------------------------------------------------------------------


@dataclass
class Posted:
    """The fields of ``POST requests`` (form-encoded, or JSON), as text."""

    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, raw: Mapping[str, Sequence[str]]) -> Posted:
        posted = cls()
        for name, values in raw.items():
            match = re.fullmatch(r"attribute\[([^\]]{1,64})\](\[\])?", name)
            if match:
                posted.attributes.setdefault(match.group(1), []).extend(values)
            elif values:
                posted.fields[name] = values[-1]
        return posted

    def get(self, name: str) -> str | None:
        value = self.fields.get(name)
        return value.strip() if value is not None and value.strip() else None


@dataclass(frozen=True)
class Submitted:
    number: str
    token: str
    notice: str


def _placement(session: Session, lat: float | None, lon: float | None,
               prefix: str | None) -> rules.KnownPoint | None:
    if lat is None or lon is None:
        return None
    found = rules.nearest(lat, lon, repository.known_points(session, prefix))
    return found[0] if found is not None else None


def submit(session: Session, caller: Caller, posted: Posted, *, jurisdiction: str | None,
           retry_key: str | None = None, media: tuple[str, bytes] | None = None) -> Submitted:
    """A service request becomes an order: ``workorder.service.intake`` on the key's
    channel, acting as the key's account, with ``source_ref`` = the request's token. The
    category is the service; a point is placed in the nearest known place and its region
    (outside the deployment's area it needs an address, and then the centre places it);
    the answers to the extra questions join the order's text. Personal data go only where
    intake keeps them (phone and name on the citizen record); e-mail is not kept.

    ``retry_key`` (the client's ``Idempotency-Key``): the same key again from the same API key
    gets the request the first made, and makes nothing new.

    ``media`` (a photo uploaded as the multipart field ``media``) is checked, cleaned of its
    camera data and put on the order as the citizen's (群众上传) — for the centre, the unit and
    the citizen's own progress page; it is not published through ``GET requests`` (a photo may
    show people), where ``media_url`` stays the link the client posted."""
    assert caller.principal is not None and caller.channel is not None and caller.key_id is not None
    code = posted.get("service_code")
    if code is None:
        raise InvalidInput("service_code", "必填")
    prefix = jurisdiction_prefix(session, posted.get("jurisdiction_id"))
    service, category = _enabled(session, code)
    lat = rules.coordinate(posted.get("lat"), "lat", 90)
    lon = rules.coordinate(posted.get("long"), "long", 180)
    if (lat is None) != (lon is None):
        raise InvalidInput("lat" if lat is None else "long", "lat 与 long 须同时提供")
    address = validate.text(posted.get("address_string"), "address_string", max_length=300, required=False)
    address_id = validate.text(posted.get("address_id"), "address_id", max_length=100, required=False)
    if lat is None and address is None and address_id is None:
        raise InvalidInput("lat", "须提供位置：lat 和 long、address_string 或 address_id")
    place = _placement(session, lat, lon, prefix)
    if lat is not None and place is None and address is None and address_id is None:
        raise InvalidInput("lat", "该位置不在本平台服务范围内，请同时提供 address_string 或 address_id")
    answers = rules.answers(service.attributes, posted.attributes)
    description = validate.text(posted.get("description"), "description", max_length=4000, required=False,
                                multiline=True)
    media_url = validate.web_link(posted.get("media_url"), "media_url") if posted.get("media_url") else None
    phone = validate.phone(posted.get("phone") or "") if posted.get("phone") else None
    name = "".join(p for p in (posted.get("last_name"), posted.get("first_name")) if p) or None
    where = address or (f"{place.name}附近" if place is not None else None) or \
        (f"地址编号 {address_id}" if address_id else None)
    flat = " ".join(description.split()) if description else None  # the order's text is one line
    text = "；".join(t for t in (flat, rules.answers_text(service.attributes, answers),
                                 f"地址编号：{address_id}" if address_id else None,
                                 f"位置：北纬 {lat:.6f}，东经 {lon:.6f}" if lat is not None and lon is not None
                                 else None) if t)
    if retry_key is not None:
        retry_key = validate.text(retry_key, "Idempotency-Key", max_length=100)
    photo = None
    if media is not None:
        try:
            photo = attachments.store(*media, folder="open311")
        except InvalidInput as exc:
            raise InvalidInput("media", exc.reason) from None
    token = f"r{caller.key_id}-{_hash(f'{caller.key_id}:{retry_key}')[:32]}" if retry_key else secrets.token_urlsafe(18)
    order, created = workorder.intake(session, caller.principal, workorder.IntakeData(
        channel=caller.channel, appeal_type=APPEAL_TYPE,
        title=(flat[:40] if flat else category.name),
        content=text or category.name, phone=phone, name=name if phone else None, category_code=category.code,
        region_code=place.region_code if place is not None else None, address=where, source_ref=token,
        source_links=(media_url,) if media_url else (),
        extra={"open311": {"service_code": category.code, "attributes": answers}},
    ))
    if not created and repository.request_by_token(session, token) is not None:
        return Submitted(number=order.number, token=token, notice=f"已受理（重复提交），工单号 {order.number}。")
    session.add(Open311Request(token=token, number=order.number, key_id=caller.key_id, service_code=category.code,
                               lat=lat, long=lon, address_id=address_id, zipcode=None, media_url=media_url,
                               attributes=answers, created_at=clock.now()))
    session.flush()
    if photo is not None:
        attachments.attach_from_citizen(session, order, photo, channel="open311")
    if order.merged_into_id is not None:
        notice = f"已受理，工单号 {order.number}。同一诉求已在办理，本诉求并入主工单一并办理，办理结果将一并答复。"
    elif place is None:
        notice = f"已受理，工单号 {order.number}。热线中心将核实位置后派单办理。"
    else:
        notice = f"已受理，工单号 {order.number}。"
    return Submitted(number=order.number, token=token, notice=notice)


def token_lookup(session: Session, token: str) -> dict[str, Any]:
    found = repository.request_by_token(session, token.strip()[:64])
    if found is None:
        raise NotFound("没有这个 token")
    return {"service_request_id": found.number, "token": found.token}


@dataclass(frozen=True)
class Query:
    """The filters of ``GET requests``: explicit ids override everything else."""

    numbers: list[str] | None = None
    service_codes: list[str] | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    status: set[str] | None = None


def parse_query(values: Mapping[str, str | None]) -> Query:
    """``service_request_id`` (comma list), ``service_code`` (comma list), ``start_date``,
    ``end_date`` (ISO 8601), ``status`` (open, closed). Defaults: the last 90 days; a range
    longer than 90 days is refused."""
    ids = values.get("service_request_id")
    if ids:
        numbers = [n.strip() for n in ids.split(",") if n.strip()]
        if len(numbers) > MAX_REQUESTS:
            raise InvalidInput("service_request_id", f"一次最多查询 {MAX_REQUESTS} 件")
        return Query(numbers=[n[:20] for n in numbers])
    codes = [c.strip() for c in (values.get("service_code") or "").split(",") if c.strip()] or None
    if codes is not None and any(not re.fullmatch(r"[0-9]{2,6}", c) for c in codes):
        raise NotFound("没有这个服务：" + next(c for c in codes if not re.fullmatch(r"[0-9]{2,6}", c))[:16])
    start_text, end_text = values.get("start_date"), values.get("end_date")
    start = rules.parse_datetime(start_text, "start_date") if start_text else None
    end = rules.parse_datetime(end_text, "end_date") if end_text else None
    window = dt.timedelta(days=DEFAULT_DAYS)
    if start is None and end is None:
        end = clock.now()
        start = end - window
    elif start is None:
        assert end is not None
        start = end - window
    elif end is None:
        end = start + window
    if end < start:
        raise InvalidInput("end_date", "end_date 不能早于 start_date")
    if end - start > window:
        raise InvalidInput("start_date", f"查询时间跨度不能超过 {DEFAULT_DAYS} 天")
    status = {s.strip().lower() for s in (values.get("status") or "").split(",") if s.strip()} or None
    if status is not None and not status <= {"open", "closed"}:
        raise InvalidInput("status", "status 须为 open 或 closed")
    return Query(service_codes=codes, start=start, end=end, status=status)


def _service_code(code: str | None, opened: set[str]) -> str:
    """The service an order belongs to: its category or the nearest opened ancestor."""
    if not code:
        return ""
    return next((code[:n] for n in (6, 4, 2) if code[:n] in opened and len(code) >= n), code)


def read_requests(session: Session, query: Query, *, jurisdiction: str | None) -> list[dict[str, Any]]:
    """Orders as Open311 service requests, newest first, at most 1,000: no name, phone or
    e-mail; confidential reports never appear; a merged order shows its main order's reply."""
    prefix = jurisdiction_prefix(session, jurisdiction)
    for code in query.service_codes or []:
        if org_repository.cached_category_by_code(session, code) is None:
            raise NotFound(f"没有这个服务：{code}")
    opened = {c.code for _, c in repository.services(session, enabled_only=True)}
    is_open = None
    if query.status is not None and len(query.status) == 1:
        is_open = "open" in query.status
    records: list[workorder.PublicRecord] = []
    for category_prefix in (query.service_codes or [None]):  # type: ignore[list-item]
        records += workorder.public_records(
            session, numbers=query.numbers, category_prefix=category_prefix, since=query.start, until=query.end,
            is_open=is_open, region_prefix=prefix, limit=MAX_REQUESTS)
    unique = {r.number: r for r in sorted(records, key=lambda r: r.requested_at, reverse=True)}
    shown = list(unique.values())[:MAX_REQUESTS]
    posted = repository.requests_by_number(session, [r.number for r in shown])
    seats = repository.region_seats(session, sorted({r.region_code for r in shown if r.region_code}))
    out = []
    for r in shown:
        own = posted.get(r.number)
        lat, lon = (own.lat, own.long) if own is not None and own.lat is not None else \
            seats.get(r.region_code or "", (None, None))
        out.append({
            "service_request_id": r.number, "status": "open" if r.is_open else "closed", "status_notes": r.reply,
            "service_name": r.category_name, "service_code": _service_code(r.category_code, opened),
            "description": r.description[:4000], "agency_responsible": r.agency,
            "service_notice": "已并入同一诉求的主工单一并办理" if r.status == Status.merged else None,
            "requested_datetime": rules.iso(r.requested_at), "updated_datetime": rules.iso(r.updated_at),
            "expected_datetime": rules.iso(r.due_at), "address": r.address or r.region_name,
            "address_id": own.address_id if own is not None else None, "zipcode": own.zipcode if own else None,
            "lat": lat, "long": lon, "media_url": own.media_url if own is not None else None,
        })
    return out

