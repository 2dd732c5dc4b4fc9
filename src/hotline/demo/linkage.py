"""Linkage in the demo (联动): the emergency lines (the province's 119 and 120, each city's 110
and 122) and each city's utility service lines, standing for the city's utilities; a few
linkage records on orders of 青川市 — a fire hazard passed to 119 while 12345 keeps the
property part, and a fall at home handed over to 120 and closed when the ambulance was done."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.integration.linkage import service
from hotline.workorder import service as wo_service
from hotline.workorder.models import WorkOrder

#: (service, number, name pattern) of each city's utility lines; the unit is ``{city}-{key}``.
UTILITY_LINES = [("water", "96889", "wat", "{short}供水服务热线"), ("power", "95598", "pow", "{short}供电服务热线"),
                 ("gas", "96777", "gas", "{short}燃气服务热线"), ("heating", "96069", "hea", "{short}供热服务热线"),
                 ("telecom", "10000", "tel", "{short}电信客服热线")]


def _principal(session: Session, username: str) -> Principal:
    user = auth_repository.user_by_username(session, username)
    assert user is not None, username
    return Principal.of(user)


def load_linkage(session: Session) -> None:
    from hotline.demo.data import CITIES

    admin = _principal(session, "admin")
    service.create_line(session, admin, name="119 消防救援指挥中心", number="119", kind="emergency", service="fire")
    service.create_line(session, admin, name="120 急救指挥中心", number="120", kind="emergency", service="ambulance")
    for city_code, _city, short, _counties in CITIES:
        service.create_line(session, admin, name=f"{short} 110 指挥中心", number="110", kind="emergency",
                            service="police", region_code=city_code)
        service.create_line(session, admin, name=f"{short}交警 122", number="122", kind="emergency",
                            service="traffic", region_code=city_code)
        for kind, number, key, pattern in UTILITY_LINES:
            service.create_line(session, admin, name=pattern.format(short=short), number=number, kind="utility",
                                service=kind, region_code=city_code, unit_code=f"{city_code}-{key}")
    _records(session)


def _records(session: Session) -> None:
    agent = _principal(session, "agent")
    lines = {x.number: x for x in service.list_lines(session, agent)}
    hazard = session.execute(select(WorkOrder).where(WorkOrder.title == "小区楼道堆放杂物无人清理")).scalar_one()
    record = service.transfer(session, agent, hazard, service.Transfer(
        line_ref=lines["119"].ref, scope="partial", other_ref="XF20261203017",
        note="楼道堆物存在火灾隐患，请消防部门检查；物业管理部分由热线派单办理"))
    service.update_record(session, agent, record, hazard, outcome="accepted", note="消防站已安排当日检查")
    fall, _ = wo_service.intake(session, agent, wo_service.IntakeData(
        channel="phone", appeal_type="help", title="独居老人在家摔倒",
        content="东城区东华街道幸福小区5栋一位独居老人在家摔倒无法起身，邻居来电求助。", phone="13900000090",
        name="黄女士", region_code="990102001"))
    record = service.transfer(session, agent, fall, service.Transfer(
        line_ref=lines["120"].ref, scope="full", other_ref="JZ20261203-0042", call_mode="none",
        note="已转 120 急救，同时告知社区网格员"))
    service.update_record(session, agent, record, fall, outcome="completed", note="120 已送医，老人无大碍")


DEMO_KEY_NAME = "青川市自来水客服系统（演示）"
DEMO_UTILITY = "990100-wat"


def issue_demo_key(session: Session) -> str:
    """A fresh utility key for 青川市自来水有限公司's system (the one printed at the previous
    start is revoked): with it, the water company reads, signs for and replies to its own
    orders through the API — an outage reported to 12345 reaches it by direct dispatch."""
    actor = _principal(session, "qc_admin")
    for row in service.list_keys(session, actor):
        if row.name == DEMO_KEY_NAME and row.revoked_at is None:
            service.revoke_key(session, actor, row.id)
    key, _ = service.issue_key(session, actor, unit_code=DEMO_UTILITY, name=DEMO_KEY_NAME)
    return key
