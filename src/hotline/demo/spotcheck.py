"""The demo's green channel, spot check and rectification list (S0, S2, S4): the suggested
green-channel rules; closed orders of the city housing bureau over the past weeks (two of them
enterprises' appeals); the 青川 supervisors' monthly spot check of the bureau (random, seed
recorded) with two problems found — one corrected by the bureau and accepted, one overdue —
a re-callback, and a rectification list built from the findings, the bureau reporting progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.org import repository as org_repository
from hotline.spotcheck import service
from hotline.workorder import green
from hotline.workorder import service as wo_service
from hotline.workorder.models import ReplyResult, Verdict

#: (appeal type, title, content, township, enterprise, the reply)
ORDERS = [
    ("complaint", "小区电梯频繁故障", "东华街道幸福小区 3 栋电梯一周坏了三次，物业维修不及时。", "990102001", False,
     "已约谈物业公司，电梯已更换主板并恢复运行。"),
    ("complaint", "小区顶楼违规搭建", "新桥街道某小区顶楼业主私自搭建阳光房，多次反映无人处理。", "990102003", False,
     "已责令业主限期拆除违规搭建，并处以罚款。"),
    ("help", "老旧小区屋顶漏水", "朝阳街道 1985 年建成的小区顶楼漏水，请求维修。", "990102002", False,
     "已纳入老旧小区改造计划，先行做临时防水处理。"),
    ("complaint", "施工许可审批拖延", "我公司厂房扩建的施工许可申请已提交 20 天仍未办结。", "990103001", True,
     "已督促审批科室，施工许可证已于次日核发。"),
    ("consultation", "商品房预售资金监管", "想了解预售资金监管账户的使用规定。", "990103002", False,
     "已电话解答预售资金监管的相关规定。"),
    ("complaint", "物业费收取不规范", "小区物业未公示收费标准就上调物业费。", "990103003", False,
     "已责令物业公司公示收费依据，多收部分予以退还。"),
    ("help", "企业用地手续咨询", "我公司新建仓储项目，需要办理哪些用地和规划手续？", "990102001", True,
     "已安排专人对接，提供办理指南和时限承诺。"),
    ("complaint", "楼道堆放杂物无人管", "小区楼道长期堆放杂物，存在消防隐患。", "990102002", False,
     "已协调社区和物业清理楼道杂物。"),
]


def load_spot_checks(session: Session) -> None:
    def who(username: str) -> Principal:
        user = auth_repository.user_by_username(session, username)
        assert user is not None
        return Principal.of(user)

    admin, agent, dispatcher = who("admin"), who("agent"), who("dispatcher")
    supervisor, handler = who("supervisor"), who("handler")
    green.load_suggested(session, admin)
    zj = org_repository.unit_by_code(session, "990100-zj")
    assert zj is not None
    now = clock.now()
    for i, (kind, title, content, town, enterprise, reply) in enumerate(ORDERS):
        at = now - dt.timedelta(days=24 - 2 * i, hours=2)
        extra: dict[str, Any] = {}
        if enterprise:
            extra = {"is_enterprise": True, "enterprise_name": ["青川宏达建材有限公司", "青川云岭物流有限公司"][i % 2],
                     "uscc": ["91110108MA0100000W", "91110108MA01000010"][i % 2]}
        with clock.pinned(at):
            order, _ = wo_service.intake(session, agent, wo_service.IntakeData(
                channel="phone", appeal_type=kind, title=title, content=content, phone=f"1380013{i:04d}",
                name=["赵", "钱", "孙", "李", "周", "吴", "郑", "王"][i] + "先生", region_code=town, **extra))
        if order.status != "registered":  # the direct-dispatch catalogue took it: not this story
            raise AssertionError(f"demo spot-check order {title} was dispatched at intake")
        with clock.pinned(at + dt.timedelta(minutes=15)):
            wo_service.dispatch(session, dispatcher, order, lead_unit_id=zj.id)
        with clock.pinned(at + dt.timedelta(hours=3)):
            wo_service.sign(session, handler, order)
        with clock.pinned(at + dt.timedelta(days=1)):
            wo_service.reply(session, handler, order, result=ReplyResult.resolved, text=reply)
            wo_service.review_reply(session, dispatcher, order, accept=True)
        with clock.pinned(at + dt.timedelta(days=2)):
            wo_service.record_callback(session, agent, order, reached=True, resolved=True, verdict=Verdict.satisfied)

    today = now.astimezone(clock.CST).date()
    with clock.pinned(now - dt.timedelta(days=6)):
        check = service.draw(session, supervisor, service.DrawData(
            title=f"{today.year}年{today.month}月住建领域工单质量抽查", period_start=today - dt.timedelta(days=30),
            period_end=today - dt.timedelta(days=7), size=6, seed="qc2026", unit_id=zj.id,
            correction_working_days=3))
        items = service.check_items(session, check)
        problems = {0: ("false_reply", "答复称电梯已恢复，复核回访诉求人称仍频繁停运。",
                        "重新核查电梯运行情况，督促物业彻底维修，并将结果答复诉求人。"),
                    1: ("perfunctory", "答复仅称“已处理”，未说明处理措施和结果。",
                        "补充说明具体处理措施、处罚依据和整改结果。")}
        for n, item in enumerate(items):
            if n in problems:
                kind, note, correction = problems[n]
                service.record_finding(session, supervisor, check, item, finding="problem", problem_type=kind,
                                       note=note, correction=correction)
            else:
                service.record_finding(session, supervisor, check, item, finding="correct")
        service.record_recall(session, supervisor, check, items[0], verdict="dissatisfied",
                              note="诉求人反映电梯上周仍停运两次")
        service.record_recall(session, supervisor, check, items[2], verdict="satisfied", note=None)
    with clock.pinned(now - dt.timedelta(days=5)):
        service.answer_correction(session, handler, items[0], text="已约谈物业公司负责人，更换电梯控制柜，"
                                  "经特种设备检验机构检测合格，并当面向诉求人说明。")
    with clock.pinned(now - dt.timedelta(days=4)):
        service.decide_correction(session, supervisor, check, items[0], accept=True, note="整改到位")
        lst = service.list_from_check(session, supervisor, check, working_days=10)
    with clock.pinned(now - dt.timedelta(days=1)):
        for entry in service.items_for(session, supervisor, lst)[:1]:
            service.report_progress(session, handler, entry, done=False,
                                    text="已召开专题会，明确答复质量要求，正在逐件复查本月答复。")
