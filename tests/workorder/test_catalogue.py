"""The reference data behind intake and dispatch: the direct-dispatch catalogue (直派目录),
the deadline rules (办理时限) and the working-day calendar page — their API and admin pages,
validation, who may change them, and what they do to new work orders."""

import datetime as dt

import pytest
from sqlalchemy import select
from starlette.routing import NoMatchFound

from hotline.audit.models import AuditEvent
from hotline.kit.clock import CST
from hotline.kit.errors import InvalidInput
from hotline.workorder import catalogue_endpoints, sla
from hotline.workorder.admin_views import parse_dates
from hotline.workorder.models import DeadlineRuleRow, WorkOrder
from tests.factories import PASSWORD

WATER = {"name": "停水", "category_codes": [], "keywords": ["停水、没水", "水管爆裂"], "target": "utility",
         "utility_type": "water"}
INTAKE = {"channel": "phone", "appeal_type": "complaint", "title": "小区停水", "content": "东华街道幸福小区停水两天了",
          "phone": "13911112222", "category_code": "010101", "region_code": "990102001"}
# Monday 23 November 2026, 10:00 CST: five working days later is Monday 30 November.
MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def app(app):  # type: ignore[no-untyped-def]
    """The application with the catalogue API, whether or not create_app mounts it already."""
    try:
        app.url_path_for("list_direct_rules")
    except NoMatchFound:
        app.include_router(catalogue_endpoints.router, prefix="/api/v1")
    return app


@pytest.fixture
def monday(time_machine):  # type: ignore[no-untyped-def]
    """The clock stands still at MONDAY, so deadlines in hours come out to the second."""
    time_machine.move_to(MONDAY, tick=False)


def call(client, method, path, body=None, status=200):
    response = client.request(method, path, json=body)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def page_login(client, username):
    page = client.get("/login")
    token = page.text.split('name="login_csrf" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": username, "password": PASSWORD, "login_csrf": token,
                                           "next": "/"}, follow_redirects=False)
    assert response.status_code == 303
    return client


def csrf_of(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.text
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


def cst(value):
    return dt.datetime.fromisoformat(value).astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


def intake(api, **change):
    return call(api("agent"), "POST", "/api/v1/work-orders", {**INTAKE, **change}, 201)


# --- direct-dispatch catalogue -----------------------------------------------------------------


def test_the_province_admin_creates_edits_and_deactivates_a_catalogue_entry(api, world, db):
    admin = api("admin")
    rule = call(admin, "POST", "/api/v1/direct-dispatch-rules", WATER, 201)
    assert rule["keywords"] == ["停水", "没水", "水管爆裂"] and rule["active"] is True
    assert rule["target"] == "utility" and rule["utility_type"] == "water"

    changed = call(admin, "PATCH", f"/api/v1/direct-dispatch-rules/{rule['id']}",
                   {"name": "停水（含爆管）", "category_codes": ["0101"], "keywords": ["停水"]})
    assert changed["name"] == "停水（含爆管）" and changed["category_codes"] == ["0101"]
    assert changed["keywords"] == ["停水"] and changed["utility_type"] == "water"

    moved = call(admin, "PATCH", f"/api/v1/direct-dispatch-rules/{rule['id']}", {"target": "county_government"})
    assert moved["target"] == "county_government" and moved["utility_type"] is None

    off = call(admin, "PATCH", f"/api/v1/direct-dispatch-rules/{rule['id']}", {"active": False})
    assert off["active"] is False
    listed = call(admin, "GET", "/api/v1/direct-dispatch-rules")
    assert [r["id"] for r in listed] == [rule["id"]]
    assert call(admin, "GET", "/api/v1/direct-dispatch-rules?active_only=true") == []
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "direct_dispatch_rule")
                         .order_by(AuditEvent.seq)).all()
    assert actions == ["direct_dispatch_rule.created"] + ["direct_dispatch_rule.updated"] * 3


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"category_codes": [], "keywords": []}, "category_codes", "请至少选择一个诉求分类或填写一个关键词"),
    ({"utility_type": None}, "utility_type", "须选择公共事业类型"),
    ({"category_codes": ["0199"]}, "category_codes", "分类 0199 不存在"),
    ({"category_codes": ["abc"]}, "category_codes", "不存在"),
    ({"keywords": ["水"]}, "keywords", "太短"),
    ({"name": " "}, "name", "不能为空"),
    ({"target": "mayor"}, "target", ""),
    ({"utility_type": "oil"}, "utility_type", ""),
])
def test_an_invalid_catalogue_entry_is_a_422_naming_the_field(api, world, db, change, field, reason):
    response = api("admin").post("/api/v1/direct-dispatch-rules", json={**WATER, **change})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and reason in response.json()["reason"]


