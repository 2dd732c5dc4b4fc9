"""Each kind of report is generated as a Word document with headings, numbered tables and
charts as images, and an Excel annex of the same tables; every figure is the statistics'."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.analytics.measures import MEASURES
from hotline.analytics.periods import custom, period
from hotline.analytics.reports import compose, documents, service
from hotline.analytics.reports.formats import cell
from hotline.analytics.service import Scope, StatQuery, statistics
from hotline.org.models import Region
from hotline.workorder.models import WorkOrder
from tests.analytics.reports.helpers import headings, images, month_of_orders, open_docx, tables
from tests.supervision.helpers import cst


@pytest.fixture
def november(db, world, travel):
    month_of_orders(db, world, travel)
    travel.move_to(cst(2026, 12, 2, 9))


def _draft(db, world, **kw):
    return service.draft(db, world.p("supervisor"), service.DraftRequest(**kw))


def _row(table, label):
    return next(r for r in table if r[0] == label)


def test_the_monthly_report_shows_the_statistics_figures_in_its_tables(db, world, november):
    report = _draft(db, world, kind="monthly", period="2026-11")
    doc = open_docx(service.document(db, None, report, "docx"))
    titles = headings(doc)
    assert titles[0] == "青川市 12345 热线2026年11月诉求月度分析报告"
    assert titles[1:] == ["一、总体情况", "二、诉求分类分析", "三、区域分布", "四、诉求类型与渠道", "五、市场主体诉求",
                          "六、承办单位办理情况", "七、工作建议"]
    numbered = [p.text for p in doc.paragraphs if p.text.startswith("表")]
    assert numbered[:3] == ["表1  2026年11月主要指标", "表2  近 12 个月受理及办理情况", "表3  诉求分类情况"]
    assert images(doc) >= 3  # the trend, the categories, the regions, the appeal types

    region = db.query(Region).filter_by(code="990100").one()
    scope, p = Scope.region(db, "990100"), period("month", "2026-11")
    total = statistics(db, scope, StatQuery(p)).total
    main = tables(doc)[0]
    assert main[0] == ["指标", "本期", "上期", "环比", "去年同期", "同比"]
    for key in ("received", "dispatched", "handled", "overdue", "returned"):
        row = _row(main, MEASURES[key].label)
        assert row[1] == cell(total.values[key], "count")
        assert row[2] == cell((total.previous or {}).get(key), "count")
        assert row[4] == cell((total.last_year or {}).get(key), "count")
    assert _row(main, MEASURES["satisfaction_rate"].label)[1] == cell(total.values["satisfaction_rate"], "rate")
    assert total.values["received"] == 5  # and the hand count agrees

    by_category = statistics(db, scope, StatQuery(p, dimension="category", level=1))
    table = tables(doc)[2]
    assert [r[0] for r in table[1:]] == [r.label for r in by_category.rows]
    for r in by_category.rows:
        assert _row(table, r.label)[1] == cell(r.values["received"], "count")
        assert _row(table, r.label)[6] == cell(r.values["on_time_rate"], "rate")
    by_region = statistics(db, scope, StatQuery(p, dimension="region", level=compose.region_level(region)))
    table = tables(doc)[3]
    assert [r[0] for r in table[1:]] == [r.label for r in by_region.rows]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "共受理诉求 5 件" in text and "环比上升 150.0%" in text


def test_the_annex_holds_the_same_tables(db, world, november):
    report = _draft(db, world, kind="monthly", period="2026-11")
    doc = open_docx(service.document(db, None, report, "docx"))
    wb = load_workbook(io.BytesIO(service.document(db, None, report, "xlsx")))
    assert wb.sheetnames == [f"表{i + 1}" for i in range(len(report.content["tables"]))]
    first = [[c for c in row] for row in wb["表1"].iter_rows(values_only=True)]
    assert first[0][0] == "表1  2026年11月主要指标"
    assert list(first[1]) == tables(doc)[0][0]
    assert first[2][:2] == ["受理量", 5]


def test_the_half_year_report_has_a_table_of_its_months(db, world, november):
    report = _draft(db, world, kind="half_year", period="2026H2")
    doc = open_docx(service.document(db, None, report, "docx"))
    assert headings(doc)[0] == "青川市 12345 热线2026年下半年诉求半年分析报告"
    months = tables(doc)[1]
    assert [r[0] for r in months[1:]] == [period("month", f"2026-{m:02d}").label for m in range(7, 13)]
    assert _row(months, period("month", "2026-11").label)[1] == "5"
    assert _row(months, period("month", "2026-10").label)[1] == "2"
    assert images(doc) >= 1


def test_the_campaign_report_counts_enterprise_appeals_and_their_ledgers(db, world, november):
    report = _draft(db, world, kind="campaign", start=cst(2026, 1, 1).date(), end=cst(2026, 11, 30).date())
    doc = open_docx(service.document(db, None, report, "docx"))
    assert headings(doc)[1:] == ["一、总体情况", "二、诉求分类分析", "三、区域分布", "四、超期、推诿扯皮、敷衍应付问题",
                                 "五、典型案例", "六、下一步工作"]
    span = custom(cst(2026, 1, 1).date(), cst(2026, 11, 30).date())
    total = statistics(db, Scope.region(db, "990100"), StatQuery(span, enterprise=True)).total
    main = tables(doc)[0]
    assert _row(main, "受理量")[1] == cell(total.values["received"], "count") == "1"
    ledgers = tables(doc)[3]
    assert [r[0] for r in ledgers[1:]] == ["超期工单", "推诿扯皮（多次退单）", "敷衍应付（答复被退回）"]
    cases = "\n".join(p.text for p in doc.paragraphs)
    assert "企业门前路灯不亮" in cases and "13812348000" not in cases and "张三丰" not in cases


def test_a_special_report_from_a_warning_and_from_a_hotspot(db, world, november):
    from hotline.intelligence.models import EarlyWarning, HotspotSnapshot, WarningKind
    from hotline.kit import clock

    wo_ids = sorted(db.scalars(select(WorkOrder.id)))
    warning = EarlyWarning(key="t1", kind=WarningKind.emergency, centre_unit_id=world.units["C-990100"],
                           region_id=db.query(Region).filter_by(code="990102").one().id,
                           window_start=cst(2026, 11, 9, 0), window_end=cst(2026, 11, 10, 0), count=3, expected=0.5,
                           term="燃气泄漏", summary="东城区燃气泄漏相关诉求", order_ids=wo_ids[:3],
                           raised_at=clock.now())
    db.add(warning)
    db.flush()
    report = _draft(db, world, kind="special", warning_id=warning.id)
    doc = open_docx(service.document(db, None, report, "docx"))
    assert headings(doc)[0] == "关于东城区燃气泄漏相关诉求的信息专报"
    assert tables(doc)[0][1] == ["预警类型", "突发事件"]
    assert sum(int(r[1]) for r in tables(doc)[1][1:]) == 3  # the orders behind the warning, by category

    db.add(HotspotSnapshot(centre_unit_id=world.units["C-990100"], month="2026-11", computed_at=clock.now(),
                           orders=5,
                           hotspots=[{"label": "幸福路路灯", "keywords": ["路灯", "不亮"], "place": "东华街道",
                                      "count": 3,
                                      "people": 3, "heat": 4.5, "trend": {"2026-10": 1, "2026-11": 3}, "growth": 2.0,
                                      "samples": ["幸福路路灯不亮，电话13911112222"], "order_ids": wo_ids[2:5]}]))
    report = _draft(db, world, kind="special", hotspot_month="2026-11", hotspot_rank=1)
    doc = open_docx(service.document(db, None, report, "docx"))
    assert headings(doc)[0] == "关于“幸福路路灯”相关诉求情况的信息专报"
    assert tables(doc)[0][4] == ["诉求件数", "3"] and images(doc) == 2
    assert "13911112222" not in "\n".join(p.text for p in doc.paragraphs)


def test_a_special_report_needs_a_hotspot_that_exists(db, world, november):
    from hotline.kit.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        _draft(db, world, kind="special", hotspot_month="2026-11", hotspot_rank=9)
    assert exc.value.field == "hotspot_rank"


def test_the_daily_ledger_lists_every_entry(db, world, november):
    report = _draft(db, world, kind="daily_ledger", period="2026-11-09")
    doc = open_docx(service.document(db, None, report, "docx"))
    assert headings(doc) == ["突发事件与涉稳风险日报（2026年11月9日）", "一、当日入账情况"]
    rows = tables(doc)[0]
    assert rows[0] == list(compose.DAILY_HEADERS)
    assert [r[1] for r in rows[1:]] == ["突发事件"]
    assert "新增 1 条" in "\n".join(p.text for p in doc.paragraphs)


def test_without_a_cjk_font_the_document_is_still_made_with_a_warning(db, world, november, monkeypatch):
    monkeypatch.setattr(documents, "cjk_font", lambda: None)
    report = _draft(db, world, kind="monthly", period="2026-11")
    assert report.content["warnings"] == [documents.NO_FONT_WARNING]
    assert images(open_docx(service.document(db, None, report, "docx"))) >= 1


@pytest.mark.parametrize(("kw", "field"), [
    ({"kind": "weekly", "period": "2026-11"}, "kind"),
    ({"kind": "monthly", "period": "2026-13"}, "period"),
    ({"kind": "monthly", "period": "2027-05"}, "period"),
    ({"kind": "half_year", "period": "2026H3"}, "period"),
    ({"kind": "campaign", "start": None, "end": None}, "start"),
    ({"kind": "monthly", "period": "2026-11", "region_code": "990200"}, "region_code"),
    ({"kind": "monthly", "period": "2026-11", "region_code": "123"}, "region_code"),
    ({"kind": "daily_ledger", "period": "2026-02-30"}, "period"),
])
def test_bad_requests_name_the_field(db, world, november, kw, field):
    from hotline.kit.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        _draft(db, world, **kw)
    assert exc.value.field == field


def test_a_cjk_font_installed_after_matplotlib_made_its_font_cache_is_found(monkeypatch):  # type: ignore[no-untyped-def]
    """matplotlib lists the system's fonts once, in a cache file; a font installed later (the
    operator adds fonts-noto-cjk after a first run) is looked for again rather than missed."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist", [f for f in manager.ttflist if documents._cjk_family([f]) is None])
    documents.cjk_font.cache_clear()
    try:
        assert documents.cjk_font() is not None  # CI installs fonts-noto-cjk (or fonts-wqy-microhei)
    finally:
        documents.cjk_font.cache_clear()
