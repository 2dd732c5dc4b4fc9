"""The statistics workbench against hand counts: the table's figures, the drill-down lists
behind each figure, the scope of each role, the Excel files and the API's refusals."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.analytics.measures import MEASURES
from hotline.audit.models import AuditEvent
from hotline.org import repository as org_repository

NOVEMBER = {"period": "month", "date": "2026-11-15"}


def table(client, **params):  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/statistics?" + urlencode({**NOVEMBER, **params}, doseq=True))
    assert response.status_code == 200, response.text
    return response.json()


def value(row, measure="received"):  # type: ignore[no-untyped-def]
    return next(c["value"] for c in row["cells"] if c["measure"] == measure)


def all_orders(client, **params) -> tuple[list[str], int | None]:  # type: ignore[no-untyped-def]
    """Every order behind a cell, page by page (keyset), and the total the API reports."""
    numbers: list[str] = []
    after, total = None, None
    for _ in range(100):
        query = {**NOVEMBER, **params, "limit": 2}
        if after:
            query["after"] = after
        response = client.get("/api/v1/statistics/orders?" + urlencode(query, doseq=True))
        assert response.status_code == 200, response.text
        body = response.json()
        total = body["total"]
        numbers += [o["number"] for o in body["orders"]]
        after = body["next_after"]
        if not after:
            break
    return numbers, total


def test_the_centre_sees_hand_counted_totals_with_comparisons(api, placed, at_now):
    t = table(api("dispatcher"), measure=["received", "dispatched", "handled"], dimension="")
    assert value(t["total"]) == len(placed.orders) == 7
    assert value(t["total"], "dispatched") == placed.count(dispatched=True)
    assert value(t["total"], "handled") == placed.count(closed=True)
    received = t["total"]["cells"][0]
    assert received["previous"] == 1 and received["last_year"] == 1  # one in October, one in November 2025
    assert received["mom"]["direction"] == "up" and received["mom"]["value"] == pytest.approx(600.0)


def channel_key(db, code: str) -> str:  # type: ignore[no-untyped-def]
    channel = org_repository.channel_by_code(db, code)
    assert channel is not None
    return str(channel.id)


def test_rows_by_channel_and_enterprise_match_hand_counts(api, db, placed, at_now):
    by_channel = table(api("dispatcher"), measure="received", dimension="channel")
    counted = {r["key"]: value(r) for r in by_channel["rows"]}
    assert counted == {channel_key(db, c): placed.count(channel=c) for c in ("phone", "web", "mobile")}
    assert sum(counted.values()) == value(by_channel["total"])
    enterprise_only = table(api("dispatcher"), measure="received", dimension="", enterprise="1")
    assert value(enterprise_only["total"]) == placed.count(enterprise=True) == 2


def test_every_figure_drills_down_to_exactly_its_orders(api, db, placed, at_now):
    client = api("dispatcher")
    t = table(client, measure=["received", "handled"], dimension="channel")
    for row in [*t["rows"], t["total"]]:
        for measure in ("received", "handled"):
            key = "*" if row["key"] is None else row["key"]
            numbers, total = all_orders(client, dimension="channel", key=key, measure=measure)
            assert total == value(row, measure) == len(numbers) == len(set(numbers)), (row["label"], measure)
    phone, _ = all_orders(client, dimension="channel", key=channel_key(db, "phone"), measure="received")
    assert set(phone) == {o.number for o in placed.orders if o.channel == "phone"}


def test_a_unit_sees_only_the_orders_it_was_given(api, placed, at_now):
    mine = table(api("handler"), measure="received", dimension="")
    assert value(mine["total"]) == placed.count(dispatched=True) == 4
    numbers, total = all_orders(api("handler"), dimension="", measure="received")
    assert set(numbers) == {o.number for o in placed.orders if o.dispatched} and total == 4
    assert value(table(api("other_handler"), measure="received", dimension="")["total"]) == 0
    page = api("handler").get("/statistics?" + urlencode({**NOVEMBER, "dimension": "", "measure": "received"}))
    assert page.status_code == 200 and "本单位承办的工单" in page.text


def test_a_sector_viewer_sees_its_sector_only(api, placed, at_now):
    # the sector viewer of the 生态环境厅 covers 环境保护 (02): the noise orders
    t = table(api("sector"), measure="received", dimension="")
    assert value(t["total"]) == placed.count(category="noise") == 2


@pytest.mark.parametrize("role", ["agent", "dispatcher", "supervisor", "handler", "manager", "sector"])
def test_the_page_renders_for_every_role_that_reads_orders(api, placed, at_now, role):
    page = api(role).get("/statistics?" + urlencode({**NOVEMBER, "dimension": "category", "level": "1"}))
    assert page.status_code == 200
    assert 'id="wb-table"' in page.text and 'data-chart="wb-trend"' in page.text and "统计分析" in page.text


def test_the_page_links_each_figure_to_its_orders_and_the_list_links_each_order(api, db, placed, at_now):
    client = api("dispatcher")
    page = client.get("/statistics?" + urlencode({**NOVEMBER, "dimension": "channel", "measure": "received"}))
    assert "/statistics/orders?" in page.text and "cell=received" in page.text
    listing = client.get("/statistics/orders?" + urlencode({**NOVEMBER, "dimension": "channel",
                                                             "measure": "received", "key": channel_key(db, "web"),
                                                             "cell": "received"}))
    assert listing.status_code == 200
    assert f'id="wb-orders-total">{placed.count(channel="web")}<' in listing.text
    for o in placed.orders:
        assert (f'href="/orders/{o.number}"' in listing.text) is (o.channel == "web")


def test_the_list_pages_by_keyset(api, placed, at_now):
    client = api("dispatcher")
    first = client.get("/statistics/orders?" + urlencode({**NOVEMBER, "dimension": "", "cell": "received"}))
    assert first.status_code == 200 and "下一页" not in first.text  # seven orders fit one page
    numbers, total = all_orders(client, dimension="", measure="received")
    assert total == 7 and len(numbers) == 7


def test_the_table_exports_with_its_filters_in_the_header(api, db, placed, at_now):
    client = api("dispatcher")
    response = client.get("/statistics/export.xlsx?" + urlencode({**NOVEMBER, "dimension": "channel",
                                                                  "measure": ["received", "handled"],
                                                                  "enterprise": "0"}, doseq=True))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    header = {r[0]: r[1] for r in rows[:8]}
    assert header["统计周期"].startswith("2026年11月")
    assert "群众" in header["筛选条件"] and "渠道" in header["统计维度"]
    assert "dispatcher" in header["生成人"] and header["数据范围"] and header["生成时间"]
    columns = next(r for r in rows if r and r[0] == "渠道")
    label = MEASURES["received"].label
    assert columns[1:6] == [label, f"{label}·上期", f"{label}·环比", f"{label}·去年同期", f"{label}·同比"]
    data = {r[0]: r[1] for r in rows[rows.index(columns) + 1:]}
    assert data["合计"] == placed.count(enterprise=False) == 5
    audited = db.scalars(select(AuditEvent).where(AuditEvent.action == "statistics.exported")).all()
    assert len(audited) == 1


def test_the_order_list_exports_without_personal_data(api, db, placed, at_now):
    response = api("handler").get("/statistics/orders/export.xlsx?" + urlencode(
        {**NOVEMBER, "dimension": "", "cell": "received"}))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert any(r[0] == "单元格" and "（4 件）" in r[1] for r in rows if r)
    start = next(i for i, r in enumerate(rows) if r and r[0] == "工单号")
    listed = rows[start + 1:]
    assert {r[0] for r in listed} == {o.number for o in placed.orders if o.dispatched}
    text = repr(listed)
    assert "13912345678" not in text and "1390000" not in text
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "statistics.orders_exported")).first()


@pytest.mark.parametrize(("params", "field"), [
    ({"measure": "nonsense"}, "measure"),
    ({"dimension": "weather"}, "dimension"),
    ({"dimension": "category", "level": "9"}, "level"),
    ({"dimension": "channel", "level": "x"}, None),  # a level on a flat dimension is ignored
    ({"period": "fortnight"}, "period"),
    ({"period": "month", "date": "2026-13-01"}, "date"),
    ({"period": "month", "date": "yesterday"}, "date"),
    ({"period": "custom", "from": "2026-11-30", "to": "2026-11-01"}, "to"),
    ({"period": "custom", "to": "2026-11-01"}, "from"),
    ({"period": "custom", "from": "2020-01-01", "to": "2026-11-01"}, "to"),
    ({"enterprise": "maybe"}, "enterprise"),
    ({"region": "12"}, "region"),
    ({"category": "9999"}, "category"),
    ({"channel": "pigeon"}, "channel"),
])
def test_bad_queries_are_422_naming_the_field(api, params, field):
    response = api("dispatcher").get("/api/v1/statistics?" + urlencode(params))
    if field is None:
        assert response.status_code == 200
        return
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and response.json()["reason"]


def test_bad_drill_downs_are_422(api):
    client = api("dispatcher")
    assert client.get("/api/v1/statistics/orders").status_code == 422
    bad = client.get("/api/v1/statistics/orders?measure=nonsense")
    assert bad.status_code == 422 and bad.json()["field"] == "measure"
    assert client.get("/api/v1/statistics/orders?measure=received&after=%00%00").status_code == 422
    assert client.get("/api/v1/statistics/orders?measure=received&limit=100000").status_code == 422


def test_a_refused_page_query_shows_the_reason(api, placed, at_now):
    page = api("dispatcher").get("/statistics?period=fortnight")
    assert page.status_code == 422 and "统计周期应为" in page.text


def test_roles_that_read_no_orders_are_refused(api):
    for role in ("admin", "auditor", "pbx"):
        assert api(role).get("/api/v1/statistics").status_code == 403
        assert api(role).get("/statistics").status_code == 403


def test_the_ledger_figures_of_the_period_link_to_their_orders(api, db, placed, at_now):
    from sqlalchemy import select

    from hotline.supervision.models import LedgerEntry, LedgerKind
    from hotline.workorder.models import WorkOrder

    enterprise = next(o for o in placed.orders if o.enterprise)
    order = db.execute(select(WorkOrder).where(WorkOrder.number == enterprise.number)).scalar_one()
    db.add(LedgerEntry(kind=LedgerKind.buck_passing, work_order_id=order.id, unit_id=order.lead_unit_id,
                       centre_unit_id=order.centre_unit_id, region_id=order.region_id,
                       category_id=order.category_id, entered_at=order.registered_at, reason="两次退单"))
    db.commit()
    client = api("supervisor")
    page = client.get("/statistics?" + urlencode({**NOVEMBER, "enterprise": "1"}))
    assert 'id="wb-ledgers"' in page.text and "推诿扯皮台账 1 件" in page.text and "（市场主体诉求）" in page.text
    listing = client.get("/statistics/orders?" + urlencode({**NOVEMBER, "enterprise": "1", "key": "*",
                                                             "cell": "ledger_buck_passing"}))
    assert listing.status_code == 200
    assert f'href="/orders/{enterprise.number}"' in listing.text
    assert 'id="wb-orders-total">1<' in listing.text
