"""Use cases of telephony administration (坐席与队列管理): the seats of a centre's PBX, the
queues (skill groups) its calls wait in, and the CTI keys — API tokens of the CTI service
account a PBX (or its bridge) posts call events with.

Administrators with ``manage_telephony`` only, each within their region: a city's
administrator sees and changes the seats and keys of their city's centres (another city's
seat is a 404); queues are named by the PBXs and shared, so every such administrator may map
a queue name to a skill group. Every write is audited. Services take the session first and
never commit."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth import repository as auth_repository
from hotline.auth import service as auth_service
from hotline.auth.access import require
from hotline.auth.models import ApiToken, User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, Role, in_region
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, InvalidInput, NotFound
from hotline.org import repository as org_repository
from hotline.org.models import CENTRE_KINDS, Region, Unit
from hotline.telephony import repository
from hotline.telephony.models import AgentState, CtiQueue, QueueKind, Seat
from hotline.telephony.seats import set_state

#: A seat code as PBXs name their positions: letters, digits, ``.``, ``_``, ``-``.
SEAT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")
KINDS = {k.value: k for k in QueueKind}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _code(value: str | None, field: str, length: int) -> str:
    """A code typed or sent by a client (region, unit, seat, queue): trimmed, cut to its
    column's length; control characters are refused (no driver ever sees them)."""
    code = (value or "").strip()[:length]
    if _CONTROL.search(code):
        raise InvalidInput(field, "不能包含控制字符")
    return code


def _kind(value: str | None, field: str = "kind") -> str:
    kind = KINDS.get((value or "").strip())
    if kind is None:
        raise InvalidInput(field, "取值 " + "|".join(KINDS))
    return kind.value


def _operator(value: str | None) -> str | None:
    return validate.text(value, "operator", max_length=100, required=False)


def _unit(session: Session, actor: Principal, code: str | None) -> Unit | None:
    """The unit of an expert seat: a unit inside the administrator's region."""
    code = _code(code, "unit", 32)
    if not code:
        return None
    unit = org_repository.unit_by_code(session, code)
    if unit is None or not in_region(actor.region_code, unit.region.code):
        raise InvalidInput("unit", f"单位 {code[:32]} 不存在或不在您的管理范围内")
    return unit


# --- seats --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeatRow:
    ref: str
    code: str
    kind: str
    region: str
    unit: str | None
    unit_name: str | None
    operator: str | None
    agent: str | None
    state: str
    state_since: dt.datetime | None
    active: bool


def _row(seat: Seat, region: str, unit: str | None, unit_name: str | None, agent: str | None) -> SeatRow:
    return SeatRow(seat.ref, seat.code, seat.kind, region, unit, unit_name, seat.operator, agent, seat.state,
                   seat.state_since, seat.active)


def list_seats(session: Session, actor: Principal) -> list[SeatRow]:
    """The seats of the administrator's region, by code."""
    require(actor, Cap.manage_telephony)
    return [_row(*row) for row in repository.seat_rows(session, region_prefix=actor.region_prefix)]


def seat_row(session: Session, actor: Principal, seat: Seat) -> SeatRow:
    return next(r for r in list_seats(session, actor) if r.ref == seat.ref)


def get_seat(session: Session, actor: Principal, ref_or_code: str) -> Seat:
    """A seat of the administrator's region by its ref or its code; 404 outside the region."""
    require(actor, Cap.manage_telephony)
    return access.access_seat(session, actor, ref_or_code, write=True)


def add_seat(session: Session, actor: Principal, *, code: str, kind: str = QueueKind.general.value,
             region_code: str | None = None, unit_code: str | None = None, operator: str | None = None) -> Seat:
    """A new seat of the PBX. Its region is the given one (default: the administrator's; it
    must lie in their region); an expert seat names its department's unit. A code already
    used is a 409."""
    require(actor, Cap.manage_telephony)
    code = (code or "").strip()
    if not SEAT_CODE.fullmatch(code):
        raise InvalidInput("code", "坐席号为 1–50 位字母、数字、点、横线或下划线，以字母或数字开头")
    kind = _kind(kind)
    region_code = _code(region_code, "region", 12) or actor.region_code
    region = org_repository.region_by_code(session, region_code)
    if region is None or not in_region(actor.region_code, region.code):
        raise InvalidInput("region", f"地区 {region_code} 不存在或不在您的管理范围内")
    unit = _unit(session, actor, unit_code)
    operator = _operator(operator)
    if repository.seat_by_code(session, code) is not None:
        raise Conflict(f"坐席号 {code} 已存在")
    seat = Seat(code=code, kind=kind, region_id=region.id, unit_id=unit.id if unit else None, operator=operator,
                state=AgentState.logged_out.value, active=True, created_at=clock.now())
    session.add(seat)
    session.flush()
    audit.record(session, actor, "seat.created", object_type="seat", object_id=seat.ref,
                 detail={"code": code, "kind": kind, "region": region.code, "unit": unit.code if unit else None,
                         "operator": operator})
    return seat


