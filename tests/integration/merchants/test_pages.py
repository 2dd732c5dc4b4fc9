"""The staff pages (register, review, adjustment, history), the order section (referral,
rating at callback, complaint) and the public page of recommended merchants."""

from sqlalchemy import select

from hotline.integration.merchants.models import Merchant
from hotline.notify.models import Notification
from tests.integration.merchants.conftest import API, GOOD, USCC, admitted, order, post, to_callback

FORM = {**{k: v for k, v in GOOD.items() if k not in ("service_types", "area_codes")},
        "service_types[]": ["appliance_repair"], "area_codes": "990102, 990100"}


def csrf(client) -> dict:
    return {"csrf_token": client.cookies.get("hotline_csrf") or ""}


def test_a_manager_registers_on_the_page_and_another_admits_it(api, db):
    supervisor = api("supervisor")
    page = supervisor.get("/merchants")
    assert page.status_code == 200 and "登记服务企业" in page.text
    done = supervisor.post("/merchants", data=FORM, follow_redirects=False)
    assert done.status_code == 303, done.text
    m = db.scalars(select(Merchant)).one()
    assert m.service_types == ["appliance_repair"] and m.area_codes == ["990102", "990100"]
    own = supervisor.get(f"/merchants/{m.ref}").text
    assert "须由另一位管理人员审核" in own and "13912345678" in own  # a manager sees the contact
    admin = api("city_admin")
    assert 'id="review"' in admin.get(f"/merchants/{m.ref}").text
    assert admin.post(f"/merchants/{m.ref}/review", data={"admit": "1", "version": m.version},
                      follow_redirects=False).status_code == 303
    db.refresh(m)
    assert m.status == "admitted"
    shown = supervisor.post(f"/merchants/{m.ref}/status", data={"action": "warn", "reason": "响应慢",
                                                               "version": m.version}, follow_redirects=False)
    assert shown.status_code == 303
    history = supervisor.get(f"/merchants/{m.ref}").text
    assert "响应慢" in history and "警示" in history and "准入" in history


def test_a_bad_uscc_on_the_page_is_422_with_the_field_marked(api, db):
    response = api("supervisor").post("/merchants", data={**FORM, "uscc": "91110108MA0100000X"})
    assert response.status_code == 422 and "不是有效的统一社会信用代码" in response.text
    assert db.scalars(select(Merchant)).first() is None


def test_an_agent_sees_the_register_masked_and_no_register_form(api, merchant):
    agent = api("agent")
    page = agent.get("/merchants")
    assert page.status_code == 200 and GOOD["name"] in page.text and "登记服务企业" not in page.text
    detail = agent.get(f"/merchants/{merchant['ref']}").text
    assert "139****5678" in detail and "13912345678" not in detail and "李**" in detail
    assert agent.post(f"/merchants/{merchant['ref']}/status", data={"action": "warn", "reason": "x"}).status_code \
        in (403, 404)


def test_the_order_page_refers_rates_and_marks_a_complaint(api, db, world, merchant):
    number = order(api)
    agent = api("agent")
    page = agent.get(f"/orders/{number}")
    assert 'id="refer-form"' in page.text and GOOD["name"] in page.text
    done = agent.post(f"/orders/{number}/merchants/refer",
                      data={"merchant": merchant["ref"], "service_type": "appliance_repair"}, follow_redirects=False)
    assert done.status_code == 303
    assert db.scalars(select(Notification.template).where(Notification.template == "merchant_referral")).one()
    page = agent.get(f"/orders/{number}").text
    assert "回访时评价" in page and "转介服务企业" in page  # the referral, and its timeline entry
    to_callback(api, world, number)
    page = agent.get(f"/orders/{number}").text
    assert "转介服务企业评价" in page and "merchant-rating" not in page  # in the callback form itself
    ref = agent.get(f"/api/v1/work-orders/{number}/referrals").json()[0]["ref"]
    callback = {"reached": "1", "resolved": "1", "verdict": "satisfied", f"merchant_verdict_{ref}": "satisfied",
                f"merchant_hours_{ref}": "abc"}
    bad = agent.post(f"/orders/{number}/callback", data=callback, follow_redirects=False)
    assert bad.status_code == 422  # the whole callback refused, nothing written
    assert agent.get(f"/api/v1/work-orders/{number}").json()["status"] == "callback"
    done = agent.post(f"/orders/{number}/callback", data={**callback, f"merchant_hours_{ref}": "2"},
                      follow_redirects=False)
    assert done.status_code == 303, done.text
    assert agent.get(f"/api/v1/work-orders/{number}").json()["status"] == "closed"
    assert "满意，2 小时响应" in agent.get(f"/orders/{number}").text
    agent.post(f"/orders/{number}/merchants/complaint", data={"merchant": merchant["ref"], "note": "乱收费"})
    assert "乱收费" in agent.get(f"/orders/{number}").text


def test_a_referral_left_unrated_at_callback_is_rated_on_the_closed_order(api, world, merchant):
    number = order(api)
    agent = api("agent")
    post(agent, f"/api/v1/work-orders/{number}/referrals",
         {"merchant": merchant["ref"], "service_type": "appliance_repair"}, 201)
    to_callback(api, world, number)
    assert agent.post(f"/orders/{number}/callback", data={"reached": "1", "resolved": "1", "verdict": "satisfied"},
                      follow_redirects=False).status_code == 303
    page = agent.get(f"/orders/{number}").text
    assert "merchant-rating" in page
    ref = agent.get(f"/api/v1/work-orders/{number}/referrals").json()[0]["ref"]
    bad = agent.post(f"/orders/{number}/merchants/rate", data={"referral": ref, "verdict": "satisfied",
                                                              "response_hours": "abc"}, follow_redirects=False)
    assert bad.status_code == 303 and "%E6%9C%AA%E8%83%BD" in bad.headers["location"]  # 未能…
    rated = agent.post(f"/orders/{number}/merchants/rate", data={"referral": ref, "verdict": "dissatisfied"},
                       follow_redirects=False)
    assert rated.status_code == 303
    assert "不满意" in agent.get(f"/orders/{number}").text


def test_the_public_page_lists_recommended_merchants_without_personal_data(client, api):
    admitted(api)
    post(api("supervisor"), API, {**GOOD, "uscc": USCC[1], "name": "待审核搬家公司", "service_types": ["moving"],
                                  "contact_name": "赵六", "contact_phone": "13800001111"}, 201)
    home = client.get("/public")
    assert 'href="/public/merchants"' in home.text
    page = client.get("/public/merchants")
    assert page.status_code == 200 and GOOD["name"] in page.text and "02187654321" in page.text
    for secret in ("李师傅", "13912345678", "139****5678", "待审核搬家公司", "赵六", GOOD["uscc"]):
        assert secret not in page.text
    assert GOOD["name"] not in client.get("/public/merchants", params={"service_type": "moving"}).text
    assert client.get("/public/merchants", params={"area": "99x"}).status_code == 200
