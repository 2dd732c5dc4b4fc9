"""The order search: number, phone (by keyed hash), text (bigram index + substring), every filter,
scopes, keyset pages, capped totals, the Excel export and saved searches — through the API and
the page."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text, update

from hotline.audit.models import AuditEvent
from hotline.kit import clock, grams
from hotline.workorder import export, search, search_repository
from hotline.workorder.models import WorkOrder
from tests.workorder.test_api_flow import INTAKE, post

URL = "/api/v1/work-orders/search"


def new(api, user="agent", **change):  # type: ignore[no-untyped-def]
    return post(api(user), "/api/v1/work-orders", {**INTAKE, **change}, 201)["number"]


def numbers(client, **params):  # type: ignore[no-untyped-def]
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    return [o["number"] for o in response.json()["items"]]


def test_bigrams_cover_every_substring_of_two_characters_or_more() -> None:
    doc = set(grams.document("楼上装修噪音扰民", "每天早上７点开始"))
    doc = set(grams.document("楼上装修噪音扰民", "每天早上７点开始").split())
    for query in ("噪音", "装修噪音", "噪音扰民", "7点开始"):
        assert set(grams.query_terms(query) or []) <= doc, query
    assert grams.query_terms("噪") is None
    assert grams.query_terms("噪，音") is None  # punctuation splits runs: no bigram spans it
    assert len(grams.query_terms("一二三四五六七八九十甲乙丙丁") or []) == grams.MAX_QUERY_TERMS


def test_text_finds_substrings_and_every_word(api, world) -> None:  # type: ignore[no-untyped-def]
    noise = new(api, title="楼上装修噪音扰民", content="每天早上七点开始电钻，严重影响休息", address="解放路3号")
    lamp = new(api, phone="13911113333")
    agent = api("agent")
    assert numbers(agent, q="噪音") == [noise]
    assert numbers(agent, q="电钻 休息") == [noise]
    assert numbers(agent, q="电钻 路灯") == []
    assert numbers(agent, q="幸福路") == [lamp]  # the place is searched too
    assert numbers(agent, q="小区") == [lamp]
    response = agent.get(URL, params={"q": "噪"})
    assert response.status_code == 422 and response.json()["field"] == "q"


def test_like_wildcards_in_the_query_are_plain_characters(api, world) -> None:  # type: ignore[no-untyped-def]
    odd = new(api, title="满意度100%_调查/回访", content="回访记录")
    plain = new(api, title="满意度1000调查", content="回访记录")
    agent = api("agent")
    assert numbers(agent, q="100%_调查/回访") == [odd]
    assert numbers(agent, q="100%") == [odd]  # not 1000: % is a percent sign
    assert numbers(agent, q="100_调查") == []  # not 1000调查: _ is an underscore
    assert numbers(agent, q="1000调查") == [plain]


def test_confidential_reports_are_not_searched_by_text_for_units(api, world, db) -> None:  # type: ignore[no-untyped-def]
    number = new(api, title="举报某单位违规收费", content="举报人张小明反映收费问题", is_confidential=True,
                 appeal_type="report", category_code="0101")
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch",
         {"lead_unit_id": world.units["990100-zj"],
          "version": api("agent").get(f"/api/v1/work-orders/{number}").json()["version"]})
    assert numbers(api("agent"), q="张小明") == [number]
    assert numbers(api("handler"), q="张小明") == []
    assert numbers(api("handler"), number=number) == [number]


@pytest.mark.parametrize("windows", [None, (1, 2)])
def test_a_units_text_search_reads_its_own_orders_for_the_page_and_the_total(
        api, world, db, monkeypatch, windows) -> None:  # type: ignore[no-untyped-def]
    """A unit tests the words on its own orders (no index): the first page and the total come
    from one read of the matching ids (PostgreSQL: window by window of its newest orders, each
    order once); the next pages go on by keyset."""
    if windows:
        monkeypatch.setattr(search_repository, "SCOPE_WINDOWS", windows)
    dispatcher = api("dispatcher")
    mine = []
    for i in range(5):
        number = new(api, title=f"单位查询{i}")
        if i != 2:  # one stays with the centre: not the unit's
            post(dispatcher, f"/api/v1/work-orders/{number}/dispatch",
                 {"lead_unit_id": world.units["990100-zj"],
                  "version": api("agent").get(f"/api/v1/work-orders/{number}").json()["version"]})
            mine.append(number)
    handler = api("handler")
    body = handler.get(URL, params={"q": "单位查询", "limit": 3}).json()
    assert [o["number"] for o in body["items"]] == sorted(mine, reverse=True)[:3]
    assert (body["total"], body["total_capped"]) == (4, False)
    rest = handler.get(URL, params={"q": "单位查询", "limit": 3, "after": body["next_after"]}).json()
    assert [o["number"] for o in rest["items"]] == sorted(mine, reverse=True)[3:] and rest["next_after"] is None
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    body = handler.get(URL, params={"q": "单位查询", "limit": 1}).json()
    assert (len(body["items"]), body["total"], body["total_capped"]) == (1, 2, True)


def test_number_and_phone_are_exact_and_phone_searches_are_audited(api, world, db) -> None:  # type: ignore[no-untyped-def]
    first = new(api, phone="13911114444", title="第一件")
    new(api, phone="13911115555", title="第二件")
    agent = api("agent")
    assert numbers(agent, number=first) == [first]
    assert numbers(agent, number=first.lower()) == [first]
    assert numbers(agent, phone="139-1111-4444") == [first]
    assert numbers(agent, phone="13911114445") == []
    events = db.execute(select(AuditEvent).where(AuditEvent.action == "pii.searched")).scalars().all()
    assert len(events) == 2 and "13911114444" not in str(events[0].detail)
    for user in ("handler", "sector"):
        assert api(user).get(URL, params={"phone": "13911114444"}).status_code == 403
    for params, field in (({"number": "HL123"}, "number"), ({"phone": "12"}, "phone"), ({"from": "2026-13-01"}, "from"),
                          ({"from": "2026-12-05", "to": "2026-12-01"}, "to"), ({"status": "done"}, "status"),
                          ({"category": "9999"}, "category"), ({"region": "123"}, "region"),
                          ({"channel": "fax"}, "channel"), ({"lead_unit": "nope"}, "lead_unit"),
                          ({"overdue": "maybe"}, "overdue"), ({"uscc": "123"}, "uscc"),
                          ({"satisfaction": "happy"}, "satisfaction"), ({"after": "HL00000000000000"}, "after"),
                          ({"colour": "red"}, "colour")):
        response = agent.get(URL, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["field"] == field


def test_every_filter_narrows_and_combines(api, world, db) -> None:  # type: ignore[no-untyped-def]
    plain = new(api, title="普通件")
    urgent = new(api, title="紧急件", urgency="emergency", category_code="0201", region_code="990102")
    firm = new(api, title="企业件", is_enterprise=True, enterprise_name="青川市示范科技有限公司",
               uscc="91350100M000100Y43", appeal_type="help")
    flagged = new(api, title="问题件")
    db.execute(update(WorkOrder).where(WorkOrder.number == flagged).values(
        overdue_at=WorkOrder.registered_at, return_count=1, rehandle_count=2, urge_count=3,
        final_verdict="dissatisfied", status="closed"))
    db.flush()
    agent = api("agent")
    mine = {plain, urgent, firm, flagged}

    def only(**params: str) -> set[str]:
        return set(numbers(agent, limit="500", **params)) & mine

    assert only(urgency="emergency") == {urgent}
    assert only(category="02") == {urgent}  # the subtree
    assert only(category="01") == {plain, firm, flagged}
    assert only(region="990102") == {urgent, plain, firm, flagged}
    assert only(region="990102001") == {plain, firm, flagged}
    assert only(enterprise="true") == {firm}
    assert only(enterprise="false") == mine - {firm}
    assert only(uscc="91350100M000100Y43") == {firm}
    assert only(enterprise_name="示范科技") == {firm}
    assert only(appeal_type="help") == {firm}
    assert only(channel="phone") == mine
    for flag in ("overdue", "returned", "rehandled", "urged"):
        assert only(**{flag: "true"}) == {flagged}, flag
        assert only(**{flag: "false"}) == mine - {flagged}, flag
    assert only(satisfaction="dissatisfied") == {flagged}
    assert only(satisfaction="unrated") == mine - {flagged}
    assert only(status="open") == mine - {flagged}
    assert only(status="closed,registered") == mine
    assert only(status="open", urgency="emergency", category="02") == {urgent}
    assert only(merged="true") == set()
    today = agent.get(f"/api/v1/work-orders/{plain}").json()["registered_at"]
    assert plain in only(**{"from": "2000-01-01"})
    assert only(to="2000-01-01") == set() and today


def test_scopes_and_keyset_pages(api, world) -> None:  # type: ignore[no-untyped-def]
    made = [new(api, title=f"分页{i}") for i in range(5)]
    agent = api("agent")
    seen: list[str] = []
    after = None
    while True:
        params = {"q": "分页", "limit": 2, **({"after": after} if after else {})}
        body = agent.get(URL, params=params).json()
        assert body["total"] == 5 and body["total_capped"] is False
        seen += [o["number"] for o in body["items"]]
        after = body["next_after"]
        if after is None:
            break
    assert seen == sorted(made, reverse=True)  # newest first, each once
    assert numbers(api("handler"), q="分页") == []  # not the unit's
    other = api("other_admin")
    assert other.get(URL).status_code == 403  # administrators read no orders


def _windowed(api, db, monkeypatch) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Three old orders and two new ones about 窗口, six others between them, and windows too
    narrow for either group: the newest 3 ids, then all but the oldest match."""
    old = [new(api, title=f"窗口旧{i}") for i in range(3)]
    for i in range(6):
        new(api, title=f"无关{i}")
    fresh = [new(api, title=f"窗口新{i}") for i in range(2)]
    newest = db.execute(select(WorkOrder.id).order_by(WorkOrder.id.desc()).limit(1)).scalar_one()
    first = db.execute(select(WorkOrder.id).where(WorkOrder.number == old[0])).scalar_one()
    monkeypatch.setattr(search_repository, "TEXT_WINDOWS", (3, newest - first - 1))
    return old, fresh


