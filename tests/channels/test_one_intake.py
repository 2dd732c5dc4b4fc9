"""One intake for every channel, end to end: the same broken street lamp reported by phone,
through an Open311 client and on a message board becomes one order handled once (S4: 不同
渠道收到的同一诉求合并派单只派1件); the order lists all three sources, and the one accepted
answer goes back on each source's own channel — an SMS to the caller and to the Open311
requester who left a phone, ``status_notes`` for the Open311 client, the board's reply file."""

from __future__ import annotations

from hotline.channels.boards import fileformat, runner, service
from hotline.workorder import repository as wo_repository
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import ReplyResult, WorkOrder
from tests.channels.boards_helpers import csv_file, make_board
from tests.channels.conftest import valid
from tests.channels.test_open311_requests import NEAR_XINGFU, post
from tests.selfservice.codes import texts

CALLER, REQUESTER = "13812348000", "13912345678"
ANSWER = "经现场核查，幸福路12号路灯线路老化，已于今日更换修复。"


def test_one_lamp_reported_on_three_channels_is_handled_once_and_answered_on_each(client, api, db, world, factory,
                                                                                 o311):
    phone_order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="幸福路12号路灯不亮",
        content="东华街道幸福路12号门口的路灯不亮好几天了，晚上一片漆黑，请尽快维修。", phone=CALLER,
        region_code="990102001", category_code=o311.lamp))
    wo.dispatch(db, world.p("dispatcher"), phone_order, lead_unit_id=world.units["990100-zj"])
    make_board(db, world)
    db.commit()

    # an Open311 client (a city app) sends the same lamp with the requester's phone
    answer = post(client, o311, description="幸福路12号门口的路灯不亮好几天了，晚上一片漆黑", phone=REQUESTER,
                  first_name="建国", last_name="王", **NEAR_XINGFU)
    assert answer.status_code == 200, answer.text
    [posted] = answer.json()
    app_order = db.query(WorkOrder).filter_by(number=posted["service_request_id"]).one()
    # the centre sees it among the phone order's likely duplicates and merges it
    wo.merge(db, world.p("dispatcher"), phone_order, [app_order])
    db.commit()

    # the board's export carries the same matter: merged at import by itself
    summary = runner.run_import(factory, board_code="test_board", parsed=fileformat.read_file(csv_file([[
        "B77", "网友k", "幸福路12号路灯不亮", "2024-05-01 20:00",
        "东华街道幸福路12号门口路灯坏了好几天，晚上一片漆黑，希望尽快修好。", "9", "0"]]), "export.csv"),
        actor=None, source="file")
    assert (summary.counts.created, summary.counts.merged) == (0, 1)

    db.expire_all()
    main = db.get(WorkOrder, phone_order.id)
    assert sorted((s.channel_code, s.ref) for s in wo_repository.sources_of(db, main.id)) == \
        [("open311", posted["token"]), ("phone", None), ("test_board", "B77")]
    shown = api("dispatcher").get(f"/api/v1/work-orders/{main.number}").json()
    assert {s["channel"] for s in shown["sources"]} == {"phone", "open311", "test_board"}
    # one order reaches the unit: the two others wait merged, none dispatched on its own
    merged = db.query(WorkOrder).filter(WorkOrder.merged_into_id == main.id).all()
    assert len(merged) == 2 and all(o.status == Status.merged and not o.assignments for o in merged)

    wo.sign(db, world.p("handler"), main)
    wo.reply(db, world.p("handler"), main, result=ReplyResult.resolved, text=ANSWER)
    assert not [n for n in texts(db, CALLER, "order_replied")]  # nothing before the centre accepts it
    wo.review_reply(db, world.p("dispatcher"), main, accept=True)
    db.commit()

    # the caller and the Open311 requester each get the answer by SMS
    for phone, order in ((CALLER, main), (REQUESTER, app_order)):
        [sent] = texts(db, phone, "order_replied")
        assert sent.work_order_id == order.id and order.number in sent.body and ANSWER in sent.body
    # the Open311 client reads it as status_notes of its own request
    [request] = valid("requests.json", client.get(
        f"/open311/v2/requests/{posted['service_request_id']}.json").json())
    assert request["status_notes"] == ANSWER
    assert REQUESTER not in str(request) and "建国" not in str(request)
    # the board gets it in its reply file
    board, channel = service.access_board(db, world.p("dispatcher"), "test_board")
    rows = service.export_replies(db, world.p("dispatcher"), board, channel, since=None)
    assert [(r[0], r[1]) for r in rows] == [("B77", ANSWER)]
    reply_file = fileformat.write_replies(rows, "csv").decode("utf-8-sig").splitlines()
    assert reply_file[1].startswith("B77," + ANSWER)
