"""The pages of admonition talks, joint meetings and public notices (通报): each form goes
through the same service as the JSON API, so what the page records is what the service keeps,
what the service refuses comes back with its field error and records nothing, and the public
pages show units and problems, never the citizen."""

import datetime as dt
import re

import pytest

from hotline.kit import clock
from hotline.supervision import service
from hotline.supervision.models import NoticeStatus, PublicNotice
from tests.supervision.helpers import cst, dispatched, project


def _meeting_form(world, order_numbers, **kw):
    form = {"kind": "admonition", "held_at": "2026-12-01T15:00", "place": "市热线中心三楼会议室",
            "subject": "路灯报修多次超期", "attendees": "李明 市住建局副局长\r\n王芳 市热线中心主任",
            "decisions": "一、住建局五个工作日内完成全部路灯修复；\r\n二、每周报送进展。", "due_on": "2026-12-08",
            "unit_ids[]": [str(world.units["990100-zj"])], "order_numbers": order_numbers}
    return {**form, **kw}


def _meetings(db, world, username="supervisor"):
    db.expire_all()
    return service.meetings(db, world.p(username))[0]


def test_a_supervisor_records_an_admonition_talk_that_shows_on_the_order_and_the_meeting_page(api, db, world,
                                                                                            travel):
    travel.move_to(cst(2026, 12, 2, 9))
    order = dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    order_page = supervisor.get(f"/orders/{order.number}").text
    assert f'href="/meetings/new?order={order.number}"' in order_page and "尚未就本工单召开约谈" in order_page
    form = supervisor.get(f"/meetings/new?order={order.number}").text
    assert f">{order.number}</textarea>" in form  # the linked order filled in
    assert f'value="{world.units["990100-zj"]}" selected' in form  # and its lead unit chosen

    r = supervisor.post("/meetings/new", follow_redirects=False, data=_meeting_form(world, order.number))
    assert r.status_code == 303, r.text
    [meeting] = _meetings(db, world)
    assert r.headers["location"] == f"/meetings/{meeting.id}?done=recorded"
    assert meeting.held_at == dt.datetime(2026, 12, 1, 15, tzinfo=clock.CST)  # the local time read as China time
    assert meeting.attendees == "李明 市住建局副局长\n王芳 市热线中心主任"
    assert [u.name for u in meeting.units] == ["青川市住建局"] and meeting.due_on == dt.date(2026, 12, 8)
    assert service.meeting_orders(db, meeting) == [order.number]

    page = supervisor.get(r.headers["location"]).text
    assert "督办会议已登记" in page and "<h1>约谈：路灯报修多次超期</h1>" in page
    assert "市热线中心三楼会议室" in page and "2026-12-01 15:00" in page and "2026-12-08" in page
    assert "李明 市住建局副局长\n王芳 市热线中心主任" in page and "每周报送进展" in page
    assert f'href="/orders/{order.number}"' in page
    order_page = supervisor.get(f"/orders/{order.number}").text
    assert f'<a href="/meetings/{meeting.id}">路灯报修多次超期</a>' in order_page
    assert "<b>召开约谈/联席会议</b>" in order_page and "约谈：路灯报修多次超期" in order_page  # on its timeline
    listed = supervisor.get("/meetings?kind=admonition").text
    assert f'href="/meetings/{meeting.id}"' in listed and "青川市住建局" in listed
    assert f'href="/meetings/{meeting.id}"' not in supervisor.get("/meetings?kind=joint_meeting").text


def test_a_joint_meeting_with_one_unit_gives_422_under_the_field_and_records_nothing(api, db, world, travel):
    travel.move_to(cst(2026, 12, 2, 9))
    order = dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    r = supervisor.post("/meetings/new", data=_meeting_form(world, order.number, kind="joint_meeting",
                                                            subject="路灯管护职责划分"))
    assert r.status_code == 422
    assert '<div class="hint" style="color:#c0392b">联席会议应有 2 到 50 个参会单位</div>' in r.text
    assert 'value="路灯管护职责划分"' in r.text and f">{order.number}</textarea>" in r.text  # what was typed stays
    assert f'value="{world.units["990100-zj"]}" selected' in r.text
    unknown = supervisor.post("/meetings/new", data=_meeting_form(world, "HL00000000000000"))
    assert unknown.status_code == 404 and "工单 HL00000000000000 不存在" in unknown.text
    no_time = supervisor.post("/meetings/new", data=_meeting_form(world, "", held_at=""))
    assert no_time.status_code == 422 and "请填写会议时间" in no_time.text
    assert _meetings(db, world) == []
    assert "work_order.meeting_held" not in {
        e["event"] for e in supervisor.get(f"/api/v1/work-orders/{order.number}/timeline").json()}