def test_a_catalogue_entry_name_is_unique_and_a_patch_is_validated_too(api, world):
    admin = api("admin")
    rule = call(admin, "POST", "/api/v1/direct-dispatch-rules", WATER, 201)
    assert admin.post("/api/v1/direct-dispatch-rules", json=WATER).json()["field"] == "name"
    response = admin.patch(f"/api/v1/direct-dispatch-rules/{rule['id']}", json={"keywords": [], "category_codes": []})
    assert response.status_code == 422 and response.json()["field"] == "category_codes"
    response = admin.patch(f"/api/v1/direct-dispatch-rules/{rule['id']}", json={"category_codes": ["0101", "77"]})
    assert response.status_code == 422 and response.json()["field"] == "category_codes"


def test_ids_in_the_catalogue_api_are_bounded(api, world):
    admin = api("admin")
    for method in ("PATCH", "GET"):
        assert admin.request(method, "/api/v1/direct-dispatch-rules/99999999999999", json={}).status_code == 422
        assert admin.request(method, "/api/v1/direct-dispatch-rules/0", json={}).status_code == 422
    assert admin.patch("/api/v1/deadline-rules/99999999999999", json={}).status_code == 422
    assert admin.delete("/api/v1/deadline-rules/-1").status_code == 422
    assert admin.patch("/api/v1/direct-dispatch-rules/123456", json={}).status_code == 404


@pytest.mark.parametrize("username", ["city_admin", "dispatcher", "agent", "handler", "auditor"])
def test_only_the_province_admin_may_change_the_catalogue_and_the_deadline_rules(api, world, db, username):
    rule = call(api("admin"), "POST", "/api/v1/direct-dispatch-rules", WATER, 201)
    other = api(username)
    assert other.post("/api/v1/direct-dispatch-rules", json=WATER).status_code == 403
    assert other.patch(f"/api/v1/direct-dispatch-rules/{rule['id']}", json={"active": False}).status_code == 403
    assert other.post("/api/v1/deadline-rules", json={"working_days": 3}).status_code == 403
    row = call(api("admin"), "POST", "/api/v1/deadline-rules", {"working_days": 4}, 201)
    assert other.patch(f"/api/v1/deadline-rules/{row['id']}", json={"working_days": 9}).status_code == 403
    assert other.delete(f"/api/v1/deadline-rules/{row['id']}").status_code == 403
    assert db.get(DeadlineRuleRow, row["id"]).working_days == 4
    # Staff may read them (the catalogue explains why an order was dispatched directly).
    assert other.get("/api/v1/direct-dispatch-rules").status_code == 200


@pytest.mark.parametrize("username", ["city_admin", "dispatcher", "manager"])
def test_the_admin_pages_are_refused_to_anyone_but_the_province_admin(client, world, username):
    page_login(client, username)
    for path in ("/admin/direct-dispatch", "/admin/direct-dispatch/new", "/admin/deadlines", "/admin/calendar"):
        assert client.get(path).status_code == 403, path
    token = csrf_of(client, "/me")
    for path, data in (("/admin/direct-dispatch/new", {"name": "x", "keywords": "停水", "target": "utility"}),
                       ("/admin/deadlines", {"amount": "3", "unit": "days"}),
                       ("/admin/deadlines/defaults", {}),
                       ("/admin/calendar/override", {"day": "2027-01-04", "is_workday": "0"}),
                       ("/admin/calendar/schedule", {"year": "2027", "holidays": "2027-01-01"})):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
        assert "<form" not in response.text.split("<main>")[1], path  # no form handed to the wrong person


