"""The statistics against hand counts: every measure, dimension, period comparison, the cube
against the orders themselves, drill-down totals equal to the cell, and scoping."""

import dataclasses

import pytest

import hotline.models  # noqa: F401 - every table mapped (the ledger refers to policy documents)
from hotline.analytics import service
from hotline.analytics.measures import MEASURES
from hotline.analytics.periods import custom, period
from hotline.analytics.service import Scope, StatQuery
from hotline.kit.errors import Forbidden, InvalidInput
from hotline.workorder import service as wo
from hotline.workorder.models import ReplyResult, Verdict
from tests.supervision.helpers import closed, cst, new_order

NOV = period("month", "2026-11")


def refresh(db):
    db.commit()  # the audit rows (events) are appended at commit
    while service.refresh(db):
        pass
    db.commit()


@pytest.fixture
def orders(db, world, travel):
    """November 2026: 2 closed (satisfied, dissatisfied), 1 dispatched enterprise, 1 answered on
    the spot, 1 in 云岭 (another city's region, same centre) waiting; October: 2 orders; November
    2025: 1 order. A sector viewer of 环境保护 sees only the noise order."""
    travel.move_to(cst(2025, 11, 20))
    new_order(db, world)
    travel.move_to(cst(2026, 10, 8))
    new_order(db, world)
    closed(db, world)
    travel.move_to(cst(2026, 11, 9, 9))
    a = closed(db, world)
    b = closed(db, world, verdict=Verdict.dissatisfied, appeal_type="help")
    c, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="企业用电报装迟缓", content="公司新厂房报装三个月未通电",
        phone="13911113333", category_code=world.categories["lamp"], region_code="990102001",
        is_enterprise=True, enterprise_name="青川新材料有限公司", uscc="91350100M000100Y43"))
    wo.dispatch(db, world.p("dispatcher"), c, lead_unit_id=world.units["990100-zj"])
    d, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="consultation", title="咨询公积金提取", content="公积金提取需要什么材料",
        phone="13911114444", answer="携带身份证和购房合同到公积金中心办理"))
    e, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="夜间施工噪声", content="云中区工地夜间施工",
        phone="13911115555", category_code=world.categories["noise"], region_code="990202"))
    travel.move_to(cst(2026, 12, 1, 9))
    refresh(db)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def query(**kw):
    return StatQuery(period=NOV, **kw)


def test_totals_match_a_hand_count(db, world, orders):
    table = service.statistics(db, Scope.of(world.p("supervisor")), query())
    v = table.total.values
    assert v["received"] == 5
    assert v["answered_on_spot"] == 1
    assert v["dispatched"] == 3
    assert v["handled"] == 2  # a and the order answered on the spot; b went back for re-handling
    assert v["handling_rate"] == pytest.approx(2 / 5)
    assert v["rehandled"] == 1
    assert v["rated"] == 1 and v["satisfied"] == 1  # a final verdict only: b's first one sent it back
    assert v["satisfaction_rate"] == pytest.approx(1.0)
    assert v["on_time"] == 2 and v["overdue"] == 0
    assert v["enterprise"] == 1
    assert v["dispatch_minutes"] == pytest.approx(0.0, abs=0.1)
    assert table.total.previous is not None and table.total.previous["received"] == 2
    assert table.total.previous["handled"] == 1
    assert table.total.last_year is not None and table.total.last_year["received"] == 1
    assert table.rows == []


def test_rows_by_each_dimension_sum_to_the_total(db, world, orders):
    scope = Scope.of(world.p("supervisor"))
    for dimension in ("appeal_type", "category", "region", "channel", "lead_unit", "enterprise", "urgency"):
        table = service.statistics(db, scope, query(dimension=dimension))
        assert sum(r.values["received"] for r in table.rows) == 5, dimension
        assert sum(r.values["handled"] for r in table.rows) == 2, dimension
    by_type = {r.key: r.values["received"] for r in service.statistics(db, scope, query(dimension="appeal_type")).rows}
    assert by_type == {"complaint": 3, "help": 1, "consultation": 1}
    by_ent = {r.key: r.values["received"] for r in service.statistics(db, scope, query(dimension="enterprise")).rows}
    assert by_ent == {"1": 1, "0": 4}
    by_unit = {r.label: r.values["received"] for r in service.statistics(db, scope, query(dimension="lead_unit")).rows}
    assert by_unit == {"青川市住建局": 3, "未派单": 2}


