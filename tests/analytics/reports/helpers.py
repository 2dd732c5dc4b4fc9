"""A month of orders for the reports, through the real services: November 2026 in 青川市,
some closed (satisfied or not), some of enterprises, one emergency."""

from __future__ import annotations

import io

from docx import Document

from hotline.workorder import service as wo
from hotline.workorder.models import Verdict
from tests.supervision.helpers import cst, project


def order(db, world, *, title="小区路灯不亮", content="幸福路 12 号小区门口路灯坏了一个月", category="lamp",
          enterprise=False, phone="13911112222"):
    o, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title=title, content=content, phone=phone,
        category_code=world.categories[category], region_code="990102001", is_enterprise=enterprise,
        enterprise_name="青川示范科技有限公司" if enterprise else None))
    return o


def close(db, world, o, verdict=Verdict.satisfied, unit="990100-zj"):
    wo.dispatch(db, world.p("dispatcher"), o, lead_unit_id=world.units[unit])
    wo.sign(db, world.p("handler"), o)
    wo.reply(db, world.p("handler"), o, result=wo.ReplyResult.resolved, text="已修复路灯，联系人张三丰 13812348000")
    wo.review_reply(db, world.p("dispatcher"), o, accept=True)
    wo.record_callback(db, world.p("agent"), o, reached=True, resolved=True, verdict=verdict)
    return o


def month_of_orders(db, world, travel):
    """October: 2 orders; November: 5 (2 closed satisfied, 1 enterprise closed, 1 emergency)."""
    travel.move_to(cst(2026, 10, 12, 10))
    order(db, world)
    order(db, world, category="noise", title="夜间施工噪声", content="工地夜间施工噪声扰民")
    travel.move_to(cst(2026, 11, 9, 10))
    close(db, world, order(db, world))
    close(db, world, order(db, world, title="路灯闪烁", content="东华街道路灯闪烁"))
    close(db, world, order(db, world, enterprise=True, title="企业门前路灯不亮", content="园区道路路灯不亮影响企业"))
    order(db, world, category="noise", title="工地燃气泄漏", content="工地燃气泄漏味道很重")
    order(db, world, category="noise", title="广场舞噪声", content="广场舞音响太吵")
    project(db)
    refresh(db)


def refresh(db):
    """Fold the committed events into the statistics cube (as its job does)."""
    from hotline.analytics import service

    db.commit()
    while service.refresh(db):
        pass
    db.commit()


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def headings(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"]


def tables(doc) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def images(doc) -> int:
    return sum(1 for r in doc.part.rels.values() if "image" in r.reltype)
