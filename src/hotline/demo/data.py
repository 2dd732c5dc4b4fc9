"""The demo province 示范省 (fictional code 990000): 3 cities, 12 counties and their
townships, some 400 units (centres, workstations, departments at three levels, governments,
utilities), the 517-category tree mapped to competent departments, and one account per role.

Everything after the bootstrap goes through the services, so the demo data obeys the same
rules (and leaves the same audit trail) as data an administrator enters."""

from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.auth import bootstrap
from hotline.auth import repository as auth_repository
from hotline.auth import service as auth_service
from hotline.auth.models import Role, User
from hotline.auth.principal import Principal
from hotline.citizen import service as citizen_service
from hotline.org import repository
from hotline.org import service as org
from hotline.org.models import UnitKind, UtilityType
from hotline.workorder import catalogue
from hotline.workorder import service as wo_service
from hotline.workorder.models import DirectTarget, ReplyResult

DEMO_PASSWORD = "hotline2026"  # noqa: S105 (the published demo password)
PROVINCE = ("990000", "示范省", "示范")

CITIES = [
    ("990100", "青川市", "青川", [
        ("990102", "东城区", "区", ["东华街道", "朝阳街道", "新桥街道"]),
        ("990103", "西城区", "区", ["西关街道", "金水街道", "柳林街道"]),
        ("990121", "安平县", "县", ["安平镇", "北固镇", "桃源乡"]),
        ("990122", "石门县", "县", ["石门镇", "龙泉镇", "白云乡"]),
    ]),
    ("990200", "云岭市", "云岭", [
        ("990202", "云中区", "区", ["云中街道", "望江街道", "凤鸣街道"]),
        ("990221", "松溪县", "县", ["松溪镇", "竹林镇", "清风乡"]),
        ("990222", "白沙县", "县", ["白沙镇", "红岩镇", "古渡乡"]),
        ("990281", "丰原市", "县级市", ["丰原街道", "太平镇", "长乐镇"]),
    ]),
    ("990300", "临河市", "临河", [
        ("990302", "河东区", "区", ["河东街道", "滨江街道", "南湖街道"]),
        ("990303", "河西区", "区", ["河西街道", "新城街道", "沙洲街道"]),
        ("990321", "长宁县", "县", ["长宁镇", "永安镇", "兴隆乡"]),
        ("990322", "清水县", "县", ["清水镇", "双河镇", "青石乡"]),
    ]),
]


@dataclass(frozen=True)
class Dept:
    key: str
    province_name: str | None  # None: no provincial counterpart
    local_name: str
    level1: tuple[str, ...] = ()
    level2: tuple[tuple[str, str], ...] = ()
    at_county: bool = True