def test_the_catalogue_page_creates_and_edits_an_entry_and_shows_field_errors(client, world, db):
    page_login(client, "admin")
    token = csrf_of(client, "/admin/direct-dispatch/new")
    bad = client.post("/admin/direct-dispatch/new", data={"name": "夜间施工噪声", "target": "competent_department",
                                                          "keywords": "", "csrf_token": token})
    assert bad.status_code == 422 and "请至少选择一个诉求分类或填写一个关键词" in bad.text
    assert 'value="夜间施工噪声"' in bad.text
    bad = client.post("/admin/direct-dispatch/new", data={"name": "停水", "target": "utility", "keywords": "停水",
                                                          "csrf_token": token})
    assert bad.status_code == 422 and "须选择公共事业类型" in bad.text
    ok = client.post("/admin/direct-dispatch/new", data={
        "name": "夜间施工噪声", "target": "competent_department", "keywords": "夜间施工、噪音扰民",
        "category_codes[]": ["0201"], "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    listed = client.get(ok.headers["location"]).text
    assert "夜间施工噪声" in listed and "夜间施工" in listed and "噪音扰民" in listed and "0201 噪声污染" in listed
    rule_id = int(ok.headers["location"].split("#r-")[1])

    form = client.get(f"/admin/direct-dispatch/{rule_id}").text
    assert 'value="夜间施工、噪音扰民"' in form and '<option value="0201" selected' in form
    saved = client.post(f"/admin/direct-dispatch/{rule_id}", data={
        "name": "夜间施工噪声", "target": "county_government", "keywords": "夜间施工", "category_codes[]": [],
        "active": "0", "csrf_token": token}, follow_redirects=False)
    assert saved.status_code == 303
    listed = client.get("/admin/direct-dispatch").text
    assert "停用" in listed and "县（区）人民政府" in listed
    toggled = client.post(f"/admin/direct-dispatch/{rule_id}/active", data={"active": "1", "csrf_token": token},
                          follow_redirects=False)
    assert toggled.status_code == 303
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(rule_id),
                                                      AuditEvent.object_type == "direct_dispatch_rule")).all()


def test_a_catalogue_entry_sends_a_matching_intake_straight_to_the_local_utility(api, world, db):
    before = intake(api)
    assert before["status"] == "registered"  # no catalogue yet: the order waits for a dispatcher

    rule = call(api("admin"), "POST", "/api/v1/direct-dispatch-rules", WATER, 201)
    order = intake(api)
    assert order["status"] == "dispatched" and order["direct_dispatch"] is True
    assert order["lead_unit"] == "青川市自来水公司"
    roles = {(a["unit_name"], a["role"]) for a in order["assignments"]}
    assert ("青川市自来水公司", "lead") in roles and ("东城区人民政府", "copy") in roles
    hours = (dt.datetime.fromisoformat(order["due_at"]) - dt.datetime.fromisoformat(order["dispatched_at"]))
    assert hours == dt.timedelta(hours=sla.DIRECT_DISPATCH_HOURS)
    saved = db.scalar(select(WorkOrder).where(WorkOrder.number == order["number"]))
    assert saved.direct_rule_id == rule["id"]

    unrelated = intake(api, title="路灯不亮", content="幸福路路灯不亮")
    assert unrelated["status"] == "registered"
    call(api("admin"), "PATCH", f"/api/v1/direct-dispatch-rules/{rule['id']}", {"active": False})
    assert intake(api)["status"] == "registered"  # a deactivated entry no longer matches


def test_a_category_entry_for_the_county_government_dispatches_by_category(api, world):
    call(api("admin"), "POST", "/api/v1/direct-dispatch-rules",
         {"name": "环境污染", "category_codes": ["02"], "target": "county_government"}, 201)
    order = intake(api, category_code="0201", title="工地噪声", content="夜里十二点还在打桩")
    assert order["status"] == "dispatched" and order["lead_unit"] == "东城区人民政府"


# --- deadline rules --------------------------------------------------------------------------


