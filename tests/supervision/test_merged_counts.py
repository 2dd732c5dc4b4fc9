"""A unit is counted once for one matter: an order merged into another (并案) after it was
dispatched is not an order of its own in the unit's figures (issue 19 §3: merged ones once)."""

from sqlalchemy import func, select

from hotline.supervision.models import UnitDayStats
from hotline.workorder import service as wo
from hotline.workorder.models import ReplyResult, Verdict
from tests.supervision.helpers import dispatched, project


def totals(db, unit_id):
    row = db.execute(select(func.sum(UnitDayStats.assigned), func.sum(UnitDayStats.closed),
                            func.sum(UnitDayStats.rated), func.sum(UnitDayStats.satisfied),
                            func.sum(UnitDayStats.overdue))
                     .where(UnitDayStats.unit_id == unit_id)).one()
    return dict(zip(("assigned", "closed", "rated", "satisfied", "overdue"), (v or 0 for v in row), strict=True))


def test_a_dispatched_duplicate_merged_into_its_main_order_counts_once_for_the_unit(db, world):
    main = dispatched(db, world)
    duplicate = dispatched(db, world, content="幸福路 12 号小区门口路灯坏了，晚上很黑")
    project(db)
    assert totals(db, world.units["990100-zj"])["assigned"] == 2
    wo.merge(db, world.p("dispatcher"), main, [duplicate])
    wo.sign(db, world.p("handler"), main)
    wo.reply(db, world.p("handler"), main, result=ReplyResult.resolved, text="已修复路灯")
    wo.review_reply(db, world.p("dispatcher"), main, accept=True)
    for order in (main, duplicate):
        wo.record_callback(db, world.p("agent"), order, reached=True, resolved=True, verdict=Verdict.satisfied)
    project(db)
    got = totals(db, world.units["990100-zj"])
    assert got["assigned"] == 1 and got["closed"] == 1
    # each caller's rating is a citizen's voice: both count for the unit's satisfaction
    assert got["rated"] == 2 and got["satisfied"] == 2


def test_a_duplicate_dispatched_signed_and_merged_before_the_projector_runs_counts_once(db, world):
    from hotline.supervision.models import EvaluationFact

    main = dispatched(db, world)
    duplicate = dispatched(db, world, content="幸福路 12 号小区门口路灯坏了，晚上很黑")
    wo.sign(db, world.p("handler"), duplicate)
    wo.merge(db, world.p("dispatcher"), main, [duplicate])
    project(db)  # dispatch, signing and merge in one projection batch
    got = totals(db, world.units["990100-zj"])
    assert got["assigned"] == 1
    behind = db.execute(select(EvaluationFact.counter).where(EvaluationFact.work_order_id == duplicate.id)).all()
    assert behind == []  # the drill-down lists the main order only
