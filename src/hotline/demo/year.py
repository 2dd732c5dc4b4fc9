"""A year of the demo province's appeals for the statistics workbench: some two thousand orders
over the past twelve months, spread as a real centre's are — over fourteen subjects of the
category tree, all thirty-six townships (most in 青川市), every channel and appeal type, one in
ten from an enterprise (with a valid USCC), some urgent — with a seasonal rhythm (more noise
and water complaints in summer, heating in winter, fewer at weekends and at night).

Each order lives through the ordinary work-order services at its own back-dated instants
(``clock.pinned``), exactly as :mod:`hotline.demo.intelligence` writes its history: intake
(consultations partly answered on the spot, catalogue items direct-dispatched), dispatch,
sign, some returns (re-dispatched, or rejected as unjustified), extensions, replies (some
late), review, callback (some unreached, some dissatisfied then re-handled), and duplicates
merged into the order they repeat. The lives are interleaved in time order (one queue of
every order's next step), so an order is merged only while its main order is still open and
each step sees the database as it stood then. Steps that would fall in the last hour are not
taken: the newest orders are still being handled.

Speed (CPU time on this machine, measured with ``time.process_time`` around each service):
intake 5.9 ms, dispatch 5.6 ms (the dispatch suggestion is recorded), reply review 4.5 ms,
reply 1.5 ms, callback 0.9 ms — about 19 ms a life — plus the units' handler accounts (one
Argon2 hash each), the sweeps and the cube's count. Measured: ``hotline demo --no-serve`` takes
23 s of CPU without the year and 73 s with ``YEAR_ORDERS`` = 1,600 (the browser tests start
the demo without it); ``HOTLINE_DEMO_YEAR_ORDERS`` overrides the number, 0 skips the year.
The identity map is cleared every few hundred steps, which keeps the cost per step flat."""

from __future__ import annotations

import datetime as dt
import heapq
import os
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_number

from hotline.auth import repository as auth_repository
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.kit.db import SessionFactory, transaction
from hotline.kit.errors import HotlineError
from hotline.org import repository
from hotline.workorder import service as wo_service
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import ReplyResult, Verdict, WorkOrder
from hotline.workorder.sla import Urgency

#: How many orders the year holds (besides the four months of :mod:`hotline.demo.intelligence`).
YEAR_ORDERS = 1600
YEAR_DAYS = 365
#: Steps that would fall after now minus this are not taken.
QUIET = dt.timedelta(hours=1)
#: How often the deadline sweep runs during the year (the worker runs it every minute).
SWEEP_HOURS = 12


@dataclass(frozen=True)
class Theme:
    """A subject citizens write about: its category path, the department key that handles it
    (the city's or the county's), what they complain of, ask, suggest, and the unit's reply;
    ``season`` weights the months (1 = January)."""

    path: tuple[str, str, str]
    dept: str
    problems: tuple[str, ...]
    questions: tuple[str, ...]
    reply: str
    weight: float = 1.0
    season: tuple[float, ...] = (1,) * 12


SUMMER = (0.7, 0.7, 0.8, 0.9, 1.1, 1.3, 1.5, 1.5, 1.2, 1.0, 0.8, 0.7)
WINTER = (1.8, 1.5, 1.0, 0.5, 0.3, 0.3, 0.3, 0.3, 0.4, 0.8, 1.6, 2.0)
SCHOOL = (0.8, 0.7, 1.2, 1.0, 1.0, 1.3, 1.4, 1.6, 1.5, 0.9, 0.8, 0.8)

