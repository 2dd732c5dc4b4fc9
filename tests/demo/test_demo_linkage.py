"""The demo's linkage: the emergency lines, each city's utility lines standing for its
utilities, and linkage records — one partial (the order stays on the clock), one full hand-over
closed when the line was done."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.integration.linkage import service
from hotline.integration.linkage.models import LinkageLine, LinkageRecord
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder


def test_the_demo_has_lines_records_and_statistics(demo_db, demo):
    lines = demo_db.scalars(select(LinkageLine)).all()
    water = [x for x in lines if x.service == "water" and x.region.code == "990100"]
    assert len(water) == 1 and water[0].unit is not None and water[0].unit.code == "990100-wat"
    assert {x.number for x in lines} >= {"110", "119", "120", "122", "95598", "96889"}
    records = demo_db.scalars(select(LinkageRecord).order_by(LinkageRecord.id)).all()
    assert [(r.scope, r.outcome) for r in records] == [("partial", "accepted"), ("full", "completed")]
    kept, handed = (demo_db.get(WorkOrder, r.work_order_id) for r in records)
    assert kept.status == Status.registered and handed.status == Status.closed
    supervisor = Principal.of(auth_repository.user_by_username(demo_db, "supervisor"))
    stats = service.stats(demo_db, supervisor, start=demo.loaded_at - dt.timedelta(days=1),
                          end=demo.loaded_at + dt.timedelta(days=1))
    assert stats.transfers == 2 and {x.number for x in stats.lines} == {"119", "120"}


def test_each_demo_start_issues_a_fresh_utility_key_that_reaches_the_water_companys_orders(demo_db):
    from hotline.auth import access
    from hotline.auth.service import principal_from_api_token
    from hotline.demo import linkage as demo_linkage

    first = demo_linkage.issue_demo_key(demo_db)
    second = demo_linkage.issue_demo_key(demo_db)
    admin = Principal.of(auth_repository.user_by_username(demo_db, "qc_admin"))
    keys = [k for k in service.list_keys(demo_db, admin) if k.name == demo_linkage.DEMO_KEY_NAME]
    assert [k.revoked_at is None for k in keys] == [True, False] and first != second
    utility = principal_from_api_token(demo_db, second)
    orders = demo_db.scalars(access.order_scope(utility, select(WorkOrder))).unique().all()
    assert "家里突然停水了" in {o.title for o in orders}
    assert {a.unit.code for o in orders for a in o.assignments if a.role.value == "lead"} == {"990100-wat"}