def test_the_deadline_page_shows_the_defaults_and_loads_them_into_the_table(client, world, db):
    page_login(client, "admin")
    html = client.get("/admin/deadlines").text
    assert "当前使用内置默认规则" in html and "载入默认规则" in html and "24小时" in html
    token = csrf_of(client, "/admin/deadlines")
    response = client.post("/admin/deadlines/defaults", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    rows = db.scalars(select(DeadlineRuleRow).order_by(DeadlineRuleRow.id)).all()
    assert len(rows) == len(sla.DEFAULT_RULES)
    assert {(r.appeal_type, r.category_prefix, r.urgency, r.working_days, r.hours) for r in rows} == {
        (r.appeal_type, r.category_prefix, r.urgency, r.working_days, r.hours) for r in sla.DEFAULT_RULES}
    html = client.get("/admin/deadlines").text
    assert "当前使用内置默认规则" not in html and "兜底" in html
    again = client.post("/admin/deadlines/defaults", data={"csrf_token": token})
    assert again.status_code == 422 and "只能在规则表为空时载入默认规则" in again.text


def test_deadline_rules_change_the_deadline_of_a_newly_dispatched_order(api, world, monday):
    dispatcher = api("dispatcher")

    def dispatched_due():
        number = intake(api, title="路灯不亮", content="幸福路路灯不亮")["number"]
        order = call(dispatcher, "POST", f"/api/v1/work-orders/{number}/dispatch",
                     {"lead_unit_id": world.units["990100-zj"]})
        return cst(order["due_at"])

    assert dispatched_due() == "2026-11-30 23:59:59"  # default: a complaint gets 5 working days
    admin = api("admin")
    call(admin, "POST", "/api/v1/deadline-rules", {"working_days": 5}, 201)
    street = call(admin, "POST", "/api/v1/deadline-rules", {"category_prefix": "0101", "working_days": 2}, 201)
    assert dispatched_due() == "2026-11-25 23:59:59"
    call(admin, "PATCH", f"/api/v1/deadline-rules/{street['id']}", {"hours": 8})
    assert dispatched_due() == "2026-11-23 18:00:00"
    call(admin, "DELETE", f"/api/v1/deadline-rules/{street['id']}", status=204)
    assert dispatched_due() == "2026-11-30 23:59:59"


@pytest.mark.parametrize(("body", "field"), [
    ({"working_days": 3, "hours": 4}, "working_days"),
    ({}, "working_days"),
    ({"category_prefix": "123", "working_days": 3}, "category_prefix"),
    ({"category_prefix": "0999", "working_days": 3}, "category_prefix"),
    ({"appeal_type": "petition", "working_days": 3}, "appeal_type"),
    ({"urgency": "someday", "working_days": 3}, "urgency"),
    ({"working_days": 0}, "working_days"),
    ({"hours": 10_000}, "hours"),
    ({"working_days": True}, "working_days"),
])
def test_an_invalid_deadline_rule_is_a_422_naming_the_field(api, world, body, field):
    response = api("admin").post("/api/v1/deadline-rules", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_the_rule_table_always_keeps_a_catch_all_rule_and_no_duplicates(api, world, db):
    admin = api("admin")
    lonely = admin.post("/api/v1/deadline-rules", json={"appeal_type": "complaint", "working_days": 3})
    assert lonely.status_code == 422 and lonely.json()["field"] == "appeal_type"
    assert "兜底规则" in lonely.json()["reason"]
    catch_all = call(admin, "POST", "/api/v1/deadline-rules", {"working_days": 5}, 201)
    complaint = call(admin, "POST", "/api/v1/deadline-rules", {"appeal_type": "complaint", "working_days": 3}, 201)
    twin = admin.post("/api/v1/deadline-rules", json={"appeal_type": "complaint", "hours": 48})
    assert twin.status_code == 422 and "适用范围相同" in twin.json()["reason"]
    narrowed = admin.patch(f"/api/v1/deadline-rules/{catch_all['id']}", json={"urgency": "urgent"})
    assert narrowed.status_code == 422 and "兜底规则" in narrowed.json()["reason"]
    refused = admin.delete(f"/api/v1/deadline-rules/{catch_all['id']}")
    assert refused.status_code == 422 and refused.json()["field"] == "id"
    call(admin, "DELETE", f"/api/v1/deadline-rules/{complaint['id']}", status=204)
    call(admin, "DELETE", f"/api/v1/deadline-rules/{catch_all['id']}", status=204)  # the last one may go
    assert call(admin, "GET", "/api/v1/deadline-rules") == []
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "deadline_rule")
                         .order_by(AuditEvent.seq)).all()
    assert actions == ["deadline_rule.created", "deadline_rule.created", "deadline_rule.deleted",
                       "deadline_rule.deleted"]


