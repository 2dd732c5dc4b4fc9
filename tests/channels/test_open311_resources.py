"""Open311 GeoReport v2, the read-only resources: the service list, service definitions,
discovery and tokens, each in JSON (validated against the published JSON Schemas of
open311/schema-validation) and in XML (element names as the specification shows them)."""

from __future__ import annotations

import pytest

from hotline.channels.open311 import service
from tests.channels.conftest import valid, xml


def test_the_service_list_holds_the_opened_categories_in_json(client, o311):
    body = valid("services.json", client.get("/open311/v2/services.json").json())
    by_code = {s["service_code"]: s for s in body}
    assert set(by_code) == {o311.lamp, o311.noise}
    lamp = by_code[o311.lamp]
    assert lamp == {"service_code": o311.lamp, "service_name": "路灯", "description": "路灯不亮、闪烁、倒伏",
                    "metadata": True, "type": "realtime", "keywords": "路灯,照明", "group": "城乡建设"}
    assert by_code[o311.noise]["metadata"] is False and by_code[o311.noise]["group"] == "环境保护"


def test_the_service_list_in_xml_uses_the_specifications_element_names(client, o311):
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert [s.findtext("service_code") for s in services] == [o311.lamp, o311.noise]
    assert [c.tag for c in services[0]] == ["service_code", "service_name", "description", "metadata", "type",
                                            "keywords", "group"]
    assert services[0].findtext("metadata") == "true" and services[1].findtext("metadata") == "false"


def test_a_closed_category_is_no_service(client, db, world, o311):
    service.save_service(db, world.p("admin"), o311.noise, enabled=False)
    db.commit()
    codes = [s["service_code"] for s in client.get("/open311/v2/services.json").json()]
    assert codes == [o311.lamp]
    response = client.get(f"/open311/v2/services/{o311.noise}.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404


def test_a_service_definition_lists_the_extra_questions_in_json(client, o311):
    body = valid("service-definition.json", client.get(f"/open311/v2/services/{o311.lamp}.json").json())
    assert body["service_code"] == o311.lamp
    state, pole, since = body["attributes"]
    assert state == {"variable": True, "code": "LAMP_STATE", "datatype": "singlevaluelist", "required": True,
                     "datatype_description": "单选", "order": 1, "description": "路灯状态",
                     "values": [{"key": "off", "name": "完全不亮"}, {"key": "flicker", "name": "闪烁"}]}
    assert (pole["code"], pole["datatype"], pole["required"], pole["values"]) == ("POLE_NO", "string", False, [])
    assert since["datatype"] == "datetime"
    assert valid("service-definition.json", client.get(f"/open311/v2/services/{o311.noise}.json").json()) == {
        "service_code": o311.noise, "attributes": []}


def test_a_service_definition_in_xml_nests_attributes_and_values(client, o311):
    root = xml(client.get(f"/open311/v2/services/{o311.lamp}.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == o311.lamp
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["LAMP_STATE", "POLE_NO", "SINCE"]
    assert [c.tag for c in attributes[0]] == ["variable", "code", "datatype", "required", "datatype_description",
                                              "order", "description", "values"]
    values = attributes[0].findall("values/value")
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [("off", "完全不亮"), ("flicker", "闪烁")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["9999", "abc", "01010101", "%20"])
def test_an_unknown_service_is_a_404_error_array(client, o311, fmt, code):
    response = client.get(f"/open311/v2/services/{code}.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == 404 and error["description"]
    else:
        root = xml(response)
        assert root.tag == "errors" and root.find("error/code").text == "404" and root.findtext("error/description")


def test_discovery_names_the_v2_endpoint_in_both_formats(client, o311):
    body = client.get("/open311/discovery.json").json()
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery" and root.findtext("endpoints/endpoint/type") == "production"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_a_token_gives_the_request_id_in_both_formats(client, o311):
    posted = client.post("/open311/v2/requests.json", data={
        "api_key": o311.key, "service_code": o311.noise, "lat": "30.662", "long": "104.071",
        "description": "工地夜间施工噪音扰民"}).json()[0]
    body = client.get(f"/open311/v2/tokens/{posted['token']}.json").json()
    assert body == [{"service_request_id": posted["service_request_id"], "token": posted["token"]}]
    root = xml(client.get(f"/open311/v2/tokens/{posted['token']}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == posted["service_request_id"]
    assert root.findtext("request/token") == posted["token"]
    missing = client.get("/open311/v2/tokens/nope.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


@pytest.mark.parametrize(("path", "status"), [
    ("/open311/v2/services.html", 404), ("/open311/v2/nothing.json", 404), ("/open311/v3/services.json", 404),
    ("/open311/v2/services.json?jurisdiction_id=123456", 404), ("/open311/v2/services.json?jurisdiction_id=x", 404),
    ("/open311/v2/services.json?jurisdiction_id=990102", 404),  # a county is not a jurisdiction
    ("/open311/v2/services.json?jurisdiction_id=990100", 200),
    ("/open311/v2/services.json?jurisdiction_id=990000", 200),
])
def test_unknown_resources_formats_and_jurisdictions_answer_with_the_error_array(client, o311, path, status):
    response = client.get(path)
    assert response.status_code == status
    if status != 200:
        assert response.json()[0]["code"] == status
