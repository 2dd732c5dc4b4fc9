"""The linkage pages: the 联动 card of the order page (transfer, outcome, field errors), the
transfer at intake from the console, the register with the utility keys, the statistics."""

import re

from sqlalchemy import select

from hotline.integration.linkage.models import LinkageRecord
from tests.integration.linkage.conftest import API
from tests.workorder.test_views import browser, console_form, csrf, dispatched_order, new_order, status_of  # noqa: F401

NUMBER = re.compile(r"HL\d{14}")


def test_the_order_page_transfers_to_a_line_and_records_the_outcome(browser, api, world, db, lines):  # noqa: F811
    number = dispatched_order(api, world)
    agent = browser("agent")
    page = agent.get(f"/orders/{number}")
    assert 'id="linkage-form"' in page.text and "119 消防救援" in page.text
    assert "云岭" not in page.text.split('id="linkage"')[1].split("</select>")[0]
    version = page.text.split('id="linkage-form"')[1].split('name="version" value="')[1].split('"')[0]
    done = agent.post(f"/linkage/orders/{number}/transfer", data={
        "csrf_token": csrf(page.text), "version": version, "line": lines["119"]["ref"], "scope": "full",
        "other_ref": "119-0001", "note": "楼道冒烟"})
    assert done.status_code == 200 and "已记录联动转接" in done.text and "已移交联动" in done.text
    assert status_of(db, number) == "handed_over"
    assert "联动：整体移交" in done.text and "已整体移交联动线路处置" in done.text  # the timeline, the clock
    record = db.scalar(select(LinkageRecord))
    changed = agent.post(f"/linkage/records/{record.ref}/outcome", data={
        "csrf_token": csrf(done.text), "version": str(record.version), "outcome": "refused", "note": "非火情"})
    assert changed.status_code == 200 and "已记录联动处置结果" in changed.text
    assert status_of(db, number) == "registered" and "对方拒收" in changed.text
    # taken back: the order may be transferred (or dispatched) again
    assert 'id="linkage-form"' in browser("dispatcher").get(f"/orders/{number}").text


def test_a_refused_transfer_names_the_field_on_the_order_page(browser, api, world, db, lines):  # noqa: F811
    number = new_order(api)
    agent = browser("agent")
    page = agent.get(f"/orders/{number}")
    bad = agent.post(f"/linkage/orders/{number}/transfer", data={
        "csrf_token": csrf(page.text), "line": lines["119"]["ref"], "other_ref": "单号 一"})
    assert bad.status_code == 422
    card = bad.text.split('id="linkage"')[1]
    assert 'class="field error"' in card and "对方单号由字母" in card
    assert db.scalar(select(LinkageRecord)) is None and status_of(db, number) == "registered"


def test_a_unit_sees_no_transfer_form(browser, api, world, lines):  # noqa: F811
    number = dispatched_order(api, world)
    page = browser("handler").get(f"/orders/{number}")
    assert page.status_code == 200 and 'id="linkage-form"' not in page.text


def test_the_console_transfers_at_intake(browser, db, lines):  # noqa: F811
    agent = browser("agent")
    form = console_form(agent, linkage_line=lines["120"]["ref"], linkage_scope="full", linkage_other_ref="120-77")
    assert 'id="console-linkage"' in agent.get("/console").text
    response = agent.post("/console", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    number = NUMBER.search(response.headers["location"]).group(0)
    assert status_of(db, number) == "handed_over"
    record = db.scalar(select(LinkageRecord))
    assert record.other_ref == "120-77" and record.scope == "full"
    again = agent.post("/console", data=form, follow_redirects=False)  # a retried submit: one record
    assert again.headers["location"] == response.headers["location"]
    assert len(db.scalars(select(LinkageRecord)).all()) == 1


def test_the_register_page_adds_a_line_and_issues_a_utility_key(browser, db, lines):  # noqa: F811
    admin = browser("city_admin")
    page = admin.get("/linkage")
    assert page.status_code == 200 and "青川自来水 96688" in page.text and "青川市自来水公司" in page.text
    bad = admin.post("/linkage/lines", data={"csrf_token": csrf(page.text), "name": "x", "number": "1",
                                             "service": "police"})
    assert bad.status_code == 422 and 'class="field error"' in bad.text
    added = admin.post("/linkage/lines", data={"csrf_token": csrf(page.text), "name": "青川 122", "number": "122",
                                               "service": "traffic"})
    assert added.status_code == 200 and "已登记联动线路" in added.text and "青川 122" in added.text
    issued = admin.post("/linkage/keys", data={"csrf_token": csrf(page.text), "unit": "990100-wat"})
    assert issued.status_code == 201 and re.search(r"hl_[A-Za-z0-9_-]{20,}", issued.text)
    assert "utility.990100-wat" in admin.get("/linkage").text


def test_the_statistics_page_and_api_count_by_line(browser, api, world, lines):  # noqa: F811
    for scope in ("full", "partial"):
        number = new_order(api)
        response = api("agent").post(f"/api/v1/work-orders/{number}/linkage",
                                     json={"line": lines["110"]["ref"], "scope": scope})
        assert response.status_code == 201
    data = api("supervisor").get(f"{API}/stats").json()
    assert data["transfers"] == 2 and data["region"] == "990100"
    [line] = data["lines"]
    assert (line["number"], line["full"], line["partial"]) == ("110", 1, 1)
    assert line["median_s"] is not None and data["outcomes"]["handed_over"] == 2
    page = browser("supervisor").get("/linkage/stats")
    assert page.status_code == 200 and 'data-chart="linkage"' in page.text and "青川市 110 指挥中心" in page.text
    bad = browser("supervisor").get("/linkage/stats", params={"from": "昨天"})
    assert bad.status_code == 422 and "时间格式" in bad.text
    assert api("supervisor").get(f"{API}/stats", params={"from": "x"}).status_code == 422
    assert api("supervisor").get(f"{API}/stats", params={"region": "990200"}).status_code == 404
    assert api("supervisor").get(f"{API}/stats", params={"from": "2026-12-01T00:00:00+08:00",
                                                          "to": "2026-11-01T00:00:00+08:00"}).status_code == 422
    assert api("admin").get(f"{API}/stats").status_code == 403