def test_a_unit_sees_a_meeting_it_attended_and_another_unit_gets_404(api, db, world, travel):
    travel.move_to(cst(2026, 12, 2, 9))
    order = dispatched(db, world)
    db.commit()
    r = api("supervisor").post("/meetings/new", follow_redirects=False, data=_meeting_form(world, order.number))
    assert r.status_code == 303
    [meeting] = _meetings(db, world)
    handler = api("handler")
    assert handler.get(f"/meetings/{meeting.id}").status_code == 200
    listed = handler.get("/meetings").text
    assert f'href="/meetings/{meeting.id}"' in listed and 'href="/meetings/new"' not in listed
    order_page = handler.get(f"/orders/{order.number}").text
    assert f'href="/meetings/{meeting.id}"' in order_page and "/meetings/new?order=" not in order_page
    assert handler.get("/meetings/new").status_code == 403
    assert handler.post("/meetings/new", data=_meeting_form(world, "")).status_code == 403
    other = api("other_handler")
    assert other.get(f"/meetings/{meeting.id}").status_code == 404
    assert f'href="/meetings/{meeting.id}"' not in other.get("/meetings").text


def _returned_twice(db, world):
    """An order on the ledger of repeated returns, with the citizen's name and phone in it."""
    from hotline.workorder import service as wo

    order = dispatched(db, world, title="幸福路12号张三家门口路灯不亮", content="联系人张三 13911112222")
    for _ in range(2):
        wo.return_order(db, world.p("handler"), order, reason="不属于本单位职责")
        wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
    project(db)
    return order


def _notice(db, notice_id):
    db.expire_all()
    return db.get(PublicNotice, notice_id)


def test_a_draft_from_the_ledger_is_edited_published_and_shown_publicly_without_the_citizen(api, client, db, world):
    order = _returned_twice(db, world)
    other = dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    ledger = supervisor.get("/ledgers").text
    assert f'name="numbers[]" value="{order.number}" form="notice-draft"' in ledger and "生成通报草稿" in ledger

    r = supervisor.post("/notices/from-ledger", follow_redirects=False,
                        data={"numbers[]": [order.number, order.number]})  # the same order on two ledgers
    assert r.status_code == 303, r.text
    notice_id = int(re.fullmatch(r"/notices/(\d+)\?done=created", r.headers["location"]).group(1))
    draft = _notice(db, notice_id)
    assert draft.status == NoticeStatus.draft and draft.title == "关于督办台账问题工单的通报"
    assert [i.problem for i in draft.items] == [service.notice_lines(db, draft)[0].problem]
    assert draft.items[0].problem.startswith("第 2 次退单")  # the ledger's reason
    page = supervisor.get(r.headers["location"]).text
    assert "通报草稿已生成" in page and "草稿" in page and f"/api/v1/notices/{notice_id}.docx" in page

    edited = supervisor.post(f"/notices/{notice_id}/edit", follow_redirects=False, data={
        "title": "关于部分单位推诿扯皮问题的通报", "body": "现将问题通报如下。\r\n请各单位引以为戒。",
        "number[]": [order.number, other.number, ""], "problem[]": ["多次退单推诿扯皮", "", ""]})
    assert edited.status_code == 422 and "请写明工单" in edited.text  # nothing on a ledger for the new line
    assert 'value="多次退单推诿扯皮"' in edited.text
    assert [i.problem for i in _notice(db, notice_id).items] == [draft.items[0].problem]  # unchanged
    edited = supervisor.post(f"/notices/{notice_id}/edit", follow_redirects=False, data={
        "title": "关于部分单位推诿扯皮问题的通报", "body": "现将问题通报如下。\r\n请各单位引以为戒。",
        "number[]": [order.number, other.number], "problem[]": ["多次退单推诿扯皮", "答复敷衍"]})
    assert edited.status_code == 303 and edited.headers["location"] == f"/notices/{notice_id}?done=saved"
    assert [i.problem for i in _notice(db, notice_id).items] == ["多次退单推诿扯皮", "答复敷衍"]
    removed = supervisor.post(f"/notices/{notice_id}/edit", follow_redirects=False, data={
        "title": "关于部分单位推诿扯皮问题的通报", "body": "现将问题通报如下。\r\n请各单位引以为戒。",
        "number[]": [order.number, other.number, ""], "problem[]": ["多次退单推诿扯皮", "答复敷衍", ""],
        "remove[]": [other.number]})
    assert removed.status_code == 303
    saved = _notice(db, notice_id)
    assert saved.title == "关于部分单位推诿扯皮问题的通报" and saved.body == "现将问题通报如下。\n请各单位引以为戒。"
    assert [i.problem for i in saved.items] == ["多次退单推诿扯皮"]
    assert client.get("/public/notices").text.count(f'href="/public/notices/{notice_id}"') == 0  # a draft

    published = supervisor.post(f"/notices/{notice_id}/publish", follow_redirects=False)
    assert published.status_code == 303 and published.headers["location"] == f"/notices/{notice_id}?done=published"
    notice = _notice(db, notice_id)
    assert notice.status == NoticeStatus.published and notice.number.startswith("通报〔")
    page = supervisor.get(published.headers["location"]).text
    assert "通报已发布" in page and 'id="notice-withdraw"' in page and 'id="notice-edit"' not in page
    assert supervisor.post(f"/notices/{notice_id}/publish").status_code == 409  # once only

    listing = client.get("/public/notices")
    assert listing.status_code == 200 and f'href="/public/notices/{notice_id}"' in listing.text
    assert notice.number in listing.text and 'href="/public/rankings"' in listing.text
    public = client.get(f"/public/notices/{notice_id}")
    assert public.status_code == 200
    for shown in ("关于部分单位推诿扯皮问题的通报", order.number, "青川市住建局", "路灯", "东华街道",
                  "多次退单推诿扯皮"):
        assert shown in public.text, shown
    for personal in ("张三", "13911112222", "幸福路", other.number):
        assert personal not in public.text and personal not in listing.text, personal
    assert 'href="/public/notices"' in client.get("/public/rankings").text


