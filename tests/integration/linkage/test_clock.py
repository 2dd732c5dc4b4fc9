"""A full hand-over takes the order off the hotline's deadline clock; a partial one does not
(through the services, the deadline sweep and the deadline state)."""

from hotline.integration.linkage import service
from hotline.supervision import service as supervision
from hotline.workorder import repository as wo_repository
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import AssignmentState
from tests.supervision.helpers import cst, dispatched


def _line(db, world, *, number="119", service_="fire"):
    return service.create_line(db, world.p("admin"), name=f"{number} 线路", number=number, kind="emergency",
                               service=service_)


def _events(db, order):
    db.commit()  # audit rows are appended at commit
    return [e.action for e in wo_repository.events(db, order.id)]


def test_a_full_hand_over_stops_the_clock_and_the_sweep_leaves_the_order_alone(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    assert order.due_at is not None and wo.deadline_state(db, order) is not None
    line = _line(db, world)
    record = service.transfer(db, world.p("agent"), order, service.Transfer(line_ref=line.ref, scope="full",
                                                                            other_ref="119-2026-0001"))
    assert order.status == Status.handed_over and order.due_at is None and order.sign_due_at is None
    assert wo.deadline_state(db, order) is None
    assert all(a.state == AssignmentState.revoked for a in order.assignments)
    assert record.outcome == "handed_over" and record.seconds_to_transfer >= 0
    result = supervision.sweep_batch(db, cst(2026, 12, 30))  # long past the old deadline
    assert (result.warned, result.overdue) == (0, 0)
    assert order.overdue_at is None
    assert "work_order.handed_over" in _events(db, order)


def test_a_partial_hand_over_keeps_the_order_on_the_clock(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    due = order.due_at
    line = _line(db, world, number="110", service_="police")
    service.transfer(db, world.p("agent"), order, service.Transfer(line_ref=line.ref, scope="partial"))
    assert order.status == Status.dispatched and order.due_at == due
    assert wo.deadline_state(db, order) is not None
    result = supervision.sweep_batch(db, cst(2026, 12, 30))
    assert result.overdue == 1 and order.overdue_at is not None
    assert "work_order.linkage_recorded" in _events(db, order)


def test_a_refusal_brings_the_order_back_and_a_new_dispatch_starts_a_new_clock(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    line = _line(db, world)
    record = service.transfer(db, world.p("agent"), order, service.Transfer(line_ref=line.ref))
    service.update_record(db, world.p("agent"), record, order, outcome="refused", note="不属于消防职责")
    assert order.status == Status.registered and order.lead_unit_id is None
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
    assert order.status == Status.dispatched and order.due_at is not None
    assert _events(db, order)[-3:] == ["work_order.taken_back", "work_order.linkage_updated",
                                       "work_order.dispatched"]


def test_completion_by_the_line_closes_the_order(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    line = _line(db, world)
    record = service.transfer(db, world.p("agent"), order, service.Transfer(line_ref=line.ref))
    service.update_record(db, world.p("agent"), record, order, outcome="accepted", other_ref="F-77")
    assert order.status == Status.handed_over and record.other_ref == "F-77"
    service.update_record(db, world.p("agent"), record, order, outcome="completed")
    assert order.status == Status.closed and order.closed_at is not None


def test_a_handed_over_order_leaves_the_units_figures_and_its_close_is_no_units_close(db, world, travel):
    from tests.supervision.helpers import project
    from tests.supervision.test_merged_counts import totals

    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    wo.sign(db, world.p("handler"), order)
    project(db)
    assert totals(db, world.units["990100-zj"])["assigned"] == 1
    record = service.transfer(db, world.p("agent"), order, service.Transfer(line_ref=_line(db, world).ref))
    assert order.lead_unit_id is None
    service.update_record(db, world.p("agent"), record, order, outcome="completed")
    project(db)
    got = totals(db, world.units["990100-zj"])
    assert got["assigned"] == 0 and got["closed"] == 0


def test_no_duplicate_joins_a_handed_over_order_and_a_main_order_is_not_handed_over(db, world, travel):
    import pytest

    from hotline.kit.errors import Conflict
    from tests.supervision.helpers import new_order

    travel.move_to(cst(2026, 11, 16, 9))
    line = _line(db, world)
    main, duplicate = new_order(db, world), new_order(db, world, content="幸福路 12 号路灯坏了，晚上很黑")
    wo.merge(db, world.p("dispatcher"), main, [duplicate])
    with pytest.raises(Conflict):
        service.transfer(db, world.p("agent"), main, service.Transfer(line_ref=line.ref))
    other = new_order(db, world, content="幸福路 14 号路灯也坏了")
    service.transfer(db, world.p("agent"), other, service.Transfer(line_ref=line.ref))
    late = new_order(db, world, content="幸福路 14 号路灯不亮")
    with pytest.raises(Conflict):
        wo.merge(db, world.p("dispatcher"), other, [late])
