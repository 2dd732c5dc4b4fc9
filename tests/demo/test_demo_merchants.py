"""The demo's service merchants: a dozen in 青川市, admitted by a second person, one waiting,
one warned, one suspended; referrals with ratings, complaints and a proposal of the rule."""

from __future__ import annotations

from sqlalchemy import select

from hotline.integration.merchants import service
from hotline.integration.merchants.models import Complaint, Merchant, Proposal, Referral
from hotline.notify.models import Notification


def test_the_demo_has_a_dozen_merchants_referrals_and_ratings(demo_db):
    merchants = demo_db.execute(select(Merchant)).scalars().all()
    assert len(merchants) >= 12
    statuses = [m.status for m in merchants]
    assert statuses.count("admitted") >= 10 and {"applied", "warned", "suspended"} <= set(statuses)
    assert all(m.reviewed_by_id != m.created_by_id for m in merchants if m.reviewed_by_id)
    referrals = demo_db.execute(select(Referral)).scalars().all()
    assert len(referrals) >= 4 and sum(1 for r in referrals if r.verdict) >= 3
    assert len(demo_db.execute(select(Notification).where(Notification.template == "merchant_referral")).all()) \
        == len(referrals)
    assert len(demo_db.execute(select(Complaint)).all()) == 4
    [proposal] = demo_db.execute(select(Proposal)).scalars().all()
    assert proposal.action == "warn" and proposal.state == "open"
    public = service.public_merchants(demo_db, service_type=None, area=None)
    assert len(public) == statuses.count("admitted")
