"""Telephony administration: CTI keys (command, API, page), seats and queues — validation
(422 naming the field, 409 for a seat code taken), region scope, audit, and a key that works
against the call-event interface until it is revoked."""

from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.app import create_app
from hotline.audit.models import AuditEvent
from hotline.config import get_settings
from hotline.telephony.models import Seat

EVENT = {"call_id": "admin-1", "seq": 1, "type": "offered", "at": "2026-12-06T09:00:00+08:00",
         "caller": "13812348000"}


def _post_events(url: str, key: str) -> int:
    from hotline.kit.db import make_engine, make_session_factory

    engine = make_engine(url)
    try:
        with TestClient(create_app(get_settings(), session_factory=make_session_factory(engine))) as client:
            return client.post("/api/v1/cti/events", json=[EVENT],
                               headers={"Authorization": f"Bearer {key}"}).status_code
    finally:
        engine.dispose()


def test_the_key_commands_create_a_working_key_list_it_and_revoke_it(hotline, capsys):
    assert hotline(["cti", "key", "create", "--name", "青川市中心 FreeSWITCH", "--unit", "C-990100"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    key = out[-1]
    assert " " not in key and len(key) > 30 and "只显示这一次" in out[-2] and "cti.c-990100" in out[-2]
    assert _post_events(hotline.url, key) == 202  # type: ignore[attr-defined]
    assert hotline(["cti", "key", "create", "--name", "备用", "--unit", "C-990100"]) == 0
    second = capsys.readouterr().out.strip().splitlines()[-1]
    assert hotline(["cti", "key", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["account"]) for r in rows] == [  # one account per centre, reused; newest first
        ("备用", "cti.c-990100"), ("青川市中心 FreeSWITCH", "cti.c-990100"), ("test", "pbx")]
    first = rows[1]
    assert first["hint"] == key[:len(first["hint"])] and first["last_used_at"] is not None
    assert key not in json.dumps(rows) and second not in json.dumps(rows)
    assert hotline(["cti", "key", "revoke", str(first["id"])]) == 0
    assert "已吊销" in capsys.readouterr().out
    assert _post_events(hotline.url, key) == 401  # type: ignore[attr-defined]
    assert _post_events(hotline.url, second) == 202  # type: ignore[attr-defined]
    assert hotline(["cti", "key", "list"]) == 0
    assert "已吊销" in capsys.readouterr().out
    assert hotline(["cti", "key", "revoke", "999"]) == 2
    assert hotline(["cti", "key", "create", "--name", "x", "--unit", "990100-zj"]) == 2
    assert "热线中心" in capsys.readouterr().err  # a department cannot hold a CTI account
    engine = sa.create_engine(hotline.url, poolclass=sa.pool.NullPool)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        actions = conn.execute(sa.text("SELECT action FROM audit_event WHERE action LIKE 'cti_key.%'")).scalars().all()
    engine.dispose()
    assert sorted(actions) == ["cti_key.created", "cti_key.created", "cti_key.revoked"]


def test_the_seat_and_queue_commands(hotline, capsys):
    assert hotline(["cti", "seat", "add", "S001"]) == 0
    assert hotline(["cti", "seat", "add", "E001", "--kind", "enterprise", "--region", "990100",
                    "--operator", "某某外包服务公司"]) == 0
    assert hotline(["cti", "seat", "add", "X001", "--kind", "expert", "--unit", "990100-zj"]) == 0
    assert hotline(["cti", "seat", "add", "S001"]) == 2
    assert "已存在" in capsys.readouterr().err
    assert hotline(["cti", "seat", "add", "S 2"]) == 2
    assert hotline(["cti", "seat", "add", "S002", "--kind", "vip"]) == 2
    assert hotline(["cti", "seat", "deactivate", "S001"]) == 0
    capsys.readouterr()
    assert hotline(["cti", "seat", "list", "--json"]) == 0
    seats = {s["code"]: s for s in json.loads(capsys.readouterr().out)}
    assert set(seats) == {"S001", "E001", "X001"}
    assert seats["S001"]["active"] is False and seats["E001"]["operator"] == "某某外包服务公司"
    assert seats["X001"]["unit"] == "990100-zj" and seats["E001"]["region"] == "990100"
    assert hotline(["cti", "queue", "set", "vip-line", "--kind", "enterprise", "--label", "企业专线"]) == 0
    assert hotline(["cti", "queue", "set", "vip-line", "--label", "企业服务专线"]) == 0
    assert hotline(["cti", "queue", "set", "vip-line", "--kind", "nope"]) == 2
    capsys.readouterr()
    assert hotline(["cti", "queue", "list", "--json"]) == 0
    [queue] = json.loads(capsys.readouterr().out)
    assert (queue["name"], queue["kind"], queue["label"], queue["region"]) == (
        "vip-line", "enterprise", "企业服务专线", "990000")  # the admin's own region: the province
    assert hotline(["cti", "queue", "set", "vip-line", "--kind", "expert", "--region", "990200"]) == 0
    assert hotline(["cti", "queue", "set", "vip-line", "--region", "990100", "--as", "city_admin"]) == 0
    assert hotline(["cti", "queue", "set", "vip-line", "--region", "990200", "--as", "city_admin"]) == 2
    capsys.readouterr()
    assert hotline(["cti", "queue", "list", "--json"]) == 0
    queues = {q["region"]: q["kind"] for q in json.loads(capsys.readouterr().out)}
    assert queues == {"990000": "enterprise", "990100": "general", "990200": "expert"}


def test_the_rollup_command_brings_the_statistics_up_to_date_and_rebuilds_them(hotline, capsys):
    key_made = hotline(["cti", "key", "create", "--name", "交换机", "--unit", "C-990100"])
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key_made == 0 and _post_events(hotline.url, key) == 202  # type: ignore[attr-defined]
    assert hotline(["cti", "rollup"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["rebuild"] is False and first["call_hours"] >= 1  # the first run aggregates every hour
    later = dt.datetime.now(dt.UTC)
    for minutes, expected in ((5, 1), (10, 0)):  # the cursor stays a minute behind the clock (LAG)
        with time_machine.travel(later + dt.timedelta(minutes=minutes), tick=False):
            assert hotline(["cti", "rollup"]) == 0
        assert json.loads(capsys.readouterr().out)["call_hours"] == expected, minutes
    assert hotline(["cti", "rollup", "--rebuild"]) == 0
    assert json.loads(capsys.readouterr().out)["call_hours"] == first["call_hours"]


def test_seats_are_added_changed_and_deactivated_through_the_api(api, db, world):
    admin = api("city_admin")
    created = admin.post("/api/v1/cti/seats", json={"code": "S101", "kind": "enterprise", "operator": "外包甲"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["code"], body["kind"], body["region"], body["operator"], body["active"]) == (
        "S101", "enterprise", "990100", "外包甲", True)
    assert admin.post("/api/v1/cti/seats", json={"code": "S101"}).status_code == 409
    for payload, field in (({"code": "S 1"}, "code"), ({"code": ""}, "code"), ({"code": "S102", "kind": "vip"}, "kind"),
                           ({"code": "S102", "region": "990200"}, "region"),
                           ({"code": "S102", "region": "999999"}, "region"),
                           ({"code": "S102", "unit": "990200-zj"}, "unit")):
        refused = admin.post("/api/v1/cti/seats", json=payload)
        assert refused.status_code == 422, (payload, refused.text)
        assert field in refused.text
    ref = body["ref"]
    changed = admin.patch(f"/api/v1/cti/seats/{ref}", json={"kind": "expert", "unit": "990100-zj", "operator": None})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["kind"], changed.json()["unit"], changed.json()["operator"]) == ("expert", "990100-zj", None)
    assert admin.patch(f"/api/v1/cti/seats/{ref}", json={"kind": "boss"}).status_code == 422
    # an agent logged in on the seat is logged out when it is deactivated
    agent = api("agent")
    assert agent.post("/api/v1/cti/seats", json={"code": "S103"}).status_code == 403
    from hotline.telephony import seats

    seats.log_in(db, world.p("agent"), seat_code="S101")
    db.commit()
    off = admin.patch("/api/v1/cti/seats/S101", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False and off.json()["agent"] is None
    db.expire_all()
    seat = db.execute(select(Seat).where(Seat.code == "S101")).scalar_one()
    assert seat.state == "logged_out" and seat.agent_id is None
    assert api("other_admin").patch(f"/api/v1/cti/seats/{ref}", json={"active": True}).status_code == 404
    actions = db.execute(select(AuditEvent.action).where(AuditEvent.object_id == ref)).scalars().all()
    assert actions.count("seat.created") == 1 and actions.count("seat.updated") == 2


def test_queues_are_mapped_by_name_or_number(api, db):
    admin = api("admin")
    created = admin.post("/api/v1/cti/queues", json={"name": "support@default", "kind": "general"})
    assert created.status_code == 201
    assert admin.post("/api/v1/cti/queues", json={"name": "support@default"}).status_code == 409
    by_name = admin.patch("/api/v1/cti/queues/support@default", json={"kind": "expert", "label": "专家坐席"})
    assert by_name.status_code == 200 and by_name.json()["kind"] == "expert"
    by_id = admin.patch(f"/api/v1/cti/queues/{created.json()['id']}", json={"label": None})
    assert by_id.status_code == 200 and by_id.json()["label"] is None and by_id.json()["kind"] == "expert"
    refused = admin.patch("/api/v1/cti/queues/support@default", json={"kind": "vip"})
    assert refused.status_code == 422 and "kind" in refused.text
    assert admin.patch("/api/v1/cti/queues/nope", json={"kind": "general"}).status_code == 404
    assert [q["name"] for q in admin.get("/api/v1/cti/queues").json()] == ["support@default"]


def test_a_queue_the_pbx_names_first_is_then_mapped_by_the_admin(api):
    pbx = api("pbx")
    event = {"call_id": "q-1", "seq": 1, "type": "queued", "at": "2026-12-06T09:00:00+08:00", "queue": "vip"}
    assert pbx.post("/api/v1/cti/events", json=[event]).status_code == 202
    admin = api("city_admin")
    assert admin.patch("/api/v1/cti/queues/vip", json={"kind": "enterprise", "label": "企业专线"}).status_code == 200
    [queue] = [q for q in admin.get("/api/v1/cti/queues").json() if q["name"] == "vip"]
    assert queue["kind"] == "enterprise"


def test_the_admin_page_adds_seats_maps_queues_and_issues_keys_shown_once(api):
    admin = api("city_admin")
    page = admin.get("/cti/admin")
    assert page.status_code == 200 and "坐席与队列" in page.text
    added = admin.post("/cti/admin/seats", data={"code": "P001", "kind": "general", "operator": "外包乙"},
                       follow_redirects=False)
    assert added.status_code == 303
    assert "P001" in admin.get("/cti/admin").text
    refused = admin.post("/cti/admin/seats", data={"code": "P001", "kind": "general"})
    assert refused.status_code == 409 and "已存在" in refused.text
    bad = admin.post("/cti/admin/keys", data={"key_name": "页面签发", "key_unit": "990100-zj"})
    assert bad.status_code == 422 and "热线中心" in bad.text
    created = admin.post("/cti/admin/keys", data={"key_name": "页面签发"})
    assert created.status_code == 201 and "只显示这一次" in created.text
    [row] = [k for k in admin.get("/api/v1/cti/keys").json() if k["name"] == "页面签发"]
    again = admin.get("/cti/admin").text
    assert row["hint"] in again
    key = re.search(re.escape(row["hint"]) + r"[A-Za-z0-9_-]+", created.text).group(0)  # type: ignore[union-attr]
    assert key not in again
    assert admin.post(f"/cti/admin/keys/{row['id']}/revoke", follow_redirects=False).status_code == 303
    assert admin.post("/cti/admin/queues", data={"name": "walk-in", "kind": "expert", "label": "专家"},
                      follow_redirects=False).status_code == 303
    assert "walk-in" in admin.get("/cti/admin").text
    seat = next(s for s in admin.get("/api/v1/cti/seats").json() if s["code"] == "P001")
    assert admin.post(f"/cti/admin/seats/{seat['ref']}", data={"active": "0"},
                      follow_redirects=False).status_code == 303
    assert next(s for s in admin.get("/api/v1/cti/seats").json() if s["code"] == "P001")["active"] is False


def test_odd_identifiers_are_refused_not_failed(api):
    admin = api("admin")
    assert admin.patch("/api/v1/cti/queues/²", json={"kind": "general"}).status_code == 404  # a digit, not 0–9
    assert admin.patch("/api/v1/cti/queues/a%00b", json={"kind": "general"}).status_code == 404
    assert admin.patch("/api/v1/cti/seats/S%00", json={"kind": "general"}).status_code == 404
    for payload, field in (({"code": "S1", "region": "99\x00"}, "region"), ({"code": "S1", "unit": "C\x00"}, "unit")):
        refused = admin.post("/api/v1/cti/seats", json=payload)
        assert refused.status_code == 422 and field in refused.text
    assert admin.post("/api/v1/cti/keys", json={"name": "k", "unit": "C\x00"}).status_code == 422
