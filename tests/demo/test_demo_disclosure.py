"""The demo's public disclosure: last month published for 青川市, two typical cases published
(approved by a second person), one waiting for review; nothing personal on the public side."""

from __future__ import annotations

from sqlalchemy import select

from hotline.analytics.disclosure import service
from hotline.analytics.disclosure.models import DisclosureMonth, TypicalCase
from hotline.demo.disclosure import CASES


def test_the_demo_publishes_last_month_and_two_typical_cases(demo_db):
    [month] = demo_db.execute(select(DisclosureMonth)).scalars().all()
    assert month.state == "published" and month.period == "2026-11"
    assert month.figures["region_name"] == "青川市" and month.figures["figures"]["received"] > 0
    cases = demo_db.execute(select(TypicalCase)).scalars().all()
    assert sorted(c.state for c in cases) == ["in_review", "published", "published"]
    assert all(c.reviewed_by_id != c.created_by_id for c in cases if c.state == "published")
    public = service.public_cases(demo_db)
    text = " ".join(c.title + c.appeal + c.handling + c.result for c in public)
    for _category, _town, _title, _content, name, phone, address, enterprise, _reply, _publish in CASES:
        assert name not in text and phone not in text and address not in text
        assert enterprise is None or enterprise not in text
    assert "川A12345" not in text and "[车牌号]" in text and "张某" in text