def test_tree_dimensions_roll_up_to_the_level_asked(db, world, orders):
    scope = Scope.of(world.p("supervisor"))
    top = {r.label: r.values["received"] for r in service.statistics(db, scope, query(dimension="category")).rows}
    assert top == {"城乡建设": 3, "环境保护": 1, "未分类": 1}
    leaves = {r.label: r.values["received"]
              for r in service.statistics(db, scope, query(dimension="category", level=3)).rows}
    assert leaves["路灯"] == 3
    cities = {r.label: r.values["received"]
              for r in service.statistics(db, scope, query(dimension="region", level=2)).rows}
    assert cities == {"青川市": 3, "云岭市": 1, "未填写区域": 1}
    # an order placed at a county stays itself when asked by township
    towns = {r.label: r.values["received"]
             for r in service.statistics(db, scope, query(dimension="region", level=4)).rows}
    assert towns == {"东华街道": 3, "云中区": 1, "未填写区域": 1}


def test_the_cube_and_the_orders_give_the_same_figures(db, world, orders):
    cube = Scope.of(world.p("supervisor"))
    by_orders = Scope(label="same", principal=world.p("supervisor"))  # read through order_scope
    province = Scope.region(db, "990000")
    assert service._uses_cube(db, cube, query()) and service._uses_cube(db, province, query())
    assert not service._uses_cube(db, by_orders, query())
    for p in (NOV, custom("2026-10-05", "2026-11-09"), period("year", "2026"), period("week", "2026-11-09")):
        for dimension in (None, "appeal_type", "category", "region", "enterprise", "urgency"):
            q = StatQuery(period=p, dimension=dimension)
            a, b = service.statistics(db, cube, q), service.statistics(db, by_orders, q)
            assert a.total.values == b.total.values, (p, dimension)
            assert a.total.previous == b.total.previous and a.total.last_year == b.total.last_year
            assert {r.key: r.values for r in a.rows} == {r.key: r.values for r in b.rows}, (p, dimension)
            assert service.statistics(db, province, q).total.values == a.total.values  # one centre owns them all


def test_the_category_county_pairs_and_the_orders_give_the_same_figures(db, world, orders, monkeypatch):
    """A provincial sector viewer's and a category filter's tables by region come from the pairs
    down to counties; the same tables read from the orders give the same figures."""
    from sqlalchemy import text

    urban = db.execute(text("select id from category where code = :c"), {"c": world.categories["urban"]}).scalar()
    noise = db.execute(text("select id from category where code = :c"), {"c": world.categories["noise"]}).scalar()
    sector, centre = Scope.of(world.p("sector")), Scope.of(world.p("supervisor"))
    cases = [(sector, {}), (sector, {"category_id": noise}), (centre, {"category_id": urban}),
             (centre, {"category_id": noise, "enterprise": False}),
             (centre, {"category_id": urban, "enterprise": True})]
    periods = (NOV, custom("2026-10-05", "2026-11-09"), period("year", "2026"), period("week", "2026-11-09"))
    tables = {}
    for scope, filters in cases:
        for p in periods:
            for level in (1, 2, 3):
                q = StatQuery(period=p, dimension="region", level=level, **filters)
                assert service._pair_categories(db, scope, q) is not None
                tables[scope.label, tuple(filters.items()), p, level] = service.statistics(db, scope, q)
        township = StatQuery(period=NOV, dimension="region", level=4, **filters)
        assert service._pair_categories(db, scope, township) is None  # townships: from the orders
    assert service._pair_categories(db, centre, query(dimension="region")) is None  # no category: the cube
    assert service._pair_categories(db, centre, query(dimension="region", category_id=urban, channel_id=1)) is None
    urban_3 = tables[centre.label, (("category_id", urban),), NOV, 3]
    assert urban_3.total.values["received"] == 3 and urban_3.as_of is not None
    assert {r.label for r in urban_3.rows} == {"东城区"}
    for row in urban_3.rows:  # the list behind a cell of the pairs has as many orders as the cell says
        page = service.drill_down(db, centre, StatQuery(period=NOV, dimension="region", level=3, category_id=urban),
                                  row.key, "received")
        assert page.count == row.counts["received"] == len(page.items) == 3

    monkeypatch.setattr(service, "_pair_categories", lambda *a: None)  # the same tables, read from the orders
    for (label, filters, p, level), table in tables.items():
        scope = sector if label == sector.label else centre
        by_orders = service.statistics(db, scope, StatQuery(period=p, dimension="region", level=level, **dict(filters)))
        assert table.total.values == by_orders.total.values, (label, filters, p, level)
        assert table.total.previous == by_orders.total.previous and table.total.last_year == by_orders.total.last_year
        assert {r.key: (r.label, r.values, r.previous) for r in table.rows} == {
            r.key: (r.label, r.values, r.previous) for r in by_orders.rows}, (label, filters, p, level)


