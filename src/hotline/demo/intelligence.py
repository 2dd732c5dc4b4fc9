"""The demo province's history for the intelligence features: a few hundred handled appeals
(written straight in their final state — closed, with the unit that handled them) from which
the two dispatch-suggestion models are trained at load, and the streets, communities and
landmarks the place finder knows. The texts are combinations of hand-written phrases, so the
suggestions beside the intake form have something to say from the first start."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.intelligence import service as intelligence
from hotline.intelligence.models import ModelKind, PlaceKind
from hotline.kit import clock
from hotline.org import repository
from hotline.workorder import service as wo_service
from hotline.workorder.lifecycle import Status

#: (category path, the city department that handles it, what citizens write).
HISTORY = [
    (("城乡建设", "城市建设和市政管理", "城市公共设施"), "cg",
     ["路灯不亮好几天了", "人行道地砖松动绊倒老人", "井盖缺失很危险", "公园健身器材坏了没人修", "路边护栏被撞倒了"]),
    (("城乡建设", "住房保障与房地产", "物业服务"), "zj",
     ["物业不打扫楼道垃圾成堆", "物业擅自上涨物业费", "电梯坏了物业不维修", "小区门禁坏了物业不管", "物业乱收停车费"]),
    (("环境保护", "环境污染", "噪音污染"), "sthj",
     ["工地夜间施工噪音扰民", "楼下酒吧音乐太吵睡不着", "广场舞音响声音太大", "工厂机器轰鸣扰民", "装修噪音中午不停"]),
    (("环境保护", "环境污染", "大气污染"), "sthj",
     ["工厂烟囱冒黑烟", "餐馆油烟直排熏人", "露天焚烧垃圾烟很大", "搅拌站粉尘污染严重", "工地扬尘没有覆盖"]),
    (("劳动和社会保障", "工资福利", "工资发放"), "rs",
     ["公司拖欠工资三个月", "工地老板不发农民工工资", "离职后工资一直不结", "单位克扣加班费", "辞退后不给补偿金"]),
    (("教育文体", "教育行政管理", "学生负担"), "jy",
     ["学校周末强制补课", "作业太多孩子写到深夜", "老师推销教辅资料", "学校收取资料费不开票", "假期有偿补课"]),
    (("卫生计生", "医政监管", "医疗收费"), "wj",
     ["医院重复收费", "住院费用清单对不上", "诊所乱收检查费", "医院收费不明码标价", "药费比别处贵很多"]),
    (("商贸旅游", "市场监管", "商品质量"), "sj",
     ["超市卖过期食品", "网购商品质量有问题商家不退", "买到假冒名牌鞋", "电动车刚买就坏", "药店卖假药"]),
]
OPENINGS = ["", "您好，", "反映一下，", "我是附近居民，", "请问，"]
PLACES = [("990102001", "幸福路"), ("990102002", "朝阳街道"), ("990103001", "西关街道"), ("990121001", "安平镇"),
          ("990202001", "云中街道"), ("990302002", "滨江街道"), ("990321001", "长宁镇")]
CLOSINGS = ["，希望尽快处理。", "，请相关部门管一管。", "，已经好久了。", "。", "，谢谢。"]
PER_CATEGORY = 36

#: Streets, communities and landmarks the place finder knows, by township.
PLACE_NAMES = [
    ("幸福路", "990102001", PlaceKind.street), ("幸福小区", "990102001", PlaceKind.community),
    ("青川市第一人民医院", "990102002", PlaceKind.landmark), ("金水公园", "990103002", PlaceKind.landmark),
    ("锦绣家园", "990121001", PlaceKind.community), ("中心街", "990121002", PlaceKind.street),
    ("江滨小区", "990202002", PlaceKind.community), ("望江楼", "990202002", PlaceKind.landmark),
    ("滨江公园", "990302002", PlaceKind.landmark), ("南湖中学", "990302003", PlaceKind.landmark),
]


def load_intelligence(session: Session, categories: dict[tuple[str, ...], str]) -> None:
    admin = Principal.of(auth_repository.user_by_username(session, "admin"))  # type: ignore[arg-type]
    for name, town, place_kind in PLACE_NAMES:
        intelligence.add_place(session, admin, name=name, region_code=town, kind=place_kind)
    agent = Principal.of(auth_repository.user_by_username(session, "agent"))  # type: ignore[arg-type]
    rng = random.Random(12345)  # noqa: S311 - varied demo texts, nothing secret
    for path, dept, phrases in HISTORY:
        for i in range(PER_CATEGORY):
            town, street = rng.choice(PLACES)
            city = town[:4] + "00"
            unit = (repository.unit_by_code(session, f"{city}-{dept}")
                    or repository.unit_by_code(session, f"990000-{dept}"))
            assert unit is not None
            text = f"{rng.choice(OPENINGS)}{street}附近{rng.choice(phrases)}{rng.choice(CLOSINGS)}"
            order, _ = wo_service.intake(session, agent, wo_service.IntakeData(
                channel=rng.choice(["phone", "web", "mobile", "mayor_mailbox"]), appeal_type="complaint",
                title=text[:20].strip("，。"),
                content=text, phone=f"1350000{(len(phrases) * 100 + i) % 10000:04d}", category_code=categories[path],
                region_code=town))
            order.status, order.lead_unit_id, order.closed_at = Status.closed, unit.id, clock.now()
    session.flush()
    for kind in ModelKind:
        intelligence.train(session, None, kind)
