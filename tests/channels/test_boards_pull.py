"""The pull adapter against a small fake board that the test starts on 127.0.0.1: pages read
from the kept cursor, a failing request retried with back-off, a failing run tried again later,
a page seen again changing nothing but likes."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from hotline.channels.boards import pull, service
from hotline.channels.boards.models import Board, BoardImport, BoardMessage
from hotline.kit import clock, jobs
from hotline.kit.errors import Forbidden, InvalidInput
from hotline.workorder.models import OrderSource, WorkOrder
from tests.channels.boards_helpers import make_board

FIELD_MAP = {"ref": "msg_id", "user": "author.uid", "subject": "title", "posted_at": "created", "text": "body",
             "likes": "stats.up", "dislikes": "stats.down", "items": "data.list", "next_cursor": "data.next",
             "cursor_param": "after", "limit_param": "size"}


class FakeBoard:
    """A board's JSON API: ``GET /api/messages?after=<cursor>&size=<n>`` pages through its
    messages; ``fail_next`` requests answer 503 first."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.fail_next = 0
        self.requests: list[str] = []
        board = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                board.requests.append(self.path)
                if board.fail_next > 0:
                    board.fail_next -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                query = parse_qs(urlsplit(self.path).query)
                after = int(query.get("after", ["0"])[0])
                size = int(query.get("size", ["200"])[0])
                page = board.messages[after:after + min(size, 2)]  # two a page: several pages
                body = {"data": {"list": page, "next": str(after + len(page)) if page else None}}
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, ref: str, title: str, body: str, up: int = 0) -> None:
        self.messages.append({"msg_id": ref, "author": {"uid": f"u{ref}"}, "title": title, "body": body,
                              "created": "2024-05-01 10:00:00", "stats": {"up": up, "down": 0}})


@pytest.fixture
def fake_board() -> Iterator[FakeBoard]:
    fake = FakeBoard()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _configured(db, world, url):  # type: ignore[no-untyped-def]
    board = make_board(db, world)
    service.configure_pull(db, world.p("admin"), board, url=url, interval_seconds=300, field_map=FIELD_MAP,
                           enabled=True)
    db.flush()
    return board


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def test_pull_reads_every_page_keeps_the_cursor_and_a_second_run_only_refreshes(db, world, factory, fake_board):
    for n in range(5):
        fake_board.add(f"P{n}", f"第{n}条留言", f"云岭市云中区第{n}号路口的红绿灯时间太短，行人过不去。", up=n)
    board = _configured(db, world, fake_board.url)
    orders = _count(db, WorkOrder)
    counts = pull.pull_board(factory, board.id, sleep=lambda s: None)
    assert (counts.read, counts.created + counts.merged, counts.rejected) == (5, 5, 0)
    assert _count(db, WorkOrder) == orders + 5
    db.expire_all()
    board = db.get(Board, board.id)
    assert board.pull_cursor == "5" and board.pull_failures == 0 and board.last_pulled_at is not None
    assert board.next_pull_at == board.last_pulled_at + dt.timedelta(seconds=300)
    message = db.execute(select(BoardMessage).where(BoardMessage.ref == "P3")).scalar_one()
    assert message.user_ref == "uP3" and message.likes == 3 and message.subject == "第3条留言"

    fake_board.messages[4]["stats"]["up"] = 99  # the board shows a new count
    fake_board.add("P5", "新留言", "云岭市松溪县松溪镇的自来水发黄有异味。")
    fake_board.requests.clear()
    counts = pull.pull_board(factory, board.id, sleep=lambda s: None)
    assert "after=5" in fake_board.requests[0]  # from the kept cursor
    assert (counts.read, counts.created + counts.merged) == (1, 1)
    board.pull_cursor = None  # a page seen again: nothing new, only counts
    db.flush()
    counts = pull.pull_board(factory, board.id, sleep=lambda s: None)
    assert (counts.created, counts.merged, counts.updated) == (0, 0, 1)
    assert _count(db, WorkOrder) == orders + 6
    db.expire_all()
    assert db.execute(select(BoardMessage.likes).where(BoardMessage.ref == "P4")).scalar_one() == 99


def test_a_failing_request_is_retried_with_back_off(db, world, factory, fake_board):
    fake_board.add("R1", "路灯", "云中区望江街道路灯不亮。")
    board = _configured(db, world, fake_board.url)
    fake_board.fail_next = 2
    waits: list[float] = []
    counts = pull.pull_board(factory, board.id, sleep=waits.append)
    assert waits == list(pull.RETRIES[:2]) and counts.created + counts.merged == 1