def test_filters(db, world, orders):
    scope = Scope.of(world.p("supervisor"))
    ent = service.statistics(db, scope, query(enterprise=True, dimension="region", level=4))
    assert ent.total.values["received"] == 1 and [r.label for r in ent.rows] == ["东华街道"]
    lamp = db.execute(__import__("sqlalchemy").text("select id from category where code = :c"),
                      {"c": world.categories["urban"]}).scalar()
    urban = service.statistics(db, scope, query(category_id=lamp, dimension="appeal_type"))
    assert urban.total.values["received"] == 3
    own = service.statistics(db, scope, query(category_id=lamp, dimension="category"))  # the cube, keys filtered
    assert own.total.values["received"] == 3
    qc = service.statistics(db, scope, query(region_code="990100", dimension="channel"))
    assert qc.total.values["received"] == 3


def test_drill_down_totals_equal_the_cell(db, world, orders):
    scope = Scope.of(world.p("supervisor"))
    for dimension in (None, "appeal_type", "region", "category", "enterprise", "lead_unit"):
        q = query(dimension=dimension)
        table = service.statistics(db, scope, q)
        for row in [*table.rows, table.total]:
            for measure in ("received", "handled", "satisfied", "dispatched", "answered_on_spot", "satisfaction_rate"):
                page = service.drill_down(db, scope, q, None if row.key == "*" else row.key, measure, limit=2)
                counted = MEASURES[measure].parts[0] if MEASURES[measure].kind == "rate" else measure
                assert page.count == row.counts[counted], (dimension, row.label, measure)
                seen, after = len(page.items), page.next_after
                while after is not None:
                    more = service.drill_down(db, scope, q, None if row.key == "*" else row.key, measure,
                                              after=after, limit=2)
                    seen, after = seen + len(more.items), more.next_after
                assert seen == page.count


def test_a_unit_and_a_sector_viewer_see_their_own_orders_only(db, world, orders):
    unit = service.statistics(db, Scope.of(world.p("handler")), query(dimension="lead_unit"))
    assert unit.total.values["received"] == 3  # a, b and c were dispatched to the housing bureau
    assert [r.label for r in unit.rows] == ["青川市住建局"]
    sector = service.statistics(db, Scope.of(world.p("sector")), query(dimension="category"))
    assert sector.total.values["received"] == 1 and sector.rows[0].label == "环境保护"
    # the provincial sector viewer's totals and categories come from the cube, its regions from the orders
    sector_scope = Scope.of(world.p("sector"))
    assert service._uses_cube(db, sector_scope, query(dimension="category"))
    assert not service._uses_cube(db, sector_scope, query(dimension="region"))  # the category × county pairs
    assert service._pair_categories(db, sector_scope, query(dimension="region")) is not None
    by_region = service.statistics(db, sector_scope, query(dimension="region"))
    assert by_region.total.values == sector.total.values
    assert service.statistics(db, sector_scope, query()).total.values == sector.total.values
    county = Scope(label="东城区工作站", prefix="990102")  # a workstation's own orders: none here
    assert service.statistics(db, county, query()).total.values["received"] == 0
    other = service.statistics(db, Scope.of(world.p("other_handler")), query())
    assert other.total.values["received"] == 0
    page = service.drill_down(db, Scope.of(world.p("handler")), query(), None, "received")
    assert {i.number for i in page.items} == {orders[k].number for k in "abc"}
    with pytest.raises(Forbidden):
        Scope.of(world.p("auditor"))


def test_refresh_follows_later_changes(db, world, orders, travel):
    scope = Scope.of(world.p("supervisor"))
    before = service.statistics(db, scope, query()).total.values
    assert before["handled"] == 2
    travel.move_to(cst(2026, 12, 2, 9))
    c = orders["c"]
    wo.sign(db, world.p("handler"), c)
    wo.reply(db, world.p("handler"), c, result=ReplyResult.resolved, text="已协调供电公司完成报装")
    wo.review_reply(db, world.p("dispatcher"), c, accept=True)
    wo.record_callback(db, world.p("agent"), c, reached=True, resolved=True, verdict=Verdict.satisfied)
    refresh(db)
    after = service.statistics(db, scope, query()).total.values
    assert after["handled"] == 3 and after["satisfied"] == 2 and after["received"] == 5


