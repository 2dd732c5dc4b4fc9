"""A small history of handled appeals to learn from: street lighting and road faults go to the
city's housing bureau (category 路灯), noise to the province's environment department (噪声污染)."""

import itertools

from hotline.kit import clock
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status

PLACES = ["幸福路", "人民路", "解放街", "滨江小区", "东华街道", "新城花园", "建设路口", "中山大道"]
LAMP = ["路灯不亮已经一个月了", "路灯坏了晚上一片漆黑", "小区门口路灯一直闪烁", "道路井盖破损有安全隐患",
        "人行道路面塌陷没人修", "路灯杆倾斜快倒了"]
NOISE = ["晚上施工噪音扰民睡不着", "广场舞音响噪音太大", "工地夜间打桩噪声严重", "酒吧音乐噪音到凌晨",
         "工厂机器轰鸣噪声扰民", "装修电钻噪音中午不停"]


def texts(kind: str, n: int) -> list[str]:
    phrases = LAMP if kind == "lamp" else NOISE
    return [f"{place}{phrase}" for place, phrase in itertools.islice(itertools.product(PLACES, phrases), n)]


def handled(db, world, kind: str, text: str, *, unit: str | None = None):
    """An order of ``kind`` that was registered, handled by its unit and closed (the history
    is written straight to its final state: only that state is learnt from)."""
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title=text[:20], content=text, phone="13911112222",
        category_code=world.categories[kind], region_code="990102001"))
    order.status = Status.closed
    order.lead_unit_id = world.units[unit or ("990100-zj" if kind == "lamp" else "990000-sthj")]
    order.closed_at = clock.now()
    db.flush()
    return order


def history(db, world, per_kind: int = 24) -> None:
    for kind in ("lamp", "noise"):
        for text in texts(kind, per_kind):
            handled(db, world, kind, text)


def month_of_appeals(db, world):
    """Ten appeals about one matter (the 翠湖花园 waste transfer station, of the hotspot tests)
    among twenty unrelated ones, registered now; returns the ten."""
    from tests.intelligence.test_hotspots import ISSUES, NOISE

    planted = []
    for i, text in enumerate(ISSUES["transfer"][1]):
        order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
            channel="web", appeal_type="complaint", title=text[:20], content=text, phone=f"1390000{i:04d}",
            category_code=world.categories["noise"], region_code="990102001"))
        planted.append(order)
    for i, text in enumerate(NOISE[:20]):
        wo.intake(db, world.p("agent"), wo.IntakeData(
            channel="phone", appeal_type="complaint", title=text[:12], content=text, phone=f"1370000{i:04d}",
            category_code=world.categories["lamp"], region_code="990102" if i % 2 else "990102001"))
    return planted
