"""Messages as people see them: an order's message log (numbers masked), the administrator's
failed/pending page with retry, SMS templates reworded with their placeholders checked and a
preview; and the printable sheets of an order."""

from __future__ import annotations

from sqlalchemy import select, update

from hotline.notify.models import Notification, NotificationStatus
from tests.workbench.test_workbench import dispatched
from tests.workorder.test_api_flow import INTAKE, post


def test_an_orders_message_log_masks_the_numbers(api, world) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(api, world, title="短信记录件")
    log = api("dispatcher").get(f"/api/v1/work-orders/{number}/messages").json()
    kinds = {m["recipient_kind"] for m in log}
    assert {"citizen"} <= kinds and all("****" in m["recipient"] or not m["recipient"] for m in log)
    assert any(number in m["body"] for m in log)
    page = api("handler").get(f"/orders/{number}")
    assert 'id="sms-log"' in page.text and "13911112222" not in page.text
    assert api("other_handler").get(f"/api/v1/work-orders/{number}/messages").status_code == 404


def test_failed_messages_are_listed_and_sent_again(api, world, db) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(api, world, title="失败短信件")
    order_messages = db.execute(select(Notification).where(Notification.body.contains(number))).scalars().all()
    db.execute(update(Notification).where(Notification.id == order_messages[0].id)
               .values(status=NotificationStatus.failed, attempts=8, last_error="网关拒绝"))
    db.flush()
    admin = api("city_admin")
    failed = admin.get("/api/v1/messages", params={"status": "failed"}).json()
    mine = [m for m in failed if m["number"] == number]
    assert mine and mine[0]["last_error"] == "网关拒绝"
    assert api("other_admin").get("/api/v1/messages", params={"status": "failed"}).json() == []
    assert api("other_admin").post(f"/api/v1/messages/{mine[0]['ref']}/retry").status_code == 404
    assert api("agent").get("/api/v1/messages").status_code == 403
    again = admin.post(f"/api/v1/messages/{mine[0]['ref']}/retry")
    assert again.status_code == 200 and again.json()["status"] == "pending"
    assert admin.post(f"/api/v1/messages/{mine[0]['ref']}/retry").status_code == 409
    page = api("admin").get("/admin/messages?status=pending")
    assert page.status_code == 200 and number in page.text
    workbench = api("admin").get("/api/v1/workbench").json()
    assert any(c["key"] == "messages_pending" and c["count"] >= 1 for c in workbench["cards"])


def test_a_reworded_template_keeps_its_placeholders_and_is_used(api, world, db) -> None:  # type: ignore[no-untyped-def]
    admin = api("admin")
    url = "/api/v1/sms-templates/order_accepted"
    missing = admin.put(url, json={"text": "您的诉求已受理，请耐心等待。"})
    assert missing.status_code == 422 and "{number}" in missing.json()["reason"]
    unknown = admin.put(url, json={"text": "工单 {number} 已受理，{who} 将联系您。"})
    assert unknown.status_code == 422 and "{who}" in unknown.json()["reason"]
    preview = post(admin, url + "/preview", {"text": "【受理】工单号 {number}，可凭工单号查询。"})
    assert preview["preview"] == "【受理】工单号 HL20261207000123，可凭工单号查询。"
    saved = admin.put(url, json={"text": "【受理】工单号 {number}，可凭工单号查询。"})
    assert saved.status_code == 200 and saved.json()["custom"] is True
    number = post(api("agent"), "/api/v1/work-orders", INTAKE, 201)["number"]
    sent = db.execute(select(Notification.body).where(Notification.template == "order_accepted",
                                                      Notification.body.contains(number))).scalar_one()
    assert sent == f"【受理】工单号 {number}，可凭工单号查询。"
    assert api("city_admin").put(url, json={"text": "{number}"}).status_code == 403
    assert admin.delete(url).status_code == 204
    page = admin.get("/admin/sms-templates")
    assert page.status_code == 200 and "order_accepted" in page.text


def test_the_printable_sheets(api, world) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(api, world, title="打印测试件")
    sheet = api("agent").get(f"/orders/{number}/print")
    assert sheet.status_code == 200 and "工单交办单" in sheet.text and "青川市热线中心" in sheet.text
    assert "13911112222" in sheet.text  # the agent reads the caller in full (audited)
    masked = api("handler").get(f"/orders/{number}/print")
    assert "139****2222" in masked.text and "13911112222" not in masked.text
    callback = api("agent").get(f"/orders/{number}/print/callback")
    assert callback.status_code == 200 and "满意度" in callback.text
    assert api("other_handler").get(f"/orders/{number}/print").status_code == 404
