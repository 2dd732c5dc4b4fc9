"""A draft is edited section by section, then issued: the documents are frozen, archived with
who issued it, and never change again."""

import pytest

from hotline.analytics.reports import lifecycle
from hotline.analytics.reports.lifecycle import Action, Status
from hotline.kit.errors import IllegalTransition
from tests.analytics.reports.helpers import headings, month_of_orders, open_docx
from tests.supervision.helpers import cst

API = "/api/v1/reports"


@pytest.fixture
def november(db, world, travel):
    month_of_orders(db, world, travel)
    db.commit()
    travel.move_to(cst(2026, 12, 2, 9))


def test_only_a_draft_changes():
    assert lifecycle.apply(Status.draft, Action.issue) == Status.issued
    for action in Action:
        with pytest.raises(IllegalTransition):
            lifecycle.apply(Status.issued, action)


def test_a_supervisor_edits_a_section_then_issues_and_the_archive_keeps_the_document(api, november):
    client = api("supervisor")
    r = client.post(API, json={"kind": "monthly", "period": "2026-11"})
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["status"] == "draft" and report["created_by"] == "supervisor"
    section = report["sections"][-1]
    assert section["key"] == "suggestions" and not section["edited"]

    edited = client.patch(f"{API}/{report['ref']}", json={
        "sections": {"suggestions": "1. 加强路灯巡查。\n2. 噪声扰民问题联合执法。"}, "title": "青川市十一月诉求分析",
        "version": report["version"]})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["sections"][-1]["edited"] and body["title"] == "青川市十一月诉求分析"
    stale = client.patch(f"{API}/{report['ref']}", json={"sections": {"overview": "x"}, "version": report["version"]})
    assert stale.status_code == 409
    unknown = client.patch(f"{API}/{report['ref']}", json={"sections": {"nope": "x"}, "version": body["version"]})
    assert unknown.status_code == 422 and unknown.json()["field"] == "sections"

    refreshed = client.post(f"{API}/{report['ref']}/regenerate", json={"version": body["version"]})
    assert refreshed.status_code == 200
    assert refreshed.json()["sections"][-1]["text"] == "1. 加强路灯巡查。\n2. 噪声扰民问题联合执法。"
    assert refreshed.json()["title"] == "青川市十一月诉求分析"

    issued = client.post(f"{API}/{report['ref']}/issue", json={"version": refreshed.json()["version"]})
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "issued" and issued.json()["issued_by"] == "supervisor"
    docx = client.get(f"{API}/{report['ref']}/docx")
    assert docx.status_code == 200 and docx.headers["content-type"].startswith("application/vnd.openxmlformats")
    doc = open_docx(docx.content)
    assert headings(doc)[0] == "青川市十一月诉求分析"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "1. 加强路灯巡查。" in text and "2. 噪声扰民问题联合执法。" in text and "青川市热线中心" in text
    assert "（草稿）" not in text
    assert client.get(f"{API}/{report['ref']}/docx").content == docx.content  # frozen
    assert client.get(f"{API}/{report['ref']}/xlsx").status_code == 200

    for late in (client.patch(f"{API}/{report['ref']}", json={"sections": {}, "version": issued.json()["version"]}),
                 client.post(f"{API}/{report['ref']}/issue", json={"version": issued.json()["version"]}),
                 client.delete(f"{API}/{report['ref']}")):
        assert late.status_code == 409

    archive = api("dispatcher").get(API).json()
    assert [(a["ref"], a["issued_by"], a["status"]) for a in archive] == [(report["ref"], "supervisor", "issued")]


def test_a_draft_is_discarded_and_is_gone(api, november):
    client = api("supervisor")
    report = client.post(API, json={"kind": "daily_ledger", "period": "2026-11-09"}).json()
    assert client.get(API, params={"status": "draft"}).json()[0]["ref"] == report["ref"]
    assert client.delete(f"{API}/{report['ref']}").status_code == 204
    assert client.get(f"{API}/{report['ref']}").status_code == 404


