"""Recording and verifying audit events.

Services call :func:`record`; the entry is chained and inserted when the transaction
commits (``before_commit``), so the chain lock is held only for the last moment of a
transaction and a rolled-back transaction leaves no audit row behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.audit import chain, repository
from hotline.kit import clock, context

PENDING = "audit_pending"


class Actor(Protocol):
    @property
    def user_id(self) -> int | None: ...

    @property
    def username(self) -> str: ...


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    detail: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> None:
    """Queue an audit event for this transaction. ``detail`` must hold no personal data."""
    session.info.setdefault(PENDING, []).append(
        {
            "at": clock.now(),
            "actor_id": actor.user_id if actor else None,
            "actor_name": actor_name or (actor.username if actor else "system"),
            "action": action,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "detail": detail or {},
            "ip": context.client_ip.get(),
        }
    )


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    seq, prev = repository.lock_head(session)
    rows = []
    for entry in pending:
        seq += 1
        digest = chain.link(prev, chain.canonical(seq=seq, **entry))
        rows.append({"seq": seq, "prev_hash": prev, "hash": digest, **entry})
        prev = digest
    repository.append(session, rows)


def pending_events(session: Session) -> list[dict[str, Any]]:
    """A copy of the events queued so far in this transaction (to put back with
    :func:`restore_pending` after rolling back a savepoint, which drops the queue)."""
    return list(session.info.get(PENDING, []))


def restore_pending(session: Session, events: list[dict[str, Any]]) -> None:
    session.info[PENDING] = list(events)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(PENDING, None)


@dataclass
class VerifyResult:
    checked: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_recorded(session: Session, actor: Actor) -> VerifyResult:
    """:func:`verify`, with its outcome recorded (``audit.verified``): the auditor's workbench
    shows when the chain was last checked and what was found."""
    result = verify(session)
    record(session, actor, "audit.verified",
           detail={"ok": result.ok, "checked": result.checked, "problems": len(result.problems)})
    return result


def verify(session: Session) -> VerifyResult:
    """Walk the chain in order and report every altered, missing or re-linked row."""
    result = VerifyResult()
    expected_seq, prev = 1, chain.GENESIS
    for row in repository.iter_chain(session):
        result.checked += 1
        if row.seq != expected_seq:
            result.problems.append(
                {"seq": expected_seq, "problem": "missing",
                 "message": f"第 {expected_seq}–{row.seq - 1} 条记录缺失（被删除）"}
            )
        recomputed = chain.link(
            row.prev_hash,
            chain.canonical(
                seq=row.seq, at=row.at, actor_id=row.actor_id, actor_name=row.actor_name,
                action=row.action, object_type=row.object_type, object_id=row.object_id,
                detail=row.detail, ip=row.ip,
            ),
        )
        if recomputed != row.hash:
            result.problems.append(
                {"seq": row.seq, "problem": "altered", "message": f"第 {row.seq} 条记录内容被篡改"}
            )
        elif row.prev_hash != prev and row.seq == expected_seq:
            result.problems.append(
                {"seq": row.seq, "problem": "relinked", "message": f"第 {row.seq} 条记录的前序哈希不符"}
            )
        prev, expected_seq = row.hash, row.seq + 1
    head = repository.head(session)
    if head.seq != expected_seq - 1 or head.hash != prev:
        result.problems.append(
            {"seq": head.seq, "problem": "truncated",
             "message": f"链尾不符：应到第 {head.seq} 条，实际到第 {expected_seq - 1} 条"}
        )
    return result

