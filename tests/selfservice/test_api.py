"""The public door through the JSON API: an appeal becomes an order only once the code texted
to its phone comes back; submissions, codes, lookups and withdrawals are limited, and wrong
guesses are counted even though the request that made them fails."""

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from hotline.notify.models import Notification
from hotline.selfservice.models import PublicSubmission
from hotline.workorder.models import WorkOrder
from tests.selfservice.codes import confirm_api, last_code, texts

STRANGER = "13700001234"
APPEAL = {"appeal_type": "help", "title": "井盖缺失", "content": "家门口井盖缺失，夜里很危险", "phone": STRANGER,
          "name": "赵六", "region_code": "990102001"}


@pytest.fixture
def from_address(app):  # type: ignore[no-untyped-def]
    """``from_address("10.0.0.7")`` → a client calling from that address."""
    clients: list[TestClient] = []

    def make(address: str) -> TestClient:
        c = TestClient(app, client=(address, 40000))
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def orders(db):
    db.expire_all()
    return db.scalar(select(func.count()).select_from(WorkOrder))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_ten_submissions_for_a_strangers_phone_text_it_only_up_to_the_per_phone_limit_and_file_nothing(
        from_address, world, db):
    before = orders(db)
    answers = [from_address(f"10.0.0.{i}").post("/api/v1/public/appeals", json=APPEAL) for i in range(10)]

    assert [a.status_code for a in answers] == [202] * 3 + [429] * 7
    refused = answers[-1]
    assert int(refused.headers["Retry-After"]) > 0 and "验证码" in refused.json()["message"]
    assert "number" not in answers[0].json() and answers[0].json()["phone"] == "137****1234"
    assert len(texts(db, STRANGER)) == 3  # one code per accepted submission, nothing else
    assert {n.template for n in texts(db, STRANGER)} == {"public_code"}
    assert orders(db) == before  # no order, so nothing waits in any dispatch queue


def test_one_client_is_refused_past_its_limit_with_retry_after_and_nothing_is_sent(client, world, db):
    phones = [f"1370000{i:04d}" for i in range(6)]
    answers = [client.post("/api/v1/public/appeals", json={**APPEAL, "phone": p}) for p in phones]
    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert int(answers[-1].headers["Retry-After"]) > 0 and answers[-1].json()["error"] == "too_many_requests"
    assert texts(db, phones[-1]) == []


def test_five_wrong_codes_void_the_submission_even_with_the_right_code_after(client, world, db):
    before = orders(db)
    token = client.post("/api/v1/public/appeals", json=APPEAL).json()["token"]
    code = last_code(db, STRANGER)
    answers = [client.post("/api/v1/public/appeals/confirm", json={"token": token, "code": wrong(code)})
               for _ in range(5)]
    assert [a.status_code for a in answers] == [403] * 5
    assert [a.json().get("remaining") for a in answers[:4]] == [4, 3, 2, 1]  # each wrong code was counted
    assert answers[4].json()["error"] == "code_unusable" and "作废" in answers[4].json()["message"]
    late = client.post("/api/v1/public/appeals/confirm", json={"token": token, "code": code})
    assert late.status_code == 403 and late.json()["error"] == "code_unusable"
    assert orders(db) == before


def test_the_right_code_files_the_order_and_only_then_the_acknowledgement_is_texted(client, world, db):
    pending = client.post("/api/v1/public/appeals", json=APPEAL).json()
    assert texts(db, STRANGER, "order_accepted") == []
    code = last_code(db, STRANGER)
    assert "10分钟内有效" in texts(db, STRANGER)[-1].body

    done = client.post("/api/v1/public/appeals/confirm", json={"token": pending["token"], "code": code})
    assert done.status_code == 201, done.text
    number = done.json()["number"]
    assert number.startswith("HL") and done.json()["status_name"] == "待派单"
    saved = db.scalar(select(WorkOrder).where(WorkOrder.number == number))
    assert saved.channel.code == "web" and saved.created_by_id is None and saved.title == "井盖缺失"
    acknowledged = texts(db, STRANGER, "order_accepted")
    assert len(acknowledged) == 1 and number in acknowledged[0].body

    again = client.post("/api/v1/public/appeals/confirm", json={"token": pending["token"], "code": code})
    assert again.status_code == 200 and again.json()["number"] == number  # a retry files nothing new
    assert len(texts(db, STRANGER, "order_accepted")) == 1
    kept = db.scalar(select(PublicSubmission))
    assert kept.payload is None and kept.work_order_id == saved.id  # the appeal now lives in the order only


def test_a_submission_keeps_the_phone_the_appeal_and_the_code_unreadable_in_the_database(client, world, db):
    client.post("/api/v1/public/appeals", json=APPEAL)
    code = last_code(db, STRANGER)
    raw = " ".join(str(v) for v in db.execute(text("SELECT * FROM public_submission")).one())
    for secret in (STRANGER, "井盖缺失", "赵六", code):
        assert secret not in raw


def test_a_code_that_came_back_too_late_files_nothing(client, world, db, travel):
    before = orders(db)
    token = client.post("/api/v1/public/appeals", json=APPEAL).json()["token"]
    code = last_code(db, STRANGER)
    travel.shift(dt.timedelta(minutes=11))
    late = client.post("/api/v1/public/appeals/confirm", json={"token": token, "code": code})
    assert late.status_code == 403 and "过期" in late.json()["message"]
    assert client.post("/api/v1/public/appeals/confirm", json={"token": "x" * 43, "code": code}).status_code == 404
    assert orders(db) == before


