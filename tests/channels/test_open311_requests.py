"""Open311 GeoReport v2 service requests: a POST becomes an order through intake on the key's
channel, placed at the nearest known place; GET answers read orders as open data — schema-
valid JSON, XML with the specification's names, no personal data, no confidential report,
and a merged order answered with its main order's reply."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from hotline.kit.clock import CST
from hotline.workorder import catalogue
from hotline.workorder import service as wo
from hotline.workorder.models import DirectTarget, ReplyResult, WorkOrder
from tests.channels.conftest import valid, xml

NEAR_XINGFU = {"lat": "30.6705", "long": "104.0695"}  # a few dozen metres from 幸福路 (东华街道)
PERSON = {"first_name": "建国", "last_name": "王", "phone": "13912345678", "email": "wjg@example.com",
          "device_id": "dev-1", "account_id": "acc-9"}


def post(client, o311, fmt="json", **fields):  # type: ignore[no-untyped-def]
    body = {"api_key": o311.key, "service_code": o311.lamp, "attribute[LAMP_STATE]": "off", **fields}
    return client.post(f"/open311/v2/requests.{fmt}", data={k: v for k, v in body.items() if v is not None})


def orders(db) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(WorkOrder))


def test_a_request_becomes_an_order_on_the_keys_channel_at_the_nearest_place(client, api, o311):
    response = post(client, o311, description="幸福路路灯不亮已经一周", **NEAR_XINGFU,
                    **{"attribute[POLE_NO]": "QC-0815"})
    assert response.status_code == 200, response.text
    [answer] = response.json()
    number, token = answer["service_request_id"], answer["token"]
    assert number.startswith("HL") and answer["service_notice"].startswith("已受理")
    order = api("agent").get(f"/api/v1/work-orders/{number}").json()
    assert order["channel"] == "open311" and order["category_code"] == o311.lamp
    assert order["region_code"] == "990102001" and order["address"] == "幸福路附近"
    assert "路灯状态：完全不亮" in order["content"] and "灯杆编号：QC-0815" in order["content"]
    assert [(s["channel"], s["ref"]) for s in order["sources"]] == [("open311", token)]


def test_a_point_near_no_place_takes_the_nearest_region_seat(client, db, o311):
    [answer] = post(client, o311, lat="29.571", long="106.579").json()
    order = db.execute(select(WorkOrder).where(WorkOrder.number == answer["service_request_id"])).scalar_one()
    assert order.region.code == "990202" and order.centre_unit.name == "云岭市热线中心"


def test_the_post_answer_in_xml_uses_the_specifications_names(client, o311):
    root = xml(post(client, o311, "xml", **NEAR_XINGFU))
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert [c.tag for c in request] == ["service_request_id", "token", "service_notice", "account_id"]
    assert request.findtext("service_request_id").startswith("HL")


def test_a_retry_with_the_same_idempotency_key_makes_nothing_new(client, db, o311):
    before = orders(db)
    first = client.post("/open311/v2/requests.json", headers={"Idempotency-Key": "app-42"}, data={
        "api_key": o311.key, "service_code": o311.lamp, "attribute[LAMP_STATE]": "off", **NEAR_XINGFU}).json()[0]
    again = client.post("/open311/v2/requests.xml", headers={"Idempotency-Key": "app-42"}, data={
        "api_key": o311.key, "service_code": o311.lamp, "attribute[LAMP_STATE]": "off", **NEAR_XINGFU})
    assert xml(again).findtext("request/service_request_id") == first["service_request_id"]
    assert xml(again).findtext("request/token") == first["token"]
    other = post(client, o311, **NEAR_XINGFU).json()[0]
    assert other["service_request_id"] != first["service_request_id"]
    assert orders(db) == before + 2


def test_a_json_body_is_accepted_too(client, o311):
    response = client.post("/open311/v2/requests.json", json={
        "api_key": o311.key, "service_code": o311.lamp, **NEAR_XINGFU, "attribute": {"LAMP_STATE": "flicker"}})
    assert response.status_code == 200, response.text


def test_a_point_outside_the_area_needs_an_address_and_then_waits_for_the_centre(client, db, o311):
    before = orders(db)
    far = {"lat": "39.9042", "long": "116.4074"}
    for fmt in ("json", "xml"):
        refused = post(client, o311, fmt, **far)
        assert refused.status_code == 400
    assert "服务范围" in refused.text and xml(refused).tag == "errors"
    assert orders(db) == before
    [answer] = post(client, o311, **far, address_string="青川市东城区幸福路 12 号对面").json()
    order = db.execute(select(WorkOrder).where(WorkOrder.number == answer["service_request_id"])).scalar_one()
    assert order.region_id is None and order.address == "青川市东城区幸福路 12 号对面"
    assert order.status == "registered" and order.centre_unit.name == "省热线中心"
    assert "核实位置" in answer["service_notice"]


def test_a_jurisdiction_limits_where_a_point_may_be_placed(client, o311):
    assert post(client, o311, **NEAR_XINGFU, jurisdiction_id="990200").status_code == 400
    assert post(client, o311, **NEAR_XINGFU, jurisdiction_id="990100").status_code == 200
    unknown = post(client, o311, **NEAR_XINGFU, jurisdiction_id="980000")
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404


@pytest.mark.parametrize(("fields", "status", "needle"), [
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "9999"}, 404, "服务"),
    ({}, 400, "位置"),  # no lat/long, no address
    ({"lat": "30.67"}, 400, "long"),
    ({**NEAR_XINGFU, "lat": "91"}, 400, "lat"),
    ({**NEAR_XINGFU, "long": "abc"}, 400, "long"),
    ({**NEAR_XINGFU, "lat": "nan"}, 400, "lat"),
    ({**NEAR_XINGFU, "attribute[LAMP_STATE]": None}, 400, "attribute[LAMP_STATE]"),
    ({**NEAR_XINGFU, "attribute[LAMP_STATE]": "broken"}, 400, "attribute[LAMP_STATE]"),
    ({**NEAR_XINGFU, "attribute[SINCE]": "yesterday"}, 400, "attribute[SINCE]"),
    ({**NEAR_XINGFU, "phone": "12345"}, 400, "phone"),
    ({**NEAR_XINGFU, "media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({**NEAR_XINGFU, "media_url": "https://img.example.com/" + "a" * 480}, 400, "media_url"),
    ({**NEAR_XINGFU, "description": "x" * 4001}, 400, "description"),
    ({**NEAR_XINGFU, "api_key": None}, 403, "api_key"),
    ({**NEAR_XINGFU, "api_key": "o311_wrong"}, 403, "api_key"),
])
def test_a_bad_request_is_refused_with_the_error_array_and_writes_nothing(client, db, o311, fields, status, needle):
    before = orders(db)
    response = post(client, o311, **fields)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status and needle in error["description"]
    assert orders(db) == before


def test_the_phone_and_name_reach_the_citizen_record_and_no_get_shows_them(client, api, o311):
    [answer] = post(client, o311, **NEAR_XINGFU, **PERSON, description="路灯坏了，我叫王建国").json()
    number = answer["service_request_id"]
    order = api("agent").get(f"/api/v1/work-orders/{number}").json()
    assert order["citizen"]["phone"] == "13912345678" and order["citizen"]["name"] == "王建国"
    for path in (f"/open311/v2/requests/{number}.json", f"/open311/v2/requests/{number}.xml",
                 "/open311/v2/requests.json", "/open311/v2/requests.xml",
                 f"/open311/v2/requests.json?service_request_id={number}"):
        text = client.get(path).text
        assert number in text
        for secret in ("13912345678", "王建国", "wjg@example.com", "dev-1", "acc-9"):
            assert secret not in text, (path, secret)


def test_get_requests_answers_schema_valid_json_and_spec_xml(client, api, o311):
    [answer] = post(client, o311, **NEAR_XINGFU, media_url="https://img.example.com/lamp.jpg").json()
    number = answer["service_request_id"]
    body = valid("requests.json", client.get("/open311/v2/requests.json").json())
    mine = next(r for r in body if r["service_request_id"] == number)
    assert mine["status"] == "open" and mine["service_code"] == o311.lamp and mine["service_name"] == "路灯"
    # staff see the client's picture link under the order's sources (a link, not fetched)
    assert api("agent").get(f"/api/v1/work-orders/{number}").json()["sources"][0]["links"] == [
        "https://img.example.com/lamp.jpg"]
    assert (mine["lat"], mine["long"]) == (30.6705, 104.0695) and mine["address"] == "幸福路附近"
    assert mine["media_url"] == "https://img.example.com/lamp.jpg"
    assert mine["requested_datetime"].endswith("+08:00") and mine["updated_datetime"].endswith("+08:00")
    assert valid("requests.json", client.get(f"/open311/v2/requests/{number}.json").json())[0] == mine
    root = xml(client.get(f"/open311/v2/requests/{number}.xml"))
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert [c.tag for c in request] == [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
        "address", "address_id", "zipcode", "lat", "long", "media_url"]
    assert request.findtext("lat") == "30.6705" and request.findtext("status") == "open"


def test_an_unknown_request_or_service_is_a_404_error_array(client, o311):
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/requests/HL20990101000001.{fmt}")
        assert response.status_code == 404
    assert xml(response).findtext("error/code") == "404"
    for code in ("9999", "x"):
        unknown = client.get(f"/open311/v2/requests.json?service_code={o311.lamp},{code}")
        assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404


def _order(db, world, **change):  # type: ignore[no-untyped-def]
    data = {"channel": "phone", "appeal_type": "complaint", "title": "小区路灯不亮", "content": "幸福路路灯坏了",
            "phone": "13800001111", "category_code": world.categories["lamp"], "region_code": "990102001", **change}
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(**data))
    return order


def test_a_confidential_report_never_appears(client, db, world, o311):
    secret = _order(db, world, appeal_type="report", is_confidential=True, title="举报违建")
    public = _order(db, world)
    db.commit()
    listed = [r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()]
    assert public.number in listed and secret.number not in listed
    assert client.get(f"/open311/v2/requests/{secret.number}.json").status_code == 404
    both = client.get(f"/open311/v2/requests.json?service_request_id={public.number},{secret.number}").json()
    assert [r["service_request_id"] for r in both] == [public.number]
    assert secret.number not in client.get("/open311/v2/requests.xml").text


def test_a_merged_order_shows_its_main_orders_reply(client, db, world, o311):
    main = _order(db, world)
    child = _order(db, world, phone="13800002222", content="幸福路口路灯也不亮")
    wo.merge(db, world.p("dispatcher"), main, [child])
    wo.dispatch(db, world.p("dispatcher"), main, lead_unit_id=world.units["990100-zj"])
    db.commit()
    shown = client.get(f"/open311/v2/requests.json?service_request_id={child.number}").json()[0]
    assert shown["status"] == "open" and shown["status_notes"] is None and "主工单" in shown["service_notice"]
    wo.sign(db, world.p("handler"), main)
    wo.reply(db, world.p("handler"), main, result=ReplyResult.resolved, text="路灯已于今日修复。")
    wo.review_reply(db, world.p("dispatcher"), main, accept=True)
    db.commit()
    both = {r["service_request_id"]: r for r in valid("requests.json", client.get(
        f"/open311/v2/requests.json?service_request_id={main.number},{child.number}").json())}
    assert both[child.number]["status_notes"] == both[main.number]["status_notes"] == "路灯已于今日修复。"
    assert both[main.number]["agency_responsible"] == "青川市住建局"
    assert both[main.number]["expected_datetime"].endswith("+08:00")


def test_a_repeat_joined_into_an_open_main_order_answers_with_its_own_number(client, db, world, o311):
    catalogue.create_rule(db, world.p("admin"), name="公共设施损坏", keywords=["路灯不亮"],
                          target=DirectTarget.county_government)
    db.commit()
    first = post(client, o311, **NEAR_XINGFU, description="幸福路路灯不亮").json()[0]
    second = post(client, o311, **NEAR_XINGFU, description="幸福路路灯不亮，晚上很黑").json()[0]
    assert first["service_request_id"] != second["service_request_id"]
    assert "并入主工单" in second["service_notice"]
    shown = client.get(f"/open311/v2/requests/{second['service_request_id']}.json").json()[0]
    assert shown["service_request_id"] == second["service_request_id"] and shown["status"] == "open"


def test_filters_by_service_status_and_time(client, db, world, o311, travel):
    old = _order(db, world, content="很久以前的路灯问题")
    db.commit()
    travel.shift(dt.timedelta(days=100).total_seconds())
    lamp = _order(db, world)
    noise = _order(db, world, category_code=world.categories["noise"], title="夜间施工噪音", content="工地夜里施工")
    closed = _order(db, world, appeal_type="consultation", title="咨询路灯报修", content="路灯坏了找谁",
                    answer="请拨打 12345 报修")
    db.commit()

    def listed(query: str) -> set[str]:
        response = client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, response.text
        return {r["service_request_id"] for r in valid("requests.json", response.json())}

    assert {lamp.number, noise.number, closed.number} <= listed("") and old.number not in listed("")
    assert old.number in listed(f"service_request_id={old.number}")
    assert noise.number in listed(f"service_code={o311.noise}")
    assert lamp.number not in listed(f"service_code={o311.noise}")
    assert {lamp.number, noise.number} <= listed(f"service_code={o311.lamp},{o311.noise}")
    assert closed.number in listed("status=closed") and lamp.number not in listed("status=closed")
    assert lamp.number in listed("status=open") and closed.number not in listed("status=open")
    start = (old.registered_at - dt.timedelta(hours=1)).astimezone(CST).isoformat(timespec="seconds")
    end = (old.registered_at + dt.timedelta(hours=1)).astimezone(CST).isoformat(timespec="seconds")
    assert listed(f"start_date={start.replace('+', '%2B')}&end_date={end.replace('+', '%2B')}") >= {old.number}
    assert lamp.number not in listed(f"start_date={start.replace('+', '%2B')}&end_date={end.replace('+', '%2B')}")
    assert listed("jurisdiction_id=990200").isdisjoint({lamp.number, noise.number})
    assert lamp.number in listed("jurisdiction_id=990100")


@pytest.mark.parametrize("query", ["start_date=2026-01-01&end_date=2026-06-01", "start_date=yesterday",
                                   "start_date=2026-03-01&end_date=2026-02-01", "status=pending"])
def test_a_bad_query_is_a_400_error_array(client, o311, query):
    response = client.get(f"/open311/v2/requests.xml?{query}")
    assert response.status_code == 400 and xml(response).findtext("error/code") == "400"


@pytest.mark.parametrize("body", [
    b"", b"\xff\xfe", b"api_key=%ZZ", b"attribute[LAMP_STATE][]=off&attribute[LAMP_STATE][]=flicker",
    b"lat=1e309&long=-1e309", "description=路灯".encode() * 2000,
])
def test_odd_bodies_never_make_a_server_error(client, o311, body):
    response = client.post("/open311/v2/requests.json", content=body,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert 400 <= response.status_code < 500
    broken = client.post("/open311/v2/requests.json", content=b"{not json",
                         headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()[0]["code"] == 400


def test_a_form_posted_as_raw_utf8_bytes_reads_as_chinese(client, api, o311):
    """``curl -d 'description=路灯不亮'`` sends the UTF-8 bytes without percent-encoding them."""
    body = (f"api_key={o311.key}&service_code={o311.noise}&lat={NEAR_XINGFU['lat']}&long={NEAR_XINGFU['long']}"
            "&description=幸福路深夜施工噪音扰民").encode()
    response = client.post("/open311/v2/requests.json", content=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.text
    number = response.json()[0]["service_request_id"]
    shown = client.get(f"/open311/v2/requests/{number}.json").json()[0]
    assert shown["description"].startswith("幸福路深夜施工噪音扰民")
    broken = client.post("/open311/v2/requests.json", content=b"api_key=x&description=\xff\xfe",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert broken.status_code == 400 and broken.json()[0]["code"] == 400