DEPARTMENTS = [
    Dept("fgw", "发展和改革委员会", "发展和改革局", ("经济管理",)),
    Dept("jy", "教育厅", "教育局", ("教育文体",)),
    Dept("kj", "科学技术厅", "科学技术局", ("科技与信息产业",), at_county=False),
    Dept("ga", "公安厅", "公安局", ("政法",)),
    Dept("mz", "民政厅", "民政局", ("民政",)),
    Dept("sf", "司法厅", "司法局", (), (("政法", "仲裁与调解"), ("政法", "法律服务"), ("政法", "法制建设"),
                                       ("政法", "行政复议"), ("政法", "诉讼"))),
    Dept("cz", "财政厅", "财政局", (), (("经济管理", "金融财税"),), at_county=False),
    Dept("rs", "人力资源和社会保障厅", "人力资源和社会保障局", ("劳动和社会保障",)),
    Dept("zr", "自然资源厅", "自然资源局", ("国土资源",)),
    Dept("sthj", "生态环境厅", "生态环境局", ("环境保护",)),
    Dept("zj", "住房和城乡建设厅", "住房和城乡建设局", ("城乡建设",)),
    Dept("cg", None, "城市管理局", (), (("城乡建设", "城市建设和市政管理"),)),
    Dept("jt", "交通运输厅", "交通运输局", ("交通运输",)),
    Dept("sl", "水利厅", "水利局", (), (("农村农业", "水利水电"), ("农村农业", "水库移民"))),
    Dept("ny", "农业农村厅", "农业农村局", ("农村农业",)),
    Dept("sw", "商务厅", "商务局", ("商贸旅游",), at_county=False),
    Dept("wl", "文化和旅游厅", "文化广电旅游局", (), (("商贸旅游", "旅游管理"), ("教育文体", "文化"),
                                                   ("教育文体", "体育"), ("教育文体", "文物管理"))),
    Dept("wj", "卫生健康委员会", "卫生健康局", ("卫生计生",)),
    Dept("yj", "应急管理厅", "应急管理局", (), (("城乡建设", "安全生产"), ("经济管理", "安全生产"))),
    Dept("sj", "市场监督管理局", "市场监督管理局", (), (("商贸旅游", "市场监管"), ("商贸旅游", "质监检验检疫"),
                                                      ("卫生计生", "食品药品监管"), ("科技与信息产业", "知识产权"))),
    Dept("gz", "国有资产监督管理委员会", "国有资产监督管理委员会", (), (("经济管理", "国资监管"),),
         at_county=False),
    Dept("ly", "林业局", "林业局", (), (("农村农业", "林业管理"), ("农村农业", "草原草场"),
                                       ("农村农业", "野生资源管理")), at_county=False),
    Dept("zw", "政务服务管理局", "政务服务管理局", ("党务政务",), (("科技与信息产业", "信息化建设"),)),
    Dept("jw", "纪委监委", "纪委监委", ("纪检监察",)),
]

UTILITIES = [
    (UtilityType.water, "wat", "{city}自来水有限公司"),
    (UtilityType.power, "pow", "国网{short}供电公司"),
    (UtilityType.gas, "gas", "{city}燃气集团有限公司"),
    (UtilityType.heating, "hea", "{city}热力有限公司"),
    (UtilityType.telecom, "tel", "中国电信{short}分公司"),
]

ACCOUNTS = [
    # username, name, role, unit code
    ("admin", "省级管理员", Role.admin, "C-990000"),
    ("auditor", "安全审计员", Role.auditor, "C-990000"),
    ("qc_admin", "青川市管理员", Role.admin, "C-990100"),
    ("agent", "话务员小王", Role.agent, "C-990100"),
    ("dispatcher", "派单员小李", Role.dispatcher, "C-990100"),
    ("supervisor", "督办员老张", Role.centre_supervisor, "C-990100"),
    ("handler", "住建局承办人", Role.unit_handler, "990100-zj"),
    ("manager", "住建局负责人", Role.unit_manager, "990100-zj"),
    ("sector", "生态环境厅查看员", Role.sector_viewer, "990000-sthj"),
    ("duty_lead", "值班长老陈", Role.centre_supervisor, "C-990100"),
    ("kb_editor", "知识库编辑", Role.knowledge_editor, "C-990000"),
    ("kb_reviewer", "知识库审核员", Role.knowledge_reviewer, "C-990000"),
]

#: Contact phones of the demo: mobile numbers in the 1380000xxxx (units) and 1370000xxxx
#: (staff) blocks. They are valid in form, so the texts to units and supervisors are written
#: and visible in the outbox, but clearly made up: do not reuse them outside the demo.
UNIT_PHONE, STAFF_PHONE = "1380000{:04d}", "1370000{:04d}"

TAXONOMY = Path(__file__).with_name("taxonomy.csv")


def load_categories(session: Session, admin: Principal) -> dict[tuple[str, ...], str]:
    """The three-level tree from taxonomy.csv; returns a map of name path → code."""
    codes: dict[tuple[str, ...], str] = {}
    with TAXONOMY.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            path: tuple[str, ...] = ()
            for level in ("level1", "level2", "level3"):
                name = row[level].strip()
                if not name:
                    break
                parent = codes.get(path)
                path = (*path, name)
                if path not in codes:
                    codes[path] = org.create_category(session, admin, name=name, parent_code=parent).code
    return codes


