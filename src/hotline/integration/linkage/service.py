"""Linkage (联动) use cases: the register of lines, transferring an order's appeal to a line
(the order moves only through ``workorder.service``), the outcome recorded later, statistics,
and utility keys (API tokens of a utility's service account). Nothing here commits.

Who may do what:
- the register: read by centre staff and administrators (the lines of their region and those
  above it, which serve them too); written by administrators (``manage_org``) in their region;
- transfers and outcomes: centre staff who register appeals (``intake``), on orders they see;
- a record: read by whoever may read its order (404 otherwise);
- statistics: centre staff, for their region or a region under it;
- utility keys: administrators (``manage_users`` and ``manage_integrations``) in their region."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth import repository as auth_repository
from hotline.auth import service as auth_service
from hotline.auth.models import ApiToken, Role, User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region, region_prefix
from hotline.integration.linkage import lifecycle, repository
from hotline.integration.linkage.lifecycle import CallMode, LineKind, Outcome, Scope
from hotline.integration.linkage.models import LinkageLine, LinkageRecord
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound, StaleVersion
from hotline.org import repository as org_repository
from hotline.org.models import Region, Unit, UnitKind
from hotline.workorder import service as workorder
from hotline.workorder.lifecycle import MAIN_STATUSES, Action, Status, apply
from hotline.workorder.models import WorkOrder

_UNSET: object = object()


def _is_centre(actor: Principal) -> bool:
    return actor.role in access.CENTRE_ROLES


def _text(value: str | None, field: str, max_length: int, *, required: bool = False) -> str | None:
    return validate.text(value, field, max_length=max_length, required=required)


# --- the register of lines ------------------------------------------------------------------------


def may_read_lines(actor: Principal) -> bool:
    return (_is_centre(actor) and actor.can(Cap.view_orders)) or actor.can(Cap.manage_org)


def _require_read(actor: Principal) -> None:
    if not may_read_lines(actor):
        raise Forbidden("只有热线中心人员和管理员可以查看联动线路")


def _serves(line: LinkageLine, region_code: str) -> bool:
    """A line serves its own region and everything under it."""
    return in_region(line.region.code, region_code)


def _visible(actor: Principal, line: LinkageLine) -> bool:
    return _serves(line, actor.region_code) or in_region(actor.region_code, line.region.code)


def list_lines(session: Session, actor: Principal, *, active_only: bool = False) -> list[LinkageLine]:
    """The lines of the actor's region, those under it and those above it (which serve it)."""
    _require_read(actor)
    return [x for x in repository.lines(session, active_only=active_only) if _visible(actor, x)]


def access_line(session: Session, actor: Principal, ref: str, *, write: bool = False) -> LinkageLine:
    _require_read(actor)
    if write and not actor.can(Cap.manage_org):
        raise Forbidden("只有管理员可以维护联动线路")
    line = repository.line_by_ref(session, ref) if len(ref) == 32 else None
    if line is None or not _visible(actor, line):
        raise NotFound("没有这条联动线路")
    if write and not in_region(actor.region_code, line.region.code):
        raise Forbidden("该线路属于上级区划，由上级管理员维护")
    return line


def lines_for_order(session: Session, order: WorkOrder) -> list[LinkageLine]:
    """The active lines an order may be transferred to: those serving its centre's region."""
    code = order.centre_unit.region.code
    return [x for x in repository.lines(session, active_only=True) if _serves(x, code)]


def _number(value: str | None) -> str:
    raw = (value or "").strip()
    if not raw:
        raise InvalidInput("number", "请填写线路号码")
    if lifecycle.is_service_number(raw):
        return raw
    return validate.phone(raw, "number")


def _utility_unit(session: Session, actor: Principal, code: str | None, region: Region, service: str) -> Unit:
    if not code:
        raise InvalidInput("unit", "公共事业线路须指定对应的承办单位（公共事业单位）")
    unit = org_repository.unit_by_code(session, code.strip())
    if unit is None or not in_region(actor.region_code, unit.region.code) or not unit.active:
        raise InvalidInput("unit", f"单位 {code} 不存在、已停用或不在您的管理范围内")
    if unit.kind != UnitKind.utility:
        raise InvalidInput("unit", f"{unit.name} 不是公共事业单位")
    if unit.utility_type is None or unit.utility_type.value != service:
        raise InvalidInput("unit", f"{unit.name} 不是该类公共事业（{service}）的单位")
    if not in_region(region.code, unit.region.code):
        raise InvalidInput("unit", f"{unit.name} 不在线路所属区划内")
    return unit


