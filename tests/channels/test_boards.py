"""Importing a message board's export: every message becomes an appeal on the board's channel,
keyed by (board, 留言编号); importing again creates nothing and only refreshes likes; a bad file
names the row and the column and imports nothing; replies go back in the board's reply file."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from hotline.channels.boards import fileformat, runner, service
from hotline.channels.boards.models import BoardMessage
from hotline.kit import clock
from hotline.workorder import repository as wo_repository
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import ReplyResult, WorkOrder
from tests.channels.boards_helpers import HEADERS, csv_file, make_board, xlsx_file

ROWS = [
    ["M1001", "user_8812", "东华街道幸福小区垃圾无人清运", "2024-05-01 12:30:00",
     "<p>幸福小区3栋门口的垃圾&nbsp;已经堆了一周，</p><br/>臭气熏天，请尽快清运。", "12", "1"],
    ["M1002", "网友a3f9", "咨询孩子入学政策", "2024/5/2 9:05", "请问今年小学入学需要哪些材料？", "3", "0"],
    ["M1003", "u77", "建议增设公交站", "2024年5月3日 18:20", "建议在新区学校门口增设一个公交站。", "1,024", ""],
]


def _import(factory, data: bytes, name: str = "export.csv", board: str = "test_board"):  # type: ignore[no-untyped-def]
    return runner.run_import(factory, board_code=board, parsed=fileformat.read_file(data, name), actor=None,
                             source="file", filename=name)


def _messages(db) -> dict[str, BoardMessage]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return {m.ref: m for m in db.execute(select(BoardMessage)).scalars()}


def test_each_message_becomes_an_appeal_on_the_boards_channel_with_its_own_reference_and_time(db, world, factory):
    make_board(db, world)
    summary = _import(factory, csv_file(ROWS))
    assert summary.as_json()["read"] == 3 and summary.counts.created == 3 and summary.status == "done"
    messages = _messages(db)
    first = messages["M1001"]
    order = db.get(WorkOrder, first.work_order_id)
    assert order.channel.code == "test_board" and order.number == first.work_order_number
    assert order.content == "幸福小区3栋门口的垃圾 已经堆了一周， 臭气熏天，请尽快清运。"  # HTML and entities gone
    assert order.citizen_id is None  # the board user is no citizen
    assert "user_8812" not in order.content and first.user_ref == "user_8812"
    assert order.region is not None and order.region.code == "990102001"  # 东华街道, read from the text
    assert order.status == Status.registered  # waits for the centre
    sources = wo_repository.sources_of(db, order.id)
    assert [(s.channel_code, s.ref) for s in sources] == [("test_board", "M1001")]
    assert sources[0].received_at == dt.datetime(2024, 5, 1, 12, 30, tzinfo=clock.CST)
    assert order.registered_at > sources[0].received_at  # the deadline counts from the import
    assert messages["M1003"].likes == 1024 and messages["M1003"].dislikes == 0
    assert db.get(WorkOrder, messages["M1002"].work_order_id).appeal_type == "consultation"
    assert db.get(WorkOrder, messages["M1003"].work_order_id).appeal_type == "suggestion"
    assert db.get(WorkOrder, messages["M1003"].work_order_id).region is None  # no place named: the centre places it


def test_importing_the_same_file_again_creates_nothing_and_refreshes_likes(db, world, factory):
    make_board(db, world)
    _import(factory, csv_file(ROWS))
    orders = db.execute(select(func.count()).select_from(WorkOrder)).scalar_one()
    again = [list(r) for r in ROWS]
    again[0][5], again[0][6] = "40", "2"
    summary = _import(factory, xlsx_file(again), "again.xlsx")
    assert (summary.counts.created, summary.counts.merged, summary.counts.updated, summary.counts.unchanged) == \
        (0, 0, 1, 2)
    assert db.execute(select(func.count()).select_from(WorkOrder)).scalar_one() == orders
    assert (_messages(db)["M1001"].likes, _messages(db)["M1001"].dislikes) == (40, 2)


def test_columns_may_come_in_any_order_and_excel_date_cells_are_read(db, world, factory):
    make_board(db, world)
    order = [6, 0, 4, 3, 2, 1, 5]
    headers = [HEADERS[i] for i in order]
    when = dt.datetime(2024, 6, 1, 8, 15)  # noqa: DTZ001 (an Excel cell has no zone)
    rows = [[ROWS[0][i] for i in order]]
    rows[0][3] = when
    summary = _import(factory, xlsx_file(rows, headers), "cells.xlsx")
    assert summary.counts.created == 1
    assert _messages(db)["M1001"].posted_at == when.replace(tzinfo=clock.CST)


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-05-01 12:30:00", (2024, 5, 1, 12, 30)),
    ("2024/5/1 12:30", (2024, 5, 1, 12, 30)),
    ("2024年5月1日 12:30", (2024, 5, 1, 12, 30)),
    ("2024年5月1日12时30分", (2024, 5, 1, 12, 30)),
    ("2024.05.01", (2024, 5, 1)),
    ("2024-05-01T04:30:00Z", (2024, 5, 1, 12, 30)),
    ("45413.5", (2024, 5, 1, 12, 0)),  # an Excel serial number
    ("1714537800", (2024, 5, 1, 12, 30)),  # Unix seconds
])
def test_the_date_formats_of_board_exports_are_read_as_beijing_time(value, expected):
    assert fileformat.parse_time(value) == dt.datetime(*expected, tzinfo=clock.CST)


def test_a_bad_file_names_the_row_and_the_column_and_imports_nothing(db, world, factory):
    make_board(db, world)
    rows = [list(r) for r in ROWS] + [["M1004", "x", "路灯", "2024-05-04", "路灯不亮", "5", "0"]] * 0
    rows += [["M1004", "x", "路灯", "2024-05-04", "路灯不亮", "5", "0"],
             ["M1005", "y", "噪音", "2024-05-04", "工地噪音", "5", "0"],
             ["M1006", "z", "占道", "2024-05-04", "占道经营", "5", "0"],
             ["M1007", "w", "停车", "昨天下午", "乱停车", "many", "0"]]
    before = db.execute(select(func.count()).select_from(WorkOrder)).scalar_one()
    summary = _import(factory, csv_file(rows))
    assert summary.status == "rejected" and summary.counts.created == 0 and summary.counts.rejected == 1
    assert summary.counts.errors[:2] == ["第 8 行 留言时间: 无法识别的时间“昨天下午”", "第 8 行 点赞数: 不是数字“many”"]
    assert db.execute(select(func.count()).select_from(WorkOrder)).scalar_one() == before
    assert _messages(db) == {}


def test_a_file_without_a_required_column_is_refused():
    with pytest.raises(fileformat.FileRefused, match="缺少列：留言时间"):
        fileformat.read_file(csv_file([["1", "u", "s", "t", "5", "0"]],
                                      [h for h in HEADERS if h != "留言时间"]))


def test_a_message_with_an_empty_text_is_reported_and_skipped(db, world, factory):
    make_board(db, world)
    rows = [ROWS[0], ["M2000", "u", "空留言", "2024-05-01 10:00", "  <br/>&nbsp; ", "0", "0"]]
    summary = _import(factory, csv_file(rows))
    assert summary.counts.created == 1 and summary.counts.skipped == 1 and summary.status == "done"
    assert "第 3 行 留言详情: 内容为空，已跳过（留言编号 M2000）" in summary.counts.errors
    assert set(_messages(db)) == {"M1001"}


def test_a_gbk_csv_as_excel_saves_it_is_read(db, world, factory):
    make_board(db, world)
    summary = _import(factory, csv_file(ROWS[:1], encoding="gb18030"))
    assert summary.counts.created == 1


def test_a_message_about_an_open_phone_order_is_merged_into_it_and_the_order_lists_both_sources(db, world, factory):
    phone_order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="幸福路12号路灯不亮",
        content="东华街道幸福路12号门口的路灯不亮好几天了，晚上一片漆黑，请尽快维修。", phone="13812348000",
        region_code="990102001"))
    wo.dispatch(db, world.p("dispatcher"), phone_order, lead_unit_id=world.units["990100-zj"])
    make_board(db, world)
    rows = [["B77", "网友k", "幸福路12号路灯不亮", "2024-05-01 20:00",
             "东华街道幸福路12号门口路灯坏了好几天，晚上一片漆黑，希望尽快修好。", "9", "0"]]
    summary = _import(factory, csv_file(rows))
    assert (summary.counts.created, summary.counts.merged) == (0, 1)
    db.expire_all()
    message = _messages(db)["B77"]
    child = db.get(WorkOrder, message.work_order_id)
    assert child.status == Status.merged and child.merged_into_id == phone_order.id
    assert message.merged_into_number == phone_order.number
    sources = wo_repository.sources_of(db, phone_order.id)
    assert sorted((s.channel_code, s.ref) for s in sources) == [("phone", None), ("test_board", "B77")]


def test_two_messages_of_one_import_about_the_same_matter_end_as_one_main_order(db, world, factory):
    make_board(db, world)
    text = "东华街道幸福路8号的井盖丢了，路过的老人差点掉下去，太危险了，请尽快补上。"
    rows = [["C1", "a", "幸福路8号井盖丢失", "2024-05-01 08:00", text, "1", "0"],
            ["C2", "b", "幸福路8号井盖没了", "2024-05-01 09:00",
             "东华街道幸福路8号井盖丢了好几天，太危险了，请尽快补上。", "0", "0"]]
    summary = _import(factory, csv_file(rows))
    assert (summary.counts.created, summary.counts.merged) == (1, 1)
    messages = _messages(db)
    assert messages["C2"].merged_into_number == messages["C1"].work_order_number


def _reply_and_accept(db, world, order):  # type: ignore[no-untyped-def]
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
    wo.sign(db, world.p("handler"), order)
    wo.reply(db, world.p("handler"), order, result=ReplyResult.resolved, text="已安排环卫部门清运完毕。")
    wo.review_reply(db, world.p("dispatcher"), order, accept=True)


def test_the_reply_file_holds_accepted_replies_only_and_a_merged_message_gets_its_main_orders(db, world, factory):
    phone_order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="幸福路12号路灯不亮",
        content="东华街道幸福路12号门口的路灯不亮好几天了，晚上一片漆黑，请尽快维修。", phone="13812348000",
        region_code="990102001"))
    make_board(db, world)
    rows = [*ROWS, ["B77", "网友k", "幸福路12号路灯不亮", "2024-05-01 20:00",
                    "东华街道幸福路12号门口路灯坏了好几天，晚上一片漆黑，希望尽快修好。", "9", "0"]]
    _import(factory, csv_file(rows))
    messages = _messages(db)
    board, channel = service.access_board(db, world.p("dispatcher"), "test_board")
    assert service.reply_rows(db, board, since=None) == []
    first = db.get(WorkOrder, messages["M1001"].work_order_id)
    _reply_and_accept(db, world, first)
    second = db.get(WorkOrder, messages["M1002"].work_order_id)  # replied, not yet accepted
    wo.dispatch(db, world.p("dispatcher"), second, lead_unit_id=world.units["990100-zj"])
    wo.sign(db, world.p("handler"), second)
    wo.reply(db, world.p("handler"), second, result=ReplyResult.resolved, text="尚待审核的答复")
    _reply_and_accept(db, world, phone_order)
    rows_out = service.export_replies(db, world.p("dispatcher"), board, channel, since=None)
    done = "已安排环卫部门清运完毕。"
    assert {(r[0], r[1]) for r in rows_out} == {("M1001", done), ("B77", done)}
    assert service.reply_rows(db, board, since=clock.now() + dt.timedelta(hours=1)) == []
    data = fileformat.write_replies(rows_out, "csv").decode("utf-8-sig").splitlines()
    assert data[0] == "留言编号,答复意见,答复时间" and len(data) == 3
    sheet = fileformat.write_replies(rows_out, "xlsx")
    assert sheet[:2] == b"PK"


def test_two_imports_of_one_board_at_once_register_each_message_once_and_both_finish(own_database, monkeypatch):
    """Two processes import the same export at the same moment (an upload beside the command):
    their batches take turns on the board, each message becomes one order, and both runs are
    recorded as finished — neither is left "running"."""
    import threading

    from sqlalchemy.orm import Session

    from hotline.channels.boards.models import BoardImport
    from hotline.kit.db import make_engine, make_session_factory
    from hotline.workorder.models import OrderSource

    url, world = own_database
    engines = [make_engine(url) for _ in range(2)]
    try:
        with Session(engines[0]) as session:
            make_board(session, world)
            session.commit()
        monkeypatch.setattr(service, "BATCH", 4)  # many small batches, so the two runs interleave
        rows = [[f"K{i:03d}", f"u{i}", f"第{i}号留言", "2024-05-01 08:00",
                 f"东华街道幸福路{i}号的第{i}件不同的事情，编号{i * 7919}，请处理。", str(i), "0"] for i in range(24)]
        data = csv_file(rows)
        start = threading.Barrier(2)
        summaries: list[runner.Summary] = []
        failures: list[BaseException] = []

        def run(engine) -> None:  # type: ignore[no-untyped-def]
            try:
                start.wait(10)
                summaries.append(_import(make_session_factory(engine), data))
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=run, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert failures == []
        assert sorted(s.status for s in summaries) == ["done", "done"]
        assert sum(s.counts.created + s.counts.merged for s in summaries) == 24
        with Session(engines[0]) as session:
            assert session.execute(select(func.count()).select_from(BoardMessage)).scalar_one() == 24
            sources = session.execute(select(func.count()).select_from(OrderSource)
                                      .where(OrderSource.ref.like("K%"))).scalar_one()
            assert sources == 24
            assert session.execute(select(BoardImport.status)).scalars().all() == ["done", "done"]
    finally:
        for e in engines:
            e.dispose()


def test_a_run_stopped_by_an_unexpected_error_is_recorded_as_failed_and_keeps_its_batches(db, world, factory,
                                                                                          monkeypatch):
    from hotline.channels.boards.models import BoardImport

    make_board(db, world)
    db.commit()
    monkeypatch.setattr(service, "BATCH", 2)
    real = service.import_messages
    calls = []

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "import_messages", flaky)
    with pytest.raises(RuntimeError):
        _import(factory, csv_file(ROWS))
    db.expire_all()
    run = db.execute(select(BoardImport)).scalar_one()
    assert run.status == "failed" and run.finished_at is not None and run.errors[0].startswith("导入中断")
    assert sorted(_messages(db)) == ["M1001", "M1002"]  # the first batch stays; a re-run takes the rest
    monkeypatch.setattr(service, "import_messages", real)
    again = _import(factory, csv_file(ROWS))
    assert (again.status, again.counts.created, again.counts.unchanged) == ("done", 1, 2)


def test_a_run_whose_process_ended_is_recorded_as_failed_by_the_next_run_of_the_board(db, world, factory, travel):
    from hotline.channels.boards.models import BoardImport

    board = make_board(db, world)
    killed = service.start_import(db, board, actor=None, source="file", filename="killed.csv")
    db.commit()
    _import(factory, csv_file(ROWS[:1]))  # a run beside it, while the first may still be working
    db.expire_all()
    assert db.get(BoardImport, killed.id).status == "running"
    travel.shift((service.STALE_RUN + dt.timedelta(minutes=1)).total_seconds())
    summary = _import(factory, csv_file(ROWS))
    db.expire_all()
    stale = db.get(BoardImport, killed.id)
    assert stale.status == "failed" and stale.finished_at is not None and "进程已退出" in stale.errors[0]
    latest = db.get(BoardImport, summary.import_id)
    assert (latest.status, latest.created) == ("done", 2)  # the first message was imported beside it
    assert latest.progressed_at is not None


@pytest.mark.parametrize(("text", "pictures", "base", "expected"), [
    ('<p>路灯坏了</p><img src="https://img.example.com/1.jpg" alt="x"><IMG SRC=//cdn.example.com/2.png>', None, None,
     ("https://img.example.com/1.jpg", "https://cdn.example.com/2.png")),
    ("&lt;img src=&quot;https://img.example.com/3.jpg&quot;&gt;", None, None, ("https://img.example.com/3.jpg",)),
    ("没有图片", "https://a.example.com/1.jpg, https://a.example.com/2.jpg；https://a.example.com/1.jpg", None,
     ("https://a.example.com/1.jpg", "https://a.example.com/2.jpg")),
    ("<img src='javascript:alert(1)'><img src=\"data:image/png;base64,AAAA\"><img src=\"/up/4.jpg\">",
     None, None, ()),  # no script, no inline data, and a relative link of a file has nothing to be read against
    ('<img src="/up/4.jpg">', [{"url": "5.jpg"}, {"src": "https://b.example.com/6.jpg"}, 7, None],
     "https://board.example.gov.cn/api/messages?page=2",
     ("https://board.example.gov.cn/up/4.jpg", "https://board.example.gov.cn/api/5.jpg", "https://b.example.com/6.jpg")),
    ("", " ".join(f"https://c.example.com/{n}.jpg" for n in range(12)), None,
     tuple(f"https://c.example.com/{n}.jpg" for n in range(9))),
])
def test_a_messages_pictures_are_read_as_links_from_its_html_and_its_pictures_field(text, pictures, base, expected):
    assert fileformat.picture_links(text, pictures, base=base) == expected


def test_a_messages_pictures_become_the_links_of_its_orders_source_and_its_text_keeps_none_of_the_tags(
        db, world, factory, api):
    make_board(db, world)
    rows = [["M2001", "u1", "东华街道幸福小区路面塌陷", "2024-05-04 08:00",
             '幸福小区门口路面塌陷<img src="https://img.board.example.cn/a/1.jpg" width=300>，很危险。',
             "0", "0", "https://img.board.example.cn/a/2.jpg https://img.board.example.cn/a/1.jpg"],
            ["M2002", "u2", "咨询办证", "2024-05-04 09:00", "请问办居住证要带什么材料？", "0", "0", ""]]
    summary = _import(factory, xlsx_file(rows, [*HEADERS, "留言图片"]), "pics.xlsx")
    assert summary.counts.created == 2
    messages = _messages(db)
    order = db.get(WorkOrder, messages["M2001"].work_order_id)
    assert order.content == "幸福小区门口路面塌陷，很危险。"
    [source] = wo_repository.sources_of(db, order.id)
    assert source.links == ["https://img.board.example.cn/a/1.jpg", "https://img.board.example.cn/a/2.jpg"]
    [plain] = wo_repository.sources_of(db, messages["M2002"].work_order_id)
    assert plain.links is None
    shown = api("dispatcher").get(f"/api/v1/work-orders/{order.number}").json()
    assert shown["sources"][0]["links"] == source.links
    page = api("dispatcher").get(f"/orders/{order.number}").text
    assert 'href="https://img.board.example.cn/a/2.jpg"' in page and "来源所附图片" in page
