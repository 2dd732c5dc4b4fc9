"""The pages of the month's hotspots (/hotspots), the 专题专办 lists made of them
(/special-lists) and the early warnings (/warnings). Each goes through the same service as the
JSON API: who may open a page or press its buttons is what the service allows, and a refused
request changes nothing."""

import datetime as dt
import html
import re

import pytest
from sqlalchemy import select

import hotline.tasks  # noqa: F401  (registers the job handlers)
from hotline.intelligence import service as intel
from hotline.intelligence.models import EarlyWarning, SpecialList, WarningKind
from hotline.kit import clock, jobs
from hotline.org.models import Unit
from hotline.workorder import service as wo
from hotline.workorder.models import WorkOrder
from tests.intelligence.helpers import month_of_appeals

MONTH = clock.now().astimezone(clock.CST).strftime("%Y-%m")


def _text(fragment):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _section(page, element_id, tag="section"):
    """The markup of the element with ``id`` (up to its closing tag; elements of this kind do
    not nest on these pages)."""
    match = re.search(rf'<{tag}[^>]*id="{element_id}"[^>]*>(.*?)</{tag}>', page, flags=re.S)
    assert match is not None, f"no {tag}#{element_id}"
    return match.group(1)


def _order_links(fragment):
    return re.findall(r'href="/orders/([^"]+)"', fragment)




def _computed(db, world):
    planted = month_of_appeals(db, world)
    snapshot = intel.compute_hotspots(db, db.get(Unit, world.units["C-990100"]), MONTH)
    db.commit()
    return planted, snapshot


def _hotspot_jobs(db):
    db.expire_all()
    return list(db.execute(select(jobs.Job).where(jobs.Job.kind == intel.HOTSPOT_JOB)).scalars())


def _special_lists(db):
    db.expire_all()
    return list(db.execute(select(SpecialList)).scalars())


# --- who opens what ----------------------------------------------------------------------------

ACCESS = {
    # username: (/hotspots, /special-lists, /warnings)
    "dispatcher": (200, 200, 200),
    "supervisor": (200, 200, 200),
    "agent": (403, 200, 403),
    "handler": (403, 200, 403),
    "sector": (403, 200, 403),
    "auditor": (403, 403, 403),
    "admin": (403, 403, 200),  # the province's administrator watches the models, and so the warnings
}


@pytest.mark.parametrize("username", sorted(ACCESS))
def test_the_pages_open_for_the_roles_they_serve_and_refuse_the_others(api, db, world, username):
    client = api(username)
    statuses = tuple(client.get(path).status_code for path in ("/hotspots", "/special-lists", "/warnings"))
    assert statuses == ACCESS[username]
    home = client.get("/").text
    dispatches = username in ("dispatcher", "supervisor")
    assert ('href="/hotspots"' in home) == dispatches
    assert ('href="/warnings"' in home) == dispatches
    if not dispatches:  # nor do the buttons work
        assert client.post("/hotspots/compute", data={"month": MONTH}).status_code == 403
        assert _hotspot_jobs(db) == []


# --- hotspots ----------------------------------------------------------------------------------


