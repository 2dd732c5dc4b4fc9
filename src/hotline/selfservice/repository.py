"""Queries of the public door. Counters that a guesser drives (wrong codes) and the one-way
steps (confirming, using a code) are single conditional UPDATE statements, so two requests at
once can neither both get the last try nor both turn one submission into two orders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.orm import Session

from hotline.selfservice.models import PublicSubmission, SubmissionStatus, WithdrawalCode

_NO_SYNC = {"synchronize_session": False}


def submission_by_token_hash(session: Session, token_hash: str) -> PublicSubmission | None:
    return session.execute(
        select(PublicSubmission).where(PublicSubmission.token_hash == token_hash)
    ).scalar_one_or_none()


def count_wrong_code(session: Session, submission_id: int, max_attempts: int) -> int:
    """One more wrong code on a pending submission; the last allowed one voids it. Returns
    the attempts made so far (``max_attempts`` when it was already used up)."""
    attempts = session.execute(
        update(PublicSubmission)
        .where(PublicSubmission.id == submission_id, PublicSubmission.status == SubmissionStatus.pending)
        .values(attempts=PublicSubmission.attempts + 1,
                status=case((PublicSubmission.attempts + 1 >= max_attempts, SubmissionStatus.void.value),
                            else_=PublicSubmission.status))
        .returning(PublicSubmission.attempts)
        .execution_options(**_NO_SYNC)
    ).scalar_one_or_none()
    return max_attempts if attempts is None else int(attempts)


def claim_submission(session: Session, submission_id: int, now: dt.datetime) -> bool:
    """Mark a pending submission confirmed; False when another request already did (or it is void)."""
    result = session.execute(
        update(PublicSubmission)
        .where(PublicSubmission.id == submission_id, PublicSubmission.status == SubmissionStatus.pending)
        .values(status=SubmissionStatus.confirmed.value, confirmed_at=now)
        .execution_options(**_NO_SYNC)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def latest_withdrawal_code(session: Session, work_order_id: int) -> WithdrawalCode | None:
    """The newest code sent for the order and not yet used: each new code replaces the older ones."""
    return session.execute(
        select(WithdrawalCode).where(WithdrawalCode.work_order_id == work_order_id)
        .order_by(WithdrawalCode.id.desc()).limit(1)
    ).scalar_one_or_none()


def count_wrong_withdrawal_code(session: Session, code_id: int) -> int:
    return int(session.execute(
        update(WithdrawalCode).where(WithdrawalCode.id == code_id)
        .values(attempts=WithdrawalCode.attempts + 1).returning(WithdrawalCode.attempts)
        .execution_options(**_NO_SYNC)
    ).scalar_one())


def use_withdrawal_code(session: Session, code_id: int, now: dt.datetime) -> bool:
    result = session.execute(
        update(WithdrawalCode).where(WithdrawalCode.id == code_id, WithdrawalCode.used_at.is_(None))
        .values(used_at=now).execution_options(**_NO_SYNC)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def delete_stale(session: Session, before: dt.datetime) -> int:
    """Forget submissions and codes that expired before ``before`` (a confirmed submission
    holds no appeal any more, only the link to its order, kept for a retried confirmation)."""
    gone = session.execute(delete(PublicSubmission).where(PublicSubmission.expires_at < before))
    codes = session.execute(delete(WithdrawalCode).where(
        or_(WithdrawalCode.expires_at < before, WithdrawalCode.used_at < before)))
    return int(gone.rowcount or 0) + int(codes.rowcount or 0)  # type: ignore[attr-defined]
