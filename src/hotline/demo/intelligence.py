"""The demo province's history: some four hundred appeals spread over the past four months,
each taken through the ordinary services as of its own time (intake, dispatch, sign, reply,
review, callback — a few dissatisfied and re-handled, the most recent still open), so that
rankings, hotspots, the early warning's baseline and the two dispatch-suggestion models
trained at load all see what they would see in a real centre. The last hour holds one planted
spike (a street of 安平县 without water), the only early warning the demo raises at start-up.
The streets, communities and landmarks the place finder knows are here too. The texts are
combinations of hand-written phrases."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.intelligence import repository as intelligence_repository
from hotline.intelligence import service as intelligence
from hotline.intelligence.models import ModelKind, PlaceKind
from hotline.kit import clock
from hotline.org import repository
from hotline.org.models import Unit
from hotline.workorder import service as wo_service
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import ReplyResult, Verdict, WorkOrder

#: (category path, the city department that handles it, what citizens write, what the unit
#: replies — each reply answers its own kind of appeal).
HISTORY = [
    (("城乡建设", "城市建设和市政管理", "城市公共设施"), "cg",
     ["路灯不亮好几天了", "人行道地砖松动绊倒老人", "井盖缺失很危险", "公园健身器材坏了没人修", "路边护栏被撞倒了"],
     "已安排市政维修队到现场检修，相关公共设施已修复并恢复使用，今后将加强日常巡查。"),
    (("城乡建设", "住房保障与房地产", "物业服务"), "zj",
     ["物业不打扫楼道垃圾成堆", "物业擅自上涨物业费", "电梯坏了物业不维修", "小区门禁坏了物业不管", "物业乱收停车费"],
     "已约谈小区物业服务企业，责令其按物业服务合同履行义务并限期整改，街道将跟踪督促。"),
    (("环境保护", "环境污染", "噪音污染"), "sthj",
     ["工地夜间施工噪音扰民", "楼下酒吧音乐太吵睡不着", "广场舞音响声音太大", "工厂机器轰鸣扰民", "装修噪音中午不停"],
     "执法人员已到现场检测噪声，责令产生噪音的单位和个人立即整改，并告知违规作业将依法处罚。"),
    (("环境保护", "环境污染", "大气污染"), "sthj",
     ["工厂烟囱冒黑烟", "餐馆油烟直排熏人", "露天焚烧垃圾烟很大", "搅拌站粉尘污染严重", "工地扬尘没有覆盖"],
     "已现场检查排放情况，对污染源下达整改通知，要求加装治理设施、落实覆盖降尘措施。"),
    (("劳动和社会保障", "工资福利", "工资发放"), "rs",
     ["公司拖欠工资三个月", "工地老板不发农民工工资", "离职后工资一直不结", "单位克扣加班费", "辞退后不给补偿金"],
     "劳动保障监察大队已约谈用人单位，责令其限期足额支付拖欠的工资报酬，逾期将依法立案查处。"),
    (("教育文体", "教育行政管理", "学生负担"), "jy",
     ["学校周末强制补课", "作业太多孩子写到深夜", "老师推销教辅资料", "学校收取资料费不开票", "假期有偿补课"],
     "已责成学校立即停止违规行为并在全校通报，教育局将把减轻学生负担纳入督导检查。"),
    (("卫生计生", "医政监管", "医疗收费"), "wj",
     ["医院重复收费", "住院费用清单对不上", "诊所乱收检查费", "医院收费不明码标价", "药费比别处贵很多"],
     "已核查相关医疗机构的收费明细，对不合规收费责令退还，并要求严格执行明码标价和费用清单制度。"),
    (("商贸旅游", "市场监管", "商品质量"), "sj",
     ["超市卖过期食品", "网购商品质量有问题商家不退", "买到假冒名牌鞋", "电动车刚买就坏", "药店卖假药"],
     "市场监管执法人员已现场检查，对问题商品下架封存并立案调查，已督促商家为消费者办理退换。"),
]
OPENINGS = ["", "您好，", "反映一下，", "我是附近居民，", "请问，"]
PLACES = [("990102001", "幸福路"), ("990102002", "朝阳街道"), ("990103001", "西关街道"), ("990121001", "安平镇"),
          ("990202001", "云中街道"), ("990302002", "滨江街道"), ("990321001", "长宁镇")]
CLOSINGS = ["，希望尽快处理。", "，请相关部门管一管。", "，已经好久了。", "。", "，谢谢。"]
PER_CATEGORY = 48
#: How far back the history reaches, and how recent its newest appeal is.
HISTORY_DAYS, NEWEST_HOURS = 120, 3
#: The day's rhythm: how often an appeal comes in each hour (China time), relatively.
HOURLY = [1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1]
#: The planted spike: appeals in the last hour about one street of 安平县北固镇 without water.
SPIKE = ("990121002", ("城乡建设", "城市建设和市政管理", "自来水供应"),
         ["中心街一带停水了", "北固镇中心街又停水了", "家里一直不来水", "中心街自来水管破裂停水", "整条街都停水了",
          "停水一上午了没人通知"])

#: Streets, communities and landmarks the place finder knows, by township.
PLACE_NAMES = [
    ("幸福路", "990102001", PlaceKind.street), ("幸福小区", "990102001", PlaceKind.community),
    ("青川市第一人民医院", "990102002", PlaceKind.landmark), ("金水公园", "990103002", PlaceKind.landmark),
    ("锦绣家园", "990121001", PlaceKind.community), ("中心街", "990121002", PlaceKind.street),
    ("江滨小区", "990202002", PlaceKind.community), ("望江楼", "990202002", PlaceKind.landmark),
    ("滨江公园", "990302002", PlaceKind.landmark), ("南湖中学", "990302003", PlaceKind.landmark),
]


#: The hotspot dictionary (热点词库) the demo's administrators keep: (term, kind, synonyms, region).
HOTSPOT_TERMS = [
    ("青川市第一人民医院", "hospital", ["市一医院", "青川一院"], "990100"),
    ("锦绣家园小区", "estate", ["锦绣家园"], "990100"),
    ("58车贷平台", "platform", ["58车贷", "58车贷APP"], "990000"),
    ("金水公园", "place", [], "990100"),
]
#: Matters raised by many this month, as people name them (the month's hotspots find them):
#: (category path, township, texts).
MATTERS = [
    (("城乡建设", "住房保障与房地产", "物业服务"), "990121001",
     ["锦绣家园小区电梯故障，老人被困半小时", "锦绣家园小区的电梯经常故障，物业不修",
      "锦绣家园电梯故障频发，业主出行困难", "锦绣家园小区3栋电梯故障停运一周", "反映锦绣家园小区电梯故障无人维修",
      "锦绣家园小区电梯又出故障了，希望尽快维修",
      "锦绣家园小区电梯故障多次困人", "锦绣家园小区电梯年久失修故障不断"]),
    (("经济管理", "金融财税", "集资融资"), "990102001",
     ["58车贷平台逾期无法提现，请求立案", "在58车贷出借的钱逾期无法提现", "58车贷平台爆雷，本金逾期无法提现",
      "58车贷逾期三个月无法提现，平台客服失联", "58车贷平台逾期无法提现，警方是否立案", "举报58车贷平台逾期无法提现"]),
    (("卫生计生", "医政监管", "医疗收费"), "990102002",
     ["市一医院挂号难，排队三小时", "青川市第一人民医院挂号排队太久", "市一医院挂号难问题何时解决",
      "青川市第一人民医院挂号系统经常崩溃", "青川一院挂号要排一上午"]),
]


def load_intelligence(session: Session, categories: dict[tuple[str, ...], str]) -> None:
    admin = Principal.of(auth_repository.user_by_username(session, "admin"))  # type: ignore[arg-type]
    for name, town, place_kind in PLACE_NAMES:
        intelligence.add_place(session, admin, name=name, region_code=town, kind=place_kind)
    load_history(session, categories)
    load_spike(session, categories)
    load_matters(session, categories)
    session.flush()
    for kind in ModelKind:
        intelligence.train(session, None, kind)
    month = clock.now().astimezone(clock.CST).strftime("%Y-%m")
    for centre in intelligence_repository.centres(session):
        intelligence.compute_hotspots(session, centre, month)


def load_matters(session: Session, categories: dict[tuple[str, ...], str]) -> list[WorkOrder]:
    """The hotspot dictionary, and this month's matters raised by many (spread over the month
    so far, none in the last two hours: the planted spike stays the only early warning)."""
    admin = Principal.of(auth_repository.user_by_username(session, "admin"))  # type: ignore[arg-type]
    for term, kind, synonyms, region in HOTSPOT_TERMS:
        intelligence.create_term(session, admin, term=term, kind=kind, synonyms=synonyms, region_code=region)
    now = clock.now()
    start = max(now.astimezone(clock.CST).replace(day=1, hour=0, minute=0, second=0, microsecond=0),
                now - dt.timedelta(days=10))
    latest = now - dt.timedelta(hours=2)
    rng = random.Random(2212)  # noqa: S311 - demo times, nothing secret
    agent = Principal.of(auth_repository.user_by_username(session, "agent"))  # type: ignore[arg-type]
    orders = []
    for m, (path, town, texts) in enumerate(MATTERS):
        for i, text in enumerate(texts):
            at = start + (latest - start) * rng.random() if latest > start else latest
            with clock.pinned(at):
                order, _ = wo_service.intake(session, agent, wo_service.IntakeData(
                    channel=rng.choice(["phone", "web", "mobile"]), appeal_type="complaint", title=text[:20],
                    content=f"{text}。", phone=f"1370{m:02d}0{i:04d}", category_code=categories[path],
                    region_code=town))
            orders.append(order)
    return orders


@dataclass(frozen=True)
class _Appeal:
    at: dt.datetime
    category: str
    unit: Unit
    text: str
    reply: str
    channel: str
    phone: str
    town: str


def _registered_at(rng: random.Random, now: dt.datetime) -> dt.datetime:
    """A past instant in the centre's working rhythm: days back spread evenly over the history,
    mostly day-time hours, fewer at weekends."""
    while True:
        day = (now - dt.timedelta(days=rng.uniform(0, HISTORY_DAYS))).astimezone(clock.CST)
        if day.weekday() >= 5 and rng.random() < 0.5:
            continue
        hour = rng.choices(range(24), weights=HOURLY)[0]
        at = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
        if at <= now - dt.timedelta(hours=NEWEST_HOURS):
            return at.astimezone(dt.UTC)


def load_history(session: Session, categories: dict[tuple[str, ...], str]) -> None:
    """The past months' appeals, each written through the services as of its own time, in the
    order they happened; a step that would fall after now is not taken (recent appeals are
    still being handled)."""
    now = clock.now()
    rng = random.Random(12345)  # noqa: S311 - varied demo texts, nothing secret
    who = {u: Principal.of(auth_repository.user_by_username(session, u))  # type: ignore[arg-type]
           for u in ("agent", "dispatcher", "admin")}
    appeals: list[_Appeal] = []
    for path, dept, phrases, reply in HISTORY:
        for i in range(PER_CATEGORY):
            town, street = rng.choice(PLACES)
            city = town[:4] + "00"
            unit = (repository.unit_by_code(session, f"{city}-{dept}")
                    or repository.unit_by_code(session, f"990000-{dept}"))
            assert unit is not None
            phrase = rng.choice(phrases)
            text = f"{rng.choice(OPENINGS)}{street}附近{phrase}{rng.choice(CLOSINGS)}"
            appeals.append(_Appeal(
                at=_registered_at(rng, now), category=categories[path], unit=unit, text=text,
                reply=f"关于您反映的{street}附近“{phrase}”问题：{reply}",
                channel=rng.choice(["phone", "web", "mobile", "mayor_mailbox"]),
                phone=f"1350000{(len(phrases) * 100 + i) % 10000:04d}", town=town))
    handler = Principal.of(auth_repository.user_by_username(session, "handler"))  # type: ignore[arg-type]
    handlers: dict[int, Principal] = {handler.unit_id: handler}
    for appeal in sorted(appeals, key=lambda a: a.at):
        _live(session, rng, appeal, who, handlers, now)


def _handler(session: Session, admin: Principal, unit: Unit, handlers: dict[int, Principal]) -> Principal:
    """The unit's demo handler account (created on first use), who signs and replies."""
    if unit.id not in handlers:
        from hotline.demo.data import STAFF_PHONE, demo_account

        username = "h-" + unit.code.lower()
        user = auth_repository.user_by_username(session, username)
        if user is None:
            user = demo_account(session, admin, username=username, display_name=f"{unit.name}承办人"[:50],
                                role=Role.unit_handler, unit_id=unit.id, phone=STAFF_PHONE.format(100 + len(handlers)))
        handlers[unit.id] = Principal.of(user)
    return handlers[unit.id]


