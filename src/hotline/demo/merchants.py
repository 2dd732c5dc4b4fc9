"""The demo's service merchants (社会化服务企业) in 青川市: a dozen vetted companies registered by
the supervisor and admitted by the city's administrator (four eyes), one still waiting for
review, one under a warning and one suspended with its reason; a few referrals from orders
with the citizens' ratings at callback, a complaint, and the adjustment rule's proposals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.integration.merchants import service
from hotline.kit import clock
from hotline.workorder import service as wo_service
from hotline.workorder.models import ReplyResult, Verdict

#: (name, USCC, service types, areas, business phone, contact, contact phone, address, description)
MERCHANTS = [
    ("青川市安居家电维修服务有限公司", "91990100MA6000003U", ["appliance_repair"], ["990100"], "02881230001",
     "刘建华", "13700100001", "东城区幸福路 18 号", "空调、冰箱、洗衣机、热水器上门维修"),
    ("青川市便民水电维修部", "91990100MA6000010K", ["plumbing_electric", "drain_cleaning"], ["990102", "990103"],
     "02881230002", "陈国强", "13700100002", "西城区金水路 6 号", "水管、电路、灯具维修，管道疏通"),
    ("青川市洁家家政服务有限公司", "91990100MA60000179", ["housekeeping", "elderly_care"], ["990100"],
     "02881230003", "王丽", "13700100003", "东城区朝阳街 22 号", "日常保洁、开荒保洁、家电清洗、居家养老照护"),
    ("青川市顺达搬家服务有限公司", "91990100MA60000241", ["moving"], ["990100"], "02881230004", "赵刚",
     "13700100004", "西城区西关物流园 3 号", "居民搬家、单位搬迁、家具拆装"),
    ("青川市金钥匙开锁服务部", "91990100MA6000031Q", ["locksmith"], ["990102", "990103"], "02881230005", "孙明",
     "13700100005", "东城区新桥路 9 号", "开锁、换锁芯、安装智能锁，公安备案"),
    ("青川市匠心房屋维修有限公司", "91990100MA6000038E", ["home_repair"], ["990100"], "02881230006", "周伟",
     "13700100006", "东城区东华路 40 号", "防水补漏、墙面翻新、门窗维修"),
    ("安平县惠民家电维修中心", "91990100MA60000456", ["appliance_repair", "plumbing_electric"], ["990121"],
     "02881230007", "吴涛", "13700100007", "安平县安平镇中心街 15 号", "安平县城乡上门维修"),
    ("石门县安心家政服务部", "91990100MA6000052X", ["housekeeping"], ["990122"], "02881230008", "郑芳",
     "13700100008", "石门县石门镇龙泉路 2 号", "保洁、钟点工、月嫂"),
    ("青川市畅通管道疏通有限公司", "91990100MA6000059K", ["drain_cleaning"], ["990100"], "02881230009", "冯亮",
     "13700100009", "西城区柳林路 11 号", "下水道、化粪池疏通，24 小时上门"),
    ("青川市绿盾除虫服务有限公司", "91990100MA6000066B", ["pest_control"], ["990100"], "02881230010", "何静",
     "13700100010", "东城区朝阳街 5 号", "白蚁防治、灭鼠、除四害"),
    ("青川市快捷开锁换锁店", "91990100MA60000733", ["locksmith"], ["990100"], "02881230011", "马超",
     "13700100011", "西城区西关街 7 号", "开锁换锁"),
    ("青川市速达搬运服务部", "91990100MA6000080T", ["moving"], ["990102"], "02881230012", "罗军",
     "13700100012", "东城区新桥路 31 号", "小件搬运、家具搬运"),
    ("青川市邻里居家养老服务中心", "91990100MA6000087G", ["elderly_care"], ["990102"], "02881230013", "高敏",
     "13700100013", "东城区东华街道社区服务中心", "助餐、助浴、陪护、上门探访"),
]
#: Index in MERCHANTS → (action, reason) after admission; the last one stays applied.
ADJUSTED = {10: ("suspend", "群众投诉开锁后加价收费，经核实属实，暂停转介并责令整改"),
            11: ("warn", "近期群众反映上门不及时，予以警示")}
WAITING = 12

#: Referrals: (merchant index, service, title, content, township, the rating or None, response hours,
#: the unit's reply)
REFERRALS = [
    (0, "appliance_repair", "家里空调不制冷想找维修", "空调开了不制冷，想找正规的维修师傅上门。", "990102001",
     Verdict.satisfied, 4, "已转介安居家电维修上门检修空调，更换电容后空调恢复制冷。"),
    (4, "locksmith", "钥匙锁在家里进不去", "钥匙忘在屋里，门打不开，想找开锁师傅。", "990103001", Verdict.satisfied, 1,
     "已转介备案开锁服务部上门开锁，核验身份后打开房门。"),
    (3, "moving", "想找搬家公司", "下周要从东城区搬到西城区，想找靠谱的搬家公司。", "990102002",
     Verdict.basically_satisfied, 24, "已转介顺达搬家公司，约定时间上门完成搬家。"),
    (2, "housekeeping", "想找家政保洁", "新房装修完想做开荒保洁。", "990102003", None, None, None),
]


def load_merchants(session: Session) -> None:
    def who(username: str) -> Principal:
        user = auth_repository.user_by_username(session, username)
        assert user is not None
        return Principal.of(user)

    supervisor, city_admin, agent = who("supervisor"), who("qc_admin"), who("agent")
    dispatcher, handler = who("dispatcher"), who("handler")
    merchants = []
    for i, (name, uscc, types, areas, phone, contact, contact_phone, address, description) in enumerate(MERCHANTS):
        m = service.register(session, supervisor, service.MerchantData(
            name=name, uscc=uscc, service_types=types, area_codes=areas, business_phone=phone, contact_name=contact,
            contact_phone=contact_phone, address=address, description=description))
        if i != WAITING:
            service.review(session, city_admin, m, admit=True, reason="证照齐全，经实地核查准予纳入", version=None)
        if i in ADJUSTED:
            action, reason = ADJUSTED[i]
            service.change_status(session, supervisor, m, action=action, reason=reason, version=None)
        merchants.append(m)
    from hotline.org import repository as org_repository

    zj = org_repository.unit_by_code(session, "990100-zj")
    assert zj is not None
    now = clock.now()
    for i, (index, kind, title, content, town, verdict, hours, reply) in enumerate(REFERRALS):
        at = now - dt.timedelta(days=20 - 4 * i, hours=3)  # written as of a few days ago, step by step
        with clock.pinned(at):
            order, _ = wo_service.intake(session, agent, wo_service.IntakeData(
                channel="phone", appeal_type="help", title=title, content=content, phone=f"1390001{i:04d}",
                name=["钱", "孙", "李", "周"][i] + "女士", region_code=town))
            referral = service.refer(session, agent, order, merchants[index], service_type=kind, note=None)
        if verdict is None:
            continue
        with clock.pinned(at + dt.timedelta(minutes=10)):
            wo_service.dispatch(session, dispatcher, order, lead_unit_id=zj.id)
        with clock.pinned(at + dt.timedelta(hours=2)):
            wo_service.sign(session, handler, order)
        with clock.pinned(at + dt.timedelta(days=1)):
            wo_service.reply(session, handler, order, result=ReplyResult.resolved, text=reply or "")
            wo_service.review_reply(session, dispatcher, order, accept=True)
        with clock.pinned(at + dt.timedelta(days=2)):
            service.rate(session, agent, order, referral.ref, verdict=verdict.value, response_hours=hours, note=None)
            wo_service.record_callback(session, agent, order, reached=True, resolved=True, verdict=verdict)
    for k, (index, title, content) in enumerate((
            (10, "开锁后临时加价", "热线推荐的开锁店上门后临时加价，要求退还多收的费用。"),
            (10, "开锁师傅收费不透明", "开锁前未说明价格，开完要价三百元。"),
            (8, "管道疏通后又堵了", "热线推荐的疏通公司疏通后第二天又堵，打电话不再上门。"),
            (8, "疏通公司爽约", "约好上午上门，等到下午也没人来，电话不接。"))):
        with clock.pinned(now - dt.timedelta(days=9 - 2 * k, hours=5)):
            order, _ = wo_service.intake(session, agent, wo_service.IntakeData(
                channel="phone", appeal_type="complaint", title=title, content=content, phone="13900019999",
                name="郑先生", region_code="990103002"))
            service.mark_complaint(session, agent, order, merchants[index], note=title)
    service.raise_proposals(session)  # the drain cleaner's two complaints: a warning is proposed
