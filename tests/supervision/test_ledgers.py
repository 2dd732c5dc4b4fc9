"""Ledgers through the API and the page: what lands on which ledger, scope, filters, export."""

import io

from openpyxl import load_workbook

from hotline.supervision import service
from hotline.workorder import service as wo
from tests.supervision.helpers import cst, dispatched, new_order, project


def test_an_overdue_order_and_a_landslide_report_are_on_their_ledgers(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    late = dispatched(db, world)
    slide = new_order(db, world, title="山体滑坡", content="村后山体滑坡，道路被埋")
    service.sweep_batch(db, cst(2026, 11, 24))
    project(db)

    rows = api("supervisor").get("/api/v1/ledgers").json()
    by_number = {r["number"]: r for r in rows}
    assert by_number[late.number]["kind"] == "overdue" and by_number[late.number]["unit"] == "青川市住建局"
    assert by_number[slide.number]["kind"] == "emergency" and "滑坡" in by_number[slide.number]["reason"]
    only = api("supervisor").get("/api/v1/ledgers", params={"kind": "emergency"}).json()
    assert [r["number"] for r in only] == [slide.number]


def test_a_unit_sees_only_its_own_orders_on_the_ledger(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    mine = dispatched(db, world)
    other = new_order(db, world, title="山体滑坡", content="山体滑坡")  # not dispatched to the unit
    service.sweep_batch(db, cst(2026, 11, 24))
    project(db)
    numbers = {r["number"] for r in api("handler").get("/api/v1/ledgers").json()}
    assert mine.number in numbers and other.number not in numbers


def test_a_closed_order_is_cleared_but_kept_on_the_record(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    service.sweep_batch(db, cst(2026, 11, 24))
    project(db)
    travel.move_to(cst(2026, 11, 25, 9))
    wo.sign(db, world.p("handler"), order)
    wo.reply(db, world.p("handler"), order, result=wo.ReplyResult.resolved, text="已修复")
    wo.review_reply(db, world.p("dispatcher"), order, accept=True)
    wo.record_callback(db, world.p("agent"), order, reached=True, resolved=True, verdict=wo.Verdict.satisfied)
    project(db)
    client = api("supervisor")
    everything = {r["number"]: r for r in client.get("/api/v1/ledgers").json()}
    assert everything[order.number]["cleared_at"] is not None
    still_open = {r["number"] for r in client.get("/api/v1/ledgers", params={"open_only": True}).json()}
    assert order.number not in still_open


def test_bad_filters_are_refused_with_the_field(api):
    client = api("supervisor")
    r = client.get("/api/v1/ledgers", params={"region_code": "12345"})
    assert r.status_code == 422 and "region_code" in r.text
    r = client.get("/api/v1/ledgers", params={"since": "2026-11-20", "until": "2026-11-01"})
    assert r.status_code == 422 and "until" in r.text
    assert client.get("/api/v1/ledgers", params={"kind": "nonsense"}).status_code == 422


def test_the_export_holds_the_filtered_ledger(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    service.sweep_batch(db, cst(2026, 11, 24))
    project(db)
    r = api("supervisor").get("/api/v1/ledgers/export.xlsx", params={"kind": "overdue"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("台账", "工单号")
    assert any(row[1] == order.number and row[0] == "超期工单" for row in rows[1:])


def test_the_ledger_page_lists_and_filters(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    service.sweep_batch(db, cst(2026, 11, 24))
    project(db)
    page = api("supervisor").get("/ledgers", params={"kind": "overdue"})
    assert page.status_code == 200 and order.number in page.text and "督办台账" in page.text
    bad = api("supervisor").get("/ledgers", params={"since": "yesterday"})
    assert bad.status_code == 200 and "日期格式应为" in bad.text


def test_a_sector_viewer_sees_the_emergency_ledger_of_its_sectors_only(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    ours = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="report", title="化工厂气体泄漏", content="河边化工厂气体泄漏，气味刺鼻",
        phone="13911112222", category_code=world.categories["env"], region_code="990102001"))[0]
    theirs = new_order(db, world, title="山体滑坡", content="村后山体滑坡")  # a street-lamp category
    project(db)
    numbers = {r["number"] for r in api("sector").get("/api/v1/ledgers", params={"kind": "emergency"}).json()}
    assert ours.number in numbers and theirs.number not in numbers


def test_a_long_ledger_is_counted_only_so_far(api, db, world, travel, monkeypatch):
    from hotline.supervision import repository

    travel.move_to(cst(2026, 11, 16, 9))
    for i in range(3):
        new_order(db, world, title=f"山体滑坡{i}", content="村后山体滑坡，道路被埋")
    project(db)
    supervisor = api("supervisor")
    assert supervisor.get("/api/v1/ledgers").headers["X-Total-Count"] == "3"
    monkeypatch.setattr(repository, "COUNT_CAP", 1)
    first = supervisor.get("/api/v1/ledgers", params={"limit": 1})
    assert first.headers["X-Total-Count"] == "1" and first.headers["X-Total-Count-Capped"] == "true"
    last = supervisor.get("/api/v1/ledgers", params={"limit": 1, "offset": 2})
    assert last.headers["X-Total-Count"] == "3" and "X-Total-Count-Capped" not in last.headers
    page = supervisor.get("/ledgers", params={"offset": 0})
    assert "共 3 条" in page.text  # 50 a page: counted up to the page's end


def test_a_confidential_reports_title_is_masked_on_the_ledger_for_the_unit_but_not_the_centre(api, db, world,
                                                                                                   travel):
    travel.move_to(cst(2026, 11, 16, 9))
    report = new_order(db, world, appeal_type="report", title="本人李明举报13912345678违建", content="违建")
    report.is_confidential = True
    wo.dispatch(db, world.p("dispatcher"), report, lead_unit_id=world.units["990100-zj"])
    service.sweep_batch(db, cst(2026, 11, 24))
    project(db)
    unit = {r["number"]: r["title"] for r in api("handler").get("/api/v1/ledgers").json()}
    centre = {r["number"]: r["title"] for r in api("supervisor").get("/api/v1/ledgers").json()}
    assert "李明" not in unit[report.number] and "13912345678" not in unit[report.number]
    assert centre[report.number] == "本人李明举报13912345678违建"
