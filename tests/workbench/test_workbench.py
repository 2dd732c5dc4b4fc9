"""The workbench: each role's home page shows what it acts on, every count opens the list behind
it and agrees with that list, the most urgent items come first with their countdowns."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import update

from hotline.supervision.models import LetterKind
from hotline.workorder.models import WorkOrder
from tests.workorder.test_api_flow import INTAKE, post

KEYS = {
    "agent": {"taken_today", "drafts", "callbacks", "knowledge"},
    "dispatcher": {"pending", "returned", "extensions", "direct_failed"},
    "supervisor": {"pending", "returned", "extensions", "direct_failed", "deadlines", "replied", "escalated",
                   "warnings", "letters"},
    "handler": {"to_sign", "to_reply", "due_soon", "overdue", "rehandle", "letters"},
    "manager": {"to_sign", "to_reply", "due_soon", "overdue", "rehandle", "letters"},
    "sector": {"sector_overdue", "spot_checks"},
    "auditor": {"chain", "sensitive"},
    "kb_editor": {"drafts", "rejected", "submitted", "documents"},
    "kb_reviewer": {"to_review", "drafts", "rejected", "documents"},
    "admin": {"messages_failed", "messages_pending"},
}


def bench(client) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    response = client.get("/api/v1/workbench")
    assert response.status_code == 200, response.text
    return {c["key"]: c for c in response.json()["cards"]}


def search_total(client, url: str) -> int:  # type: ignore[no-untyped-def]
    params = {k: v for k, v in parse_qsl(urlsplit(url).query) if k != "run"}
    response = client.get("/api/v1/work-orders/search", params=params)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def dispatched(api, world, **change) -> str:  # type: ignore[no-untyped-def]
    order = post(api("agent"), "/api/v1/work-orders", {**INTAKE, **change}, 201)
    post(api("dispatcher"), f"/api/v1/work-orders/{order['number']}/dispatch",
         {"lead_unit_id": world.units["990100-zj"], "version": order["version"]})
    return str(order["number"])


@pytest.mark.parametrize("user", sorted(KEYS))
def test_every_role_sees_its_own_cards_on_its_home_page(api, world, user) -> None:  # type: ignore[no-untyped-def]
    client = api(user)
    assert set(bench(client)) == KEYS[user]
    page = client.get("/")
    assert page.status_code == 200
    for key in KEYS[user]:
        assert f'id="card-{key}"' in page.text
    assert "行政区划</span>" not in page.text  # the old three counts are gone


def test_a_units_queues_follow_its_orders(api, world, db) -> None:  # type: ignore[no-untyped-def]
    handler = api("handler")
    before = bench(handler)
    number = dispatched(api, world)
    cards = bench(handler)
    assert cards["to_sign"]["count"] == before["to_sign"]["count"] + 1
    assert any(number in line["text"] and line["url"] == f"/orders/{number}" and line["note"]
               for line in cards["to_sign"]["lines"])
    listed = handler.get("/api/v1/work-orders", params={"inbox": True, "status": "dispatched"})
    assert int(listed.headers["X-Total-Count"]) == cards["to_sign"]["count"]
    post(handler, f"/api/v1/work-orders/{number}/sign")
    cards = bench(handler)
    assert cards["to_sign"]["count"] == before["to_sign"]["count"]
    assert cards["to_reply"]["count"] == before["to_reply"]["count"] + 1
    db.execute(update(WorkOrder).where(WorkOrder.number == number).values(overdue_at=WorkOrder.registered_at))
    db.flush()
    cards = bench(handler)
    assert cards["overdue"]["count"] == before["overdue"]["count"] + 1 and cards["overdue"]["hot"]
    assert api("other_handler").get("/api/v1/workbench").json()["cards"][3]["count"] == 0  # another unit's


def test_due_soon_and_rehandled_counts_agree_with_the_search_they_open(api, world, db) -> None:  # type: ignore[no-untyped-def]
    soon = dispatched(api, world, title="临期件")
    again = dispatched(api, world, title="重办件")
    db.execute(update(WorkOrder).where(WorkOrder.number == soon).values(due_soon_warned_at=WorkOrder.registered_at))
    db.execute(update(WorkOrder).where(WorkOrder.number == again).values(status="handling", rehandle_count=1))
    db.flush()
    handler = api("handler")
    cards = bench(handler)
    for key in ("due_soon", "rehandle"):
        assert cards[key]["count"] >= 1
        assert search_total(handler, cards[key]["url"]) == cards[key]["count"], key
    supervisor = api("supervisor")
    table = bench(supervisor)["deadlines"]["table"]
    row = next(r for r in table if r["unit"] == "青川市住建局")
    assert row["due_soon"] >= 1
    assert search_total(supervisor, row["due_soon_url"]) == row["due_soon"]


def test_the_dispatchers_queue_oldest_first_with_a_suggestion(api, world) -> None:  # type: ignore[no-untyped-def]
    first = post(api("agent"), "/api/v1/work-orders", {**INTAKE, "title": "最早的待派单"}, 201)["number"]
    post(api("agent"), "/api/v1/work-orders", {**INTAKE, "title": "后来的待派单"}, 201)
    dispatcher = api("dispatcher")
    card = bench(dispatcher)["pending"]
    listed = dispatcher.get("/api/v1/work-orders", params={"status": "registered"})
    assert card["count"] == int(listed.headers["X-Total-Count"]) >= 2
    mine = [line for line in card["lines"] if "待派单" in line["text"]]
    assert mine[0]["url"] == f"/orders/{first}"
    assert "建议：青川市住建局" in mine[0]["note"]


def test_a_failed_direct_dispatch_waits_on_the_dispatchers_workbench(api, world) -> None:  # type: ignore[no-untyped-def]
    admin = api("admin")
    rule = admin.post("/api/v1/direct-dispatch-rules", json={
        "name": "燃气泄漏", "category_codes": [], "keywords": ["燃气泄漏"], "target": "utility", "utility_type": "gas"})
    assert rule.status_code == 201, rule.text
    number = post(api("agent"), "/api/v1/work-orders", {**INTAKE, "title": "楼道燃气泄漏",
                                                          "content": "闻到燃气泄漏的味道"}, 201)["number"]
    card = bench(api("dispatcher"))["direct_failed"]
    assert card["count"] >= 1 and any(number in line["text"] for line in card["lines"])
    timeline = api("agent").get(f"/api/v1/work-orders/{number}/timeline").json()
    assert any("直派失败" in str(entry) for entry in timeline)


def test_the_agents_orders_of_today(api, world) -> None:  # type: ignore[no-untyped-def]
    agent = api("agent")
    before = bench(agent)["taken_today"]["count"]
    post(agent, "/api/v1/work-orders", {**INTAKE, "title": "今日受理"}, 201)
    card = bench(agent)["taken_today"]
    assert card["count"] == before + 1
    assert search_total(agent, card["url"]) == card["count"]


def test_letters_to_answer_reach_the_unit_and_the_supervisor(api, world, db) -> None:  # type: ignore[no-untyped-def]
    from hotline.supervision import service as supervision

    number = dispatched(api, world, title="督办函件")
    order = db.query(WorkOrder).filter_by(number=number).one()
    supervision.issue_letter(db, world.p("supervisor"), order, kind=LetterKind.reminder, reason="请加快办理")
    db.flush()
    unit = bench(api("handler"))["letters"]
    assert unit["count"] >= 1 and any(number in line["text"] for line in unit["lines"])
    assert bench(api("supervisor"))["letters"]["count"] >= 1
    assert bench(api("other_handler"))["letters"]["count"] == 0


def test_the_auditor_sees_the_last_chain_check(api, world) -> None:  # type: ignore[no-untyped-def]
    auditor = api("auditor")
    assert auditor.post("/api/v1/audit/verify").json()["ok"] is True
    card = bench(auditor)["chain"]
    assert "校验通过" in card["hint"] and card["count"] > 0 and not card["hot"]


def test_a_callback_not_reached_shows_the_attempts_and_the_retry(api, world) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(api, world, title="回访重拨件")
    orders = "/api/v1/work-orders"
    post(api("handler"), f"{orders}/{number}/sign", {})
    post(api("handler"), f"{orders}/{number}/reply", {"result": "resolved", "text": "已修复"})
    post(api("dispatcher"), f"{orders}/{number}/review", {"accept": True})
    agent = api("agent")
    line = next(ln for ln in bench(agent)["callbacks"]["lines"] if number in ln["text"])
    assert line["note"] == "待回访"
    post(agent, f"{orders}/{number}/callback", {"reached": False})
    line = next(ln for ln in bench(agent)["callbacks"]["lines"] if number in ln["text"])
    assert line["note"].startswith("已拨 1 次未接通") and "第 2 次重拨" in line["note"] and line["hot"]


@pytest.mark.parametrize(("index", "query"), [
    ("ix_work_order_callback_due", "callbacks"),
    ("ix_work_order_in_hand_late", "deadlines"),
])
def test_the_workbench_queries_can_read_their_partial_indexes(db, world, index, query) -> None:  # type: ignore[no-untyped-def]
    """A planner uses a partial index only when the query repeats its condition: the queries
    write it with literals. (SQLite: forced onto the index; PostgreSQL: forced off the table
    scan, the plan names it.)"""
    from sqlalchemy import text

    from hotline.workbench import repository as repo

    scope = lambda stmt: stmt.where(WorkOrder.centre_unit_id.in_([1, 2]))  # noqa: E731 (a centre's scope)
    if query == "callbacks":
        stmt = repo.scoped(scope, repo.WAITING_CALLBACK).with_only_columns(WorkOrder.id).order_by(
            WorkOrder.replied_at, WorkOrder.id).limit(5)
    else:
        captured = []
        original = db.execute
        db.execute = lambda s, *a, **k: captured.append(s) or original(s, *a, **k)  # type: ignore[method-assign]
        try:
            repo.deadlines_by_unit(db, scope, 5)
        finally:
            del db.execute
        stmt = captured[0]
    compiled = stmt.compile(db.get_bind(), compile_kwargs={"render_postcompile": True})  # parameters stay such
    sql, connection = str(compiled), db.connection()
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + sql, compiled.params))
    else:  # SQLite refuses INDEXED BY an index the query cannot use ("no query solution")
        forced = sql.replace("FROM work_order", f"FROM work_order INDEXED BY {index}", 1)
        values = tuple(compiled.params[name] for name in compiled.positiontup or [])
        plan = "\n".join(str(r[-1]) for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + forced, values))
    assert index in plan, plan
