"""Every role against every kind of object: what it may see and change, and what it gets when
it may not (403 for an action its role never has, 404 for an object outside its scope)."""

import pytest

ROLES = ["admin", "city_admin", "other_admin", "agent", "dispatcher", "supervisor", "handler", "manager",
         "other_handler", "sector", "auditor", "kb_editor", "kb_reviewer", "ivr", "pbx"]


def expect(table: dict[str, int], default: int) -> list[tuple[str, int]]:
    return [(role, table.get(role, default)) for role in ROLES]


@pytest.mark.parametrize(("role", "status"), expect({"pbx": 403}, 200))
def test_every_staff_role_reads_the_unit_directory(api, role, status):
    assert api(role).get("/api/v1/units").status_code == status


@pytest.mark.parametrize(
    ("role", "status"), expect({"admin": 200, "city_admin": 200, "other_admin": 200, "manager": 200}, 403)
)
def test_who_may_list_accounts(api, role, status):
    assert api(role).get("/api/v1/users").status_code == status


@pytest.mark.parametrize(
    ("role", "visible"),
    [("admin", True), ("other_admin", True), ("other_handler", True), ("city_admin", False), ("manager", False),
     ("agent", False), ("handler", False), ("sector", False), ("auditor", False), ("ivr", False)],
)
def test_an_account_outside_the_scope_is_not_found(api, world, role, visible):
    response = api(role).get(f"/api/v1/users/{world.user_ids['other_handler']}")
    assert response.status_code == (200 if visible else 404)


@pytest.mark.parametrize(
    ("role", "status"),
    expect({"admin": 200, "city_admin": 200, "manager": 200, "other_admin": 404, "other_handler": 404,
            "agent": 404, "dispatcher": 404, "supervisor": 404, "handler": 404, "sector": 404, "auditor": 404,
            "ivr": 404}, 404),
)
def test_who_may_edit_a_handlers_account(api, world, role, status):
    response = api(role).patch(f"/api/v1/users/{world.user_ids['handler']}", json={"display_name": "改名"})
    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    expect({"admin": 201, "city_admin": 201, "manager": 201, "other_admin": 422}, 403),
)
def test_who_may_create_an_account_for_the_city_housing_bureau(api, world, role, status):
    body = {"username": f"new_{role}", "display_name": "新人", "role": "unit_handler",
            "unit_id": world.units["990100-zj"], "password": "start-pass-123"}
    assert api(role).post("/api/v1/users", json=body).status_code == status


def test_a_unit_manager_cannot_grant_centre_roles(api, world):
    body = {"username": "sneaky", "display_name": "x", "role": "admin", "unit_id": world.units["990100-zj"],
            "password": "start-pass-123"}
    response = api("manager").post("/api/v1/users", json=body)
    assert response.status_code == 422 and response.json()["field"] == "role"


def test_account_lists_hold_only_the_callers_scope(api):
    city = {u["username"] for u in api("city_admin").get("/api/v1/users?limit=500").json()["items"]}
    assert {"agent", "handler", "city_admin"} <= city
    assert not city & {"other_handler", "other_admin", "admin", "sector", "auditor"}
    unit = {u["username"] for u in api("manager").get("/api/v1/users").json()["items"]}
    assert unit == {"handler", "manager"}


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201, "city_admin": 201, "other_admin": 422}, 403))
def test_who_may_add_a_county_to_qingchuan(api, role, status):
    assert api(role).post("/api/v1/regions", json={"code": "990103", "name": "西城区"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200, "city_admin": 200}, 403))
def test_who_may_edit_the_city_housing_bureau(api, world, role, status):
    response = api(role).patch(f"/api/v1/units/{world.units['990100-zj']}", json={"contact_phone": "02112345678"})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201}, 403))
def test_only_a_province_admin_maintains_the_category_tree(api, role, status):
    assert api(role).post("/api/v1/categories", json={"name": "新分类"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "dispatcher": 200, "supervisor": 200}, 404))
def test_citizen_records_are_invisible_outside_the_centre(api, world, role, status):
    assert api(role).get(f"/api/v1/citizens/{world.citizen_ref}").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "dispatcher": 200, "supervisor": 200}, 403))
def test_who_may_look_up_a_caller_by_phone(api, role, status):
    assert api(role).get("/api/v1/citizens", params={"phone": "13812348000"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"auditor": 200}, 403))
def test_only_auditors_read_the_audit_log(api, role, status):
    assert api(role).get("/api/v1/audit").status_code == status
    assert api(role).post("/api/v1/audit/verify").status_code == status