THEMES = [
    Theme(("城乡建设", "城市建设和市政管理", "城市公共设施"), "cg",
          ("人行道地砖松动", "公园健身器材坏了", "公交站台顶棚破损", "小区门口道路坑洼积水"),
          ("损坏的公共设施向哪里报修", "公园开放时间是怎样规定的"),
          "已安排市政维修人员到现场检修，相关设施已修复，今后将加强日常巡查。", 1.4),
    Theme(("城乡建设", "住房保障与房地产", "物业服务"), "zj",
          ("物业不打扫楼道", "物业擅自上涨物业费", "物业乱收停车费", "小区门禁坏了物业不管"),
          ("物业费收费标准由谁核定", "业主大会如何召开"),
          "已约谈物业服务企业，责令其按合同履行义务并限期整改，街道将跟踪督促。", 1.6),
    Theme(("环境保护", "环境污染", "噪音污染"), "sthj",
          ("楼下酒吧音乐太吵", "广场舞音响声音太大", "工厂机器轰鸣扰民", "装修噪音中午不停"),
          ("装修施工允许的时间段是几点到几点",),
          "执法人员已到现场检测噪声，责令产生噪音的单位和个人立即整改。", 1.3, SUMMER),
    Theme(("环境保护", "环境污染", "大气污染"), "sthj",
          ("餐馆油烟直排", "露天焚烧垃圾", "搅拌站粉尘污染", "工地扬尘没有覆盖"),
          ("空气质量数据在哪里可以查询",),
          "已现场检查排放情况，对污染源下达整改通知，要求落实降尘和油烟治理措施。", 1.0),
    Theme(("劳动和社会保障", "工资福利", "工资发放"), "rs",
          ("公司拖欠工资三个月", "工地老板不发农民工工资", "离职后工资一直不结", "单位克扣加班费"),
          ("被拖欠工资应当向哪个部门投诉",),
          "劳动保障监察大队已约谈用人单位，责令其限期足额支付拖欠的工资报酬。", 1.3,
          (2.0, 1.6, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1.2, 1.8)),
    Theme(("劳动和社会保障", "城镇职工社会保险", "职工养老保险"), "rs",
          ("单位没有给缴纳养老保险", "养老保险转移接续办不下来"),
          ("养老保险断缴后怎么补缴", "退休金什么时候调整", "灵活就业人员怎样参加养老保险"),
          "已核实参保缴费情况，督促用人单位依法补缴，并告知了转移接续的办理流程。", 1.2),
    Theme(("教育文体", "考试招生", "招生录取"), "jy",
          ("学区划分不合理孩子上学远", "民办学校招生收取赞助费"),
          ("小学入学需要准备哪些材料", "随迁子女怎样办理入学", "中考加分政策有哪些"),
          "已核实学区划分和招生情况，对违规收费责令退还，并公开了入学报名办法。", 1.0, SCHOOL),
    Theme(("卫生计生", "医政监管", "医疗收费"), "wj",
          ("医院重复收费", "住院费用清单对不上", "诊所乱收检查费"),
          ("异地就医怎样报销",),
          "已核查医疗机构的收费明细，对不合规收费责令退还，并要求严格执行明码标价。", 0.8),
    Theme(("商贸旅游", "市场监管", "商品质量"), "sj",
          ("超市卖过期食品", "网购商品质量有问题商家不退", "买到假冒名牌鞋", "预付卡商家跑路"),
          ("消费者权益受损怎样投诉",),
          "市场监管执法人员已现场检查，对问题商品下架封存并立案调查，已督促商家退换。", 1.3),
    Theme(("交通运输", "客货运输", "旅客运输"), "jt",
          ("公交车经常不按时发车", "公交司机态度恶劣", "长途客车超载"),
          ("新开通的公交线路经过哪些站点", "老年人乘公交怎样办理优惠卡"),
          "已责成公交企业调查处理，对相关驾驶员批评教育，并优化了该线路的发车间隔。", 1.0),
    Theme(("交通运输", "出租车管理", "网约车问题"), "jt",
          ("出租车拒载", "网约车绕路多收费", "出租车不打表议价"),
          ("网约车驾驶员证怎样办理",),
          "已调取行车记录核实情况，对违规驾驶员依法处罚并退还多收费用。", 0.7),
    Theme(("民政", "社会救助", "城镇低保"), "mz",
          ("低保申请迟迟没有结果", "低保金没有按时发放"),
          ("低保申请条件是什么", "临时救助怎样申请"),
          "已核实申请材料和审批进度，按政策完成审核，并告知了救助申请的办理渠道。", 0.7),
    Theme(("政法", "户籍证件", "户籍管理"), "ga",
          ("户口迁移手续办理太慢", "派出所办证窗口排队太久"),
          ("新生儿落户需要什么材料", "身份证丢了怎么补办", "居住证怎样办理"),
          "已向申请人说明户籍办理的条件和所需材料，并优化了窗口预约办理流程。", 1.0),
    Theme(("农村农业", "惠农补贴", "粮食直补"), "ny",
          ("种粮补贴没有发到户", "补贴发放名单不公开"),
          ("今年的耕地地力保护补贴标准是多少",),
          "已核对补贴发放台账，补发了遗漏的补贴资金，并在村务公开栏公示发放名单。", 0.6,
          (0.5, 0.5, 1.2, 1.5, 1.5, 1.0, 0.8, 0.8, 1.0, 1.2, 1.0, 0.5)),
]
#: Direct-dispatch catalogue appeals (outages, night-time building work): the catalogue sends them
#: straight to the utility or county government at intake.
DIRECT = [
    (("城乡建设", "城市建设和市政管理", "自来水供应"), ("停水一天了没有通知", "小区突然停水"), SUMMER),
    (("城乡建设", "城市建设和市政管理", "电力供应"), ("整栋楼停电了", "小区频繁停电"), SUMMER),
    (("城乡建设", "城市建设和市政管理", "冬季采暖"), ("家里暖气不热", "小区停暖没有通知"), WINTER),
    (("环境保护", "环境污染", "噪音污染"), ("工地夜间施工吵得睡不着", "半夜施工噪音扰民"), SUMMER),
]
SUGGESTIONS = ("建议增设公交站点", "建议在小区附近增加停车位", "建议延长政务大厅周末办理时间", "建议增设充电桩")
PRAISES = ("感谢工作人员及时上门处理", "表扬窗口工作人员耐心细致", "感谢热线帮忙解决了问题")
CHANNELS = [("phone", 58), ("mobile", 14), ("web", 10), ("wenzheng", 6), ("mayor_mailbox", 5), ("leader_board", 3),
            ("forum_voice", 2), ("api", 2)]