_UNSET = object()


def update_seat(session: Session, actor: Principal, seat: Seat, *, kind: str | None = None,
                operator: object = _UNSET, unit_code: object = _UNSET, active: bool | None = None) -> Seat:
    """Change a seat's kind, operator, unit or whether it is active. Deactivating a seat an
    agent is logged in on logs the agent out (the PBX no longer routes calls to it)."""
    require(actor, Cap.manage_telephony)
    changed: dict[str, object] = {}
    if kind is not None:
        seat.kind = changed["kind"] = _kind(kind)
    if operator is not _UNSET:
        seat.operator = changed["operator"] = _operator(operator if isinstance(operator, str) else None)
    if unit_code is not _UNSET:
        unit = _unit(session, actor, unit_code if isinstance(unit_code, str) else None)
        seat.unit_id = unit.id if unit else None
        changed["unit"] = unit.code if unit else None
    if active is not None and active != seat.active:
        seat.active = changed["active"] = active
        if not active and seat.agent_id is not None:
            set_state(session, seat, AgentState.logged_out.value, at=max(clock.now(), seat.state_since or clock.now()),
                      source="console")
            seat.agent_id = None
    session.flush()
    if changed:
        audit.record(session, actor, "seat.updated", object_type="seat", object_id=seat.ref,
                     detail={"code": seat.code, **changed})
    return seat


# --- queues -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    queue: CtiQueue
    region: str  # the code of the region whose centre's PBX names the queue


def list_queues(session: Session, actor: Principal) -> list[QueueRow]:
    """The queues of the administrator's region (each centre's PBX names its own), by name."""
    require(actor, Cap.manage_telephony)
    return [QueueRow(queue, code) for queue, code in repository.queues_of_regions(session, actor.region_prefix)]


def queue_region_code(session: Session, queue: CtiQueue) -> str:
    region = repository.region_by_id(session, queue.region_id)
    assert region is not None
    return region.code


def _queue_name(name: str | None) -> str:
    value = validate.text(name, "name", max_length=100)
    assert value is not None
    return value


def _queue_region(session: Session, actor: Principal, region_code: str | None) -> Region:
    """The region a queue is named in: the given one (default: the administrator's), inside
    the administrator's region."""
    code = _code(region_code, "region", 12) or actor.region_code
    region = org_repository.region_by_code(session, code)
    if region is None or not in_region(actor.region_code, region.code):
        raise InvalidInput("region", f"地区 {code} 不存在或不在您的管理范围内")
    return region


def get_queue(session: Session, actor: Principal, id_or_name: str, *, region_code: str | None = None) -> CtiQueue:
    """A queue by its number, or by its name in a region (default: the administrator's own);
    404 if unknown or outside the administrator's region."""
    require(actor, Cap.manage_telephony)
    key = (id_or_name or "").strip()[:100]
    if _CONTROL.search(key):
        raise NotFound("队列不存在")
    region = org_repository.region_by_code(session, _code(region_code, "region", 12) or actor.region_code)
    queue = repository.queue_by_name(session, region.id, key) if region is not None else None
    if queue is None and re.fullmatch(r"[0-9]{1,9}", key):
        queue = repository.queue_by_id(session, int(key))
    found = repository.region_by_id(session, queue.region_id) if queue is not None else None
    if queue is None or found is None or not in_region(actor.region_code, found.code):
        raise NotFound("队列不存在")
    return queue


def set_queue(session: Session, actor: Principal, queue: CtiQueue, *, kind: str | None = None,
              label: object = _UNSET) -> CtiQueue:
    """Map a queue to a skill group (``kind``) and give it a Chinese label."""
    require(actor, Cap.manage_telephony)
    changed: dict[str, object] = {}
    if kind is not None:
        queue.kind = changed["kind"] = _kind(kind)
    if label is not _UNSET:
        queue.label = changed["label"] = validate.text(label if isinstance(label, str) else None, "label",
                                                       max_length=100, required=False)
    session.flush()
    if changed:
        audit.record(session, actor, "cti_queue.updated", object_type="cti_queue", object_id=queue.id,
                     detail={"name": queue.name, **changed})
    return queue