def test_a_run_that_still_fails_is_recorded_and_tried_again_later_each_time_later(db, world, factory, fake_board):
    board = _configured(db, world, fake_board.url)
    fake_board.fail_next = 100
    counts = pull.pull_board(factory, board.id, sleep=lambda s: None, retries=(0.1, 0.2))
    assert counts.rejected == 0 and "HTTP 503" in counts.errors[0]
    db.expire_all()
    board = db.get(Board, board.id)
    assert board.pull_failures == 1 and "HTTP 503" in board.last_error
    first_wait = board.next_pull_at - clock.now()
    pull.pull_board(factory, board.id, sleep=lambda s: None, retries=())
    db.expire_all()
    board = db.get(Board, board.id)
    assert board.pull_failures == 2 and board.next_pull_at - clock.now() > first_wait
    run = db.execute(select(BoardImport).where(BoardImport.source == "pull").order_by(BoardImport.id.desc())).scalars()
    assert next(iter(run)).status == "rejected"


def test_a_page_with_a_bad_message_imports_nothing_of_it_and_keeps_the_cursor(db, world, factory, fake_board):
    fake_board.add("G1", "好留言", "云中区望江街道路灯不亮。")
    fake_board.add("G2", "坏留言", "时间不对")
    fake_board.messages[1]["created"] = "不是时间"
    board = _configured(db, world, fake_board.url)
    counts = pull.pull_board(factory, board.id, sleep=lambda s: None)
    assert counts.rejected == 1 and counts.errors[0] == "第 2 条 留言时间: 无法识别的时间“不是时间”"
    assert _count(db, BoardMessage) == 0
    db.expire_all()
    assert db.get(Board, board.id).pull_cursor is None


def test_the_periodic_job_pulls_the_boards_that_are_due(db, world, factory, fake_board):
    from hotline.channels.boards import tasks

    fake_board.add("J1", "路灯", "云中区望江街道路灯不亮。")
    _configured(db, world, fake_board.url)
    assert jobs.PERIODIC[tasks.PULL_JOB] == dt.timedelta(minutes=1)
    jobs.LONG_HANDLERS[tasks.PULL_JOB](factory, {})
    assert _count(db, BoardMessage) == 1
    jobs.LONG_HANDLERS[tasks.PULL_JOB](factory, {})  # not due again before its interval
    assert len([r for r in fake_board.requests if "size=" in r]) == 2  # one run: a page and the empty end


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://board.example/x", "http://user:pw@board.example/",
                                 "http://169.254.169.254/latest/meta-data", "javascript:alert(1)", ""])
def test_only_an_http_url_without_credentials_may_be_pulled(url):
    with pytest.raises(InvalidInput):
        service.check_pull_url(url)


def test_only_the_province_administrator_configures_a_pull(db, world):
    board = make_board(db, world)
    with pytest.raises(Forbidden):
        service.configure_pull(db, world.p("dispatcher"), board, url="http://127.0.0.1:1/", interval_seconds=300,
                               field_map=None, enabled=True)


def test_a_pulled_messages_pictures_are_kept_as_links_read_against_the_pull_url(db, world, factory, fake_board):
    fake_board.add("G1", "路面塌陷", '云岭市云中区解放路路面塌陷<img src="/upload/g1-a.jpg">，很危险。')
    fake_board.messages[0]["pics"] = [{"url": "https://cdn.example.com/g1-b.jpg"}, "javascript:alert(1)"]
    board = make_board(db, world)
    service.configure_pull(db, world.p("admin"), board, url=fake_board.url, interval_seconds=300,
                           field_map={**FIELD_MAP, "pictures": "pics"}, enabled=True)
    db.commit()
    pull.pull_board(factory, board.id, sleep=lambda s: None)
    db.expire_all()
    order_id = db.execute(select(BoardMessage.work_order_id).where(BoardMessage.ref == "G1")).scalar_one()
    links = db.execute(select(OrderSource.links).where(OrderSource.work_order_id == order_id)).scalar_one()
    host = fake_board.url.split("/api/")[0]
    assert links == [f"{host}/upload/g1-a.jpg", "https://cdn.example.com/g1-b.jpg"]
    assert not [r for r in fake_board.requests if "upload" in r]  # kept as links: never fetched
