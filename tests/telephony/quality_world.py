"""A hand-built month of one city's calls, seats, wrap-up spells and orders whose figures are
known, for the quality-inspection tests."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from sqlalchemy import select

from hotline.auth import service as auth_service
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.org.models import Region
from hotline.telephony.models import Call, CallOrder, Seat, SeatState
from hotline.telephony.quality import service as quality
from hotline.workorder import service as wo
from hotline.workorder.models import Callback, WorkOrder
from tests.factories import PASSWORD
from tests.knowledge.helpers import published

_ids = itertools.count(1)
OPERATOR = "甲外包服务公司"
ITEMS = [{"code": "greeting", "name": "问候语规范", "max_points": 10},
         {"code": "registration", "name": "登记准确", "max_points": 30},
         {"code": "attitude", "name": "服务态度", "max_points": 60}]


def region_id(db, code: str) -> int:
    return db.execute(select(Region.id).where(Region.code == code)).scalar_one()


def add_user(db, world, username: str, role: Role, unit: str) -> Principal:
    user = auth_service.create_user(db, world.p("admin"), username=username, display_name=username, role=role,
                                    unit_id=world.units[unit], password=PASSWORD, phone="13700000000")
    user.must_change_password = False
    db.flush()
    world.user_ids.setdefault(username, user.id)
    return auth_service._principal(db, user, "csrf-" + username)


def seat(db, code: str, operator: str | None = None, region: str = "990100") -> Seat:
    row = Seat(code=code, region_id=region_id(db, region), operator=operator, created_at=clock.now())
    db.add(row)
    db.flush()
    return row


def call(db, *, agent_id: int | None, seat: Seat | None, answered: dt.datetime | None, talk: float | None,
         region: str = "990100") -> Call:
    offered = (answered or clock.now()) - dt.timedelta(seconds=20)
    row = Call(call_id=f"qa-{next(_ids)}-{clock.now().timestamp()}", region_id=region_id(db, region),
               state="ended", offered_at=offered, queued_at=offered, answered_at=answered,
               ended_at=(answered or offered) + dt.timedelta(seconds=talk or 5), end_reason="completed",
               seat_id=seat.id if seat else None, agent_id=agent_id, wait_s=20.0, talk_s=talk,
               recording_url=f"https://pbx.example/rec/{next(_ids)}.wav", last_seq=3, last_event_at=offered,
               updated_at=offered)
    db.add(row)
    db.flush()
    return row


def spell(db, seat: Seat, agent_id: int, start: dt.datetime, seconds: float) -> None:
    db.add(SeatState(seat_id=seat.id, agent_id=agent_id, state="wrap_up", source="pbx", started_at=start,
                     ended_at=start + dt.timedelta(seconds=seconds)))
    db.flush()


def intake(db, actor: Principal, **kw) -> WorkOrder:
    data = {"channel": "phone", "appeal_type": "complaint", "title": "路灯不亮", "content": "幸福路路灯坏了",
            "phone": "13911112222", "region_code": "990102001", **kw}
    order, _ = wo.intake(db, actor, wo.IntakeData(**data))
    return order


@dataclass
class QualityWorld:
    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    agent: Principal
    agent2: Principal
    agent3: Principal
    s1: Seat
    s2: Seat
    s3: Seat
    calls: dict[str, list[Call]] = field(default_factory=dict)
    orders: dict[str, list[WorkOrder]] = field(default_factory=dict)


def build(db, world) -> QualityWorld:
    """Three agents of city 990100 (two at the city centre, one at the 东城区 workstation), three
    seats (two staffed by an outsourced operator), calls, wrap-up spells, orders:

    - ``agent``: 3 calls on S1 (100/200/300 s) + 1 on S3 (50 s); wrap-up 30 + 45 s on S1 and a
      spell begun before the period with 20 s inside; orders: one re-categorised by the
      dispatcher, one returned by the unit and re-dispatched, two answered on the spot (one
      from the knowledge base); 2 callbacks → accuracy 2/4;
    - ``agent2``: 2 calls on S2 (60/40 s); one order whose return was refused as unjustified
      (not the agent's error) → accuracy 1; a callback outside the period;
    - ``agent3``: 1 call on S3 (30 s), no orders.
    Noise that must not count: an abandoned call, a call of the other city, a call before the
    period."""
    now = clock.now()
    start, end = now - dt.timedelta(days=2), now + dt.timedelta(days=1)
    agent = world.p("agent")
    agent2 = add_user(db, world, "agent2", Role.agent, "C-990100")
    agent3 = add_user(db, world, "agent3", Role.agent, "W-990102")
    s1, s2, s3 = seat(db, "QA-S1", OPERATOR), seat(db, "QA-S2", OPERATOR), seat(db, "QA-S3")
    q = QualityWorld(start=start, end=end, now=now, agent=agent, agent2=agent2, agent3=agent3, s1=s1, s2=s2, s3=s3)
    h = dt.timedelta(hours=1)
    q.calls["agent"] = [call(db, agent_id=agent.user_id, seat=s1, answered=now - 5 * h, talk=100),
                        call(db, agent_id=agent.user_id, seat=s1, answered=now - 4 * h, talk=200),
                        call(db, agent_id=agent.user_id, seat=s1, answered=now - 3 * h, talk=300),
                        call(db, agent_id=agent.user_id, seat=s3, answered=now - 2 * h, talk=50)]
    q.calls["agent2"] = [call(db, agent_id=agent2.user_id, seat=s2, answered=now - 5 * h, talk=60),
                         call(db, agent_id=agent2.user_id, seat=s2, answered=now - 4 * h, talk=40)]
    q.calls["agent3"] = [call(db, agent_id=agent3.user_id, seat=s3, answered=now - 1 * h, talk=30)]
    call(db, agent_id=None, seat=None, answered=None, talk=None)  # abandoned
    call(db, agent_id=agent2.user_id, seat=None, answered=now - 2 * h, talk=999, region="990200")
    call(db, agent_id=agent.user_id, seat=s1, answered=start - h, talk=999)  # before the period
    spell(db, s1, agent.user_id, now - 5 * h + dt.timedelta(seconds=100), 30)
    spell(db, s1, agent.user_id, now - 4 * h + dt.timedelta(seconds=200), 45)
    spell(db, s1, agent.user_id, start - dt.timedelta(seconds=10), 30)  # 20 s inside the period

    dispatcher, handler = world.p("dispatcher"), world.p("handler")
    zj = world.units["990100-zj"]
    recategorised = intake(db, agent, category_code=world.categories["urban"])
    wo.dispatch(db, dispatcher, recategorised, lead_unit_id=zj, category_code=world.categories["lamp"])
    returned = intake(db, agent, category_code=world.categories["lamp"])
    wo.dispatch(db, dispatcher, returned, lead_unit_id=zj)
    wo.return_order(db, handler, returned, reason="不属于本单位职责")
    wo.dispatch(db, dispatcher, returned, lead_unit_id=world.units["990100-wat"])
    item = published(db, world, question="住房公积金可以提取用于支付房租吗？", policy_class=None,
                     category_code=world.categories["urban"],
                     answer="无自有住房且租赁住房的职工，可以提取住房公积金支付房租。")
    from_kb = intake(db, agent, appeal_type="consultation", title="公积金租房", content="租房能用公积金吗",
                     knowledge_item_id=item.id)
    typed = intake(db, agent, appeal_type="consultation", title="办事时间", content="政务大厅几点上班",
                   answer="工作日上午九点至下午五点。")
    refused = intake(db, agent2, category_code=world.categories["lamp"])
    wo.dispatch(db, dispatcher, refused, lead_unit_id=zj)
    wo.return_order(db, handler, refused, reason="不属于本单位职责")
    wo.reject_return(db, dispatcher, refused, reason="属于你单位职责")
    q.orders["agent"] = [recategorised, returned, from_kb, typed]
    q.orders["agent2"] = [refused]
    db.add(CallOrder(call_id=q.calls["agent"][0].id, order_id=recategorised.id, created_at=now))
    for at, who in ((now - h, agent), (now - 2 * h, agent), (start - h, agent2)):
        db.add(Callback(work_order_id=recategorised.id, round=1, agent_id=who.user_id, at=at, reached=False))
    db.commit()  # the orders' events reach the audit log at commit
    return q


def checklist(db, world, items=None, by: str = "city_admin"):
    checklist = quality.save_checklist(db, world.p(by), items=items or ITEMS)
    db.commit()
    return checklist
