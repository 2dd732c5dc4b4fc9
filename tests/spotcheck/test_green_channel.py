"""The green channel for enterprises' appeals: shorter deadlines from the admin table, first in
the queues, their own filters, the badge, and ledgers filtered to them."""

from hotline.kit import clock
from hotline.kit.workcalendar import load_calendar
from hotline.workorder import green
from tests.spotcheck.conftest import post

INTAKE = {"channel": "phone", "appeal_type": "complaint", "title": "办照窗口推诿", "content": "营业执照变更一直不给办",
          "phone": "13911112222", "category_code": "010101", "region_code": "990102001"}
ENTERPRISE = {"is_enterprise": True, "enterprise_name": "青川安居物业有限公司", "uscc": "91110108MA0100000W"}


def _dispatched(api, world, **change):
    number = post(api("agent"), "/api/v1/work-orders", {**INTAKE, **change}, 201)["number"]
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    return api("dispatcher").get(f"/api/v1/work-orders/{number}").json()


def test_an_enterprise_complaint_gets_the_green_channels_shorter_deadline(api, db, world):
    green.save_rule(db, world.p("admin"), appeal_type=None, working_days=None, percent=50)
    green.save_rule(db, world.p("admin"), appeal_type="complaint", working_days=2, percent=None)
    db.commit()
    citizen = _dispatched(api, world)
    enterprise = _dispatched(api, world, **ENTERPRISE)
    calendar = load_calendar(db)
    start = clock.now()
    assert enterprise["due_at"][:10] == calendar.add_working_days(start, 2).at.isoformat()[:10]
    assert citizen["due_at"][:10] == calendar.add_working_days(start, 5).at.isoformat()[:10]
    helped = _dispatched(api, world, appeal_type="help", **ENTERPRISE)  # 3 days × 50% → 2
    assert helped["due_at"][:10] == calendar.add_working_days(start, 2).at.isoformat()[:10]


def test_without_green_rules_an_enterprise_keeps_the_normal_deadline(api, world):
    assert _dispatched(api, world, **ENTERPRISE)["due_at"][:10] == _dispatched(api, world)["due_at"][:10]


def test_enterprises_come_first_in_the_dispatch_queue_and_the_units_inbox(api, world):
    numbers = [post(api("agent"), "/api/v1/work-orders", {**INTAKE, **(ENTERPRISE if i == 1 else {})}, 201)["number"]
               for i in range(3)]
    queue = api("dispatcher").get("/api/v1/work-orders", params={"status": "registered"}).json()
    assert queue[0]["number"] == numbers[1] and queue[0]["is_enterprise"] is True
    for number in numbers:
        post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    inbox = api("handler").get("/api/v1/work-orders", params={"inbox": "true"}).json()
    assert inbox[0]["number"] == numbers[1]
    page = api("handler").get("/orders?tab=inbox").text
    assert "绿色通道" in page and page.index(numbers[1]) < page.index(numbers[0])


def test_order_lists_filter_by_enterprise_credit_code_and_name(api, world):
    mine = post(api("agent"), "/api/v1/work-orders", {**INTAKE, **ENTERPRISE}, 201)["number"]
    other = post(api("agent"), "/api/v1/work-orders", INTAKE, 201)["number"]
    listed = lambda **p: [o["number"] for o in api("dispatcher").get("/api/v1/work-orders", params=p).json()]  # noqa: E731
    assert mine in listed(enterprise="true") and other not in listed(enterprise="true")
    assert other in listed(enterprise="false") and mine not in listed(enterprise="false")
    assert listed(uscc="91110108ma0100000w") == [mine]
    assert mine in listed(enterprise_name="安居") and other not in listed(enterprise_name="安居")
    page = api("dispatcher").get("/orders", params={"tab": "all", "enterprise": "1"}).text
    assert mine in page and other not in page


def test_the_ledgers_filter_to_enterprises(api, db, world, travel):
    from hotline.supervision import service as supervision
    from tests.supervision.helpers import cst, project

    travel.move_to(cst(2026, 11, 16, 9))
    ent = _dispatched(api, world, **ENTERPRISE)["number"]
    cit = _dispatched(api, world)["number"]
    supervision.sweep_batch(db, cst(2026, 11, 30))
    project(db)
    numbers = lambda v: [e["number"] for e in api("supervisor").get(  # noqa: E731
        "/api/v1/ledgers", params={"kind": "overdue", "enterprise": v}).json()]
    assert ent in numbers("true") and cit not in numbers("true")
    assert cit in numbers("false") and ent not in numbers("false")
    assert api("supervisor").get("/ledgers", params={"enterprise": "1"}).status_code == 200


def test_the_admin_page_sets_the_rules_and_shows_their_effect(api, db):
    admin = api("admin")
    assert admin.get("/admin/green-channel").status_code == 200
    r = admin.post("/admin/green-channel/suggested", follow_redirects=False)
    assert r.status_code == 303
    page = admin.get("/admin/green-channel").text
    assert "按正常时限的 50%" in page and "最多 3 个工作日" in page
    bad = admin.post("/admin/green-channel", data={"percent": "500"})
    assert bad.status_code == 422 and "时限比例" in bad.text
    assert api("city_admin").get("/admin/green-channel").status_code == 403
    assert api("dispatcher").get("/admin/green-channel").status_code == 403
