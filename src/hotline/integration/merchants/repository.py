"""Queries of the service-merchant register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.integration.merchants.models import Complaint, Merchant, Proposal, Referral, StatusChange
from hotline.org.models import Region


def by_ref(session: Session, ref: str) -> Merchant | None:
    return session.execute(select(Merchant).where(Merchant.ref == ref)).scalar_one_or_none()


def by_uscc(session: Session, uscc: str) -> Merchant | None:
    return session.execute(select(Merchant).where(Merchant.uscc == uscc)).scalar_one_or_none()


def region_by_code(session: Session, code: str) -> Region | None:
    return session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


def existing_region_codes(session: Session, codes: Collection[str]) -> set[str]:
    if not codes:
        return set()
    return set(session.execute(select(Region.code).where(Region.code.in_(sorted(codes)))).scalars())


def region_codes(session: Session, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {int(i): c for i, c in session.execute(select(Region.id, Region.code).where(Region.id.in_(sorted(ids))))}


def region_names(session: Session, codes: Collection[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {c: n for c, n in session.execute(select(Region.code, Region.name).where(Region.code.in_(sorted(codes))))}


def merchants(session: Session, *, statuses: Collection[str] | None = None) -> list[Merchant]:
    """Every merchant (in the given statuses). The register is small — hundreds per city — so
    the scope by region and area is applied by the service over the rows."""
    stmt = select(Merchant)
    if statuses is not None:
        stmt = stmt.where(Merchant.status.in_(sorted(statuses)))
    return list(session.execute(stmt.order_by(Merchant.name, Merchant.id)).scalars())


def merchants_by_ids(session: Session, ids: Collection[int]) -> dict[int, Merchant]:
    if not ids:
        return {}
    return {m.id: m for m in session.execute(select(Merchant).where(Merchant.id.in_(sorted(ids)))).scalars()}


def referrals_of_order(session: Session, order_id: int) -> list[Referral]:
    return list(session.execute(select(Referral).where(Referral.work_order_id == order_id)
                                .order_by(Referral.referred_at, Referral.id)).scalars())


def referral(session: Session, order_id: int, merchant_id: int) -> Referral | None:
    return session.execute(select(Referral).where(Referral.work_order_id == order_id,
                                                  Referral.merchant_id == merchant_id)).scalar_one_or_none()


def referral_by_ref(session: Session, order_id: int, ref: str) -> Referral | None:
    return session.execute(select(Referral).where(Referral.work_order_id == order_id,
                                                  Referral.ref == ref)).scalar_one_or_none()


def complaints_of_order(session: Session, order_id: int) -> list[Complaint]:
    return list(session.execute(select(Complaint).where(Complaint.work_order_id == order_id)
                                .order_by(Complaint.marked_at, Complaint.id)).scalars())


def complaint(session: Session, order_id: int, merchant_id: int) -> Complaint | None:
    return session.execute(select(Complaint).where(Complaint.work_order_id == order_id,
                                                   Complaint.merchant_id == merchant_id)).scalar_one_or_none()


def referral_figures(session: Session, ids: Collection[int], since: dt.datetime
                     ) -> dict[int, dict[str, float | int | None]]:
    """Merchant id → referrals, ratings by verdict and the mean response hours, of referrals
    made since ``since``."""
    if not ids:
        return {}
    r = Referral
    stmt = (select(r.merchant_id, r.verdict, func.count())
            .where(r.merchant_id.in_(sorted(ids)), r.referred_at >= since)
            .group_by(r.merchant_id, r.verdict))
    out: dict[int, dict[str, float | int | None]] = {}
    for merchant_id, verdict, count in session.execute(stmt):
        row = out.setdefault(int(merchant_id), {"referrals": 0})
        row["referrals"] = int(row["referrals"] or 0) + int(count)
        if verdict:
            row[str(verdict)] = int(count)
    resp = (select(r.merchant_id, func.count(r.response_hours), func.avg(r.response_hours))
            .where(r.merchant_id.in_(sorted(ids)), r.referred_at >= since, r.response_hours.is_not(None))
            .group_by(r.merchant_id))
    for merchant_id, count, mean in session.execute(resp):
        out.setdefault(int(merchant_id), {"referrals": 0})["mean_response_hours"] = float(mean) if count else None
    return out


def complaint_counts(session: Session, ids: Collection[int], since: dt.datetime) -> dict[int, int]:
    if not ids:
        return {}
    stmt = (select(Complaint.merchant_id, func.count()).where(Complaint.merchant_id.in_(sorted(ids)),
                                                                Complaint.marked_at >= since)
            .group_by(Complaint.merchant_id))
    return {int(m): int(n) for m, n in session.execute(stmt)}


def complaints_since(session: Session, merchant_id: int, since: dt.datetime) -> int:
    return int(session.execute(select(func.count()).select_from(Complaint).where(
        Complaint.merchant_id == merchant_id, Complaint.marked_at >= since)).scalar_one())


def status_changes(session: Session, merchant_id: int) -> list[StatusChange]:
    return list(session.execute(select(StatusChange).where(StatusChange.merchant_id == merchant_id)
                                .order_by(StatusChange.at.desc(), StatusChange.id.desc())).scalars())


def recent_changes(session: Session, merchant_ids: Collection[int], limit: int) -> list[StatusChange]:
    if not merchant_ids:
        return []
    return list(session.execute(select(StatusChange).where(StatusChange.merchant_id.in_(sorted(merchant_ids)))
                                .order_by(StatusChange.at.desc(), StatusChange.id.desc()).limit(limit)).scalars())


def proposal_by_ref(session: Session, ref: str) -> Proposal | None:
    return session.execute(select(Proposal).where(Proposal.ref == ref)).scalar_one_or_none()


def open_proposals(session: Session, merchant_ids: Collection[int] | None = None) -> list[Proposal]:
    stmt = select(Proposal).where(Proposal.state == "open")
    if merchant_ids is not None:
        if not merchant_ids:
            return []
        stmt = stmt.where(Proposal.merchant_id.in_(sorted(merchant_ids)))
    return list(session.execute(stmt.order_by(Proposal.raised_at, Proposal.id)).scalars())


def proposals_of(session: Session, merchant_id: int) -> list[Proposal]:
    return list(session.execute(select(Proposal).where(Proposal.merchant_id == merchant_id)
                                .order_by(Proposal.raised_at.desc(), Proposal.id.desc())).scalars())