def add_queue(session: Session, actor: Principal, *, name: str, kind: str = QueueKind.general.value,
              label: str | None = None, region_code: str | None = None) -> CtiQueue:
    """A queue named before the PBX of the region's centre first sends it; a name the region
    already has is a 409."""
    require(actor, Cap.manage_telephony)
    name = _queue_name(name)
    kind = _kind(kind)
    label = validate.text(label, "label", max_length=100, required=False)
    region = _queue_region(session, actor, region_code)
    if repository.queue_by_name(session, region.id, name) is not None:
        raise Conflict(f"队列 {name} 已存在")
    queue = CtiQueue(region_id=region.id, name=name, kind=kind, label=label, created_at=clock.now())
    session.add(queue)
    session.flush()
    audit.record(session, actor, "cti_queue.created", object_type="cti_queue", object_id=queue.id,
                 detail={"name": name, "kind": kind, "label": label, "region": region.code})
    return queue


def put_queue(session: Session, actor: Principal, *, name: str, kind: str | None = None,
              label: str | None = None, region_code: str | None = None) -> CtiQueue:
    """``hotline cti queue set``: map the region's named queue, making it if the PBX never
    sent it yet."""
    require(actor, Cap.manage_telephony)
    name = _queue_name(name)
    region = _queue_region(session, actor, region_code)
    queue = repository.queue_by_name(session, region.id, name)
    if queue is None:
        return add_queue(session, actor, name=name, kind=kind or QueueKind.general.value, label=label,
                         region_code=region.code)
    return set_queue(session, actor, queue, kind=kind, label=_UNSET if label is None else label)


# --- CTI keys -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    hint: str
    account: str
    unit: str
    unit_name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _key_row(token: ApiToken, account: str, unit: str, unit_name: str) -> KeyRow:
    return KeyRow(token.id, token.name, token.prefix, account, unit, unit_name, token.created_at,
                  token.last_used_at, token.revoked_at)


def account_name(unit_code: str) -> str:
    """The username of a centre's CTI service account."""
    return f"cti.{unit_code.lower()}"[:64]


def _cti_account(session: Session, actor: Principal, unit: Unit) -> User:
    username = account_name(unit.code)
    user = auth_repository.user_by_username(session, username)
    if user is None:
        return auth_service.create_user(session, actor, username=username,
                                        display_name=f"呼叫中心接口（{unit.name}）"[:50], role=Role.cti,
                                        unit_id=unit.id, password=None, is_service=True)
    if not (user.is_service and user.role == Role.cti and user.unit_id == unit.id):
        raise InvalidInput("unit", f"账号 {username} 已被占用，不是该中心的呼叫中心接口账号")
    if not user.active:
        raise Conflict(f"呼叫中心接口账号 {username} 已停用，请先在账号管理中启用")
    return user


def issue_key(session: Session, actor: Principal, *, name: str, unit_code: str | None = None) -> tuple[str, KeyRow]:
    """A new CTI key for a centre's PBX (default: the administrator's own centre): the
    centre's CTI service account (made on first use) gets an API token. Returns the token —
    shown this once, only its hash is kept — and its row."""
    require(actor, Cap.manage_telephony)
    label = validate.text(name, "name", max_length=100)
    assert label is not None
    code = _code(unit_code, "unit", 32)
    if code:
        unit = org_repository.unit_by_code(session, code)
        if unit is None or not in_region(actor.region_code, unit.region.code):
            raise InvalidInput("unit", f"单位 {code} 不存在或不在您的管理范围内")
    else:
        unit = session.get(Unit, actor.unit_id)
        assert unit is not None
    if unit.kind not in CENTRE_KINDS:
        raise InvalidInput("unit", "呼叫中心接口账号只能属于热线中心或工作站")
    account = _cti_account(session, actor, unit)
    plaintext, token = auth_service.issue_api_token(session, actor, account, name=label, days=None)
    audit.record(session, actor, "cti_key.created", object_type="api_token", object_id=token.id,
                 detail={"name": label, "account": account.username, "unit": unit.code})
    return plaintext, _key_row(token, account.username, unit.code, unit.name)


def list_keys(session: Session, actor: Principal) -> list[KeyRow]:
    """The CTI keys of the administrator's region, newest first (never the token itself)."""
    require(actor, Cap.manage_telephony)
    return [_key_row(*row) for row in repository.cti_tokens(session, region_prefix=actor.region_prefix)]


def revoke_key(session: Session, actor: Principal, key_id: int) -> KeyRow:
    """Revoke a CTI key: the PBX posting with it gets 401 from now on."""
    require(actor, Cap.manage_telephony)
    found = repository.cti_tokens(session, region_prefix=actor.region_prefix, token_id=key_id)
    if not found:
        raise NotFound("没有这个呼叫中心接口密钥")
    token = found[0][0]
    if token.revoked_at is None:
        auth_service.revoke_api_token(session, actor, token)
        session.flush()
        audit.record(session, actor, "cti_key.revoked", object_type="api_token", object_id=token.id,
                     detail={"name": token.name, "account": found[0][1]})
    return _key_row(*found[0])
