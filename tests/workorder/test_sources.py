"""Where an appeal came from: the channel's own reference (a board's 留言编号, an Open311
request, a call id) and time, one order per reference, and every source of an order after a
merge — its own and its merged orders' (docs/adr/0017-channel-model.md)."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from hotline.kit import clock
from hotline.kit.errors import InvalidInput
from hotline.org import service as org
from hotline.org.models import ChannelKind
from hotline.workorder import service as wo
from hotline.workorder.models import OrderSource, WorkOrder

APPEAL = {"appeal_type": "complaint", "title": "路灯不亮", "content": "幸福路路灯坏了一个月",
          "region_code": "990102001"}


@pytest.fixture
def board(db, world):
    channel = org.create_channel(db, world.p("admin"), code="board_rmw", name="人民网领导留言板",
                                 kind=ChannelKind.message_board)
    db.flush()
    return channel


def test_the_same_source_reference_again_gets_the_order_it_made(db, world, board):
    posted = clock.now() - dt.timedelta(days=3)
    first, created = wo.intake(db, world.p("agent"), wo.IntakeData(channel=board.code, **APPEAL, source_ref="M-1001",
                                                                   received_at=posted))
    assert created
    again, created_again = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel=board.code, **{**APPEAL, "content": "幸福路路灯坏了一个月（点赞 12）"}, source_ref="M-1001"))
    assert again.id == first.id and created_again is False
    rows = db.execute(select(OrderSource).where(OrderSource.work_order_id == first.id)).scalars().all()
    assert [(r.ref, r.received_at) for r in rows] == [("M-1001", posted)]
    assert first.registered_at > posted  # the deadline counts from intake, the source keeps its own time


def test_the_same_reference_on_another_channel_is_another_appeal(db, world, board):
    on_board, _ = wo.intake(db, world.p("agent"), wo.IntakeData(channel=board.code, **APPEAL, source_ref="42"))
    by_api, created = wo.intake(db, world.p("agent"), wo.IntakeData(channel="api", **APPEAL, source_ref="42"))
    assert created and by_api.id != on_board.id


def test_one_reference_twice_in_one_batch_makes_one_order(db, world, board):
    data = wo.IntakeData(channel=board.code, **APPEAL, source_ref="M-7")
    plans = [wo.plan_intake(db, world.p("agent"), data) for _ in range(2)]
    first, second = wo.write_intakes(db, plans)
    assert first.created and not second.created and first.work_order_id == second.work_order_id
    assert db.scalar(select(func.count()).select_from(OrderSource).where(OrderSource.ref == "M-7")) == 1


@pytest.mark.parametrize(("change", "reason"), [
    ({"received_at": dt.datetime(2026, 1, 1, 8, 0)}, "时区"),  # noqa: DTZ001 - the naive time is the point
    ({"received_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "source_ref": None}, "来源编号"),
    ({"received_at": dt.datetime(2099, 1, 1, tzinfo=dt.UTC)}, "晚于"),
    ({"source_ref": "x" * 101}, ""),
    ({"source_links": ("https://img.example.com/1.jpg",), "source_ref": None}, "来源编号"),
    ({"source_links": ("javascript:alert(1)",)}, "http"),
    ({"source_links": ("data:image/png;base64,AAAA",)}, "http"),
    ({"source_links": ("https://",)}, "http"),
    ({"source_links": ("https://img.example.com/" + "a" * 480,)}, "500"),
    ({"source_links": tuple(f"https://img.example.com/{n}.jpg" for n in range(10))}, "最多 9"),
])
def test_a_bad_source_is_refused_and_writes_nothing(db, world, board, change, reason):
    before = db.scalar(select(func.count()).select_from(WorkOrder))
    data = wo.IntakeData(channel=board.code, **APPEAL, **{"source_ref": "M-9", **change})
    with pytest.raises(InvalidInput) as refused:
        wo.intake(db, world.p("agent"), data)
    assert refused.value.field in {"received_at", "source_ref", "source_links"} and reason in refused.value.message
    assert db.scalar(select(func.count()).select_from(WorkOrder)) == before


def test_an_order_lists_its_own_and_its_merged_orders_sources(api, db, world, board):
    main, _ = wo.intake(db, world.p("agent"), wo.IntakeData(channel="phone", **APPEAL, phone="13900004444"))
    posted = clock.now() - dt.timedelta(hours=5)
    child, _ = wo.intake(db, world.p("agent"), wo.IntakeData(channel=board.code, **APPEAL, source_ref="M-55",
                                                             received_at=posted))
    wo.merge(db, world.p("dispatcher"), main, [child])
    db.commit()
    shown = api("dispatcher").get(f"/api/v1/work-orders/{main.number}").json()
    assert [(s["number"], s["channel"], s["ref"]) for s in shown["sources"]] == [
        (main.number, "phone", None), (child.number, board.code, "M-55")]
    assert dt.datetime.fromisoformat(shown["sources"][1]["received_at"]) == posted
    page = api("dispatcher").get(f"/orders/{main.number}").text
    assert 'id="order-sources"' in page and "人民网领导留言板" in page and "M-55" in page and child.number in page
    alone = api("dispatcher").get(f"/orders/{child.number}").text
    assert "M-55" in alone


def test_the_pictures_a_source_showed_are_kept_as_links_and_shown_as_outside_links(api, db, world, board):
    links = ("https://img.example.com/a.jpg?x=1&y=2", "http://pic.example.org/b.png", "https://img.example.com/a.jpg?x=1&y=2")
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(channel=board.code, **APPEAL, source_ref="M-60",
                                                             source_links=links))
    db.commit()
    assert db.execute(select(OrderSource.links).where(OrderSource.work_order_id == order.id)).scalar_one() == [
        "https://img.example.com/a.jpg?x=1&y=2", "http://pic.example.org/b.png"]  # a repeat once
    shown = api("dispatcher").get(f"/api/v1/work-orders/{order.number}").json()
    assert shown["sources"][0]["links"] == ["https://img.example.com/a.jpg?x=1&y=2", "http://pic.example.org/b.png"]
    page = api("dispatcher").get(f"/orders/{order.number}").text
    assert '<a href="https://img.example.com/a.jpg?x=1&amp;y=2" target="_blank" rel="noopener noreferrer nofollow" ' \
        'referrerpolicy="no-referrer"' in page
    assert "（pic.example.org）" in page and "<img" not in page.split('id="order-sources"')[1].split("</td>")[0]
    plain, _ = wo.intake(db, world.p("agent"), wo.IntakeData(channel="phone", **APPEAL, phone="13900004445"))
    db.commit()
    assert api("dispatcher").get(f"/api/v1/work-orders/{plain.number}").json()["sources"][0]["links"] == []
