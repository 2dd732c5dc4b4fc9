"""A transfer made on the call the order was registered from: the three-way call (or blind
transfer) is recorded on the linkage record and on the call's audit trail — the platform sends
no command to the PBX."""

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.integration.linkage import service
from hotline.kit.errors import InvalidInput
from hotline.telephony import screenpop
from tests.supervision.helpers import new_order
from tests.telephony.test_console import answered_call, make_seat


def test_a_three_way_call_is_recorded_on_the_record_and_the_call(db, world):
    seat = make_seat(db, "L001")
    call = answered_call(db, seat)
    other = answered_call(db, seat, call_id="pbx-other")
    order = new_order(db, world)
    screenpop.link_order(db, world.p("agent"), call, order)
    line = service.create_line(db, world.p("admin"), name="119", number="119", kind="emergency", service="fire")
    with pytest.raises(InvalidInput) as err:
        service.transfer(db, world.p("agent"), order, service.Transfer(line_ref=line.ref, call_mode="three_way",
                                                                       call_ref=other.ref))
    assert err.value.field == "call_ref"
    record = service.transfer(db, world.p("agent"), order, service.Transfer(line_ref=line.ref, scope="partial",
                                                                            call_mode="three_way"))
    assert (record.call_id, record.call_mode) == (call.id, "three_way")
    db.commit()  # audit rows are appended at commit
    rows = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "call", AuditEvent.object_id == call.ref,
                                               AuditEvent.action == "call.linkage_recorded")).all()
    assert len(rows) == 1 and rows[0].detail["mode"] == "three_way" and rows[0].detail["number"] == order.number
