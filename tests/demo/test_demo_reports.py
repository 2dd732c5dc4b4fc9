"""The demo has last month's analysis of 青川市 issued by the supervisor, the province's
scheduled draft and yesterday's daily ledger."""

from __future__ import annotations

import io

from docx import Document
from sqlalchemy import select

from hotline.analytics.reports.models import Report


def test_the_demo_has_an_issued_monthly_report_and_drafts(demo_db):
    reports = demo_db.execute(select(Report).order_by(Report.id)).scalars().all()
    assert [(r.kind, r.period_key, r.status) for r in reports] == [
        ("monthly", "2026-11", "issued"), ("monthly", "2026-11", "draft"), ("daily_ledger", "2026-12-02", "draft")]
    issued = reports[0]
    assert issued.issued_by_id is not None and issued.auto_key is None and reports[1].auto_key
    doc = Document(io.BytesIO(issued.docx))
    assert doc.paragraphs[0].text == "青川市 12345 热线2026年11月诉求月度分析报告"
    assert len(doc.tables) >= 5 and sum(1 for r in doc.part.rels.values() if "image" in r.reltype) >= 3
    assert "变被动接诉为主动治理" in "\n".join(p.text for p in doc.paragraphs)
    received = issued.content["tables"][0]["rows"][0][1][0]
    assert received > 0