def test_a_text_count_out_of_time_gives_what_it_found_as_a_lower_bound(
        api, world, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A page's text search is counted for a limited time (PostgreSQL window by window, SQLite
    along its FTS index); when it runs out, the total is what it found (or what the page shows,
    if more), marked as "at least" — never an invented figure."""
    old, fresh = _windowed(api, db, monkeypatch)
    agent = api("agent")
    expected = sorted([*old, *fresh], reverse=True)
    postgres = db.get_bind().dialect.name == "postgresql"

    def first_page() -> dict[str, object]:
        response = agent.get(URL, params={"q": "窗口", "limit": 1})
        assert response.status_code == 200, response.text
        body = response.json()
        assert [o["number"] for o in body["items"]] == expected[:1]
        return body

    monkeypatch.setattr(search_repository, "TEXT_COUNT_SECONDS", 0)  # no time past what the page needs
    body = first_page()
    # the page (1, and whether there is a next) is full, the count has had no time for more:
    # PostgreSQL's first window holds the 2 new ones; SQLite stops at the first match past
    # the page's two
    assert (body["total"], body["total_capped"]) == ((2, True) if postgres else (3, True))
    assert search.count(db, world.principals["agent"], search.parse({"q": "窗口"})) == 5  # exact when asked
    if postgres:  # a window's statement cancelled by its timeout: the request goes on in its savepoint
        monkeypatch.setattr(search_repository, "TEXT_COUNT_SECONDS", 0.001)
        still = SimpleNamespace(monotonic=lambda: 0.0)  # each statement has the 1 ms left
        monkeypatch.setattr(search_repository, "time", still)
        monkeypatch.setattr(search, "time", still)
        scope = search._scope
        monkeypatch.setattr(search, "_scope", lambda session, principal: lambda stmt: scope(session, principal)(
            stmt).where(text("pg_sleep(0.05) IS NOT NULL")))
        body = first_page()
        assert (body["total"], body["total_capped"]) == (2, True)
    # a page the first window cannot fill reads on whatever the time (here: all of them at
    # once, the word being rare) and its count comes with it
    monkeypatch.setattr(search_repository, "TEXT_COUNT_SECONDS", 0)
    body = agent.get(URL, params={"q": "窗口", "limit": 3}).json()
    assert [o["number"] for o in body["items"]] == expected[:3]
    # (SQLite has read the fifth when time is found out, not that there is no sixth)
    assert (body["total"], body["total_capped"]) == (5, not postgres)
    # with time enough, every match is counted
    monkeypatch.setattr(search_repository, "TEXT_COUNT_SECONDS", 60)
    body = first_page()
    assert (body["total"], body["total_capped"]) == (5, False)


def test_a_text_search_in_windows_of_the_newest_orders_finds_what_an_unbounded_one_does(
        api, world, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL looks words up among the newest orders first, widening the window until the
    page is full; the pages and the total are those of the whole table (SQLite: no windows)."""
    old, fresh = _windowed(api, db, monkeypatch)
    agent = api("agent")
    expected = sorted([*old, *fresh], reverse=True)
    body = agent.get(URL, params={"q": "窗口", "limit": 4}).json()
    assert [o["number"] for o in body["items"]] == expected[:4] and body["total"] == 5
    rest = agent.get(URL, params={"q": "窗口", "limit": 4, "after": body["next_after"]}).json()
    assert [o["number"] for o in rest["items"]] == expected[4:]
    assert numbers(agent, q="窗口新") == sorted(fresh, reverse=True)  # found in the first window
    if db.get_bind().dialect.name == "postgresql":
        # a page the first window cannot fill widens by what the page needs (the next window),
        # not by what the count wants (1,001: every match at once, read whatever the time)
        reads: list[search_repository.Criteria] = []
        read = search_repository._read
        monkeypatch.setattr(search_repository, "_read", lambda session, scope, c, *a, **k: (
            reads.append(c), read(session, scope, c, *a, **k))[1])
        body = agent.get(URL, params={"q": "窗口", "limit": 2}).json()
        assert [o["number"] for o in body["items"]] == expected[:2] and body["total"] == 5
        windows = [(c.text_after_id is not None, c.text_until_id is not None) for c in reads[:2]]
        assert windows == [(True, False), (True, True)]  # the newest, then the next stretch
        monkeypatch.setattr(search_repository, "_read", read)
    # a cap the first window cannot fill: the count goes on window by window (older stretches
    # only, each order counted once) — with the default cap it counts everything afresh at once
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    body = agent.get(URL, params={"q": "窗口"}).json()
    assert body["total"] == 5 and body["total_capped"] is False
    monkeypatch.setattr(search, "COUNT_CAP", 1)
    assert agent.get(URL, params={"q": "窗口"}).json()["total_capped"] is True