def test_a_missing_object_and_a_hidden_one_look_the_same(api, world):
    agent = api("handler")
    hidden = agent.get(f"/api/v1/citizens/{world.citizen_ref}")
    missing = agent.get("/api/v1/citizens/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


# --- personal data: every role × every personal field (ADR 0004) ----------------------------

NAME, PHONE, ID_NUMBER, ADDRESS = "张三丰", "13812348000", "11010519491231002X", "示范省青川市东城区幸福路1号"
MASKED = {"name": "张**", "phone": "138****8000", "id_number": "110***********002X", "address": "示范省青川市****"}
PLAIN = {"name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "address": ADDRESS}
REPORT_TEXT = "我叫王建国，电话13912345678，举报工地夜间施工"
REPORT_TEXT_MASKED = "我叫王**，电话139****5678，举报工地夜间施工"

#: What each role sees of the caller on an order: "plain", "masked", or None (the order is not
#: visible to the role at all). Handling units see it masked and reveal it per order.
ORDER_CONTACT = {"agent": "plain", "supervisor": "plain", "dispatcher": "masked", "handler": "masked",
                 "manager": "masked"}
#: On a confidential report: the centre sees the reporter (as on any order) and the text as
#: typed; the unit and the sector viewer see no reporter and the text masked.
REPORT_VIEW = {"agent": ("plain", "raw"), "supervisor": ("plain", "raw"), "dispatcher": ("masked", "raw"),
               "handler": (None, "masked"), "manager": (None, "masked"), "sector": (None, "masked")}
#: The citizen record itself: centre roles of the registering city; everyone else 404.
CITIZEN_RECORD = {"agent": "plain", "supervisor": "plain", "dispatcher": "masked"}


def _order(api, world, **change):
    body = {"channel": "phone", "appeal_type": "complaint", "title": "小区路灯不亮", "content": "门口路灯坏了",
            "phone": PHONE, "category_code": world.categories["lamp"], "region_code": "990102001", **change}
    number = api("agent").post("/api/v1/work-orders", json=body).json()["number"]
    dispatched = api("dispatcher").post(f"/api/v1/work-orders/{number}/dispatch",
                                        json={"lead_unit_id": world.units["990100-zj"]})
    assert dispatched.status_code == 200, dispatched.text
    return number


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_callers_name_and_phone_on_an_order_as_the_rule_says(api, world, role):
    number = _order(api, world)
    response = api(role).get(f"/api/v1/work-orders/{number}")
    rule = ORDER_CONTACT.get(role)
    if rule is None:
        assert response.status_code == 404
        return
    citizen = response.json()["citizen"]
    expected = PLAIN if rule == "plain" else MASKED
    assert citizen == {"name": expected["name"], "phone": expected["phone"], "masked": rule == "masked"}
    # The ID number and the address of the record never travel with an order.
    assert ID_NUMBER not in response.text and ADDRESS not in response.text
    assert MASKED["id_number"] not in response.text


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_a_confidential_reporter_and_his_text_as_the_rule_says(api, world, role):
    number = _order(api, world, appeal_type="report", is_confidential=True, title="本人王建国举报违建",
                     content=REPORT_TEXT, category_code=world.categories["noise"])
    response = api(role).get(f"/api/v1/work-orders/{number}")
    rule = REPORT_VIEW.get(role)
    if rule is None:
        assert response.status_code == 404
        return
    contact, text = rule
    body = response.json()
    if contact is None:
        assert body["citizen"] is None
        assert NAME not in response.text and PHONE not in response.text and MASKED["phone"] not in response.text
    else:
        expected = PLAIN if contact == "plain" else MASKED
        assert body["citizen"] == {"name": expected["name"], "phone": expected["phone"],
                                   "masked": contact == "masked"}
    assert body["content"] == (REPORT_TEXT if text == "raw" else REPORT_TEXT_MASKED)
    assert ("王建国" in body["title"]) is (text == "raw")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_every_field_of_the_citizen_record_as_the_rule_says(api, world, role):
    response = api(role).get(f"/api/v1/citizens/{world.citizen_ref}")
    rule = CITIZEN_RECORD.get(role)
    if rule is None:
        assert response.status_code == 404
        return
    body = response.json()
    expected = PLAIN if rule == "plain" else MASKED
    assert {f: body[f] for f in PLAIN} == expected and body["masked"] is (rule == "masked")


@pytest.mark.parametrize(("role", "status"), expect({"handler": 200, "manager": 200, "other_handler": 404,
                                                     "agent": 403, "supervisor": 403, "dispatcher": 403,
                                                     "sector": 404, "ivr": 404}, 404))
def test_who_may_reveal_the_callers_contact_on_an_order(api, world, role, status):
    number = _order(api, world)
    response = api(role).post(f"/api/v1/work-orders/{number}/citizen/reveal", json={"reason": "需电话核实"})
    assert response.status_code == status
    if status == 200:
        assert response.json() == {"name": NAME, "phone": PHONE, "masked": False}


# --- Open311 keys and service definitions: the province's reference data --------------------

@pytest.mark.parametrize(("role", "status"), expect({"admin": 200}, 403))
def test_only_a_province_admin_lists_open311_keys(api, role, status):
    assert api(role).get("/api/v1/open311/keys").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201}, 403))