def demo_account(session: Session, admin: Principal, *, username: str, display_name: str, role: Role, unit_id: int,
                 phone: str) -> User:
    """A demo account that logs in with the published demo password and is not asked to change
    it. The password rules refuse that password to anyone choosing it, so the account is made
    with a throw-away strong one and the demo password is set directly."""
    user = auth_service.create_user(session, admin, username=username, display_name=display_name, role=role,
                                    unit_id=unit_id, password=f"Demo-{secrets.token_urlsafe(12)}-9", phone=phone)
    user.must_change_password = False
    user.password_hash = auth_service.hash_password(DEMO_PASSWORD)
    return user


def load(session: Session) -> list[tuple[str, str, str, str]]:
    """Fill an empty database; returns the demo accounts as (username, password, role, unit).

    The published demo password would fail the password rules (as it must for anyone who
    chooses it): the accounts are created with a throw-away strong password, then given the
    demo password directly."""
    setup_password = f"Demo-{secrets.token_urlsafe(12)}-9"
    admin = bootstrap.initialise(
        session, province_code=PROVINCE[0], province_name=PROVINCE[1],
        centre_name="示范省12345政务服务便民热线中心", admin_username="admin", admin_password=setup_password,
        admin_name="省级管理员",
    )
    org.update_region(session, admin, repository.region_by_code(session, PROVINCE[0]),  # type: ignore[arg-type]
                      short_name=PROVINCE[2])
    cats = load_categories(session, admin)

    def competence(dept: Dept) -> list[str]:
        return [cats[(l1,)] for l1 in dept.level1] + [cats[pair] for pair in dept.level2]

    for dept in DEPARTMENTS:
        if dept.province_name:
            org.create_unit(session, admin, code=f"990000-{dept.key}", name=f"示范省{dept.province_name}",
                            kind=UnitKind.department, region_code="990000", category_codes=competence(dept))
    org.create_unit(session, admin, code="G-990000", name="示范省人民政府", kind=UnitKind.government,
                    region_code="990000")

    for city_code, city, short, counties in CITIES:
        org.create_region(session, admin, code=city_code, name=city, short_name=short)
        org.create_unit(session, admin, code=f"C-{city_code}", name=f"{city}12345政务服务便民热线中心",
                        kind=UnitKind.hotline_centre, region_code=city_code, parent_code="C-990000")
        org.create_unit(session, admin, code=f"G-{city_code}", name=f"{city}人民政府",
                        kind=UnitKind.government, region_code=city_code, parent_code="G-990000")
        for dept in DEPARTMENTS:
            org.create_unit(
                session, admin, code=f"{city_code}-{dept.key}", name=f"{city}{dept.local_name}",
                kind=UnitKind.department, region_code=city_code, category_codes=competence(dept),
                parent_code=f"990000-{dept.key}" if dept.province_name else None,
            )
        for utility, key, pattern in UTILITIES:
            org.create_unit(
                session, admin, code=f"{city_code}-{key}", name=pattern.format(city=city, short=short),
                kind=UnitKind.utility, region_code=city_code, utility_type=utility,
                category_codes=[cats[("科技与信息产业", "电信")]] if utility == UtilityType.telecom else [],
            )
        for county_code, county, _suffix, towns in counties:
            org.create_region(session, admin, code=county_code, name=county, short_name=county[:-1])
            org.create_unit(session, admin, code=f"W-{county_code}", name=f"{county}12345热线工作站",
                            kind=UnitKind.workstation, region_code=county_code, parent_code=f"C-{city_code}")
            org.create_unit(session, admin, code=f"G-{county_code}", name=f"{county}人民政府",
                            kind=UnitKind.government, region_code=county_code, parent_code=f"G-{city_code}")
            for dept in DEPARTMENTS:
                if dept.at_county:
                    org.create_unit(
                        session, admin, code=f"{county_code}-{dept.key}", name=f"{county}{dept.local_name}",
                        kind=UnitKind.department, region_code=county_code, category_codes=competence(dept),
                        parent_code=f"{city_code}-{dept.key}",
                    )
            for i, town in enumerate(towns, start=1):
                town_code = f"{county_code}{i:03d}"
                org.create_region(session, admin, code=town_code, name=town, short_name=town[:-2] or town)
                org.create_unit(session, admin, code=f"G-{town_code}",
                                name=f"{county}{town}{'办事处' if town.endswith('街道') else '人民政府'}",
                                kind=UnitKind.government, region_code=town_code, parent_code=f"G-{county_code}")

    admin_user = auth_repository.user_by_username(session, "admin")
    assert admin_user is not None
    admin_user.password_hash = auth_service.hash_password(DEMO_PASSWORD)
    load_unit_phones(session, admin)
    accounts = [("admin", DEMO_PASSWORD, "系统管理员", "示范省12345政务服务便民热线中心")]
    for n, (username, name, role, unit_code) in enumerate(ACCOUNTS[1:], start=1):
        unit = repository.unit_by_code(session, unit_code)
        assert unit is not None
        demo_account(session, admin, username=username, display_name=name, role=role, unit_id=unit.id,
                     phone=STAFF_PHONE.format(n))
        accounts.append((username, DEMO_PASSWORD, role.value, unit.name))

    agent_user = auth_repository.user_by_username(session, "agent")
    assert agent_user is not None
    agent_principal = Principal.of(agent_user)
    for phone, name, address in (
        ("13800138000", "张建国", "示范省青川市东城区东华街道幸福路 12 号"),
        ("13912345678", "李秀英", "示范省青川市安平县安平镇中心街 8 号"),
        ("02188886666", "王强", "示范省云岭市云中区望江街道江滨小区 3 栋"),
    ):
        citizen_service.register(session, agent_principal, phone=phone, name=name, address=address)
    load_direct_dispatch(session, admin)
    load_supervision_authorities(session, admin)
    load_sample_orders(session)
    from hotline.demo.knowledge import load_knowledge

    load_knowledge(session, cats)
    from hotline.demo.intelligence import load_intelligence

    load_intelligence(session, cats)
    from hotline.demo.year import load_year

    load_year(session, cats)
    load_coordinates(session)
    from hotline.demo.open311 import load_open311

    load_open311(session, admin, cats)
    from hotline.demo.boards import load_board

    load_board(session)
    from hotline.demo.telephony import load_telephony

    load_telephony(session)
    from hotline.demo.merchants import load_merchants

    load_merchants(session)
    from hotline.demo.linkage import load_linkage

    load_linkage(session)
    from hotline.demo.spotcheck import load_spot_checks

    load_spot_checks(session)

    from hotline.demo.reports import load_reports

    load_reports(session)

    from hotline.demo.disclosure import load_disclosure

    load_disclosure(session)
    return accounts