def test_an_uncomputed_month_says_so_and_recompute_queues_the_job(api, db, world, factory):
    month_of_appeals(db, world)
    db.commit()
    dispatcher = api("dispatcher")
    page = dispatcher.get("/hotspots").text  # the current month by default
    assert f'name="month" value="{MONTH}"' in page
    assert "还没有计算过" in _text(_section(page, "not-computed", "div"))
    assert 'action="/hotspots/compute"' in page

    r = dispatcher.post("/hotspots/compute", data={"month": MONTH}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/hotspots?month={MONTH}&done=queued"
    queued = _hotspot_jobs(db)
    assert [(j.payload["centre_unit_id"], j.payload["month"]) for j in queued] == [(world.units["C-990100"], MONTH)]
    page = dispatcher.get(r.headers["location"]).text
    assert "重新计算任务" in page and "后台进行" in page
    assert 'id="not-computed"' in page  # not computed until the worker has run

    jobs.drain(factory)
    page = dispatcher.get(f"/hotspots?month={MONTH}").text
    assert 'id="not-computed"' not in page and 'id="hotspot-1"' in page
    assert "翠湖花园" in _text(_section(page, "hotspot-1"))


def test_a_malformed_month_is_refused_and_queues_nothing(api, db, world):
    dispatcher = api("dispatcher")
    assert dispatcher.get("/hotspots?month=2026-13").status_code == 422
    assert dispatcher.post("/hotspots/compute", data={"month": "2026-1"}).status_code == 422
    assert _hotspot_jobs(db) == []


def test_the_page_shows_the_months_hotspots_as_computed(api, db, world):
    planted, snapshot = _computed(db, world)
    top = snapshot.hotspots[0]
    page = api("dispatcher").get(f"/hotspots?month={MONTH}").text
    summary = _text(page)
    assert f"热点于 {snapshot.computed_at.astimezone(clock.CST):%Y-%m-%d %H:%M} 计算，共分析 30 件工单" in summary
    assert page.count('class="card hotspot"') == len(snapshot.hotspots)
    first = _section(page, "hotspot-1")
    cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", first, flags=re.S)]
    # 名称, 关键词, 地点, 件数, 反映人数, 热度, 近期增长, 时间跨度, 月度趋势
    assert cells[0] == " ".join(top["terms"]) and "翠湖花园" in top["terms"]
    assert cells[1] == " ".join(top["keywords"])
    assert cells[2] == (top["place"] or "—")
    assert cells[3] == str(top["count"]) and cells[5] == f"{top['heat']:.1f}"
    assert cells[8] == "；".join(f"{m}：{n} 件" for m, n in sorted(top["trend"].items()))
    assert top["label"] in _text(first) and "第 1 名" in _text(first)
    samples = re.findall(r"<li>(.*?)</li>", first, flags=re.S)
    assert samples == top["samples"][:3] and len(samples) == 3
    # the member orders, collapsed, each a link to its order
    members = _order_links(first)
    numbers = {o.id: o.number for o in planted}
    assert members == [numbers[i] for i in top["order_ids"]]
    assert len(set(members) & set(numbers.values())) >= 8
    assert f"成员工单（{len(members)} 件）" in _text(first)
    # a dispatcher may not make a special list: no form
    assert "转为专题专办" not in page
    assert 'href="/special-lists"' in page


def test_a_supervisor_sees_the_special_list_form_with_the_units_of_the_region_and_above(api, db, world):
    _computed(db, world)
    page = api("supervisor").get(f"/hotspots?month={MONTH}").text
    form = _section(page, "special-1", "details")
    assert "转为专题专办" in form
    options = dict((int(v), _text(n)) for v, n in re.findall(r'<option value="(\d+)"[^>]*>(.*?)</option>', form))
    assert options[world.units["990100-zj"]] == "青川市住建局"  # the city's
    assert options[world.units["990000-sthj"]] == "示范省生态环境厅"  # the province's, above it
    assert world.units["990200-zj"] not in options  # another city's
    assert world.units["C-990100"] not in options  # a centre handles nothing


def test_a_supervisor_makes_a_special_list_through_the_page_and_a_dispatcher_cannot(api, db, world):
    _, snapshot = _computed(db, world)
    top = snapshot.hotspots[0]
    form = {"month": MONTH, "rank": "1", "lead_unit_id": str(world.units["990000-sthj"]), "note": "请牵头整治"}

    assert api("dispatcher").post("/hotspots/special-lists", data=form).status_code == 403
    assert api("handler").post("/hotspots/special-lists", data=form).status_code == 403
    assert _special_lists(db) == []

    supervisor = api("supervisor")
    r = supervisor.post("/hotspots/special-lists", data={**form, "lead_unit_id": ""})
    assert r.status_code == 422 and "请选择牵头单位" in r.text
    assert 'id="special-1" open' in r.text and "请牵头整治" in _section(r.text, "special-1", "details")
    r = supervisor.post("/hotspots/special-lists", data={**form, "lead_unit_id": str(world.units["990200-zj"])})
    assert r.status_code == 422 and "牵头单位不存在" in r.text
    assert supervisor.post("/hotspots/special-lists", data={**form, "rank": "99"}).status_code == 404
    assert _special_lists(db) == []

    r = supervisor.post("/hotspots/special-lists", data=form, follow_redirects=False)
    assert r.status_code == 303
    made = _special_lists(db)
    assert len(made) == 1
    row = made[0]
    assert r.headers["location"] == f"/special-lists?done=created&id={row.id}#list-{row.id}"
    assert row.title == f"专题专办：{top['label']}"[:100] and row.note == "请牵头整治"
    assert row.lead_unit_id == world.units["990000-sthj"] and row.order_ids == top["order_ids"]

    page = supervisor.get(r.headers["location"]).text
    assert f"已建立专题专办清单“{row.title}”（{len(row.order_ids)} 件工单），交示范省生态环境厅牵头办理" in page
    listed = _section(page, f"list-{row.id}", "tr")
    assert "示范省生态环境厅" in _text(listed) and MONTH in _text(listed) and "请牵头整治" in _text(listed)
    numbers = {o.id: o.number for o in (db.get(WorkOrder, i) for i in row.order_ids)}
    assert _order_links(listed) == [numbers[i] for i in row.order_ids]
    # the lead unit's staff see it, another city's handler does not
    assert f'id="list-{row.id}"' in api("sector").get("/special-lists").text
    assert f'id="list-{row.id}"' not in api("other_handler").get("/special-lists").text
    assert "没有专题专办清单" in api("other_handler").get("/special-lists").text


def test_a_title_given_on_the_form_names_the_list(api, db, world):
    _computed(db, world)
    r = api("supervisor").post("/hotspots/special-lists", data={
        "month": MONTH, "rank": "1", "lead_unit_id": str(world.units["990100-zj"]), "title": "翠湖花园垃圾站整治"})
    assert r.status_code == 200 and r.url.path == "/special-lists"
    assert [x.title for x in _special_lists(db)] == ["翠湖花园垃圾站整治"]
    assert "翠湖花园垃圾站整治" in r.text


# --- early warnings ----------------------------------------------------------------------------


def _landslide(db, world):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="山体滑坡", content="村后山体滑坡堵住道路",
        phone="13911112222", category_code=world.categories["lamp"], region_code="990102001"))
    raised = intel.scan_warnings(db, clock.now())
    db.commit()
    assert len(raised) == 1
    return order, raised[0]