def test_only_a_province_admin_issues_an_open311_key(api, role, status):
    response = api(role).post("/api/v1/open311/keys", json={"name": f"{role} 的系统"})
    assert response.status_code == status
    assert ("key" in response.json()) is (status == 201)


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200}, 403))
def test_only_a_province_admin_revokes_an_open311_key(api, db, world, role, status):
    from hotline.channels.open311 import service

    _, key = service.issue_key(db, world.p("admin"), name="门户")
    db.commit()
    assert api(role).post(f"/api/v1/open311/keys/{key.id}/revoke").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200}, 403))
def test_only_a_province_admin_reads_and_edits_open311_service_definitions(api, world, role, status):
    assert api(role).get("/api/v1/open311/services").status_code == status
    body = {"enabled": True, "attributes": [{"code": "STATE", "datatype": "string", "description": "状态"}]}
    assert api(role).put(f"/api/v1/open311/services/{world.categories['lamp']}", json=body).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200}, 403))
def test_only_a_province_admin_opens_the_open311_page(api, world, role, status):
    assert api(role).get("/admin/open311").status_code == status
    assert api(role).get(f"/admin/open311/services/{world.categories['lamp']}").status_code == status


# --- message boards: boards, their messages and imports (channels.boards) ---------------------

BOARD_FILE = ("留言编号,留言用户,留言主题,留言时间,留言详情,点赞数,反对数\r\n"
              "AM1,u1,路灯不亮,2024-05-01 10:00,东华街道幸福路路灯不亮,1,0\r\n").encode("utf-8-sig")


@pytest.fixture
def board(api):
    response = api("admin").post("/api/v1/boards", json={"code": "matrix_board", "name": "矩阵留言板",
                                                         "centre_unit_code": "C-990100"})
    assert response.status_code == 201, response.text
    return "matrix_board"


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200, "agent": 200, "dispatcher": 200,
                                                     "supervisor": 200}, 403))
def test_who_may_list_the_boards(api, board, role, status):
    assert api(role).get("/api/v1/boards").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201}, 403))
def test_only_the_province_administrator_adds_a_board(api, role, status):
    response = api(role).post("/api/v1/boards", json={"code": f"b_{role}", "name": "新留言板"})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200}, 403))
def test_only_the_province_administrator_sets_a_boards_pull_adapter(api, board, role, status):
    response = api(role).put(f"/api/v1/boards/{board}/pull", json={"url": "https://board.example/api",
                                                                    "interval_seconds": 600})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "dispatcher": 200, "supervisor": 200}, 403))
def test_who_may_read_a_boards_messages_imports_and_reply_file(api, board, role, status):
    client = api(role)
    assert client.get(f"/api/v1/boards/{board}/messages").status_code == status
    assert client.get(f"/api/v1/boards/{board}/imports").status_code == status
    assert client.get(f"/api/v1/boards/{board}/replies").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"dispatcher": 200, "supervisor": 200}, 403))
def test_who_may_import_a_boards_export(api, board, role, status):
    response = api(role).post(f"/api/v1/boards/{board}/import", files={"file": ("export.csv", BOARD_FILE)})
    assert response.status_code == status


def test_a_board_of_another_citys_centre_is_not_found_by_this_citys_centre(api):
    created = api("admin").post("/api/v1/boards", json={"code": "yunling_board", "name": "云岭留言板",
                                                        "centre_unit_code": "C-990200"})
    assert created.status_code == 201
    dispatcher = api("dispatcher")
    assert dispatcher.get("/api/v1/boards/yunling_board/messages").status_code == 404
    assert "yunling_board" not in {b["code"] for b in dispatcher.get("/api/v1/boards").json()}
    assert dispatcher.post("/api/v1/boards/yunling_board/import",
                           files={"file": ("export.csv", BOARD_FILE)}).status_code == 404