def test_bad_queries_are_422(db, world, orders):
    scope = Scope.of(world.p("supervisor"))
    for bad, field in ((query(dimension="colour"), "dimension"), (query(dimension="channel", level=2), "level"),
                       (query(urgency="soon"), "urgency"), (query(region_code="123"), "region_code")):
        with pytest.raises(InvalidInput) as caught:
            service.statistics(db, scope, dataclasses.replace(bad, dimension=bad.dimension or "channel"))
        assert caught.value.field == field
    with pytest.raises(InvalidInput):
        service.drill_down(db, scope, query(), None, "colour")
    with pytest.raises(InvalidInput):
        service.drill_down(db, scope, query(dimension="region"), "99999999", "received")


def test_ledger_counts_of_the_period(db, world, orders):
    from hotline.supervision.models import LedgerEntry, LedgerKind

    for order, kind in ((orders["c"], LedgerKind.overdue), (orders["a"], LedgerKind.buck_passing)):
        db.add(LedgerEntry(kind=kind, work_order_id=order.id, unit_id=order.lead_unit_id,
                           centre_unit_id=order.centre_unit_id, region_id=order.region_id,
                           category_id=order.category_id, entered_at=order.registered_at, reason="测试"))
    db.flush()
    scope = Scope.of(world.p("supervisor"))
    assert service.ledger_counts(db, scope, query()) == {"overdue": 1, "buck_passing": 1}
    assert service.ledger_counts(db, scope, query(enterprise=True)) == {"overdue": 1}
    assert service.ledger_counts(db, Scope.of(world.p("other_handler")), query()) == {}
    assert service.ledger_counts(db, scope, StatQuery(period=period("month", "2026-10"))) == {}


def test_a_sector_viewer_does_not_count_orders_without_a_place(db, world, orders, travel):
    travel.move_to(cst(2026, 11, 20, 9))
    wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="噪声扰民", content="不愿透露具体位置的噪声投诉",
        phone="13911116666", category_code=world.categories["noise"]))
    refresh(db)
    sector_scope = Scope.of(world.p("sector"))
    assert service.statistics(db, sector_scope, query()).total.values["received"] == 1
    assert service.statistics(db, sector_scope, query(dimension="region")).total.values["received"] == 1
    assert service.statistics(db, Scope.of(world.p("supervisor")), query()).total.values["received"] == 6


def test_orders_on_a_ledger_drill_down_like_any_figure(db, world, orders):
    from hotline.supervision.models import LedgerEntry, LedgerKind

    c = orders["c"]
    db.add(LedgerEntry(kind=LedgerKind.overdue, work_order_id=c.id, unit_id=c.lead_unit_id,
                       centre_unit_id=c.centre_unit_id, region_id=c.region_id, category_id=c.category_id,
                       entered_at=c.registered_at, reason="测试"))
    db.flush()
    scope = Scope.of(world.p("supervisor"))
    page = service.drill_down(db, scope, query(enterprise=True), None, "ledger_overdue")
    assert page.count == 1 == service.ledger_counts(db, scope, query(enterprise=True))["overdue"]
    assert [i.number for i in page.items] == [c.number]
    assert service.drill_down(db, scope, query(), None, "ledger_perfunctory").count == 0
    assert service.drill_down(db, Scope.of(world.p("other_handler")), query(), None, "ledger_overdue").count == 0


def test_the_planner_statistics_job_samples_the_indexes(db, world, orders):
    """SQLite plans the drill-down and the unit scopes from sampled index statistics; the job
    writes them (PostgreSQL's autovacuum keeps its own: the job leaves it alone)."""
    from sqlalchemy import text

    from hotline.analytics import tasks

    sqlite = db.get_bind().dialect.name == "sqlite"
    if sqlite:
        db.execute(text("ANALYZE sqlite_schema"))  # the statistics table exists, empty
        db.execute(text("DELETE FROM sqlite_stat1"))
    tasks.planner_statistics(db, {})
    if sqlite:
        indexes = set(db.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'work_order'")).scalars())
        assert {"ix_work_order_category_registered", "ix_work_order_status"} <= indexes
    assert service.statistics(db, Scope.of(world.p("supervisor")), query()).total.values["received"] == 5