def test_the_pages_generate_edit_preview_and_issue(api, november):
    client = api("supervisor")
    page = client.get("/reports")
    assert page.status_code == 200 and "生成报告" in page.text and "分析报告" in page.text
    form = {"csrf_token": client.headers["X-CSRF-Token"], "kind": "monthly", "month": "2026-11", "region_code": ""}
    made = client.post("/reports", data=form, follow_redirects=False)
    assert made.status_code == 303, made.text
    ref = made.headers["location"].split("/")[2].split("?")[0]
    preview = client.get(f"/reports/{ref}")
    assert preview.status_code == 200 and "一、总体情况" in preview.text and "表1" in preview.text
    assert f"/reports/{ref}/charts/0.png" in preview.text
    png = client.get(f"/reports/{ref}/charts/0.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert client.get(f"/reports/{ref}/charts/99.png").status_code == 404
    saved = client.post(f"/reports/{ref}/edit", data={"csrf_token": form["csrf_token"], "version": "1",
                                                        "title": "十一月分析", "section_overview": "总体平稳。"},
                        follow_redirects=False)
    assert saved.status_code == 303
    assert "总体平稳。" in client.get(f"/reports/{ref}").text
    bad = client.post("/reports", data={**form, "month": "2026-99"})
    assert bad.status_code == 422 and "月份格式" in bad.text
    issued = client.post(f"/reports/{ref}/issue", data={"csrf_token": form["csrf_token"], "version": "2"},
                         follow_redirects=False)
    assert issued.status_code == 303
    archive = api("dispatcher").get("/reports")
    assert archive.status_code == 200 and "十一月分析" in archive.text and "生成报告" not in archive.text


def test_the_daily_ledger_page_lists_the_sector_departments_entries(api, november):
    page = api("sector").get("/daily-ledger", params={"day": "2026-11-09"})
    assert page.status_code == 200 and "工地燃气泄漏" not in page.text  # titles are not listed, reasons are
    data = api("sector").get(f"{API}/daily-ledger", params={"day": "2026-11-09"}).json()
    assert [e["kind"] for e in data["entries"]] == ["突发事件"]
    assert api("sector").get(f"{API}/daily-ledger", params={"day": "2026-11-08"}).json()["entries"] == []
    docx = api("sector").get(f"{API}/daily-ledger/docx", params={"day": "2026-11-09"})
    assert docx.status_code == 200
    doc = open_docx(docx.content)
    assert len(doc.tables[0].rows) == 2
    assert api("supervisor").get(f"{API}/daily-ledger", params={"day": "2026-11-09"}).json()["entries"]
    assert api("sector").get(f"{API}/daily-ledger", params={"day": "2099-01-01"}).status_code == 422


def test_the_navigation_offers_reports_to_who_may_open_them(api):
    assert "分析报告" in api("supervisor").get("/").text and "每日台账" in api("supervisor").get("/").text
    assert "分析报告" in api("dispatcher").get("/").text
    sector = api("sector").get("/").text
    assert "每日台账" in sector and "分析报告" not in sector
    handler = api("handler").get("/").text
    assert "每日台账" not in handler and "分析报告" not in handler


def test_a_special_report_is_drafted_from_a_warning_picked_on_the_page(api, db, world, november):
    from sqlalchemy import select

    from hotline.intelligence.models import EarlyWarning, WarningKind
    from hotline.kit import clock
    from hotline.org.models import Region
    from hotline.workorder.models import WorkOrder

    warning = EarlyWarning(key="page", kind=WarningKind.spike, centre_unit_id=world.units["C-990100"],
                           region_id=db.scalar(select(Region.id).where(Region.code == "990102")),
                           window_start=cst(2026, 11, 9, 0), window_end=cst(2026, 11, 10, 0), count=4,
                           expected=1.0, summary="东城区路灯诉求激增", order_ids=list(db.scalars(select(WorkOrder.id))),
                           raised_at=clock.now())
    db.add(warning)
    db.commit()
    client = api("supervisor")
    page = client.get("/reports").text
    assert f'<option value="{warning.id}"' in page and "东城区路灯诉求激增" in page
    made = client.post("/reports", data={"csrf_token": client.headers["X-CSRF-Token"], "kind": "special",
                                         "warning_id": str(warning.id)}, follow_redirects=False)
    assert made.status_code == 303, made.text
    preview = client.get(made.headers["location"].split("?")[0]).text
    assert "关于东城区路灯诉求激增的信息专报" in preview and "诉求激增" in preview