def create_line(session: Session, actor: Principal, *, name: str, number: str, kind: str, service: str,
                region_code: str | None = None, unit_code: str | None = None) -> LinkageLine:
    """A line in the administrator's region (default: the administrator's own region)."""
    if not actor.can(Cap.manage_org):
        raise Forbidden("只有管理员可以维护联动线路")
    label = _text(name, "name", 100, required=True) or ""
    try:
        line_kind = LineKind(kind)
    except ValueError:
        raise InvalidInput("kind", "线路类别应为 emergency（应急）或 utility（公共事业）") from None
    problem = lifecycle.service_problem(line_kind, service)
    if problem:
        raise InvalidInput("service", problem)
    digits = _number(number)
    try:
        region = access.access_region(session, actor, region_code or actor.region_code, write=True)
    except NotFound:
        raise InvalidInput("region_code", f"区划 {region_code} 不存在") from None
    unit = _utility_unit(session, actor, unit_code, region, service) if line_kind == LineKind.utility else None
    if line_kind == LineKind.emergency and unit_code:
        raise InvalidInput("unit", "应急联动线路不对应承办单位")
    if repository.line_exists(session, region.id, digits, service):
        raise Conflict(f"{region.name} 已登记号码 {digits} 的同类线路")
    now = clock.now()
    line = LinkageLine(name=label, number=digits, kind=line_kind.value, service=service, region_id=region.id,
                       unit_id=unit.id if unit else None, active=True, created_at=now, updated_at=now)
    line.region, line.unit = region, unit
    session.add(line)
    session.flush()
    audit.record(session, actor, "linkage_line.created", object_type="linkage_line", object_id=line.ref,
                 detail={"name": label, "number": digits, "kind": line_kind.value, "service": service,
                         "region": region.code, "unit": unit.code if unit else None})
    return line


def update_line(session: Session, actor: Principal, line: LinkageLine, *, name: str | None = None,
                number: str | None = None, active: bool | None = None, unit_code: object = _UNSET,
                version: int | None = None) -> LinkageLine:
    if not actor.can(Cap.manage_org) or not in_region(actor.region_code, line.region.code):
        raise Forbidden("只有本区划的管理员可以维护该线路")
    if version is not None and version != line.version:
        raise StaleVersion("线路已被他人修改，请刷新后重试", current_version=line.version)
    changed: dict[str, object] = {}
    if name is not None:
        line.name = changed["name"] = _text(name, "name", 100, required=True) or line.name
    if number is not None:
        digits = _number(number)
        if repository.line_exists(session, line.region_id, digits, line.service, other_than=line.id):
            raise Conflict(f"已登记号码 {digits} 的同类线路")
        line.number = changed["number"] = digits
    if unit_code is not _UNSET:
        if line.kind != LineKind.utility.value:
            raise InvalidInput("unit", "应急联动线路不对应承办单位")
        unit = _utility_unit(session, actor, unit_code if isinstance(unit_code, str) else None, line.region,
                             line.service)
        line.unit_id, line.unit = unit.id, unit
        changed["unit"] = unit.code
    if active is not None and active != line.active:
        line.active = changed["active"] = active
    if changed:
        line.updated_at = clock.now()
        session.flush()
        audit.record(session, actor, "linkage_line.updated", object_type="linkage_line", object_id=line.ref,
                     detail={k: v for k, v in changed.items()})
    return line