def test_the_deadline_page_adds_edits_and_deletes_rules_with_field_errors(client, world, db):
    page_login(client, "admin")
    token = csrf_of(client, "/admin/deadlines")
    client.post("/admin/deadlines/defaults", data={"csrf_token": token})
    bad = client.post("/admin/deadlines", data={"appeal_type": "complaint", "amount": "", "unit": "days",
                                                "csrf_token": token})
    assert bad.status_code == 422 and "请填写时限" in bad.text
    bad = client.post("/admin/deadlines", data={"appeal_type": "complaint", "amount": "99", "unit": "days",
                                                "csrf_token": token})
    assert bad.status_code == 422 and "应为 1–60 的整数" in bad.text
    ok = client.post("/admin/deadlines", data={"category_prefix": "010101", "amount": "2", "unit": "days",
                                               "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    row_id = int(ok.headers["location"].split("#d-")[1])
    assert "010101 路灯" in client.get("/admin/deadlines").text
    edited = client.post(f"/admin/deadlines/{row_id}", data={"category_prefix": "010101", "amount": "12",
                                                             "unit": "hours", "csrf_token": token},
                         follow_redirects=False)
    assert edited.status_code == 303
    row = db.get(DeadlineRuleRow, row_id)
    db.refresh(row)
    assert (row.working_days, row.hours) == (None, 12)
    deleted = client.post(f"/admin/deadlines/{row_id}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert deleted.status_code == 303
    db.expire_all()
    assert db.get(DeadlineRuleRow, row_id) is None


def test_the_deadline_preview_names_the_rule_and_the_deadline_if_dispatched_now(client, world, monday):
    page_login(client, "admin")
    html = client.get("/admin/deadlines", params={"preview": "1", "p_appeal_type": "complaint",
                                                  "p_category": "010101", "p_urgency": "normal"}).text
    assert "内置默认规则" in html and "5个工作日" in html and "2026-11-30 23:59:59（周一）" in html
    html = client.get("/admin/deadlines", params={"preview": "1", "p_appeal_type": "complaint",
                                                  "p_urgency": "emergency"}).text
    assert "24小时" in html and "2026-11-24 10:00:00（周二）" in html
    html = client.get("/admin/deadlines", params={"preview": "1", "p_category": "9999"}).text
    assert "分类 9999 不存在" in html


# --- working-day calendar page -----------------------------------------------------------------


@pytest.fixture
def november_2026(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC), tick=True)


def test_the_calendar_page_warns_that_2027_is_not_covered_until_its_schedule_is_entered(client, world,
                                                                                        november_2026):
    page_login(client, "admin")
    html = client.get("/admin/calendar").text
    assert "2027 年的法定节假日安排尚未录入" in html and "2026 年 11 月" in html and "官方" in html
    assert "推定" in client.get("/admin/calendar?month=2027-02").text
    token = csrf_of(client, "/admin/calendar")
    bad = client.post("/admin/calendar/schedule", data={"year": "2027", "holidays": "2027-02-30",
                                                        "month": "2027-02", "csrf_token": token})
    assert bad.status_code == 422 and "不是有效的日期" in bad.text and "2027-02-30" in bad.text
    assert "2027 年 2 月" in bad.text  # the error keeps the month the administrator was looking at
    ok = client.post("/admin/calendar/schedule", data={
        "year": "2027", "holidays": "2027-01-01~2027-01-03\n2027-02-06 至 2027-02-14",
        "workdays": "2027-01-31、2027-02-20", "note": "国办通知", "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    html = client.get(ok.headers["location"]).text
    assert "尚未录入" not in html and "共 14 天调整" in html
    february = client.get("/admin/calendar?month=2027-02").text
    assert "调整" in february and "2027-02-20" in february


def test_the_calendar_page_sets_and_deletes_a_single_override(client, world, db, november_2026):
    page_login(client, "admin")
    token = csrf_of(client, "/admin/calendar")
    set_ = client.post("/admin/calendar/override", data={"day": "2026-12-31", "is_workday": "0",
                                                         "note": "本省补休", "csrf_token": token},
                       follow_redirects=False)
    assert set_.status_code == 303 and "month=2026-12" in set_.headers["location"]
    html = client.get("/admin/calendar?month=2026-12").text
    assert "本省补休" in html and "2026-12-31" in html
    gone = client.post("/admin/calendar/override/delete", data={"day": "2026-12-31", "csrf_token": token},
                       follow_redirects=False)
    assert gone.status_code == 303
    missing = client.post("/admin/calendar/override/delete", data={"day": "2026-12-31", "csrf_token": token})
    assert missing.status_code == 404 and "没有设置工作日历调整" in missing.text
    bad = client.post("/admin/calendar/override", data={"day": "明天", "is_workday": "0", "csrf_token": token})
    assert bad.status_code == 422 and "无法识别" in bad.text


def test_dates_are_read_as_administrators_type_them():
    assert parse_dates("2027-01-01~2027-01-03, 2027/2/6、2027年2月7日", "holidays") == [
        dt.date(2027, 1, 1), dt.date(2027, 1, 2), dt.date(2027, 1, 3), dt.date(2027, 2, 6), dt.date(2027, 2, 7)]
    assert parse_dates("2027-02-10 至 2027-02-11", "holidays") == [dt.date(2027, 2, 10), dt.date(2027, 2, 11)]
    assert parse_dates("  ", "holidays") == []
    for bad in ("2027-13-01", "2027-02-03~2027-02-01", "tomorrow"):
        with pytest.raises(InvalidInput) as caught:
            parse_dates(bad, "workdays")
        assert caught.value.field == "workdays"
