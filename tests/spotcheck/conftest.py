import pytest

from hotline.kit import clock
from hotline.workorder import service as wo
from hotline.workorder.models import ReplyResult, Verdict

CHECKS = "/api/v1/spot-checks"
LISTS = "/api/v1/rectification-lists"


def post(client, path, body=None, status=200):
    response = client.post(path, json=body or {})
    assert response.status_code == status, response.text
    return response.json()


def closed_order(db, world, *, category="lamp", unit="990100-zj", region="990102001", confidential=False,
                 appeal_type="complaint", enterprise=False):
    """An order through the real services: intake, dispatch, sign, reply, review, callback → closed."""
    extra = {"is_enterprise": True, "enterprise_name": "青川安居物业有限公司", "uscc": "91110108MA0100000W"} \
        if enterprise else {}
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type=appeal_type, title="小区路灯不亮", content="我叫李四，门口路灯坏了一个月",
        phone="13911112222", name="李四", category_code=world.categories[category], region_code=region,
        is_confidential=confidential, **extra))
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units[unit])
    handler = "handler" if unit == "990100-zj" else None
    if handler:
        wo.sign(db, world.p(handler), order)
        wo.reply(db, world.p(handler), order, result=ReplyResult.resolved, text="已修复")
        wo.review_reply(db, world.p("dispatcher"), order, accept=True)
        wo.record_callback(db, world.p("agent"), order, reached=True, resolved=True, verdict=Verdict.satisfied)
    return order


def today() -> str:
    return clock.now().astimezone(clock.CST).date().isoformat()


@pytest.fixture
def orders(db, world):
    """Six closed street-lamp orders (city housing bureau) and two noise orders (environment,
    the sector viewer's sector), committed."""
    made = [closed_order(db, world) for _ in range(6)] + [closed_order(db, world, category="noise")
                                                         for _ in range(2)]
    db.commit()
    return made


def draw_body(**change):
    return {"title": "11月工单抽查", "period_start": today(), "period_end": today(), "size": 3, "seed": "abc123",
            **change}
