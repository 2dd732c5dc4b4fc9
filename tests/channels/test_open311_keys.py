"""Open311 keys: issued by the province administrator (command, page, API), stored as a hash,
audited, revoked; each key has its own rate limit (429 past it, in the requested format);
and the service definitions are edited on the administrator's page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.app import create_app
from hotline.audit.models import AuditEvent
from hotline.channels.open311 import service
from hotline.channels.open311.models import Open311Key, Open311Service
from hotline.config import get_settings
from hotline.org import service as org
from hotline.org.models import ChannelKind
from tests.channels.conftest import xml

NEAR_XINGFU = {"lat": "30.6705", "long": "104.0695"}


def post(client, key, lamp, fmt="json"):  # type: ignore[no-untyped-def]
    return client.post(f"/open311/v2/requests.{fmt}", data={
        "api_key": key, "service_code": lamp, "attribute[LAMP_STATE]": "off", **NEAR_XINGFU})


def test_a_key_is_stored_only_as_its_hash_and_its_issue_is_audited(db, world, o311):
    row = db.get(Open311Key, o311.key_id)
    assert row is not None and row.key_hash != o311.key and o311.key not in row.key_hash
    assert row.hint == o311.key[:8] and len(o311.key) > 40
    events = db.execute(select(AuditEvent.action, AuditEvent.detail).where(
        AuditEvent.object_type == "open311_key", AuditEvent.object_id == str(o311.key_id))).all()
    assert [(a, d["channel"]) for a, d in events] == [("open311_key.created", "open311")]
    assert o311.key not in json.dumps([d for _, d in events], ensure_ascii=False)


def test_a_revoked_key_is_refused_in_the_requested_format(client, db, world, o311):
    assert post(client, o311.key, o311.lamp).status_code == 200
    service.revoke_key(db, world.p("admin"), o311.key_id)
    db.commit()
    refused = post(client, o311.key, o311.lamp, "xml")
    assert refused.status_code == 403 and xml(refused).findtext("error/code") == "403"
    assert client.get(f"/open311/v2/services.json?api_key={o311.key}").status_code == 403
    assert db.execute(select(AuditEvent.action).where(AuditEvent.action == "open311_key.revoked")).scalar_one()


def test_a_key_names_the_channel_its_requests_are_recorded_under(client, api, db, world, o311):
    org.create_channel(db, world.p("admin"), code="qc_app", name="青川市民通", kind=ChannelKind.mobile)
    key, _ = service.issue_key(db, world.p("admin"), name="市民通", channel="qc_app")
    db.commit()
    number = post(client, key, o311.lamp).json()[0]["service_request_id"]
    assert api("agent").get(f"/api/v1/work-orders/{number}").json()["channel"] == "qc_app"


def test_each_key_has_its_own_rate_limit(client, db, world, o311):
    tight, _ = service.issue_key(db, world.p("admin"), name="小流量", rate_per_minute=2)
    db.commit()
    assert [post(client, tight, o311.lamp).status_code for _ in range(2)] == [200, 200]
    over = post(client, tight, o311.lamp)
    assert over.status_code == 429 and int(over.headers["Retry-After"]) >= 1
    assert over.json()[0]["code"] == 429
    assert client.get(f"/open311/v2/requests.xml?api_key={tight}").status_code == 429
    assert post(client, o311.key, o311.lamp).status_code == 200  # another key is not held back


def test_the_administrator_issues_and_revokes_keys_on_the_page(client, api, o311):
    admin = api("admin")
    page = admin.get("/admin/open311")
    assert page.status_code == 200 and "开放311接口" in page.text and "青川市民通 App" in page.text
    created = admin.post("/admin/open311/keys", data={"name": "合作门户", "rate_per_minute": "30"})
    assert created.status_code == 201 and "只显示这一次" in created.text
    key = re.search(r"o311_[A-Za-z0-9_-]{40,}", created.text).group(0)  # type: ignore[union-attr]
    assert post(client, key, o311.lamp).status_code == 200
    again = admin.get("/admin/open311").text
    assert key not in again and key[:8] in again
    rows = admin.get("/api/v1/open311/keys").json()
    mine = next(r for r in rows if r["name"] == "合作门户")
    assert mine["rate_per_minute"] == 30 and mine["last_used_at"] is not None and "key" not in mine
    revoked = admin.post(f"/admin/open311/keys/{mine['id']}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    assert post(client, key, o311.lamp).status_code == 403
    refused = admin.post("/admin/open311/keys", data={"name": "", "channel": "nope"})
    assert refused.status_code == 422


def test_the_administrator_edits_a_service_definition_on_the_page(client, api, db, world, o311):
    admin = api("admin")
    page = admin.get(f"/admin/open311/services/{o311.lamp}")
    assert page.status_code == 200 and "LAMP_STATE|singlevaluelist|是|路灯状态|off=完全不亮;flicker=闪烁" in page.text
    lines = "WHERE|text|否|具体位置\nCOUNT|number|是|不亮的盏数"
    saved = admin.post(f"/admin/open311/services/{o311.lamp}", follow_redirects=False, data={
        "enabled": "1", "type": "batch", "description": "路灯报修", "keywords": "路灯", "attributes": lines})
    assert saved.status_code == 303
    definition = client.get(f"/open311/v2/services/{o311.lamp}.json").json()
    assert [(a["code"], a["datatype"], a["required"], a["order"]) for a in definition["attributes"]] == [
        ("WHERE", "text", False, 1), ("COUNT", "number", True, 2)]
    listed = next(s for s in client.get("/open311/v2/services.json").json() if s["service_code"] == o311.lamp)
    assert listed["type"] == "batch" and listed["description"] == "路灯报修"
    bad = admin.post(f"/admin/open311/services/{o311.lamp}", data={
        "enabled": "1", "type": "realtime", "attributes": "X|singlevaluelist|是|没有选项"})
    assert bad.status_code == 422 and "选项" in bad.text
    opened = admin.post(f"/admin/open311/services/{world.categories['street']}", follow_redirects=False,
                        data={"enabled": "1", "type": "realtime", "attributes": ""})
    assert opened.status_code == 303
    assert world.categories["street"] in {s["service_code"] for s in client.get("/open311/v2/services.json").json()}
    assert db.execute(select(AuditEvent.action).where(AuditEvent.action == "open311_service.saved")).first()


def test_service_definitions_are_checked(db, world, o311):
    from hotline.kit.errors import InvalidInput

    admin = world.p("admin")
    for attributes, reason in (
        ([{"code": "1X", "datatype": "string", "description": "问"}], "字母开头"),
        ([{"code": "A", "datatype": "date", "description": "问"}], "数据类型"),
        ([{"code": "A", "datatype": "string", "description": "问"}] * 2, "重复"),
        ([{"code": "A", "datatype": "string", "description": "问", "values": [{"key": "k", "name": "n"}]}], "选项"),
        ([{"code": "A", "datatype": "string"}], "不能为空"),
    ):
        with pytest.raises(InvalidInput) as refused:
            service.save_service(db, admin, o311.lamp, enabled=True, attributes=attributes)
        assert reason in refused.value.reason
    assert len(db.execute(select(Open311Service)).scalars().all()) == 2


def test_the_key_commands_create_list_and_revoke(hotline, capsys, tmp_path: Path):
    assert hotline(["open311", "key", "create", "--name", "青川市民通 App"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    key = out[-1]
    assert re.fullmatch(r"o311_[A-Za-z0-9_-]{40,}", key) and "只显示这一次" in out[-2]
    assert hotline(["open311", "key", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["name"] == "青川市民通 App" and row["channel"] == "open311" and row["hint"] == key[:8]
    assert row["revoked_at"] is None
    assert hotline(["open311", "key", "create", "--name", "x", "--channel", "no_such"]) == 2
    assert "no_such" in capsys.readouterr().err
    engine = sa.create_engine(hotline.url, poolclass=sa.pool.NullPool)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT key_hash FROM open311_key")).scalars().all()
        assert len(stored) == 1 and key not in stored[0]
    engine.dispose()
    assert hotline(["open311", "key", "revoke", str(row["id"])]) == 0
    assert "已吊销" in capsys.readouterr().out
    assert hotline(["open311", "key", "list"]) == 0
    assert "已吊销" in capsys.readouterr().out
    assert hotline(["open311", "key", "revoke", "999"]) == 2


def test_a_key_from_the_command_works_against_the_server(hotline, capsys):
    assert hotline(["open311", "key", "create", "--name", "门户", "--rate", "5"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    from hotline.kit.db import make_engine, make_session_factory

    engine = make_engine(hotline.url)  # type: ignore[attr-defined]
    factory = make_session_factory(engine)
    with TestClient(create_app(get_settings(), session_factory=factory)) as client:
        response = client.get(f"/open311/v2/services.json?api_key={key}")
        assert response.status_code == 200 and response.json() == []
        assert client.get("/open311/v2/services.json?api_key=o311_forged").status_code == 403
    engine.dispose()
