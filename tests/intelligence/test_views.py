"""The pages of the dispatch suggestions: the "智能分类建议" fragment beside the intake form, the
"派单建议" fragment in the dispatch form, and the model administration page. Each goes through
the same service as the JSON API, so what a button does is what the service does, and what
the service refuses changes nothing."""

import html
import re

import pytest
from sqlalchemy import select

import hotline.tasks  # noqa: F401  (registers the job handlers)
from hotline.intelligence import service as intel
from hotline.intelligence.models import ModelKind, ModelStatus, ModelVersion
from hotline.kit import jobs
from hotline.workorder import service as wo
from tests.intelligence.helpers import handled, history

PAGE = "/admin/models"
LAMP_TEXT = {"title": "路灯不亮", "content": "我们小区门口的路灯坏了，晚上一片漆黑"}


def _order(db, world, title="幸福路路灯坏了", content="幸福路的路灯坏了好几天，晚上很黑", category="lamp"):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title=title, content=content, phone="13911112222",
        category_code=world.categories[category] if category else None, region_code="990102001"))
    return order


def _version(db, version_id):
    db.expire_all()
    version = db.get(ModelVersion, version_id)
    assert version is not None
    return version


def _train_jobs(db):
    db.expire_all()
    return list(db.execute(select(jobs.Job).where(jobs.Job.kind == intel.TRAIN_JOB)).scalars())


def _text(fragment):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _cells(row):
    """The text of each cell of a table row, by column: 版本, 状态, 训练时间, 训练工单, 类别数, 准确率,
    宏平均 F1, 单件耗时, 建议派单数, 首选命中率, 前三命中率, 操作."""
    return [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]


def _items(page, css_class):
    """The text of each ``<li class=css_class>`` of a fragment, tags stripped."""
    found = re.findall(rf'<li class="{css_class}">(.*?)</li>', page, flags=re.S)
    return [_text(item) for item in found]


# --- the administration page -------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "city_admin", "supervisor", "dispatcher", "agent", "handler",
                                      "auditor"])
def test_only_the_province_administrator_opens_the_model_page_and_sees_its_link(api, db, world, username):
    client = api(username)
    allowed = username == "admin"
    r = client.get(PAGE)
    assert r.status_code == (200 if allowed else 403)
    assert ('href="/admin/models"' in client.get("/").text) == allowed
    if allowed:
        assert "<h1>智能派单模型</h1>" in r.text
        assert "<h2>诉求分类模型</h2>" in r.text and "<h2>主办单位模型</h2>" in r.text
        assert r.text.count("还没有训练过") == 2
    else:  # nor does any of its buttons work
        assert client.post(f"{PAGE}/train", data={"kind": "category"}).status_code == 403
        assert client.post(f"{PAGE}/rollback", data={"kind": "category"}).status_code == 403
        assert _train_jobs(db) == []


def test_the_page_shows_each_version_with_its_metrics_and_how_often_dispatchers_took_it(api, db, world):
    history(db, world)
    first = intel.train(db, world.p("admin"), ModelKind.category)
    second = intel.train(db, world.p("admin"), ModelKind.category)
    order = _order(db, world)
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])  # category: suggestion 1
    db.commit()

    page = api("admin").get(PAGE).text
    category = page[page.index('id="kind-category"'):page.index('id="kind-lead_unit"')]
    rows = {int(m.group(1)): m.group(2) for m in re.finditer(r'<tr id="v-(\d+)"[^>]*>(.*?)</tr>', category, re.S)}
    assert set(rows) == {first.id, second.id}
    active, standby = _cells(rows[second.id]), _cells(rows[first.id])
    assert active[:2] == ["第 2 版", "在用"] and standby[:2] == ["第 1 版", "备用"]
    assert active[3].startswith(f"{second.examples} 测试 {second.metrics['test_examples']}")
    assert active[4] == str(second.labels)
    assert active[5] == f"{second.metrics['accuracy'] * 100:.1f}%"
    assert active[6] == f"{second.metrics['macro_f1'] * 100:.1f}%"
    assert active[7] == f"{second.metrics['ms_per_order']:.2f} 毫秒"
    # the dispatch was advised by the active version, and its category was the first suggestion
    assert active[8:11] == ["1", "100.0%", "100.0%"]
    assert standby[8:11] == ["0", "—", "—"]
    # a standby version can be activated, the active one cannot; the roll-back names its target
    assert f'action="/admin/models/{first.id}/activate"' in rows[first.id]
    assert "/activate" not in rows[second.id]
    assert "回滚到第 1 版" in category
    assert "回滚" not in page[page.index('id="kind-lead_unit"'):]  # nothing trained there