def _live(session: Session, rng: random.Random, appeal: _Appeal, who: dict[str, Principal],
          handlers: dict[int, Principal], now: dt.datetime) -> None:
    """One appeal's life: intake, dispatch (unless the catalogue sent it directly), sign, reply,
    review, callback; one in ten callbacks dissatisfied, then re-handled."""
    at = appeal.at

    def step(minutes_low: float, minutes_high: float) -> bool:
        nonlocal at
        at = at + dt.timedelta(minutes=rng.uniform(minutes_low, minutes_high))
        return at < now - dt.timedelta(hours=1)

    with clock.pinned(at):
        order, _ = wo_service.intake(session, who["agent"], wo_service.IntakeData(
            channel=appeal.channel, appeal_type="complaint", title=appeal.text[:20].strip("，。"),
            content=appeal.text, phone=appeal.phone, category_code=appeal.category, region_code=appeal.town))
    if order.status == Status.registered:
        if not step(5, 120):
            return
        with clock.pinned(at):
            wo_service.dispatch(session, who["dispatcher"], order, lead_unit_id=appeal.unit.id)
    lead = order.lead_unit
    assert lead is not None
    handler = _handler(session, who["admin"], lead, handlers)
    rounds = 0
    while True:
        if order.status == Status.dispatched:
            if not step(20, 60 * rng.choice([2, 6, 20, 30])):
                return
            with clock.pinned(at):
                wo_service.sign(session, handler, order)
        if not step(60 * 20, 60 * 24 * rng.choice([3, 6, 9, 14])):
            return
        result = rng.choices([ReplyResult.resolved, ReplyResult.partly_resolved, ReplyResult.not_resolved],
                             weights=[85, 10, 5])[0]
        with clock.pinned(at):
            wo_service.reply(session, handler, order, result=result, text=appeal.reply)
        if not step(30, 60 * 8):
            return
        with clock.pinned(at):
            wo_service.review_reply(session, who["dispatcher"], order, accept=True)
        if not step(60 * 2, 60 * 30):
            return
        verdict = rng.choices([Verdict.satisfied, Verdict.basically_satisfied, Verdict.dissatisfied],
                              weights=[75, 15, 10])[0] if rounds == 0 else Verdict.satisfied
        with clock.pinned(at):
            wo_service.record_callback(session, who["agent"], order, reached=True,
                                       resolved=verdict != Verdict.dissatisfied, verdict=verdict)
        rounds += 1
        if order.status == Status.closed or rounds > 1:
            return


def load_spike(session: Session, categories: dict[tuple[str, ...], str]) -> list[WorkOrder]:
    """The planted spike: appeals about one street without water in the last hour."""
    now = clock.now()
    agent = Principal.of(auth_repository.user_by_username(session, "agent"))  # type: ignore[arg-type]
    town, path, phrases = SPIKE
    orders = []
    for i, phrase in enumerate(phrases):
        with clock.pinned(now - dt.timedelta(minutes=50 - 8 * i)):
            order, _ = wo_service.intake(session, agent, wo_service.IntakeData(
                channel="phone", appeal_type="help", title=phrase, content=f"安平县北固镇{phrase}，请尽快处理。",
                phone=f"1360000{i:04d}", category_code=categories[path], region_code=town))
        orders.append(order)
    return orders