# --- transfers and outcomes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    """What the agent fills in: the line, full or partial, the other side's number, a note,
    and the call it was made on (the order's call, by its reference) with how."""

    line_ref: str
    scope: str = Scope.full.value
    other_ref: str | None = None
    note: str | None = None
    call_ref: str | None = None
    call_mode: str = CallMode.none.value


def _require_transfer(actor: Principal) -> None:
    if not (_is_centre(actor) and actor.can(Cap.intake)):
        raise Forbidden("只有热线中心受理人员可以办理联动转接")


def _call_of(session: Session, actor: Principal, order: WorkOrder, data: Transfer
             ) -> tuple[int | None, str | None, CallMode]:
    """The call a transfer was made on: one the order was registered from (three-way or blind
    transfer as the agent records it; the platform sends no command to the PBX)."""
    try:
        mode = CallMode(data.call_mode or CallMode.none.value)
    except ValueError:
        raise InvalidInput("call_mode", "通话方式应为 none、three_way 或 blind") from None
    if mode == CallMode.none:
        if data.call_ref:
            raise InvalidInput("call_mode", "指定了来电时请选择三方通话或直接转接")
        return None, None, mode
    from hotline.telephony import records

    calls = records.calls_of_order(session, actor, order)
    if not calls:
        raise InvalidInput("call_mode", "该工单没有关联来电，不能记录为通话转接")
    if data.call_ref:
        match = [c for c in calls if c.ref == data.call_ref]
        if not match:
            raise InvalidInput("call_ref", "不是该工单的来电")
        call_ref = match[0].ref
    else:
        call_ref = calls[-1].ref
    from hotline.telephony import repository as telephony_repository

    call = telephony_repository.call_by_ref(session, call_ref)
    assert call is not None
    return call.id, call.ref, mode


def transfer(session: Session, actor: Principal, order: WorkOrder, data: Transfer, *,
             version: int | None = None) -> LinkageRecord:
    """联动转接: the record of the transfer, and the order moved — a full hand-over takes it
    off the hotline's clock (``workorder.hand_over``: 409 when its status does not allow it),
    a partial one leaves it as it is, with a timeline entry. Every problem is found before
    anything is written."""
    _require_transfer(actor)
    line = repository.line_by_ref(session, data.line_ref) if len(data.line_ref or "") == 32 else None
    if line is None or not line.active or not _serves(line, order.centre_unit.region.code):
        raise InvalidInput("line", "请选择本地可用的联动线路")
    try:
        scope = Scope(data.scope)
    except ValueError:
        raise InvalidInput("scope", "移交方式应为 full（整体移交）或 partial（部分移交）") from None
    other_ref = (data.other_ref or "").strip() or None
    if other_ref is not None and (problem := lifecycle.ref_problem(other_ref)):
        raise InvalidInput("other_ref", problem)
    note = _text(data.note, "note", 500)
    if version is not None and version != order.version:
        raise StaleVersion("工单已被他人更新，请刷新后重试", current_version=order.version,
                           status=order.status.value)
    if scope == Scope.full:
        apply(order.status, Action.hand_over)  # 409 before anything is written
    if scope == Scope.partial and order.status not in MAIN_STATUSES:
        raise Conflict("工单已办结、撤回、并案或已整体移交，不能再部分移交", status=order.status.value)
    call_id, call_ref, mode = _call_of(session, actor, order, data)
    now = clock.now()
    record = LinkageRecord(work_order_id=order.id, line_id=line.id, region_id=order.centre_unit.region_id,
                           scope=scope.value, call_id=call_id, call_mode=mode.value if call_id else None,
                           other_ref=other_ref, note=note, operator_id=actor.user_id, transferred_at=now,
                           seconds_to_transfer=max(0.0, (now - order.registered_at).total_seconds()),
                           outcome=Outcome.handed_over.value)
    record.line = line
    session.add(record)
    session.flush()
    shown = f"{line.name}（{line.number}）"
    if scope == Scope.full:
        workorder.hand_over(session, actor, order, line=shown, record_ref=record.ref, other_ref=other_ref,
                            note=note)
    else:
        workorder.note_linkage(session, actor, order, "linkage_recorded", line=shown, linkage=record.ref,
                               scope=scope.value, other_ref=other_ref, note=note)
    if call_ref is not None:
        audit.record(session, actor, "call.linkage_recorded", object_type="call", object_id=call_ref,
                     detail={"number": order.number, "line": shown, "mode": mode.value, "linkage": record.ref})
    return record


def access_record(session: Session, actor: Principal, ref: str) -> tuple[LinkageRecord, WorkOrder]:
    """The record and its order if the actor may read the order; 404 otherwise."""
    record = repository.record_by_ref(session, ref) if len(ref or "") == 32 else None
    number = repository.order_number(session, record.work_order_id) if record is not None else None
    if record is None or number is None:
        raise NotFound("没有这条联动记录")
    try:
        order = access.access_work_order(session, actor, number)
    except NotFound:
        raise NotFound("没有这条联动记录") from None
    return record, order


def records_of(session: Session, actor: Principal, order: WorkOrder) -> list[LinkageRecord]:
    """The linkage records of an order the actor has reached through ``access_work_order``."""
    del actor
    return repository.records_of_order(session, order.id)


def update_record(session: Session, actor: Principal, record: LinkageRecord, order: WorkOrder, *,
                  outcome: str | None = None, other_ref: str | None = None, note: str | None = None,
                  version: int | None = None) -> LinkageRecord:
    """Record what the line did (and its reference number when it comes later). On the record
    of a full hand-over still in effect, ``refused`` brings the order back to be dispatched
    (``workorder.take_back``) and ``completed`` closes it (``workorder.close_handed_over``)."""
    _require_transfer(actor)
    if version is not None and version != record.version:
        raise StaleVersion("联动记录已被他人修改，请刷新后重试", current_version=record.version)
    changed: dict[str, object] = {}
    if other_ref is not None:
        ref = other_ref.strip() or None
        if ref is not None and (problem := lifecycle.ref_problem(ref)):
            raise InvalidInput("other_ref", problem)
        if ref != record.other_ref:
            record.other_ref = changed["other_ref"] = ref
    text = _text(note, "note", 500)
    wanted: Outcome | None = None
    if outcome is not None:
        try:
            wanted = Outcome(outcome)
        except ValueError:
            raise InvalidInput("outcome", "结果应为 accepted、refused 或 completed") from None
        if wanted.value == record.outcome:
            wanted = None
        else:
            lifecycle.next_outcome(Outcome(record.outcome), wanted)
    if wanted is None and not changed:
        if text:
            raise InvalidInput("outcome", "请选择新的处置结果或填写对方单号")
        return record
    now = clock.now()
    shown = f"{record.line.name}（{record.line.number}）"
    in_effect = record.scope == Scope.full.value and order.status == Status.handed_over
    if wanted is not None:
        record.outcome, record.outcome_at, record.outcome_by_id = wanted.value, now, actor.user_id
        record.outcome_note = text
        changed["outcome"] = wanted.value
    session.flush()
    follows = lifecycle.ORDER_FOLLOWS.get(wanted) if wanted is not None and in_effect else None
    if follows == "take_back":
        workorder.take_back(session, actor, order, line=shown, record_ref=record.ref, reason=text)
    elif follows == "close":
        workorder.close_handed_over(session, actor, order, line=shown, record_ref=record.ref, note=text)
    workorder.note_linkage(session, actor, order, "linkage_updated", line=shown, linkage=record.ref,
                           outcome=changed.get("outcome"), other_ref=changed.get("other_ref"), note=text)
    return record


# --- statistics -----------------------------------------------------------------------------------


@dataclass
class LineStats:
    ref: str
    name: str
    number: str
    kind: str
    transfers: int = 0
    full: int = 0
    partial: int = 0
    median_s: float | None = None
    p90_s: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass
class Stats:
    region: str
    region_name: str
    start: dt.datetime
    end: dt.datetime
    transfers: int
    median_s: float | None
    p90_s: float | None
    outcomes: dict[str, int]
    lines: list[LineStats]


def may_see_stats(actor: Principal) -> bool:
    return _is_centre(actor) and actor.can(Cap.view_orders)


def stats(session: Session, actor: Principal, *, start: dt.datetime, end: dt.datetime,
          region_code: str | None = None) -> Stats:
    """Linkage in [start, end) of the centres in the actor's region (or a region under it):
    transfers by line (full / partial), time to hand over (median and 90th percentile, in
    seconds from registration to transfer) and the outcomes."""
    if not may_see_stats(actor):
        raise Forbidden("联动统计供热线中心人员查看")
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("from", "时间须带时区")
    if end <= start:
        raise InvalidInput("to", "结束时间须晚于开始时间")
    if end - start > dt.timedelta(days=366):
        raise InvalidInput("to", "统计区间不能超过一年")
    code = (region_code or actor.region_code).strip()
    region = org_repository.region_by_code(session, code)
    if region is None or not in_region(actor.region_code, code):
        raise NotFound(f"区划 {code} 不存在")
    rows = repository.stat_rows(session, region_prefix=region_prefix(code), start=start, end=end)
    by_line = repository.lines_by_id(session, {r[0] for r in rows})
    out: dict[int, LineStats] = {}
    seconds: dict[int, list[float]] = {}
    outcomes = {o.value: 0 for o in Outcome}
    for line_id, scope, outcome, secs in rows:
        line = by_line[line_id]
        s = out.setdefault(line_id, LineStats(line.ref, line.name, line.number, line.kind,
                                              outcomes={o.value: 0 for o in Outcome}))
        s.transfers += 1
        if scope == Scope.full.value:
            s.full += 1
        else:
            s.partial += 1
        s.outcomes[outcome] = s.outcomes.get(outcome, 0) + 1
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        seconds.setdefault(line_id, []).append(secs)
    for line_id, s in out.items():
        s.median_s = lifecycle.percentile(seconds[line_id], 0.5)
        s.p90_s = lifecycle.percentile(seconds[line_id], 0.9)
    every = [x for values in seconds.values() for x in values]
    ordered = sorted(out.values(), key=lambda s: (-s.transfers, s.number))
    return Stats(region=region.code, region_name=region.name, start=start, end=end, transfers=len(rows),
                 median_s=lifecycle.percentile(every, 0.5), p90_s=lifecycle.percentile(every, 0.9),
                 outcomes=outcomes, lines=ordered)


# --- utility keys ---------------------------------------------------------------------------------


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


def _require_keys(actor: Principal) -> None:
    if not (actor.can(Cap.manage_users) and actor.can(Cap.manage_integrations)):
        raise Forbidden("只有管理员可以管理公共事业接口密钥")


def account_name(unit_code: str) -> str:
    """The username of a utility's service account."""
    return f"{repository.ACCOUNT_PREFIX}{unit_code.lower()}"[:64]


def _utility_account(session: Session, actor: Principal, unit: Unit) -> User:
    username = account_name(unit.code)
    user = auth_repository.user_by_username(session, username)
    if user is None:
        return auth_service.create_user(session, actor, username=username,
                                        display_name=f"公共事业接口（{unit.name}）"[:50], role=Role.unit_handler,
                                        unit_id=unit.id, password=None, is_service=True)
    if not (user.is_service and user.role == Role.unit_handler and user.unit_id == unit.id):
        raise InvalidInput("unit", f"账号 {username} 已被占用，不是该单位的接口账号")
    if not user.active:
        raise Conflict(f"接口账号 {username} 已停用，请先在账号管理中启用")
    return user


def issue_key(session: Session, actor: Principal, *, unit_code: str, name: str | None = None
              ) -> tuple[str, KeyRow]:
    """A utility key (公共事业接口密钥): an API token of the utility's service account (a
    handler of that unit, made on first use). With it the utility's system reads, signs for and
    replies to its own orders through the API — another unit's order is 404 to it, as to any
    handler of the unit. Returns the token (shown this once) and its row."""
    _require_keys(actor)
    code = (unit_code or "").strip()
    unit = org_repository.unit_by_code(session, code) if code else None
    if unit is None or not in_region(actor.region_code, unit.region.code):
        raise InvalidInput("unit", f"单位 {code or '（空）'} 不存在或不在您的管理范围内")
    if unit.kind != UnitKind.utility:
        raise InvalidInput("unit", f"{unit.name} 不是公共事业单位")
    if not unit.active:
        raise InvalidInput("unit", f"{unit.name} 已停用")
    label = _text(name, "name", 100) or f"{unit.name}业务系统"
    account = _utility_account(session, actor, unit)
    plaintext, token = auth_service.issue_api_token(session, actor, account, name=label, days=None)
    audit.record(session, actor, "linkage_key.created", object_type="api_token", object_id=token.id,
                 detail={"name": label, "account": account.username, "unit": unit.code})
    return plaintext, _key_row(token, account.username, unit.code, unit.name)


def list_keys(session: Session, actor: Principal) -> list[KeyRow]:
    _require_keys(actor)
    return [_key_row(*row) for row in repository.utility_tokens(session, region_prefix=actor.region_prefix)]


def revoke_key(session: Session, actor: Principal, key_id: int) -> KeyRow:
    """Revoke a utility key: the utility's system gets 401 from now on."""
    _require_keys(actor)
    found = repository.utility_tokens(session, region_prefix=actor.region_prefix, token_id=key_id)
    if not found:
        raise NotFound("没有这个公共事业接口密钥")
    token = found[0][0]
    if token.revoked_at is None:
        auth_service.revoke_api_token(session, actor, token)
        session.flush()
        audit.record(session, actor, "linkage_key.revoked", object_type="api_token", object_id=token.id,
                     detail={"name": token.name, "account": found[0][1]})
    return _key_row(*found[0])