#: Where the demo lies (WGS-84; plausible, in the Sichuan basin): each city's seat, its
#: districts and counties around it, the townships around those, each place name beside its
#: township's seat. An Open311 request given as a point is placed by these.
PROVINCE_SEAT = (30.651, 104.076)
CITY_SEATS = {"990100": (30.659, 104.066), "990200": (29.563, 106.551), "990300": (28.871, 105.442)}
#: Offsets (degrees) of a city's four districts/counties from its seat, in ``CITIES`` order.
COUNTY_OFFSETS = [(0.021, 0.034), (-0.027, -0.041), (0.312, -0.268), (-0.286, 0.295)]
#: Offsets of a district's (small) or county's (large) three townships from its seat.
TOWN_OFFSETS = [(0.0, 0.0), (0.011, -0.016), (-0.013, 0.012)]
TOWN_SPREAD = {"区": 1.0, "县": 5.0, "县级市": 4.0}


def load_coordinates(session: Session) -> None:
    """Coordinates for every demo region and place name (reference data loaded as the
    migration left it: no service edits coordinates yet)."""
    from sqlalchemy import select

    from hotline.intelligence.models import PlaceName
    from hotline.org.models import Region

    def put(code: str, point: tuple[float, float]) -> None:
        region = repository.region_by_code(session, code)
        assert region is not None
        region.latitude, region.longitude = round(point[0], 6), round(point[1], 6)

    put(PROVINCE[0], PROVINCE_SEAT)
    seats: dict[str, tuple[float, float]] = {}
    for city_code, _city, _short, counties in CITIES:
        city = CITY_SEATS[city_code]
        put(city_code, city)
        for (county_code, _county, suffix, towns), (dlat, dlon) in zip(counties, COUNTY_OFFSETS, strict=True):
            county = (city[0] + dlat, city[1] + dlon)
            put(county_code, county)
            spread = TOWN_SPREAD[suffix]
            for i, (tlat, tlon) in enumerate(TOWN_OFFSETS[:len(towns)], start=1):
                town = (county[0] + tlat * spread + 0.004, county[1] + tlon * spread + 0.003)
                seats[f"{county_code}{i:03d}"] = town
                put(f"{county_code}{i:03d}", town)
    session.flush()
    places = session.execute(select(PlaceName, Region.code).join(Region, Region.id == PlaceName.region_id)
                             .order_by(PlaceName.id)).all()
    for n, (place, town_code) in enumerate(places):
        if town_code in seats:  # a few hundred metres from the township's seat
            lat, lon = seats[town_code]
            place.latitude, place.longitude = round(lat + 0.002 * (n % 3 - 1), 6), round(lon + 0.0025 * (n % 2), 6)
    session.flush()


