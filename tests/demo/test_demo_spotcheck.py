"""The demo's green channel, spot check with a correction answered by the unit, and a
rectification list."""

from __future__ import annotations

from sqlalchemy import select

from hotline.spotcheck.models import RectificationItem, RectificationList, SpotCheck, SpotCheckItem
from hotline.workorder.models import GreenChannelRow, WorkOrder


def test_the_demo_has_a_spot_check_with_an_answered_correction_and_a_rectification_list(demo_db):
    [check] = demo_db.execute(select(SpotCheck)).scalars().all()
    assert check.seed == "qc2026" and check.sample_size == 6 and check.population >= 6
    items = demo_db.execute(select(SpotCheckItem).where(SpotCheckItem.spot_check_id == check.id)).scalars().all()
    assert sum(1 for i in items if i.finding == "correct") == 4
    states = sorted(i.correction_state for i in items if i.finding == "problem")
    assert states == ["accepted", "open"]
    assert any(i.recall_verdict == "dissatisfied" for i in items)
    [lst] = demo_db.execute(select(RectificationList)).scalars().all()
    rect = demo_db.execute(select(RectificationItem).where(RectificationItem.list_id == lst.id)).scalars().all()
    assert lst.spot_check_id == check.id and len(rect) == 2
    assert [i.status for i in rect].count("in_progress") == 1


def test_the_demo_has_green_channel_rules_and_enterprise_orders(demo_db):
    assert len(demo_db.execute(select(GreenChannelRow)).all()) == 3
    assert len(demo_db.execute(select(WorkOrder).where(WorkOrder.is_enterprise.is_(True))).all()) >= 2
