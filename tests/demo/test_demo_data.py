"""The demo's data looks like a real centre's: history over past months, one planted spike,
replies that answer their own appeals, and phones to reach units and supervisors."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hotline.auth.models import Role, User
from hotline.intelligence import service as intel
from hotline.intelligence.models import WarningKind
from hotline.kit import clock
from hotline.org.models import Unit
from hotline.workorder.models import Reply, WorkOrder


def test_the_demo_start_raises_only_the_planted_spike(demo_db, demo):
    raised = intel.scan_warnings(demo_db, now=demo.loaded_at + dt.timedelta(minutes=1))
    assert [w.kind for w in raised] == [WarningKind.spike]
    assert "安平县" in raised[0].summary and raised[0].count >= 5


def test_demo_orders_spread_over_past_months(demo_db, demo):
    registered = [clock.as_aware(at) for at in demo_db.scalars(select(WorkOrder.registered_at))]
    months = {at.astimezone(clock.CST).strftime("%Y-%m") for at in registered}
    assert len(registered) > 300 and len(months) >= 4
    from hotline.org.models import Channel

    typed = [clock.as_aware(at) for at in demo_db.scalars(  # the board's messages are imported at load
        select(WorkOrder.registered_at).join(Channel, Channel.id == WorkOrder.channel_id)
        .where(Channel.code != "leader_board"))]
    in_last_hour = [at for at in typed if at > demo.loaded_at - dt.timedelta(hours=1)]
    assert len(in_last_hour) < 20  # the planted spike and the few sample orders, not the history
    closed = demo_db.scalars(select(WorkOrder).where(WorkOrder.closed_at.is_not(None))).all()
    assert len(closed) > 200
    assert all(clock.as_aware(o.closed_at) >= clock.as_aware(o.registered_at) for o in closed)  # type: ignore[arg-type]


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def test_each_demo_reply_answers_its_own_order(demo_db):
    """A reply shares words with its own order's subject (the sample 新房墙体开裂 once carried
    the property-fee reply of another order)."""
    rows = demo_db.execute(select(WorkOrder.number, WorkOrder.title, WorkOrder.content, Reply.text)
                           .join(Reply, Reply.work_order_id == WorkOrder.id)).all()
    assert len(rows) > 100
    cracked = [text for _n, title, _c, text in rows if title == "新房墙体开裂"]
    assert cracked and all("开裂" in text for text in cracked)
    foreign = [(number, title, text) for number, title, content, text in rows
               if not _bigrams(f"{title}{content}") & _bigrams(text)]
    assert foreign == []


def test_every_demo_unit_and_supervisor_has_a_contact_phone(demo_db):
    units = demo_db.scalars(select(Unit)).all()
    assert len(units) > 300
    assert [u.code for u in units if not u.contact_phone] == []
    assert len({u.contact_phone for u in units}) == len(units)
    supervisors = demo_db.scalars(select(User).where(User.role == Role.centre_supervisor)).all()
    assert supervisors and all(u.phone and u.phone.startswith("1370000") for u in supervisors)


def test_the_demo_has_coordinates_open311_services_and_a_working_key(demo_db):
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import sessionmaker

    from hotline.app import create_app
    from hotline.config import get_settings
    from hotline.demo.open311 import issue_demo_key
    from hotline.intelligence.models import PlaceName
    from hotline.org.models import Region

    assert demo_db.scalar(select(Region.id).where(Region.latitude.is_(None))) is None
    assert demo_db.scalar(select(PlaceName.id).where(PlaceName.latitude.is_(None))) is None
    key = issue_demo_key(demo_db)
    again = issue_demo_key(demo_db)  # a new start: the earlier key is revoked
    demo_db.commit()
    factory = sessionmaker(bind=demo_db.connection(), join_transaction_mode="create_savepoint",
                           expire_on_commit=False)
    with TestClient(create_app(get_settings(), session_factory=factory)) as client:
        services = client.get("/open311/v2/services.json").json()
        assert len(services) >= 10 and sum(s["metadata"] for s in services) >= 2
        facilities = next(s for s in services if s["service_name"] == "城市公共设施")
        assert client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "x"}).status_code == 403
        answer = client.post("/open311/v2/requests.json", data={
            "api_key": again, "service_code": facilities["service_code"], "attribute[FACILITY]": "lamp",
            "lat": "30.683", "long": "104.103", "description": "幸福路路灯不亮"})
        assert answer.status_code == 200, answer.text
        number = answer.json()[0]["service_request_id"]
    order = demo_db.execute(select(WorkOrder).where(WorkOrder.number == number)).scalar_one()
    assert order.region is not None and order.region.code.startswith("990102")
    assert order.channel.code == "city_app"


def test_the_demo_board_holds_imported_messages_merged_across_channels_and_a_reply_to_send(demo_db):
    from hotline.channels.boards import repository as board_repository
    from hotline.channels.boards import service as board_service
    from hotline.channels.boards.models import BoardImport, BoardMessage
    from hotline.workorder import repository as wo_repository

    board, _ = board_repository.board_by_code(demo_db, "leader_board")  # type: ignore[misc]
    messages = demo_db.scalars(select(BoardMessage).where(BoardMessage.board_id == board.id)).all()
    assert len(messages) >= 15 and all(m.work_order_id for m in messages)
    run = demo_db.scalars(select(BoardImport).where(BoardImport.board_id == board.id)).one()
    assert run.skipped == 1 and run.merged >= 2
    corridor = next(m for m in messages if "楼道" in m.subject)
    assert corridor.merged_into_number is not None  # the phone order of the same corridor
    sources = wo_repository.sources_of(demo_db, wo_repository.by_number(demo_db, corridor.merged_into_number).id)
    assert {s.channel_code for s in sources} == {"phone", "leader_board"}
    assert [r[0] for r in board_service.reply_rows(demo_db, board, since=None)] == \
        [next(m.ref for m in messages if "墙体开裂" in m.subject)]