def load_unit_phones(session: Session, admin: Principal) -> None:
    """Every demo unit gets a contact phone (see ``UNIT_PHONE``), so that due-soon, overdue and
    letter texts to units are written rather than skipped for want of a number."""
    for n, unit in enumerate(sorted(repository.all_units(session), key=lambda u: u.code), start=1):
        if not unit.contact_phone:
            org.update_unit(session, admin, unit, contact_phone=UNIT_PHONE.format(n))


def load_supervision_authorities(session: Session, admin: Principal) -> None:
    """Each place's 政务服务管理局 is its business-environment authority, its 纪委监委 the
    discipline commission that receives referrals."""
    from hotline.supervision import service as supervision
    from hotline.supervision.models import AuthorityKind

    for suffix, kind in (("zw", AuthorityKind.business_environment), ("jw", AuthorityKind.discipline)):
        for region_code in [PROVINCE[0], *(c[0] for c in CITIES), *(d[0] for c in CITIES for d in c[3])]:
            unit = repository.unit_by_code(session, f"{region_code}-{suffix}")
            if unit is not None:
                supervision.set_authority(session, admin, region_code=region_code, kind=kind, unit_id=unit.id)


#: The direct-dispatch catalogue of S4 泸州: outages of water, power, gas, heating and telecom,
#: night-time noise, public safety, road traffic and broken public facilities.
DIRECT_RULES = [
    ("停水", ["停水", "不来水", "水管爆裂", "自来水管破裂"], DirectTarget.utility, UtilityType.water),
    ("停电", ["停电", "断电", "电线杆倒"], DirectTarget.utility, UtilityType.power),
    ("燃气故障", ["燃气泄漏", "天然气泄漏", "停气", "煤气味"], DirectTarget.utility, UtilityType.gas),
    ("供暖故障", ["暖气不热", "停暖", "暖气漏水"], DirectTarget.utility, UtilityType.heating),
    ("通信中断", ["断网", "宽带中断", "手机没有信号"], DirectTarget.utility, UtilityType.telecom),
    ("夜间施工噪音", ["夜间施工", "深夜施工", "半夜施工"], DirectTarget.county_government, None),
    ("公共设施损坏", ["井盖缺失", "井盖破损", "路灯不亮", "护栏损坏"], DirectTarget.county_government, None),
    ("道路交通安全", ["红绿灯坏", "信号灯故障", "道路塌陷", "路面塌陷"], DirectTarget.county_government, None),
]