def test_withdrawing_a_notice_needs_a_reason_and_takes_it_off_the_public_pages(api, client, db, world):
    order = _returned_twice(db, world)
    supervisor = api("supervisor")
    r = supervisor.post("/notices/new", follow_redirects=False, data={
        "title": "关于路灯报修问题的通报", "body": "现通报如下。",
        "number[]": [order.number, ""], "problem[]": ["", ""]})  # the problem from the ledger
    assert r.status_code == 303, r.text
    notice_id = int(r.headers["location"].split("/")[2].split("?")[0])
    assert supervisor.post(f"/notices/{notice_id}/publish").status_code == 200
    assert client.get(f"/public/notices/{notice_id}").status_code == 200

    no_reason = supervisor.post(f"/notices/{notice_id}/withdraw", data={"reason": " "})
    assert no_reason.status_code == 422 and '<div class="hint" style="color:#c0392b">不能为空</div>' in no_reason.text
    assert _notice(db, notice_id).status == NoticeStatus.published
    withdrawn = supervisor.post(f"/notices/{notice_id}/withdraw", follow_redirects=False,
                                data={"reason": "个别工单核实有误"})
    assert withdrawn.status_code == 303 and withdrawn.headers["location"] == f"/notices/{notice_id}?done=withdrawn"
    assert _notice(db, notice_id).status == NoticeStatus.withdrawn
    assert f'href="/public/notices/{notice_id}"' not in client.get("/public/notices").text
    assert client.get(f"/public/notices/{notice_id}").status_code == 404
    assert "已撤回" in supervisor.get("/notices?status=withdrawn").text


def test_a_notice_form_the_service_refuses_keeps_what_was_typed_and_creates_nothing(api, db, world):
    order = dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    empty = supervisor.post("/notices/from-ledger", data={})
    assert empty.status_code == 422 and "通报应列 1 到 200 件工单" in empty.text
    unknown = supervisor.post("/notices/new", data={"title": "通报", "body": "正文",
                                                    "number[]": ["HL99999999999999"], "problem[]": ["超期"]})
    assert unknown.status_code == 404 and "工单 HL99999999999999 不存在" in unknown.text
    no_title = supervisor.post("/notices/new", data={"title": "", "body": "正文",
                                                     "number[]": [order.number], "problem[]": ["超期未办结"]})
    assert no_title.status_code == 422 and 'value="超期未办结"' in no_title.text
    assert service.notices(db, world.p("supervisor"))[1] == 0


def test_a_handler_cannot_open_or_write_notices(api, db, world):
    order = dispatched(db, world)
    db.commit()
    handler = api("handler")
    assert handler.get("/notices").status_code == 403
    assert handler.get("/notices/new").status_code == 403
    assert handler.post("/notices/from-ledger", data={"numbers[]": [order.number]}).status_code == 403
    assert 'name="numbers[]"' not in handler.get("/ledgers").text
    assert service.notices(db, world.p("supervisor"))[1] == 0


PAGES = {"/meetings": "督办会议", "/notices": "通报"}
ALLOWED = {
    "supervisor": {"/meetings", "/notices"},
    "dispatcher": {"/meetings", "/notices"},
    "agent": {"/meetings", "/notices"},
    "handler": {"/meetings"},
    "manager": {"/meetings"},
    "sector": set(),
    "admin": set(),
    "auditor": set(),
}


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_each_role_sees_the_meeting_and_notice_links_exactly_when_the_service_lets_it_open_them(api, world,
                                                                                               username):
    client = api(username)
    home = client.get("/").text
    for path, label in PAGES.items():
        allowed = path in ALLOWED[username]
        assert client.get(path).status_code == (200 if allowed else 403), path
        assert bool(re.search(f'href="{path}"[^>]*>{label}</a>', home)) == allowed, path