def test_a_landline_cannot_receive_the_code_and_is_refused_before_anything_is_sent(client, world, db):
    answer = client.post("/api/v1/public/appeals", json={**APPEAL, "phone": "010-12345678"})
    assert answer.status_code == 422 and answer.json()["field"] == "phone"
    assert db.scalar(select(func.count()).select_from(Notification)) == 0


def test_wrong_phone_guesses_lock_that_number_for_everyone_while_other_numbers_still_answer(
        client, from_address, world, db):
    first = confirm_api(client, db, APPEAL)["number"]
    other = confirm_api(client, db, {**APPEAL, "phone": "13700005678"})["number"]
    guesses = [client.get(f"/api/v1/public/appeals/{first}", params={"phone": f"1390000{i:04d}"}) for i in range(5)]
    assert [g.status_code for g in guesses] == [404] * 5

    locked = client.get(f"/api/v1/public/appeals/{first}", params={"phone": STRANGER})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0 and "锁定" in locked.json()["message"]
    elsewhere = from_address("10.9.9.9").get(f"/api/v1/public/appeals/{first}", params={"phone": STRANGER})
    assert elsewhere.status_code == 429  # the lock is on the number, whoever asks
    found = client.get(f"/api/v1/public/appeals/{other}", params={"phone": "13700005678"})
    assert found.status_code == 200 and found.json()["number"] == other


def test_lookups_of_one_client_are_limited_whether_they_succeed_or_not(client, world, db):
    number = confirm_api(client, db, APPEAL)["number"]
    answers = [client.get(f"/api/v1/public/appeals/{number}", params={"phone": STRANGER}) for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]


def test_withdrawing_takes_the_code_texted_to_the_orders_phone(client, world, db):
    number = confirm_api(client, db, APPEAL)["number"]
    base = f"/api/v1/public/appeals/{number}/withdraw"
    assert client.post(base, json={"phone": STRANGER, "reason": "已解决"}).status_code == 422  # no code at all
    unasked = client.post(base, json={"phone": STRANGER, "code": "123456"})
    assert unasked.status_code == 403 and "请先获取验证码" in unasked.json()["message"]

    stranger = client.post(f"{base}/code", json={"phone": "13900009999"})
    owner = client.post(f"{base}/code", json={"phone": STRANGER})
    assert stranger.status_code == owner.status_code == 202 and stranger.json() == owner.json()  # reveals nothing
    assert texts(db, "13900009999") == []
    code = last_code(db, STRANGER, "public_withdrawal_code")
    assert number in texts(db, STRANGER, "public_withdrawal_code")[-1].body

    first = client.post(base, json={"phone": STRANGER, "code": wrong(code)})
    second = client.post(base, json={"phone": STRANGER, "code": wrong(code)})
    assert first.status_code == second.status_code == 403
    assert (first.json()["remaining"], second.json()["remaining"]) == (4, 3)  # counted across requests
    assert db.scalar(select(WorkOrder.status).where(WorkOrder.number == number)).value == "registered"

    done = client.post(base, json={"phone": STRANGER, "code": code, "reason": "已自行解决"})
    assert done.status_code == 200 and done.json()["status_name"] == "已撤回"
    reused = client.post(base, json={"phone": STRANGER, "code": code})
    assert reused.status_code == 403


def test_a_wrong_pair_cannot_withdraw_and_counts_toward_the_number_lock(client, world, db):
    number = confirm_api(client, db, APPEAL)["number"]
    client.post(f"/api/v1/public/appeals/{number}/withdraw/code", json={"phone": STRANGER})
    code = last_code(db, STRANGER, "public_withdrawal_code")
    refused = client.post(f"/api/v1/public/appeals/{number}/withdraw", json={"phone": "13900009999", "code": code})
    assert refused.status_code == 404
    for i in range(4):
        client.post(f"/api/v1/public/appeals/{number}/withdraw/code", json={"phone": f"1390000{i:04d}"})
    locked = client.post(f"/api/v1/public/appeals/{number}/withdraw", json={"phone": STRANGER, "code": code})
    assert locked.status_code == 429
    assert db.scalar(select(WorkOrder.status).where(WorkOrder.number == number)).value == "registered"


def test_withdrawal_codes_to_one_phone_stop_at_the_per_phone_limit(client, from_address, world, db):
    number = confirm_api(client, db, APPEAL)["number"]  # one code to this phone already
    for i in range(4):
        answer = from_address(f"10.1.0.{i}").post(f"/api/v1/public/appeals/{number}/withdraw/code",
                                                  json={"phone": STRANGER})
        assert answer.status_code == 202
    assert len(texts(db, STRANGER, "public_withdrawal_code")) == 2  # 3 codes an hour in all


def test_codes_are_shown_only_on_the_demo_whose_sms_adapter_texts_nothing(client, world, db, monkeypatch):
    from hotline.config import get_settings

    assert client.post("/api/v1/public/appeals", json=APPEAL).json()["demo_code"] is None
    monkeypatch.setattr(get_settings(), "public_demo_codes", True)
    monkeypatch.setattr(get_settings(), "sms_adapter", "http")  # a real gateway: never shown
    assert client.post("/api/v1/public/appeals", json={**APPEAL, "phone": "13700001111"}).json()["demo_code"] is None
    monkeypatch.setattr(get_settings(), "sms_adapter", "log")
    shown = client.post("/api/v1/public/appeals", json={**APPEAL, "phone": "13700002222"}).json()["demo_code"]
    assert shown == last_code(db, "13700002222")
