"""Bulk actions (批量操作): one action on many orders, each order still through its own service call
and lifecycle rules, each in a savepoint of its own — the result lists per order what was done
and what was refused (with the status and reason a single action would have given). With
``all_or_nothing`` a single refusal undoes them all (409 with the same per-order list).

Actions: ``dispatch`` (to one lead unit), ``sign``, ``accept`` (accept the pending replies),
``unreachable`` (record a callback attempt that did not get through), ``merge`` (close
duplicates into one main order)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.kit.errors import Conflict, HotlineError, InvalidInput
from hotline.workorder import service
from hotline.workorder.models import WorkOrder

MAX_ORDERS = 200
ACTIONS = {"dispatch": "派单", "sign": "签收", "accept": "答复认定通过", "unreachable": "回访未接通", "merge": "并案"}


@dataclass(frozen=True)
class Outcome:
    number: str
    ok: bool
    status: int  # 200, or the status the single action was refused with
    message: str


@dataclass(frozen=True)
class BulkResult:
    action: str
    outcomes: list[Outcome]
    applied: bool  # False: all_or_nothing and something was refused, nothing kept

    @property
    def succeeded(self) -> int:
        return sum(o.ok for o in self.outcomes) if self.applied else 0

    @property
    def failed(self) -> int:
        return sum(not o.ok for o in self.outcomes)


Step = Callable[[Session, Principal, WorkOrder], object]


def _step(action: str, params: dict[str, Any]) -> Step:
    """The per-order call of ``action`` (422 naming a missing or bad parameter)."""
    if action == "dispatch":
        unit_id = params.get("lead_unit_id")
        if not isinstance(unit_id, int) or unit_id < 1:
            raise InvalidInput("lead_unit_id", "批量派单须选择主办单位")
        return lambda s, p, o: service.dispatch(s, p, o, lead_unit_id=unit_id, note=params.get("note"))
    if action == "sign":
        return lambda s, p, o: service.sign(s, p, o)
    if action == "accept":
        return lambda s, p, o: service.review_reply(s, p, o, accept=True)
    if action == "unreachable":
        return lambda s, p, o: service.record_callback(s, p, o, reached=False, note=params.get("note"))
    if action == "merge":
        main = params.get("main")
        if not isinstance(main, str) or not main:
            raise InvalidInput("main", "并案须指定主工单号")
        return lambda s, p, o: None  # merge is done with its main order, below
    raise InvalidInput("action", f"批量操作应为 {', '.join(ACTIONS)} 之一")


def run(session: Session, actor: Principal, action: str, numbers: list[str], *,
        params: dict[str, Any] | None = None, all_or_nothing: bool = False) -> BulkResult:
    """Apply ``action`` to each order; the caller commits (or, when nothing was applied, the
    savepoints have already undone everything)."""
    params = params or {}
    wanted = list(dict.fromkeys(n.strip().upper() for n in numbers if n and n.strip()))
    if not wanted:
        raise InvalidInput("numbers", "请选择工单")
    if len(wanted) > MAX_ORDERS:
        raise InvalidInput("numbers", f"一次最多 {MAX_ORDERS} 张工单")
    step = _step(action, params)
    main: WorkOrder | None = None
    if action == "merge":
        main = access.access_work_order(session, actor, str(params["main"]).strip().upper())
    before = audit.pending_events(session)
    outer = session.begin_nested() if all_or_nothing else None
    outcomes: list[Outcome] = []
    for number in wanted:
        kept = audit.pending_events(session)  # a savepoint's rollback drops the queued events
        savepoint = session.begin_nested()
        try:
            order = access.access_work_order(session, actor, number)
            if main is not None:
                if order.id == main.id:
                    raise Conflict("主工单不能并入自身")
                service.merge(session, actor, main, [order])
            else:
                step(session, actor, order)
            session.flush()
            savepoint.commit()
            outcomes.append(Outcome(number, True, 200, "已" + ACTIONS[action]))
        except StaleDataError:
            savepoint.rollback()
            audit.restore_pending(session, kept)
            outcomes.append(Outcome(number, False, 409, "工单已被他人更新，请刷新后重试"))
        except HotlineError as exc:
            savepoint.rollback()
            audit.restore_pending(session, kept)
            outcomes.append(Outcome(number, False, exc.status_code, exc.message))
    applied = True
    if outer is not None:
        if any(not o.ok for o in outcomes):
            outer.rollback()
            audit.restore_pending(session, before)
            applied = False
        else:
            outer.commit()
    return BulkResult(action, outcomes, applied)