def test_activate_and_roll_back_through_the_page(api, db, world):
    history(db, world)
    first = intel.train(db, world.p("admin"), ModelKind.category)
    second = intel.train(db, world.p("admin"), ModelKind.category)
    db.commit()
    admin = api("admin")

    r = admin.post(f"{PAGE}/{first.id}/activate", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/admin/models?done=activate&kind=category&n=1#kind-category"
    assert _version(db, first.id).status == ModelStatus.active
    assert _version(db, second.id).status == ModelStatus.standby
    assert "已启用“诉求分类”模型第 1 版" in admin.get(r.headers["location"]).text

    again = admin.post(f"{PAGE}/{first.id}/activate")
    assert again.status_code == 409 and "该版本已在使用中" in again.text
    nothing_older = admin.post(f"{PAGE}/rollback", data={"kind": "category"})
    assert nothing_older.status_code == 409 and "没有可回滚的更早版本" in nothing_older.text
    assert _version(db, first.id).status == ModelStatus.active
    assert admin.post(f"{PAGE}/999999/activate").status_code == 404
    assert admin.post(f"{PAGE}/rollback", data={"kind": "weather"}).status_code == 422

    admin.post(f"{PAGE}/{second.id}/activate")
    r = admin.post(f"{PAGE}/rollback", data={"kind": "category"}, follow_redirects=False)
    assert r.status_code == 303 and "done=rollback" in r.headers["location"]
    assert _version(db, first.id).status == ModelStatus.active
    assert _version(db, second.id).status == ModelStatus.standby
    assert "“诉求分类”模型已回滚到第 1 版" in admin.get(r.headers["location"]).text
    # the suggestions follow the active version
    assert intel.suggest(db, "路灯不亮").category_model_id == first.id


def test_the_buttons_carry_the_session_csrf_token_and_nothing_happens_without_it(api, db, world):
    history(db, world)
    first = intel.train(db, world.p("admin"), ModelKind.category)
    intel.train(db, world.p("admin"), ModelKind.category)
    db.commit()
    admin = api("admin")
    page = admin.get(PAGE).text
    token = admin.headers.pop("X-CSRF-Token")  # a plain browser form: only what the page put in it
    forms = re.findall(r'<form method="post" action="([^"]+)".*?</form>', page, re.S)
    assert set(forms) - {"/logout"} == {f"{PAGE}/train", f"{PAGE}/rollback", f"{PAGE}/{first.id}/activate"}
    assert page.count(f'name="csrf_token" value="{token}"') == len(forms)  # every form carries it

    assert admin.post(f"{PAGE}/{first.id}/activate").status_code == 403
    assert admin.post(f"{PAGE}/train", data={"kind": "category", "csrf_token": "forged"}).status_code == 403
    assert _version(db, first.id).status == ModelStatus.standby and _train_jobs(db) == []
    r = admin.post(f"{PAGE}/{first.id}/activate", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and _version(db, first.id).status == ModelStatus.active


def test_train_queues_one_job_per_kind_and_the_worker_makes_the_version(api, db, world, factory):
    history(db, world)
    db.commit()
    admin = api("admin")

    r = admin.post(f"{PAGE}/train", data={"kind": "lead_unit"}, follow_redirects=False)
    assert r.status_code == 303
    [job] = _train_jobs(db)
    assert job.payload == {"kind": "lead_unit", "activate": True, "requested_by": world.user_ids["admin"]}
    assert job.status == jobs.JobStatus.pending
    page = admin.get(r.headers["location"]).text
    assert "已提交“主办单位”模型的训练任务" in page
    unit_panel = page[page.index('id="kind-lead_unit"'):]
    assert "训练任务排队中" in unit_panel and "<button type=\"submit\" disabled>训练新版本</button>" in unit_panel
    again = admin.post(f"{PAGE}/train", data={"kind": "lead_unit"})
    assert again.status_code == 409 and "已有训练任务在排队" in again.text
    assert len(_train_jobs(db)) == 1
    assert admin.post(f"{PAGE}/train", data={"kind": ""}).status_code == 422

    jobs.run_batch(factory)
    db.expire_all()
    [version] = intel.versions(db, world.p("admin"), ModelKind.lead_unit)
    assert version.status == ModelStatus.active
    page = admin.get(PAGE).text
    unit_panel = page[page.index('id="kind-lead_unit"'):]
    assert f'<tr id="v-{version.id}"' in unit_panel and "训练任务排队中" not in unit_panel


# --- at intake ---------------------------------------------------------------------------------


def test_without_a_model_the_intake_fragment_says_so_quietly(api):
    agent = api("agent")
    console = agent.get("/console").text
    assert 'hx-get="/console/suggestions"' in console and "智能分类建议" in console
    r = agent.get("/console/suggestions", params=LAMP_TEXT)
    assert r.status_code == 200 and "暂无可用模型" in r.text and "ai-category" not in r.text


def test_the_intake_fragment_suggests_categories_that_fill_the_form(api, db, world):
    history(db, world)
    intel.train(db, world.p("admin"), ModelKind.category)
    db.commit()
    agent = api("agent")
    assert "输入标题或诉求内容后" in agent.get("/console/suggestions").text  # nothing typed yet

    r = agent.get("/console/suggestions", params=LAMP_TEXT)
    assert r.status_code == 200
    categories = _items(r.text, "ai-category")
    assert len(categories) == 2  # the model knows two categories: both are offered, best first
    assert re.fullmatch(r"城乡建设 / 城市建设和市政管理 / 路灯 \d{1,3}%", categories[0])
    lamp = world.categories["lamp"]
    assert r.text.index(f'data-pick="#f-category_code" data-value="{lamp}"') < r.text.index(
        f'data-value="{world.categories["noise"]}"')
    assert f'<option value="{lamp}"' in agent.get("/console").text  # the field the click fills offers it
    assert "建议主办单位" not in r.text  # no unit model yet

    noise = agent.get("/console/suggestions", params={"title": "", "content": "工地夜间打桩噪声太大睡不着"}).text
    assert _items(noise, "ai-category")[0].startswith("环境保护 / 噪声污染 ")


def test_the_intake_fragment_suggests_lead_units_that_serve_the_place(api, db, world):
    history(db, world)
    for _ in range(6):  # a unit of another city that handled lamp orders there
        handled(db, world, "lamp", "云岭市云中区路灯不亮", unit="990200-zj")
    intel.train(db, world.p("admin"), ModelKind.lead_unit)
    db.commit()
    agent = api("agent")

    here = agent.get("/console/suggestions", params={**LAMP_TEXT, "region_code": "990102001"}).text
    units = _items(here, "ai-unit")
    assert units[0].startswith("青川市住建局 ") and not any(u.startswith("云岭市住建局") for u in units)
    assert "（东华街道）" in here
    there = agent.get("/console/suggestions", params={**LAMP_TEXT, "region_code": "990202"}).text
    assert any(u.startswith("云岭市住建局") for u in _items(there, "ai-unit"))
    # no place chosen: the units the agent's own centre (青川市) may name
    unplaced = agent.get("/console/suggestions", params=LAMP_TEXT).text
    assert not any(u.startswith("云岭市住建局") for u in _items(unplaced, "ai-unit"))
    assert agent.get("/console/suggestions", params={**LAMP_TEXT, "region_code": "x' or 1"}).status_code == 200


@pytest.mark.parametrize("username", ["handler", "sector", "auditor", "admin"])
def test_the_intake_fragment_is_for_those_who_take_calls(api, username):
    assert api(username).get("/console/suggestions", params=LAMP_TEXT).status_code == 403


# --- at dispatch -------------------------------------------------------------------------------


def test_the_dispatcher_sees_suggested_lead_units_that_the_dispatch_form_offers(api, db, world):
    history(db, world)
    intel.train(db, world.p("admin"), ModelKind.category)
    intel.train(db, world.p("admin"), ModelKind.lead_unit)
    order = _order(db, world, category=None)
    db.commit()
    dispatcher = api("dispatcher")
    page = dispatcher.get(f"/orders/{order.number}").text
    assert f'hx-get="/orders/{order.number}/dispatch-suggestions"' in page

    r = dispatcher.get(f"/orders/{order.number}/dispatch-suggestions")
    assert r.status_code == 200 and "派单建议" in r.text
    zj = world.units["990100-zj"]
    units = _items(r.text, "ai-unit")
    assert units[0].startswith("青川市住建局 ") and re.search(r" \d{1,3}%$", units[0])
    assert f'data-pick="#f-lead" data-value="{zj}"' in r.text
    assert re.search(rf'<select id="f-lead"[^>]*>.*?<option value="{zj}"', page, re.S)  # the click can select it
    categories = _items(r.text, "ai-category")
    assert categories[0].startswith("城乡建设 / 城市建设和市政管理 / 路灯 ")
    assert "与登记分类一致" not in r.text  # the order has no category yet

    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=zj)
    db.commit()
    assert dispatcher.get(f"/orders/{order.number}/dispatch-suggestions").status_code == 409
    assert "dispatch-suggestions" not in dispatcher.get(f"/orders/{order.number}").text


def test_the_dispatch_fragment_marks_the_registered_category_and_says_when_no_model_is_active(api, db, world):
    order = _order(db, world)
    db.commit()
    dispatcher = api("dispatcher")
    quiet = dispatcher.get(f"/orders/{order.number}/dispatch-suggestions")
    assert quiet.status_code == 200 and "暂无可用模型" in quiet.text and "ai-unit" not in quiet.text

    history(db, world)
    intel.train(db, world.p("admin"), ModelKind.category)
    db.commit()
    r = dispatcher.get(f"/orders/{order.number}/dispatch-suggestions").text
    assert "与登记分类一致" in _items(r, "ai-category")[0]
    assert "ai-unit" not in r  # no unit model yet


def test_only_those_who_may_dispatch_see_the_dispatch_suggestions(api, db, world):
    history(db, world)
    intel.train(db, world.p("admin"), ModelKind.lead_unit)
    order = _order(db, world)
    db.commit()
    agent = api("agent")  # sees the order, but may not dispatch
    assert "dispatch-suggestions" not in agent.get(f"/orders/{order.number}").text
    assert agent.get(f"/orders/{order.number}/dispatch-suggestions").status_code == 403
    assert api("supervisor").get(f"/orders/{order.number}/dispatch-suggestions").status_code == 200
    for username in ("handler", "other_handler", "sector"):
        assert api(username).get(f"/orders/{order.number}/dispatch-suggestions").status_code in (403, 404)
