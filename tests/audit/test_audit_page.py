"""The auditor's page reads in Chinese, filters, and exports to Excel; every action code the
platform writes has a Chinese name."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

import hotline
from hotline.audit import alerts, labels
from hotline.intelligence.models import WarningKind
from hotline.org.excel import SHEETS
from tests.supervision.helpers import dispatched

SRC = Path(hotline.__file__).parent
#: Files whose ``_event(…, "verb")`` helper writes ``<prefix>.<verb>``.
#: A module, or a package (every module in it), whose ``_event`` helper writes codes with the prefix.
WRAPPERS = {"workorder/service": "work_order", "supervision/service": "work_order",
            "intelligence/service.py": "model_version", "knowledge/service.py": "knowledge_item"}


def written_action_codes() -> set[str]:
    """Every action code the source writes: literal codes passed to ``audit.record`` and the
    verbs passed to each domain's ``_event`` helper, plus the codes built from enums."""
    codes: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes.update(re.findall(r'audit(?:_service)?\.record\(\s*[^,]+,\s*[^,]+,\s*"([a-z_.]+)"', text))
        where = path.relative_to(SRC).as_posix()
        prefix = next((p for key, p in WRAPPERS.items() if where == key or where.startswith(key + "/")), None)
        if prefix:
            for call in re.findall(r'\b_?event\(([^)]*)\)', text):
                positional = re.split(r"\b[a-z_]+=", call)[0]
                codes.update(f"{prefix}.{verb}" for verb in re.findall(r'"([a-z_]+)"', positional))
    codes.update(f"early_warning.{kind.value}" for kind in WarningKind)
    codes.update(f"{kind}.{verb}" for kind in SHEETS for verb in ("imported", "exported"))
    codes.update({"work_order.due_soon", "work_order.overdue"})  # the sweep's loop names them in a tuple
    codes.update(alerts.SUMMARIES)  # written through alerts.raise_alert
    return codes


def visible(html: str) -> str:
    """The text a person reads: tags (and their attributes) removed."""
    return re.sub(r"<[^>]+>", " ", html)


def table(html: str) -> str:
    """The readable text of the log's table (not the filter's lists)."""
    return visible(html.split('id="audit-table"')[1].split("</table>")[0])


def test_every_action_code_the_platform_writes_has_a_chinese_name():
    codes = written_action_codes()
    assert len(codes) > 80 and "work_order.dispatched" in codes and "login.succeeded" in codes
    unnamed = sorted(code for code in codes if code not in labels.ACTION_NAMES)
    assert unnamed == []
    assert all(not re.search(r"[A-Za-z]", labels.ACTION_NAMES[code]) for code in codes)


def test_details_read_as_chinese_fields_not_json():
    text = labels.detail_text({"fields": ["display_name", "phone"], "reason": "核对", "active": False,
                               "due_at": "2026-12-04T02:00:00+00:00"})
    assert text == "字段：显示名、电话；原因：核对；启用：否；期限：2026-12-04 10:00"


@pytest.fixture
def trail(db, world):
    """A dispatched order (registered and dispatched events) by people with display names."""
    from hotline.auth.models import User

    db.get(User, world.user_ids["dispatcher"]).display_name = "派单员小李"
    db.get(User, world.user_ids["agent"]).display_name = "话务员小王"
    order = dispatched(db, world, title="小区路灯不亮", content="东华街道幸福小区路灯坏了")
    db.commit()
    return order


def test_the_audit_page_shows_chinese_actions_display_names_and_no_escapes(api, trail):
    page = api("auditor").get("/audit", params={"object_type": "work_order", "object_id": str(trail.id)})
    assert page.status_code == 200
    text = visible(page.text)
    assert "派单" in text and "受理登记" in text and "派单员小李" in text and "工单" in text
    for raw in ("work_order.dispatched", "work_order.registered", "\\u", "{&#34;", '{"'):
        assert raw not in text, raw
    assert "青川市住建局" in text and "状态：待签收" in text  # the detail, readable
    assert "dispatched" not in table(page.text)


def test_the_audit_page_filters_by_action_user_and_date(api, trail):
    auditor = api("auditor")
    by_action = table(auditor.get("/audit", params={"action": "work_order.dispatched"}).text)
    assert "派单员小李" in by_action and "受理登记" not in by_action
    by_user = table(auditor.get("/audit", params={"actor": "话务员小王", "object_type": "work_order"}).text)
    assert "受理登记" in by_user and "派单员小李" not in by_user
    assert "没有符合条件的记录" in auditor.get("/audit", params={"until": "2000-01-01"}).text
    bad = auditor.get("/audit", params={"since": "12/01/2026"})
    assert bad.status_code == 200 and "日期格式应为" in bad.text


def test_the_audit_export_has_chinese_headers_and_the_filtered_rows(api, trail):
    r = api("auditor").get("/audit/export.xlsx", params={"action": "work_order.", "object_id": str(trail.id)})
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("序号", "时间", "操作人", "账号", "动作", "动作代码", "对象", "详情", "来源 IP")
    dispatch = next(row for row in rows[1:] if row[5] == "work_order.dispatched")
    assert dispatch[2:5] == ("派单员小李", "dispatcher", "派单") and dispatch[6] == f"工单 {trail.id}"
    assert {row[5] for row in rows[1:]} == {"work_order.registered", "work_order.dispatched"}
    assert api("auditor").get("/audit/export.xlsx", params={"since": "tomorrow"}).status_code == 422


def test_only_auditors_export_the_audit_log(api, trail):
    assert api("admin").get("/audit/export.xlsx").status_code == 403
