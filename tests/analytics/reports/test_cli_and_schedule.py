"""``hotline report …`` writes the .docx with its .xlsx annex beside it; the scheduled job
drafts last month's analysis on the first working day of a month, once."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.analytics.reports import service, tasks
from hotline.analytics.reports.models import Report
from hotline.org.models import Unit, UnitKind
from tests.supervision.helpers import cst


def test_each_kind_is_written_from_the_command_line(hotline, capsys, tmp_path):
    out = tmp_path / "m.docx"
    assert hotline(["report", "monthly", "--month", "2026-11", "--out", str(out)]) == 0
    assert "已写入" in capsys.readouterr().out
    doc = Document(io.BytesIO(out.read_bytes()))
    assert doc.paragraphs[0].text == "示范省 12345 热线2026年11月诉求月度分析报告"
    assert load_workbook(out.with_suffix(".xlsx")).sheetnames[0] == "表1"
    for argv in (["half-year", "--half", "2026H2"], ["campaign", "--from", "2026-01-01", "--to", "2026-11-30"],
                 ["daily-ledger", "--day", "2026-11-05"], ["monthly", "--month", "2026-11", "--region", "990100"]):
        target = tmp_path / f"{argv[0]}.docx"
        assert hotline(["report", *argv, "--out", str(target), "--no-keep"]) == 0, capsys.readouterr().err
        assert target.exists() and target.with_suffix(".xlsx").exists()
    assert "青川市" in Document(str(tmp_path / "monthly.docx")).paragraphs[0].text


def test_a_bad_request_exits_2_with_the_reason(hotline, capsys, tmp_path):
    out = str(tmp_path / "x.docx")
    assert hotline(["report", "monthly", "--month", "2026-13", "--out", out]) == 2
    assert "月份格式" in capsys.readouterr().err
    assert hotline(["report", "special", "--hotspot", "2026-11:1", "--out", out]) == 2
    assert "热点" in capsys.readouterr().err
    assert hotline(["report", "special", "--warning", "99", "--out", out]) == 2
    assert hotline(["report", "monthly", "--month", "2026-11", "--region", "990999", "--out", out]) == 2
    assert hotline(["report", "monthly", "--month", "2026-11", "--out", str(tmp_path / "x.pdf")]) == 2


def _centres(db) -> int:
    return len(db.scalars(select(Unit.id).where(Unit.kind == UnitKind.hotline_centre)).all())


def test_the_first_working_day_drafts_last_months_report_once(db, world, travel):
    travel.move_to(cst(2026, 12, 1, 9))  # Tuesday 1 December 2026
    made = service.draft_scheduled(db)
    assert {(r.kind, r.period_key) for r in made} == {("monthly", "2026-11")}
    assert len(made) == _centres(db) == 3
    assert all(r.created_by_id is None and r.status == "draft" for r in made)
    assert service.draft_scheduled(db) == []
    tasks.scheduled_drafts(db, {})
    travel.move_to(cst(2026, 12, 2, 9))
    assert service.draft_scheduled(db) == []
    assert len(db.scalars(select(Report)).all()) == 3


def test_july_adds_the_half_year_and_a_weekend_waits(db, world, travel):
    travel.move_to(cst(2026, 8, 1, 9))  # Saturday: not a working day
    assert service.draft_scheduled(db) == []
    travel.move_to(cst(2026, 8, 3, 9))  # Monday, the first working day of August
    assert {r.period_key for r in service.draft_scheduled(db)} == {"2026-07"}
    travel.move_to(cst(2026, 7, 1, 9))
    made = service.draft_scheduled(db)
    assert sorted({(r.kind, r.period_key) for r in made}) == [("half_year", "2026H1"), ("monthly", "2026-06")]


def test_a_human_draft_does_not_stop_the_scheduled_one(db, world, travel):
    travel.move_to(cst(2026, 12, 1, 9))
    service.draft(db, world.p("supervisor"), service.DraftRequest(kind="monthly", period="2026-11"))
    assert len(service.draft_scheduled(db)) == 3