def test_next_pages_show_the_total_their_first_page_counted_for_a_minute(api, world, db) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        new(api, title=f"续页{i}")
    agent, query, t0 = world.principals["agent"], search.parse({"q": "续页"}), clock.now()

    def at(seconds: int, after: str | None) -> search.Page:
        moment = t0 + dt.timedelta(seconds=seconds)
        with clock.pinned(moment):
            return search.search(db, agent, query, after=after, limit=2, now=moment)

    first = at(0, None)
    assert first.total == 3 and first.next_after is not None
    new(api, title="续页3")
    assert at(30, first.next_after).total == 3  # the first page's count, not counted again
    assert at(61, first.next_after).total == 4  # a minute on: counted afresh (the reuse at 30 s kept no entry alive)
    assert at(62, None).total == 4  # a first page always counts


def test_a_first_page_is_the_newest_whether_its_ids_came_with_the_count_or_not(
        api, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Without words the first page's ids come from the count's read when it read every match
    (sorted newest first), else from a page read along the id order: the same page either way."""
    made = [new(api, title=f"首页{i}", appeal_type="praise") for i in range(5)]
    agent = api("agent")
    everything = [o["number"] for o in agent.get(URL, params={"appeal_type": "praise", "limit": 100}).json()["items"]]
    assert set(made) <= set(everything) and everything == sorted(everything, reverse=True)
    for cap in (1000, 3):  # all of them counted; the count stopped at its cap
        monkeypatch.setattr(search, "COUNT_CAP", cap)
        body = agent.get(URL, params={"appeal_type": "praise", "limit": 2}).json()
        assert [o["number"] for o in body["items"]] == everything[:2], cap
        assert (body["total"], body["total_capped"]) == (min(len(everything), cap), len(everything) > cap)


def test_totals_are_counted_up_to_a_cap(api, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for i in range(4):
        new(api, title=f"计数{i}")
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    body = api("agent").get(URL, params={"q": "计数"}).json()
    assert body["total"] == 2 and body["total_capped"] is True


def test_export_masks_contact_data_per_role_and_is_audited(api, world, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    number = new(api, title="导出测试", phone="13911116666", name="李四")
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch",
         {"lead_unit_id": world.units["990100-zj"],
          "version": api("agent").get(f"/api/v1/work-orders/{number}").json()["version"]})

    def sheet(user: str) -> list[tuple[object, ...]]:
        response = api(user).get(URL + "/export", params={"q": "导出测试"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        return [tuple(v for v in row if v is not None)
                for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]

    rows = sheet("agent")
    assert ("查询条件", "关键词：导出测试") in rows
    header = rows.index(tuple(export.HEADERS))
    assert [r[0] for r in rows[header + 1:]] == [number]
    assert rows[header + 1][-2:] == ("李四", "13911116666")  # nothing after the contact columns
    masked = sheet("handler")
    assert masked[masked.index(tuple(export.HEADERS)) + 1][-1] == "139****6666"
    exports = db.execute(select(AuditEvent).where(AuditEvent.action == "work_order.exported")).scalars().all()
    assert len(exports) == 2 and exports[0].detail["orders"] == 1
    views = db.execute(select(AuditEvent).where(AuditEvent.action == "pii.viewed",
                                                AuditEvent.actor_name == "agent")).scalars().all()
    assert any(v.detail.get("purpose") == "export" for v in views)
    monkeypatch.setattr(export, "INLINE_ROWS", 0)
    response = api("agent").get(URL + "/export", params={"q": "导出测试"})
    assert response.status_code == 409 and "导出任务" in response.json()["message"]


@pytest.mark.parametrize("limit", [None, 4])
def test_an_export_reads_its_ids_by_stretches_and_its_rows_by_batches(
        api, world, db, monkeypatch, limit) -> None:  # type: ignore[no-untyped-def]
    made = [new(api, title=f"分段导出{i}") for i in range(7)]
    monkeypatch.setattr(search, "EXPORT_ID_STRETCH", 3)
    found = [f.number for f in search.rows_for_export(db, world.principals["agent"], search.parse({"q": "分段导出"}),
                                                      now=clock.now(), batch=2, limit=limit)]
    assert found == sorted(made, reverse=True)[:limit]  # newest first, each once, no more than asked


def test_saved_searches_are_private(api, world) -> None:  # type: ignore[no-untyped-def]
    agent = api("agent")
    created = agent.post("/api/v1/saved-searches", json={"name": "超期未办", "query": "status=open&overdue=true"})
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["query"] == "status=open&overdue=true" and "是否超期：是" in saved["summary"]
    assert [s["name"] for s in agent.get("/api/v1/saved-searches").json()] == ["超期未办"]
    again = agent.post("/api/v1/saved-searches", json={"name": "超期未办", "query": "urged=true"})
    assert again.status_code == 409
    bad = agent.post("/api/v1/saved-searches", json={"name": "坏", "query": "status=done"})
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    assert agent.post("/api/v1/saved-searches", json={"name": "空", "query": ""}).status_code == 422
    assert agent.post("/api/v1/saved-searches", json={"name": "怪", "query": "colour=red"}).status_code == 422
    dispatcher = api("dispatcher")
    assert dispatcher.get(f"/api/v1/saved-searches/{saved['ref']}").status_code == 404
    assert dispatcher.delete(f"/api/v1/saved-searches/{saved['ref']}").status_code == 404
    assert agent.delete(f"/api/v1/saved-searches/{saved['ref']}").status_code == 204
    assert agent.get("/api/v1/saved-searches").json() == []


@pytest.mark.parametrize("user", ["agent", "handler"])
def test_the_search_page_lists_saves_and_exports(api, world, user) -> None:  # type: ignore[no-untyped-def]
    number = new(api, title="页面查询测试")
    if user == "handler":
        post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch",
             {"lead_unit_id": world.units["990100-zj"],
              "version": api("agent").get(f"/api/v1/work-orders/{number}").json()["version"]})
    client = api(user)
    page = client.get("/orders/search", params={"q": "页面查询", "run": 1})
    assert page.status_code == 200 and number in page.text and "共 1 件" in page.text
    assert ('name="phone"' in page.text) is (user == "agent")
    bad = client.get("/orders/search", params={"q": "页", "run": 1})
    assert bad.status_code == 200 and "至少 2 个字" in bad.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    saved = client.post("/orders/search/saved", data={"csrf_token": token, "name": "我的查询",
                                                      "query": "q=%E9%A1%B5%E9%9D%A2%E6%9F%A5%E8%AF%A2"},
                        follow_redirects=True)
    assert "已保存查询" in saved.text and "我的查询" in saved.text
    exported = client.get("/orders/search/export.xlsx", params={"q": "页面查询"})
    assert exported.status_code == 200 and exported.content[:2] == b"PK"


def test_a_large_export_runs_as_a_job_with_progress_and_a_download(api, world, factory) -> None:  # type: ignore[no-untyped-def]
    from hotline.workorder import export_jobs

    numbers = [new(api, title=f"导出任务{i}") for i in range(3)]
    agent = api("agent")
    created = agent.post("/api/v1/exports", json={"query": "q=%E5%AF%BC%E5%87%BA%E4%BB%BB%E5%8A%A1"})
    assert created.status_code == 202, created.text
    job = created.json()
    assert job["status"] == "queued" and job["total"] == 3 and job["download"] is None
    assert api("dispatcher").get(f"/api/v1/exports/{job['ref']}").status_code == 404
    export_jobs.run(factory, {"ref": job["ref"]})
    done = agent.get(f"/api/v1/exports/{job['ref']}").json()
    assert done["status"] == "done" and done["done"] == 3 and done["download"]
    assert api("dispatcher").get(done["download"]).status_code == 404
    sheet = agent.get(done["download"])
    assert sheet.status_code == 200
    rows = [tuple(v for v in row if v is not None)
            for row in load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)]
    header = rows.index(tuple(export.HEADERS))
    assert sorted(r[0] for r in rows[header + 1:]) == sorted(numbers)
    page = agent.get("/exports")
    assert page.status_code == 200 and "已完成" in page.text
    empty = agent.post("/api/v1/exports", json={"query": "number=HL20000101000001"})
    assert empty.status_code == 422


def test_the_open_term_of_the_partial_indexes_names_exactly_the_statuses_that_are_not_open() -> None:
    """The search writes "every open status" as the partial indexes' literal term: it must say
    what ``OPEN_STATUSES`` says, or a new status would be searched wrongly as open or not."""
    from hotline.workorder.lifecycle import OPEN_STATUSES, Status
    from hotline.workorder.models import OPEN_INDEX_WHERE, OPEN_OVERDUE_INDEX_WHERE, OPEN_TERM

    excluded = set(re.findall(r"'(\w+)'", OPEN_TERM))
    assert excluded == {s.value for s in set(Status) - OPEN_STATUSES}
    for where in (OPEN_INDEX_WHERE, OPEN_OVERDUE_INDEX_WHERE):
        assert OPEN_TERM.removeprefix("work_order.") in where
