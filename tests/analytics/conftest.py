"""A small, hand-countable set of orders for the workbench: November 2026 in the test world's
青川市, some from enterprises, dispatched to the city's 住建局, a few closed; one order in
October (环比) and one in November 2025 (同比)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from hotline.kit import clock
from hotline.workorder import service as wo_service
from hotline.workorder.models import ReplyResult, Verdict

NOV = dt.datetime(2026, 11, 10, 10, 0, tzinfo=clock.CST)
#: When the tests look at the figures: after November.
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=clock.CST)


@dataclass
class Placed:
    number: str
    category: str
    region: str
    channel: str
    enterprise: bool
    dispatched: bool
    closed: bool


@dataclass
class Fixture:
    orders: list[Placed]

    def count(self, **match: object) -> int:
        return sum(1 for o in self.orders if all(getattr(o, k) == v for k, v in match.items()))


# (category key, region, channel, enterprise, how far: 0 registered, 1 dispatched, 2 closed satisfied)
NOVEMBER = [
    ("lamp", "990102001", "phone", False, 2),
    ("lamp", "990102001", "phone", False, 1),
    ("lamp", "990102", "web", True, 2),
    ("street", "990102", "phone", False, 0),
    ("noise", "990102001", "mobile", False, 0),
    ("noise", "990102", "phone", True, 0),
    ("urban", "990100", "web", False, 1),
]


def refresh(db) -> None:  # type: ignore[no-untyped-def]
    """Fold the new events into the statistics cube (the events are appended at commit)."""
    from hotline.analytics import service

    db.commit()
    while service.refresh(db):
        pass
    db.commit()


def _place(db, world, at: dt.datetime, cat: str, region: str, channel: str, enterprise: bool,  # type: ignore[no-untyped-def]
           stage: int, n: int) -> Placed:
    with time_machine.travel(at + dt.timedelta(minutes=n * 7), tick=False):
        order, _ = wo_service.intake(db, world.p("agent"), wo_service.IntakeData(
            channel=channel, appeal_type="complaint", title=f"第{n}件诉求，联系电话13912345678",
            content="测试内容", phone=f"1390000{n:04d}", category_code=world.categories[cat], region_code=region,
            is_enterprise=enterprise, enterprise_name="青川测试有限公司" if enterprise else None,
            uscc="91110108MA0100000W" if enterprise else None))
        if stage >= 1:
            wo_service.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
        if stage >= 2:
            wo_service.sign(db, world.p("handler"), order)
            wo_service.reply(db, world.p("handler"), order, result=ReplyResult.resolved, text="已处理完毕。")
            wo_service.review_reply(db, world.p("dispatcher"), order, accept=True)
            wo_service.record_callback(db, world.p("agent"), order, reached=True, resolved=True,
                                       verdict=Verdict.satisfied)
    return Placed(order.number, cat, region, channel, enterprise, stage >= 1, stage >= 2)


@pytest.fixture
def placed(db, world) -> Fixture:  # type: ignore[no-untyped-def]
    orders = [_place(db, world, NOV, *row, n=i) for i, row in enumerate(NOVEMBER)]
    _place(db, world, dt.datetime(2026, 10, 12, 10, 0, tzinfo=clock.CST), "lamp", "990102001", "phone", False, 0,
           n=50)
    _place(db, world, dt.datetime(2025, 11, 12, 10, 0, tzinfo=clock.CST), "noise", "990102001", "phone", False, 0,
           n=51)
    refresh(db)
    return Fixture(orders)


@pytest.fixture
def at_now(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(NOW, tick=False)
