"""Enterprise appeals recognised from what the caller gave and wrote, and tagged at intake."""

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.intelligence import enterprise
from hotline.workorder import service as wo


@pytest.mark.parametrize(("text", "reason"), [
    ("我们公司去年申请的研发费用加计扣除还没到账", "我们公司"),
    ("本企业反映用电报装太慢", "本企业"),
    ("我司员工的社保怎么办理", "我司"),  # only a business says 我司, even about its employees
    ("我是一家小餐馆的老板，门口停车位被划掉了", "我是一家小餐馆的老板"),
    ("作为个体工商户，想问营业执照年报怎么报", "作为个体工商户"),
    ("我们厂的环评审批卡了两个月", "我们厂"),
])
def test_a_business_speaking_for_itself_is_recognised(text, reason):
    found = enterprise.recognise(text)
    assert found is not None and reason in found.reason


@pytest.mark.parametrize("text", [
    "某某建筑有限公司拖欠我三个月工资",  # names a company: a citizen's complaint about it
    "我们公司拖欠我三个月工资",  # an employee's "our company", about wages
    "我们公司不给交社保还要辞退我",
    "我家楼下的店铺噪音太大",
    "小区门口路灯不亮",
])
def test_a_citizen_about_a_company_is_not_an_enterprise_appeal(text):
    assert enterprise.recognise(text) is None


def test_a_credit_code_in_the_text_counts_only_when_it_is_valid():
    found = enterprise.recognise("统一社会信用代码91350100M000100Y43，申请退税")
    assert found is not None and found.uscc == "91350100M000100Y43"
    assert enterprise.recognise("编号91350100M000100Y44的票据") is None  # check digit wrong


def test_intake_tags_a_recognised_enterprise_appeal_and_records_why(db, world):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="consultation", title="研发费用加计扣除", phone="13911112222",
        content="我们公司去年申请的研发费用加计扣除还没到账，想问进度", region_code="990102001"))
    assert order.is_enterprise
    db.commit()  # audit events are written as the transaction commits
    event = db.execute(select(AuditEvent).where(AuditEvent.object_type == "work_order",
                                                AuditEvent.object_id == str(order.id),
                                                AuditEvent.action == "work_order.registered")).scalar_one()
    assert event.detail["enterprise_recognised"] == "文中“我们公司”"
    citizen, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="拖欠工资", phone="13911112222",
        content="某某建筑有限公司拖欠我三个月工资", region_code="990102001"))
    assert not citizen.is_enterprise