TYPES = [("complaint", 36), ("help", 22), ("consultation", 20), ("report", 8), ("suggestion", 8), ("praise", 6)]
CITY_WEIGHTS = {"990100": 5, "990200": 3, "990300": 2}
ENTERPRISES = ["青川市恒达建材有限公司", "云岭市绿源农业科技有限公司", "临河市顺通物流有限公司", "青川市东城区李记餐馆",
               "示范省安平县北固镇张氏五金店", "云岭市望江商贸有限公司", "临河市河西区兴旺超市", "青川市新桥汽车维修部"]
ENTERPRISE_PROBLEMS = ("办理营业执照变更手续时间太长", "申请的稳岗补贴迟迟没有到账", "企业门前道路施工影响经营",
                       "工程款被拖欠", "办理施工许可证来回跑", "企业用电报装时间太长")
MONTHLY = (0.85, 0.75, 0.95, 1.0, 1.05, 1.1, 1.2, 1.2, 1.05, 1.0, 0.95, 0.9)  # Spring Festival in Feb
HOURLY = (1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1)


@dataclass
class Plan:
    """One appeal of the year and the path its life takes."""

    n: int
    at: dt.datetime
    city: str
    town: str
    theme: Theme | None
    path: tuple[str, ...]
    appeal_type: str
    channel: str
    title: str
    content: str
    reply: str
    dept: str | None
    urgency: Urgency
    enterprise: str | None
    answer: str | None = None
    duplicate_of: int | None = None
    returns: str | None = None  # None | "redispatch" | "reject"
    extension: bool = False
    late: bool = False
    verdict: Verdict = Verdict.satisfied
    unreached: bool = False
    never_called: bool = False


def _uscc(rng: random.Random, region: str) -> str:
    body = "92" + region + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_number.calc_check_digit(body + "0")


def _towns() -> list[tuple[str, str, float]]:
    from hotline.demo.data import CITIES

    out = []
    for city_code, _city, _short, counties in CITIES:
        for county_code, _county, _suffix, towns in counties:
            for i, _town in enumerate(towns, start=1):
                out.append((city_code, f"{county_code}{i:03d}", CITY_WEIGHTS[city_code] / (len(counties) * len(towns))))
    return out


