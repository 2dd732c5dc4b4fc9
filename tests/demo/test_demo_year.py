"""The demo's year of orders looks like a real centre's year for the statistics workbench:
thousands of orders over twelve months, spread over subjects, places, channels and appeal
types, about one in ten from an enterprise, with returns, re-handling, merges, late replies
and every verdict — and the workbench shows it."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder

DEMO_YEAR_ORDERS = None  # the demo's own year, as `hotline demo` loads it


def test_the_demo_holds_a_year_of_varied_orders(demo_db, demo):
    rows = demo_db.execute(select(WorkOrder.registered_at, WorkOrder.channel_id, WorkOrder.appeal_type,
                                  WorkOrder.is_enterprise, WorkOrder.status, WorkOrder.region_id,
                                  WorkOrder.category_id, WorkOrder.urgency)).all()
    assert len(rows) >= 1800
    months = Counter(clock.as_aware(r[0]).astimezone(clock.CST).strftime("%Y-%m") for r in rows)
    this_month = demo.loaded_at.strftime("%Y-%m")  # only its first days have passed
    assert len(months) >= 12 and min(n for m, n in months.items() if m != this_month) > 60
    assert len({r[1] for r in rows}) >= 6 and len({r[2] for r in rows}) == 6
    enterprise = sum(1 for r in rows if r[3]) / len(rows)
    assert 0.05 < enterprise < 0.15
    statuses = Counter(r[4] for r in rows)
    assert statuses[Status.closed] > len(rows) / 2
    merged = demo_db.scalar(select(func.count()).where(WorkOrder.merged_into_id.is_not(None)))
    assert merged > 20
    assert len({r[5] for r in rows}) >= 30 and len({r[6] for r in rows}) >= 15 and len({r[7] for r in rows}) == 3
    returned, rehandled = demo_db.execute(select(func.count().filter(WorkOrder.return_count > 0),
                                                 func.count().filter(WorkOrder.rehandle_count > 0))).one()
    assert returned > 50 and rehandled > 50
    late = demo_db.scalar(select(func.count()).where(WorkOrder.replied_at > WorkOrder.due_at))
    assert late > 50


def test_the_workbench_shows_the_year(demo_db, demo):
    import datetime as dt

    from hotline.analytics import workbench

    user = auth_repository.user_by_username(demo_db, "dispatcher")
    assert user is not None
    import time_machine

    with time_machine.travel(demo.loaded_at, tick=False):
        from hotline.demo.year import refresh_statistics

        refresh_statistics(demo_db)
        state = workbench.parse_state({"period": "year", "date": (demo.loaded_at - dt.timedelta(days=1)).date()
                                       .isoformat(), "dimension": "channel", "measure": ["received", "handled"]})
        wb = workbench.build(demo_db, Principal.of(user), state)
    assert wb.total.cells[0].value > 1000 and len(wb.lines) >= 6
    assert len(wb.trend["labels"]) == 12 and all(v and v > 0 for v in wb.trend["series"][0]["data"])
