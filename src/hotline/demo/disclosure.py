"""The demo's public disclosure (公开曝光) in 青川市: last month's figures published by the
city's supervisor, and two typical cases taken from handled orders full of personal data —
anonymised automatically, approved by a second supervisor (the province centre's reviewer)
and published — plus a third still waiting for review."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.analytics.disclosure import service
from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.org import repository as org_repository
from hotline.org.models import Category
from hotline.workorder import service as wo_service
from hotline.workorder.models import ReplyResult, Verdict

#: (category, township, title, content, caller, phone, address, enterprise, reply, published)
CASES = [
    ("物业服务", "990102001", "小区消防通道被私家车长期占用",
     "市民张建军反映：东华街道幸福小区3栋2单元楼下的消防通道长期被车牌川A12345、川A·D56789等私家车占用，"
     "物业公司青川市安心物业管理有限公司多次接到投诉不予处理，发生火情消防车无法进入。联系电话13611112233。",
     "张建军", "13611112233", "东城区东华街道幸福小区3栋2单元501", "青川市安心物业管理有限公司",
     "经现场核实，消防通道确被占用。区住建局约谈物业公司，督促其施划禁停标线、安装隔离桩，"
     "并对川A12345等车辆车主逐一劝离；物业公司已建立每日巡查制度。回访时张建军表示通道已畅通。", True),
    ("施工安全", "990102002", "在建工地深夜作业噪声扰民",
     "市民刘秀芳（电话13622223344）反映：朝阳街道朝阳路66号在建工地连续一周晚上22点后仍在作业，"
     "渣土车进出频繁，噪声严重影响周边居民休息，希望相关部门查处。",
     "刘秀芳", "13622223344", "东城区朝阳街道朝阳路66号", None,
     "经查，该工地未办理夜间施工许可。住建局已责令施工单位停止夜间作业，调整渣土运输时间至白天，"
     "并纳入重点巡查；此后连续三晚夜查未发现违规施工。", True),
    ("物业服务", "990102003", "电梯停运半月无人维修",
     "新桥街道锦绣家园8栋电梯已停运半个月，业主王志强（13633334455）多次联系物业未果，楼内多位老人出行困难。",
     "王志强", "13633334455", "东城区新桥街道锦绣家园8栋", None,
     "住建局督促物业公司联系电梯维保单位更换主板，电梯已恢复运行，并要求物业公司公示维保记录。", False),
]


def _who(session: Session, username: str) -> Principal:
    user = auth_repository.user_by_username(session, username)
    assert user is not None
    return Principal.of(user)


def load_disclosure(session: Session) -> None:
    supervisor, reviewer = _who(session, "supervisor"), _who(session, "duty_lead")
    agent, dispatcher, handler = _who(session, "agent"), _who(session, "dispatcher"), _who(session, "handler")
    zj = org_repository.unit_by_code(session, "990100-zj")
    assert zj is not None
    now = clock.now()
    for i, (category, town, title, content, name, phone, address, enterprise, reply, publish) in enumerate(CASES):
        code = session.execute(select(Category.code).where(Category.name == category, Category.level == 3)
                               ).scalars().first()
        at = now - dt.timedelta(days=30 - 5 * i, hours=2)
        with clock.pinned(at):
            order, _ = wo_service.intake(session, agent, wo_service.IntakeData(
                channel="phone", appeal_type="complaint", title=title, content=content, phone=phone, name=name,
                address=address, region_code=town, enterprise_name=enterprise))
        with clock.pinned(at + dt.timedelta(minutes=15)):  # the category at dispatch: no direct dispatch
            wo_service.dispatch(session, dispatcher, order, lead_unit_id=zj.id, category_code=code)
        with clock.pinned(at + dt.timedelta(hours=2)):
            wo_service.sign(session, handler, order)
        with clock.pinned(at + dt.timedelta(days=3)):
            wo_service.reply(session, handler, order, result=ReplyResult.resolved, text=reply)
            wo_service.review_reply(session, dispatcher, order, accept=True)
        with clock.pinned(at + dt.timedelta(days=4)):
            wo_service.record_callback(session, agent, order, reached=True, resolved=True, verdict=Verdict.satisfied)
        with clock.pinned(at + dt.timedelta(days=5)):
            case = service.choose(session, supervisor, order, hide_enterprise=enterprise is not None)
            service.submit(session, supervisor, case, version=None)
        if publish:
            with clock.pinned(at + dt.timedelta(days=6)):
                service.approve(session, reviewer, case, note="脱敏完整，同意公开", version=None)
    last_month = (now.astimezone(clock.CST).date().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    with clock.pinned(now - dt.timedelta(days=1)):
        service.publish_month(session, supervisor, period=last_month)
