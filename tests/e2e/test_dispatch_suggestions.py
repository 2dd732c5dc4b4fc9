"""Dispatch suggestions in a real browser against ``hotline demo``: while the agent types an
appeal, the suggested categories appear beside the intake form and one click fills the
category field; the dispatcher clicks a suggested lead unit and the dispatch form selects it;
the province administrator sees the versions and rolls one back.

The demo has no closed orders to learn from: the module writes a small handled history into the
demo's database and trains both models from it, as ``hotline model train`` does.

Run with ``pytest tests/e2e`` (or ``-m e2e``). Needs Debian's ``/usr/bin/chromium``."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, nav_to

pytestmark = pytest.mark.e2e

PLACES = ["幸福路", "人民路", "解放街", "滨江小区", "东华街道", "新城花园", "建设路口", "中山大道"]
#: (category path in the demo tree, lead unit code, phrases). No phrase names a direct-dispatch
#: keyword of the demo catalogue, so every order waits for a dispatcher as any other would.
HISTORY = [
    (("城乡建设", "城市建设和市政管理", "城市公共设施"), "990100-cg",
     ["路灯坏了晚上一片漆黑", "小区门口路灯一直闪烁", "路灯杆倾斜快倒了", "人行道路面塌陷没人修",
      "公交站台顶棚破了漏雨", "街边路灯白天也亮着浪费电"]),
    (("环境保护", "环境污染", "噪音污染"), "990100-sthj",
     ["广场舞音响噪音太大", "工地打桩噪声严重吵得睡不着", "酒吧音乐噪音到凌晨", "工厂机器轰鸣噪声扰民",
      "装修电钻噪音中午不停", "商铺喇叭叫卖噪音扰民"]),
    (("城乡建设", "住房保障与房地产", "物业服务"), "990102-zj",
     ["楼道堆放杂物物业不清理", "物业不打扫卫生垃圾成堆", "物业乱收停车费", "小区楼道杂物堵塞消防通道",
      "物业费上涨未经业主同意", "物业不管小区绿化枯死"]),
]
PER_KIND = 24


@pytest.fixture(scope="module")
def trained(server: Server) -> dict[str, str]:
    """Closed orders of three kinds written into the demo's database, and both models trained
    from them. Returns the codes of the categories, by their last name."""
    from hotline.auth import repository as auth_repository
    from hotline.auth.principal import Principal
    from hotline.config import get_settings
    from hotline.intelligence import service
    from hotline.intelligence.models import ModelKind
    from hotline.kit import cache, clock, crypto
    from hotline.kit.db import make_engine, make_session_factory, transaction
    from hotline.org import repository as org_repository
    from hotline.workorder import service as wo
    from hotline.workorder.lifecycle import Status

    settings = get_settings()  # the keys of the test run, which the demo server inherited
    assert settings.pii_keys and settings.pii_index_key
    crypto.configure(settings.pii_keys, settings.pii_index_key)
    cache.clear_reference_caches()  # they may hold rows of the suite's own database
    engine = make_engine(f"sqlite:///{server.tmp / 'data' / 'hotline.db'}")
    codes: dict[str, str] = {}
    try:
        with transaction(make_session_factory(engine)) as session:
            user = auth_repository.user_by_username(session, "agent")
            assert user is not None
            agent = Principal.of(user)
            by_path = {}
            for category in org_repository.all_categories(session):
                path, node = [], category
                while node is not None:
                    path.insert(0, node.name)
                    node = node.parent
                by_path[tuple(path)] = category.code
            for n, (path, unit_code, phrases) in enumerate(HISTORY):
                codes[path[-1]] = by_path[path]
                unit = org_repository.unit_by_code(session, unit_code)
                assert unit is not None
                for i, (place, phrase) in enumerate(itertools.islice(itertools.product(PLACES, phrases), PER_KIND)):
                    order, _ = wo.intake(session, agent, wo.IntakeData(
                        channel="phone", appeal_type="complaint", title=f"{place}{phrase}"[:20],
                        content=f"{place}{phrase}", phone=f"139{n:02d}{i:06d}", category_code=by_path[path],
                        region_code="990102001"))
                    order.status, order.lead_unit_id, order.closed_at = Status.closed, unit.id, clock.now()
            session.flush()
            for kind in ModelKind:
                service.train(session, None, kind)
    finally:
        engine.dispose()
        cache.clear_reference_caches()
    return codes


def test_agent_fills_the_category_with_one_click_on_a_suggestion(person, trained: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    agent = person("agent")
    nav_to(agent, "受理台")
    panel = agent.locator("#ai-suggestions")
    expect(panel).to_contain_text("输入标题或诉求内容后")
    expect(agent.locator("#f-category_code")).to_have_value("")
    agent.fill("#f-title", "路灯坏了")
    agent.locator("#f-content").type("我家楼下那条街的路灯坏了好几天，晚上走路一片漆黑")
    first = panel.locator(".ai-category").first
    expect(first).to_contain_text("城乡建设 / 城市建设和市政管理 / 城市公共设施")
    expect(first.locator(".ai-conf")).to_have_text(re.compile(r"^(\d{1,3}|<1)%$"))
    expect(panel.locator(".ai-unit").first).to_contain_text("青川市城市管理局")
    first.get_by_role("button").click()
    expect(agent.locator("#f-category_code")).to_have_value(trained["城市公共设施"])
    expect(agent.locator("#f-category_code option:checked")).to_contain_text("城市公共设施")

    # a different appeal, a different suggestion: the panel follows the typing
    agent.fill("#f-title", "")
    agent.fill("#f-content", "")
    agent.locator("#f-content").type("小区物业乱收停车费，楼道堆满杂物也不清理")
    expect(panel.locator(".ai-category").first).to_contain_text("物业服务")
    panel.locator(".ai-category").first.get_by_role("button").click()
    expect(agent.locator("#f-category_code")).to_have_value(trained["物业服务"])


def test_dispatcher_selects_a_suggested_lead_unit_with_one_click(person, trained: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    dispatcher = person("dispatcher")
    nav_to(dispatcher, "工单")
    dispatcher.get_by_role("link", name="小区楼道堆放杂物无人清理").click()  # a demo order awaiting dispatch
    advice = dispatcher.locator("#ai-dispatch")
    expect(advice).to_contain_text("派单建议")
    first = advice.locator(".ai-unit").first
    # A housing bureau: the history above taught 东城区's, the demo's own closed orders (its spot
    # check) taught 青川市's for the same kind of appeal; which one leads depends on both.
    expect(first).to_contain_text(re.compile(r"(东城区|青川市)住房和城乡建设局"))
    suggested = first.get_by_role("button").inner_text().strip()
    expect(advice.locator(".ai-category").first).to_contain_text("物业服务")
    lead = dispatcher.locator("#f-lead")
    lead.select_option("")
    first.get_by_role("button").click()
    unit_id = first.get_by_role("button").get_attribute("data-value")
    assert unit_id
    expect(lead).to_have_value(unit_id)
    expect(lead.locator("option:checked")).to_contain_text(suggested)
    dispatcher.locator("#act-dispatch").get_by_role("button", name="派单", exact=True).click()
    expect(dispatcher.locator(".flash")).to_contain_text(f"已派单至 {suggested}")
    expect(dispatcher.locator("#ai-dispatch")).to_have_count(0)


def test_province_administrator_trains_rolls_back_and_activates(person, trained: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    admin = person("admin")
    nav_to(admin, "智能派单模型")
    expect(admin.locator("h1")).to_have_text("智能派单模型")

    def row(number: int):  # type: ignore[no-untyped-def]
        return admin.locator("#kind-category tr", has_text=f"第 {number} 版")

    newest = admin.locator("#kind-category tr[id^=v-]").first  # newest first
    expect(newest).to_contain_text("在用")
    current = int(re.search(r"第 (\d+) 版", newest.inner_text()).group(1))  # type: ignore[union-attr]
    expect(admin.locator("#kind-category")).to_contain_text("首选命中率")
    admin.locator("#kind-category").get_by_role("button", name="训练新版本").click()
    expect(admin.locator(".flash")).to_contain_text("已提交“诉求分类”模型的训练任务")
    for _ in range(60):  # the demo's in-process worker trains it; the page shows it once done
        if row(current + 1).count():
            break
        admin.wait_for_timeout(1000)
        admin.reload()
    expect(row(current + 1)).to_contain_text("在用")
    expect(row(current)).to_contain_text("备用")

    admin.locator("#kind-category").get_by_role("button", name=f"回滚到第 {current} 版").click()
    expect(admin.locator(".flash")).to_contain_text(f"“诉求分类”模型已回滚到第 {current} 版")
    expect(row(current)).to_contain_text("在用")
    expect(row(current + 1)).to_contain_text("备用")
    row(current + 1).get_by_role("button", name="启用").click()
    expect(admin.locator(".flash")).to_contain_text(f"已启用“诉求分类”模型第 {current + 1} 版")
    expect(row(current + 1)).to_contain_text("在用")