def load_direct_dispatch(session: Session, admin: Principal) -> None:
    for name, keywords, target, utility in DIRECT_RULES:
        catalogue.create_rule(session, admin, name=name, keywords=keywords, target=target, utility_type=utility)


def load_sample_orders(session: Session) -> None:
    """A handful of orders in different states, so that every queue has something to show."""
    who = {u: Principal.of(auth_repository.user_by_username(session, u))  # type: ignore[arg-type]
           for u in ("agent", "dispatcher", "handler")}
    zj = repository.unit_by_code(session, "990100-zj")
    assert zj is not None
    # (type, title, content, township, how far it has got, the unit's reply once it replies):
    # each order carries its own reply, written for its own appeal.
    samples = [
        ("complaint", "小区楼道堆放杂物无人清理",
         "东城区东华街道幸福小区3栋楼道长期堆放杂物，存在消防隐患。", "990102001", 0, None),
        ("help", "咨询公租房申请条件", "想了解青川市公租房的申请条件和办理流程。", "990103001", 0, None),
        ("complaint", "小区电梯频繁故障", "安平县安平镇锦绣家园2号楼电梯一周内故障三次，物业不处理。", "990121001", 1,
         None),
        ("suggestion", "建议增设公交站点", "建议在西城区金水街道新建小区附近增设公交站点。", "990103002", 2, None),
        ("complaint", "物业擅自涨价", "东城区朝阳街道某小区物业费未经业主大会同意上涨。", "990102002", 3,
         "已约谈物业公司，责令其按规定程序调整物业收费并向业主公示，未经业主大会同意的涨价部分暂停收取。"),
        ("complaint", "新房墙体开裂", "购买的新房交付半年墙体多处开裂，开发商推诿。", "990102003", 4,
         "已组织质监站现场查勘，认定墙体开裂属保修范围内的质量问题，开发商已承诺十五日内完成修复。"),
        ("help", "家里突然停水了", "安平县北固镇中心街一带从早上开始停水，一直没有来水。", "990121002", 0, None),
    ]
    for i, (appeal_type, title, content, town, stage, reply_text) in enumerate(samples):
        order, _ = wo_service.intake(session, who["agent"], wo_service.IntakeData(
            channel="phone", appeal_type=appeal_type, title=title, content=content,
            phone=f"1390000{i:04d}", name=["赵", "钱", "孙", "李", "周", "吴", "郑"][i] + "先生", region_code=town,
        ))
        if stage >= 1:
            wo_service.dispatch(session, who["dispatcher"], order, lead_unit_id=zj.id)
        if stage >= 2:
            wo_service.sign(session, who["handler"], order)
        if stage >= 3:
            assert reply_text is not None
            wo_service.reply(session, who["handler"], order, result=ReplyResult.resolved, text=reply_text)
        if stage >= 4:
            wo_service.review_reply(session, who["dispatcher"], order, accept=True)


def issue_demo_token(session: Session) -> str:
    """A service account for integrations, with a fresh API token."""
    from sqlalchemy import select

    from hotline.auth.models import User

    admin_user = session.execute(select(User).where(User.username == "admin")).scalar_one()
    admin = Principal.of(admin_user)
    user = session.execute(select(User).where(User.username == "ivr")).scalar_one_or_none()
    if user is None:
        centre = repository.unit_by_code(session, "C-990000")
        assert centre is not None
        user = auth_service.create_user(session, admin, username="ivr", display_name="IVR 语音导航对接",
                                        role=Role.integration, unit_id=centre.id, password=None,
                                        is_service=True)
    token, _ = auth_service.issue_api_token(session, admin, user, name="demo", days=30)
    return token