def _instant(rng: random.Random, now: dt.datetime) -> dt.datetime:
    """A past instant in the year, weighted by month, weekday and hour."""
    while True:
        day = (now - dt.timedelta(days=rng.uniform(0, YEAR_DAYS))).astimezone(clock.CST)
        if rng.random() > MONTHLY[day.month - 1] / 1.2:
            continue
        if day.weekday() >= 5 and rng.random() < 0.45:
            continue
        hour = rng.choices(range(24), weights=HOURLY)[0]
        at = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
        if at <= now - dt.timedelta(hours=3):
            return at.astimezone(dt.UTC)


def plans(count: int, now: dt.datetime, seed: int = 2026) -> list[Plan]:
    """The year's appeals, their paths chosen by a seeded generator (the same demo each time)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, nothing secret
    towns = _towns()
    out: list[Plan] = []
    for n in range(count):
        at = _instant(rng, now)
        month = at.astimezone(clock.CST).month - 1
        city, town, _w = rng.choices(towns, weights=[w for *_x, w in towns])[0]
        appeal_type = rng.choices([t for t, _ in TYPES], weights=[w for _, w in TYPES])[0]
        channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        urgency = rng.choices([Urgency.normal, Urgency.urgent, Urgency.emergency], weights=[86, 12, 2])[0]
        enterprise = rng.choice(ENTERPRISES) if rng.random() < 0.10 else None
        theme: Theme | None = None
        path: tuple[str, ...]
        answer = None
        if enterprise is None and appeal_type in ("complaint", "help") and rng.random() < 0.08:
            path, phrases, _season = rng.choices(DIRECT, weights=[s[month] for *_x, s in DIRECT])[0]
            phrase = rng.choice(phrases)
            title, content = phrase, f"{phrase}，请尽快处理。"
            reply, dept = "已通知相关单位到场处置，现已恢复正常。", None
            appeal_type = "help"
        else:
            theme = rng.choices(THEMES, weights=[t.weight * t.season[month] for t in THEMES])[0]
            path, dept, reply = theme.path, theme.dept, theme.reply
            if enterprise is not None:
                phrase = rng.choice(ENTERPRISE_PROBLEMS)
                title, content = phrase, f"我是{enterprise}的负责人，{phrase}，请帮助协调解决。"
            elif appeal_type == "consultation":
                phrase = rng.choice(theme.questions)
                title, content = f"咨询{phrase}"[:40], f"请问{phrase}？"
                if rng.random() < 0.45:
                    answer = f"关于“{phrase}”：请按相关政策规定办理，详细办事指南可在政务服务网查询。"
            elif appeal_type == "suggestion":
                phrase = rng.choice(SUGGESTIONS)
                title, content = phrase, f"{phrase}，方便群众办事出行。"
            elif appeal_type == "praise":
                phrase = rng.choice(PRAISES)
                title, content = phrase, f"{phrase}，特此表扬。"
            else:
                phrase = rng.choice(theme.problems)
                title, content = phrase, f"{phrase}，希望有关部门尽快处理。"
        duplicate_of = None
        if out and rng.random() < 0.03:  # a second caller about the same thing a little later
            earlier = out[-1 - rng.randrange(min(20, len(out)))]
            if earlier.answer is None and earlier.theme is not None and earlier.enterprise is None:
                duplicate_of = earlier.n
                at = earlier.at + dt.timedelta(minutes=rng.uniform(20, 60 * 30))
                city, town, title, content = earlier.city, earlier.town, earlier.title, earlier.content
                theme, path, dept, reply = earlier.theme, earlier.path, earlier.dept, earlier.reply
                appeal_type, urgency, answer = earlier.appeal_type, earlier.urgency, None
                if at > now - dt.timedelta(hours=3):
                    duplicate_of, at = None, earlier.at
        out.append(Plan(
            n=n, at=at, city=city, town=town, theme=theme, path=path, appeal_type=appeal_type, channel=channel,
            title=title[:40], content=content, reply=reply, dept=dept, urgency=urgency, enterprise=enterprise,
            answer=answer, duplicate_of=duplicate_of,
            returns=rng.choices([None, "redispatch", "reject"], weights=[92, 5, 3])[0],
            extension=rng.random() < 0.05, late=rng.random() < 0.09,
            verdict=rng.choices([Verdict.satisfied, Verdict.basically_satisfied, Verdict.dissatisfied],
                                weights=[78, 13, 9])[0],
            unreached=rng.random() < 0.06, never_called=rng.random() < 0.02))
    return out


@dataclass
class _People:
    agents: dict[str, Principal]
    dispatcher: Principal
    admin: Principal
    handlers: dict[int, Principal]
    demo_hash: str | None = None


def _people(session: Session) -> _People:
    from hotline.demo.data import STAFF_PHONE, demo_account

    def principal(username: str) -> Principal:
        user = auth_repository.user_by_username(session, username)
        assert user is not None
        return Principal.of(user)

    admin = principal("admin")
    agents = {"990100": principal("agent")}
    for n, (city, username, name) in enumerate((("990200", "agent_yl", "云岭市话务员小赵"),
                                                ("990300", "agent_lh", "临河市话务员小孙")), start=80):
        user = auth_repository.user_by_username(session, username)
        if user is None:
            centre = repository.unit_by_code(session, f"C-{city}")
            assert centre is not None
            user = demo_account(session, admin, username=username, display_name=name, role=Role.agent,
                                unit_id=centre.id, phone=STAFF_PHONE.format(n))
        agents[city] = Principal.of(user)
    return _People(agents=agents, dispatcher=principal("dispatcher"), admin=admin, handlers={})


def _unit_for(session: Session, plan: Plan, rng: random.Random) -> int | None:
    assert plan.dept is not None
    county = plan.town[:6]
    codes = [f"{county}-{plan.dept}", f"{plan.city}-{plan.dept}"] if rng.random() < 0.6 else \
        [f"{plan.city}-{plan.dept}", f"{county}-{plan.dept}"]
    for code in [*codes, f"990000-{plan.dept}"]:
        unit = repository.unit_by_code(session, code)
        if unit is not None:
            return unit.id
    return None


def _handler(session: Session, people: _People, unit_id: int) -> Principal:
    """The unit's demo handler account (``h-<unit code>``, as :mod:`hotline.demo.intelligence`
    names it), created on first use through the account service. Its demo password's hash is
    computed once for all of them (one Argon2 hash per account instead of two: the hashing,
    not the orders, was half of the year's cost)."""
    if unit_id in people.handlers:
        return people.handlers[unit_id]
    from hotline.auth import service as auth_service
    from hotline.demo.data import DEMO_PASSWORD, STAFF_PHONE

    unit = repository.cached_unit(session, unit_id)
    assert unit is not None
    username = "h-" + unit.code.lower()
    user = auth_repository.user_by_username(session, username)
    if user is None:
        user = auth_service.create_user(
            session, people.admin, username=username, display_name=f"{unit.name}承办人"[:50], role=Role.unit_handler,
            unit_id=unit.id, password=f"Demo-{secrets.token_urlsafe(12)}-9",
            phone=STAFF_PHONE.format(200 + len(people.handlers)))
        if people.demo_hash is None:
            people.demo_hash = auth_service.hash_password(DEMO_PASSWORD)
        user.must_change_password = False
        user.password_hash = people.demo_hash
    people.handlers[unit_id] = Principal.of(user)
    return people.handlers[unit_id]


def _life(session: Session, people: _People, plan: Plan, orders: dict[int, int], merged: dict[int, list[int]],
          categories: dict[tuple[str, ...], str], rng: random.Random) -> Iterator[float]:
    """One appeal's life; each ``yield`` is the wait in minutes before the next step, which
    runs with the clock pinned at its instant."""
    agent = people.agents[plan.city]
    data = wo_service.IntakeData(
        channel=plan.channel, appeal_type=plan.appeal_type, title=plan.title, content=plan.content,
        phone=f"1351{plan.n:07d}", category_code=categories[plan.path], region_code=plan.town, urgency=plan.urgency,
        is_enterprise=plan.enterprise is not None, enterprise_name=plan.enterprise,
        uscc=_uscc(rng, plan.town[:6]) if plan.enterprise else None, answer=plan.answer)
    created, _ = wo_service.intake(session, agent, data)
    order_id = created.id
    orders[plan.n] = order_id

    def order() -> WorkOrder:
        found = session.get(WorkOrder, order_id)
        assert found is not None
        return found

    if plan.answer is not None or order().status not in (Status.registered, Status.dispatched):
        return
    if order().status == Status.registered:
        yield rng.uniform(5, 90)
        parent_id = orders.get(plan.duplicate_of) if plan.duplicate_of is not None else None
        parent = session.get(WorkOrder, parent_id) if parent_id else None
        if parent is not None and parent.status in (Status.registered, Status.dispatched, Status.handling):
            wo_service.merge(session, people.dispatcher, parent, [order()])
            merged.setdefault(parent.id, []).append(order_id)
            return
        unit_id = _unit_for(session, plan, rng)
        if unit_id is None:
            return
        wo_service.dispatch(session, people.dispatcher, order(), lead_unit_id=unit_id)
    lead = order().lead_unit_id
    assert lead is not None
    handler = _handler(session, people, lead)
    if plan.returns and plan.dept is not None:
        yield rng.uniform(30, 60 * 6)
        wo_service.return_order(session, handler, order(), reason="该事项不属于本单位职责范围，请改派。")
        yield rng.uniform(30, 60 * 4)
        if plan.returns == "reject":
            wo_service.reject_return(session, people.dispatcher, order(), reason="经核实属该单位职责，退单理由不成立。")
        else:
            other = next((u for u in (f"{plan.city}-{plan.dept}", f"{plan.town[:6]}-{plan.dept}")
                          if (unit := repository.unit_by_code(session, u)) is not None and unit.id != lead), None)
            target = repository.unit_by_code(session, other) if other else None
            if target is None:
                wo_service.reject_return(session, people.dispatcher, order(), reason="经核实属于该单位职责。")
            else:
                wo_service.dispatch(session, people.dispatcher, order(), lead_unit_id=target.id)
                handler = _handler(session, people, target.id)
    rounds = 0
    while True:
        if order().status == Status.dispatched:
            yield rng.uniform(20, 60 * rng.choice([2, 6, 20]))
            wo_service.sign(session, handler, order())
        if plan.extension and rounds == 0:
            yield rng.uniform(60 * 24, 60 * 24 * 3)
            wo_service.request_extension(session, handler, order(), working_days=rng.choice([3, 5]),
                                         reason="需协调多个部门现场核查，申请延期办理。")
            yield rng.uniform(60, 60 * 8)
            wo_service.decide_extension(session, people.dispatcher, order(), approve=True, note="同意延期。")
        due = order().due_at
        now = clock.now()
        if plan.late and rounds == 0 and due is not None:
            wait = (clock.as_aware(due) - now).total_seconds() / 60 + rng.uniform(60 * 6, 60 * 24 * 6)
        elif due is not None:
            span = max(30.0, (clock.as_aware(due) - now).total_seconds() / 60)
            wait = rng.uniform(0.1, 0.85) * span
        else:
            wait = rng.uniform(60 * 4, 60 * 24 * 5)
        yield wait
        result = rng.choices([ReplyResult.resolved, ReplyResult.partly_resolved, ReplyResult.not_resolved],
                             weights=[84, 11, 5])[0]
        wo_service.reply(session, handler, order(), result=result, text=f"关于您反映的“{plan.title}”：{plan.reply}")
        yield rng.uniform(30, 60 * 8)
        wo_service.review_reply(session, people.dispatcher, order(), accept=True)
        if plan.never_called:
            return
        if plan.unreached and rounds == 0:
            yield rng.uniform(60 * 2, 60 * 24)
            wo_service.record_callback(session, agent, order(), reached=False)
        yield rng.uniform(60 * 2, 60 * 30)
        verdict = plan.verdict if rounds == 0 else rng.choices(
            [Verdict.satisfied, Verdict.basically_satisfied, Verdict.dissatisfied], weights=[60, 25, 15])[0]
        wo_service.record_callback(session, agent, order(), reached=True, resolved=verdict != Verdict.dissatisfied,
                                   verdict=verdict)
        for child_id in merged.pop(order_id, []):  # the merged callers, answered with this reply, called too
            child = session.get(WorkOrder, child_id)
            if child is not None and child.status == Status.callback:
                wo_service.record_callback(session, agent, child, reached=True, resolved=True,
                                           verdict=rng.choice([Verdict.satisfied, Verdict.basically_satisfied]))
        rounds += 1
        if order().status == Status.closed or rounds > 1:
            return


def _sweeps(session: Session) -> Iterator[float]:
    """The deadline sweep of the supervision jobs at its instants: orders past their deadline
    are marked overdue (the 超期 figure and the on-time rate read that mark), those due soon
    warned — with the texts the sweep writes."""
    from hotline.supervision.service.sweeps import SWEEP_BATCH, sweep_batch

    while True:
        while True:
            done = sweep_batch(session)
            if done.warned + done.overdue < SWEEP_BATCH:
                break
        yield SWEEP_HOURS * 60


def load_year(session: Session, categories: dict[tuple[str, ...], str], *, count: int | None = None) -> int:
    """Write the year (``count`` orders; default ``YEAR_ORDERS`` or ``HOTLINE_DEMO_YEAR_ORDERS``)
    through the services, every order's steps in time order. Returns how many orders it wrote."""
    if count is None:
        count = int(os.environ.get("HOTLINE_DEMO_YEAR_ORDERS", YEAR_ORDERS))
    if count <= 0:
        return 0
    now = clock.now()
    cutoff = now - QUIET
    rng = random.Random(12346)  # noqa: S311 - demo data
    people = _people(session)
    orders: dict[int, int] = {}
    merged: dict[int, list[int]] = {}
    queue: list[tuple[dt.datetime, int, Iterator[float]]] = []
    for plan in plans(count, now):
        queue.append((plan.at, plan.n, _life(session, people, plan, orders, merged, categories, rng)))
    if queue:  # the deadline sweep, as the worker runs it, every few hours of the year
        queue.append((min(q[0] for q in queue), -1, _sweeps(session)))
    heapq.heapify(queue)
    steps = 0
    while queue:
        at, n, life = heapq.heappop(queue)
        try:
            with clock.pinned(at):
                wait = next(life)
        except StopIteration:
            continue
        except HotlineError:  # a step the rules refuse at that moment (e.g. a merge race): the life ends there
            continue
        following = at + dt.timedelta(minutes=wait)
        if following < cutoff:
            heapq.heappush(queue, (following, n, life))
        steps += 1
        if steps % 400 == 0:  # a flat cost per step: the identity map would grow with every order
            session.flush()
            session.expunge_all()
    session.flush()
    return len(orders)


def refresh_statistics(session: Session) -> int:
    """Count every day of the demo into the statistics cube, as ``hotline statistics rebuild``
    does (run once the load is committed: the order events the cube's cursor follows are
    written at commit), and move the cursor past them. Returns the cube rows written."""
    from hotline.analytics import repository as statistics_repository
    from hotline.analytics import service as statistics

    first = statistics_repository.first_registration(session)
    statistics.mark_all_read(session)
    if first is None:
        return 0
    return statistics.rebuild(session, clock.as_aware(first).astimezone(clock.CST).date(), clock.today())


def project_history(factory: SessionFactory) -> int:
    """Fold the demo year's events into the supervision counters and ledgers and the users'
    inboxes, batch by batch (each its own transaction, as the worker's jobs do), so that a
    server starts with its projections at the head instead of spending its first seconds on
    a year of history. Returns the events read."""
    from hotline.inbox import service as inbox
    from hotline.supervision import service as supervision

    read = 0
    for step, batch in ((supervision.project, supervision.PROJECT_BATCH), (inbox.fan_out, inbox.BATCH)):
        while True:
            with transaction(factory) as session:
                n = step(session)
            read += n
            if n < batch:
                break
    return read
