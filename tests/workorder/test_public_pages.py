"""The public self-service pages: submit an appeal without an account, follow it with the
order number and the phone number, withdraw it while still allowed — and never see who on the
staff handled it."""

import re

from sqlalchemy import func, select
from stdnum.cn import uscc

from hotline.workorder.models import WorkOrder
from hotline.workorder.public_views import NOT_FOUND, PUBLIC_CSRF_COOKIE, TOO_LATE
from tests.selfservice.codes import last_code, texts

PHONE = "13911112222"
APPEAL = {"appeal_type": "complaint", "title": "小区路灯不亮", "content": "幸福路 12 号小区门口路灯坏了一个月",
          "phone": PHONE, "name": "王五", "region_code": "990102001", "address": "幸福路12号"}


def form_token(client, path="/public"):
    page = client.get(path)
    assert page.status_code == 200, page.text
    return page.text.split('name="form_token" value="')[1].split('"')[0]


def submit(client, db, **change):
    """Both steps: the form, then the code texted to the phone; the new order's number."""
    token = form_token(client)
    response = client.post("/public", data={**APPEAL, **change, "form_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/public/confirm", response.text
    page = client.get("/public/confirm")
    assert page.status_code == 200 and "验证码已发送至" in page.text and "演示环境" not in page.text
    code = last_code(db, change.get("phone", PHONE))
    response = client.post("/public/confirm", data={"code": code, "form_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    number = re.fullmatch(r"/public/submitted\?number=(HL[0-9]{14})", response.headers["location"]).group(1)
    return number


def withdraw(client, db, number, phone=PHONE, reason=None, code=None, status=200):
    """Ask for the code on the order page, then withdraw with it."""
    token = form_token(client, "/public/track")
    asked = client.post("/public/track/withdraw/code", data={"number": number, "phone": phone, "form_token": token})
    assert asked.status_code == 200 and "验证码已发送至该手机" in asked.text, asked.text
    code = code or last_code(db, PHONE, "public_withdrawal_code")
    response = client.post("/public/track/withdraw", data={"number": number, "phone": phone, "code": code,
                                                           "reason": reason or "", "form_token": token})
    assert response.status_code == status, response.text
    return response


def track(client, number, phone, status=200):
    token = form_token(client, f"/public/track?number={number}")
    response = client.post("/public/track", data={"number": number, "phone": phone, "form_token": token})
    assert response.status_code == status, response.text
    return response


def order(db, number):
    db.expire_all()
    return db.scalar(select(WorkOrder).where(WorkOrder.number == number))


def orders(db):
    return db.scalar(select(func.count()).select_from(WorkOrder))


def post(client, path, body=None, status=200):
    response = client.post(path, json=body or {})
    assert response.status_code == status, response.text
    return response.json()


def test_a_citizen_submits_follows_and_withdraws_an_appeal_through_the_pages(client, world, db):
    number = submit(client, db)

    done = client.get(f"/public/submitted?number={number}")
    assert done.status_code == 200 and number in done.text and "查询办理进度" in done.text
    saved = order(db, number)
    assert saved.status.value == "registered" and saved.channel.code == "web" and saved.created_by_id is None

    page = client.get(f"/public/track?number={number}")
    assert f'value="{number}"' in page.text
    shown = track(client, number, PHONE).text
    assert "诉求已受理" in shown and "待派单" in shown and "小区路灯不亮" in shown
    assert "获取验证码" in shown and "确定要撤回吗" in shown
    assert shown.count(PHONE) == 1  # only in the withdraw form, which must prove the pair again

    withdrawn = withdraw(client, db, number, reason="已自行解决")
    assert "您的诉求已撤回" in withdrawn.text and "诉求已撤回" in withdrawn.text and "已撤回" in withdrawn.text
    assert "获取验证码" not in withdrawn.text
    assert order(db, number).status.value == "withdrawn"


def test_a_wrong_number_or_phone_finds_nothing_and_does_not_say_which(client, world, db):
    number = submit(client, db)
    wrong_phone = track(client, number, "13911113333", status=404).text
    wrong_number = track(client, number[:-1] + ("1" if number[-1] != "1" else "2"), PHONE, status=404).text
    malformed = track(client, number, "not a phone", status=404).text
    for page in (wrong_phone, wrong_number, malformed):
        assert NOT_FOUND in page and "没有找到该工单" in page
        assert "诉求已受理" not in page and "小区路灯不亮" not in page


def test_a_wrong_pair_cannot_withdraw_an_order_and_gets_no_code_nor_a_different_answer(client, world, db):
    number = submit(client, db)
    token = form_token(client, "/public/track")
    asked = client.post("/public/track/withdraw/code", data={"number": number, "phone": "13911113333",
                                                            "form_token": token})
    assert asked.status_code == 200 and "验证码已发送至该手机" in asked.text  # the same words as for the owner
    assert texts(db, "13911113333") == [] and texts(db, PHONE, "public_withdrawal_code") == []
    response = client.post("/public/track/withdraw", data={"number": number, "phone": "13911113333",
                                                           "code": "123456", "form_token": token})
    assert response.status_code == 404 and NOT_FOUND in response.text
    assert order(db, number).status.value == "registered"


def test_withdrawing_on_the_page_needs_the_right_code_and_counts_the_wrong_ones(client, world, db):
    number = submit(client, db)
    token = form_token(client, "/public/track")
    unasked = client.post("/public/track/withdraw", data={"number": number, "phone": PHONE, "code": "123456",
                                                          "form_token": token})
    assert unasked.status_code == 403 and "请先获取验证码" in unasked.text
    client.post("/public/track/withdraw/code", data={"number": number, "phone": PHONE, "form_token": token})
    code = last_code(db, PHONE, "public_withdrawal_code")
    bad = f"{(int(code) + 1) % 10**6:06d}"
    answers = [client.post("/public/track/withdraw", data={"number": number, "phone": PHONE, "code": bad,
                                                           "form_token": token}) for _ in range(2)]
    assert [a.status_code for a in answers] == [403, 403]
    assert "还可以再试 4 次" in answers[0].text and "还可以再试 3 次" in answers[1].text
    assert "确认撤回" in answers[1].text and 'name="code"' in answers[1].text  # the form comes back to try again
    assert order(db, number).status.value == "registered"
    done = client.post("/public/track/withdraw", data={"number": number, "phone": PHONE, "code": code,
                                                       "form_token": token})
    assert done.status_code == 200 and order(db, number).status.value == "withdrawn"


def test_wrong_phone_guesses_on_the_track_page_lock_the_number(client, world, db):
    number = submit(client, db)
    for i in range(5):
        track(client, number, f"1390000{i:04d}", status=404)
    locked = track(client, number, PHONE, status=429)
    assert "锁定" in locked.text and int(locked.headers["Retry-After"]) > 0
    assert "小区路灯不亮" not in locked.text


def test_a_wrong_code_on_the_submission_page_is_counted_and_five_void_it(client, world, db):
    before = orders(db)
    token = form_token(client)
    client.post("/public", data={**APPEAL, "form_token": token})
    code = last_code(db, PHONE)
    bad = f"{(int(code) + 1) % 10**6:06d}"
    first = client.post("/public/confirm", data={"code": bad, "form_token": token})
    assert first.status_code == 403 and "还可以再试 4 次" in first.text and "验证码已发送至" in first.text
    for _ in range(4):
        last = client.post("/public/confirm", data={"code": bad, "form_token": token})
    assert last.status_code == 403 and "本次提交未完成" in last.text and "作废" in last.text
    late = client.post("/public/confirm", data={"code": code, "form_token": token}, follow_redirects=False)
    assert late.status_code != 303 and orders(db) == before


def test_the_code_page_is_refused_past_the_visitors_limit_and_texts_nothing_more(client, world, db):
    token = form_token(client)
    for i in range(5):
        client.post("/public", data={**APPEAL, "phone": f"1391111{i:04d}", "form_token": token},
                    follow_redirects=False)
    refused = client.post("/public", data={**APPEAL, "phone": "13922223333", "form_token": token})
    assert refused.status_code == 429 and "提交过于频繁" in refused.text and refused.headers["Retry-After"]
    assert 'value="小区路灯不亮"' in refused.text  # what was typed is kept
    assert texts(db, "13922223333") == []


def test_the_code_page_without_a_pending_appeal_sends_the_visitor_back_to_the_form(client, world):
    response = client.get("/public/confirm", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/public"


def test_the_public_forms_need_their_token(client, world, db):
    before = orders(db)
    response = client.post("/public", data=APPEAL)
    assert response.status_code == 403 and "页面已过期" in response.text
    form_token(client)  # sets the cookie, but the form below does not repeat it
    assert client.post("/public", data={**APPEAL, "form_token": "x" * 32}).status_code == 403
    assert orders(db) == before
    number = submit(client, db)
    assert client.post("/public/track", data={"number": number, "phone": PHONE}).status_code == 403
    assert client.post("/public/track/withdraw/code", data={"number": number, "phone": PHONE}).status_code == 403
    assert client.post("/public/track/withdraw", data={"number": number, "phone": PHONE}).status_code == 403
    assert client.post("/public/confirm", data={"code": "123456"}).status_code == 403
    assert order(db, number).status.value == "registered"


def test_the_token_cookie_is_scoped_to_the_public_pages_and_kept_across_pages(client, world):
    first = client.get("/public")
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{PUBLIC_CSRF_COOKIE}=") and "Path=/public" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert form_token(client, "/public/track") == form_token(client, "/public")


def test_a_bad_submission_shows_every_field_message_and_keeps_what_was_typed(client, world, db):
    before = orders(db)
    token = form_token(client)
    response = client.post("/public", data={**APPEAL, "content": " ", "phone": "12345", "appeal_type": "",
                                            "form_token": token})
    assert response.status_code == 422
    assert "请写明诉求的具体内容" in response.text and "不是有效的中国大陆电话号码" in response.text
    assert "请选择诉求类型" in response.text
    assert 'value="小区路灯不亮"' in response.text and "幸福路12号" in response.text
    response = client.post("/public", data={**APPEAL, "uscc": "91110000000000000X", "form_token": token})
    assert response.status_code == 422 and "不是有效的统一社会信用代码" in response.text
    response = client.post("/public", data={**APPEAL, "region_code": "12", "form_token": token})
    assert response.status_code == 422 and "区划代码应为" in response.text
    assert orders(db) == before


def test_an_enterprise_appeal_is_marked_as_one(client, world, db):
    base = "91990100MA0000001"
    code = base + uscc.calc_check_digit(base)
    number = submit(client, db, enterprise_name="青川示范科技有限公司", uscc=code.lower())
    saved = order(db, number)
    assert saved.is_enterprise and saved.uscc == code and saved.enterprise_name == "青川示范科技有限公司"


def test_the_result_page_only_takes_an_order_number(client, world):
    response = client.get("/public/submitted?number=<script>", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/public"


def test_the_public_pages_show_no_staff_identities_or_internal_notes(client, api, world, db):
    number = submit(client, db)
    dispatcher, handler = api("dispatcher"), api("handler")
    post(dispatcher, f"/api/v1/work-orders/{number}/dispatch",
         {"lead_unit_id": world.units["990100-zj"], "note": "内部备注：该户多次来电"})
    post(handler, f"/api/v1/work-orders/{number}/sign")
    post(handler, f"/api/v1/work-orders/{number}/reply", {"result": "resolved", "text": "已更换路灯灯泡"})
    post(dispatcher, f"/api/v1/work-orders/{number}/review", {"accept": True})

    page = track(client, number, PHONE).text
    assert "已更换路灯灯泡" in page  # the accepted reply reaches the citizen
    assert "已转交承办单位办理" in page and "承办单位已签收，正在办理" in page and "承办单位已答复" in page
    for secret in ("青川市住建局", "青川市热线中心", "省热线中心", "内部备注", "该户多次来电", "dispatcher",
                   "handler", "csrf_token", "工作台", "退出"):
        assert secret not in page, secret
    assert "获取验证码" not in page  # the unit has started: too late to withdraw


def test_an_order_the_unit_has_signed_for_can_no_longer_be_withdrawn(client, api, world, db):
    number = submit(client, db)
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    shown = track(client, number, PHONE).text
    assert "获取验证码" in shown  # dispatched but not signed for: still allowed
    token = form_token(client, "/public/track")
    client.post("/public/track/withdraw/code", data={"number": number, "phone": PHONE, "form_token": token})
    code = last_code(db, PHONE, "public_withdrawal_code")
    post(api("handler"), f"/api/v1/work-orders/{number}/sign")
    response = client.post("/public/track/withdraw", data={"number": number, "phone": PHONE, "code": code,
                                                           "form_token": token})
    assert response.status_code == 409 and TOO_LATE in response.text
    assert order(db, number).status.value == "handling"


def test_the_public_pages_have_their_own_layout_even_for_a_logged_in_member_of_staff(client, api, world):
    staff = api("admin")
    for path in ("/public", "/public/track"):
        html = staff.get(path).text
        assert "我要反映" in html and "进度查询" in html
        assert "工作台" not in html and "csrf_token" not in html and "X-CSRF-Token" not in html
        assert 'name="viewport"' in html


def test_the_demo_shows_the_code_on_the_code_page_because_it_texts_nothing(client, world, db, monkeypatch):
    from hotline.config import get_settings

    monkeypatch.setattr(get_settings(), "public_demo_codes", True)
    token = form_token(client)
    client.post("/public", data={**APPEAL, "form_token": token})
    page = client.get("/public/confirm")
    assert "演示环境" in page.text and last_code(db, PHONE) in page.text