def _warning(db, warning_id):
    db.expire_all()
    found = db.get(EarlyWarning, warning_id)
    assert found is not None
    return found


def test_the_warnings_page_lists_a_warning_and_the_dispatcher_acknowledges_it(api, db, world):
    order, raised = _landslide(db, world)
    dispatcher = api("dispatcher")
    page = dispatcher.get("/warnings").text
    row = _section(page, f"warning-{raised.id}", "tr")
    cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
    # 类型, 内容, 地区, 件数 / 常态, 时间段, 工单, 状态
    assert cells[0] == "突发事件"
    assert raised.summary in cells[1] and "山体滑坡" in cells[1]
    assert cells[2] == "示范省 / 青川市 / 东城区 / 东华街道"
    assert cells[3] == "1 件 / —"
    assert cells[4].startswith(f"{raised.window_start.astimezone(clock.CST):%Y-%m-%d %H:%M} 至")
    assert _order_links(row) == [order.number]
    assert f'action="/warnings/{raised.id}/acknowledge"' in row and cells[6] == "确认"

    r = dispatcher.post(f"/warnings/{raised.id}/acknowledge", data={"offset": "0"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/warnings?done=ack#warning-{raised.id}"
    assert _warning(db, raised.id).acknowledged_by_id == world.user_ids["dispatcher"]
    page = dispatcher.get(r.headers["location"]).text
    assert "已确认预警" in page
    row = _section(page, f"warning-{raised.id}", "tr")
    assert "/acknowledge" not in row and "已确认" in _text(row) and "dispatcher" in _text(row)

    r = dispatcher.post(f"/warnings/{raised.id}/acknowledge")  # twice: refused, said on the page
    assert r.status_code == 409 and "该预警已确认" in r.text


def test_warnings_are_the_regions_and_only_those_who_dispatch_acknowledge_them(api, db, world):
    _, raised = _landslide(db, world)
    assert f'id="warning-{raised.id}"' not in api("other_admin").get("/warnings").text  # another city's
    admin_row = _section(api("admin").get("/warnings").text, f"warning-{raised.id}", "tr")
    assert "/acknowledge" not in admin_row and "未确认" in _text(admin_row)  # sees it, does not act
    assert api("admin").post(f"/warnings/{raised.id}/acknowledge").status_code == 403
    assert api("handler").post(f"/warnings/{raised.id}/acknowledge").status_code == 403
    assert _warning(db, raised.id).acknowledged_at is None


def test_the_warnings_page_is_paged_newest_first(api, db, world):
    now = clock.now()
    for i in range(25):
        db.add(EarlyWarning(key=f"test:{i}", kind=WarningKind.spike, centre_unit_id=world.units["C-990100"],
                            window_start=now - dt.timedelta(hours=i + 1), window_end=now - dt.timedelta(hours=i),
                            count=8, expected=0.5, p_value=0.001, summary=f"测试预警{i:02d}", order_ids=[],
                            raised_at=now - dt.timedelta(hours=i)))
    db.commit()
    dispatcher = api("dispatcher")
    first = dispatcher.get("/warnings").text
    assert re.findall(r"测试预警(\d\d)", first) == [f"{i:02d}" for i in range(20)]
    assert "共 25 条" in first and 'href="/warnings?offset=20"' in first
    second = dispatcher.get("/warnings?offset=20").text
    assert re.findall(r"测试预警(\d\d)", second) == [f"{i:02d}" for i in range(20, 25)]
    assert "8 件 / 约 0.5 件" in _text(second)

