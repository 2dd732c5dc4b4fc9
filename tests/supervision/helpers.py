"""Orders in given states, through the real services."""

from hotline.workorder import service as wo
from hotline.workorder.models import ReplyResult, Verdict


def new_order(db, world, *, appeal_type="complaint", title="小区路灯不亮",
              content="幸福路 12 号小区门口路灯坏了一个月"):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type=appeal_type, title=title, content=content, phone="13911112222",
        category_code=world.categories["lamp"], region_code="990102001"))
    return order


def dispatched(db, world, **kw):
    order = new_order(db, world, **kw)
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
    return order


def replied(db, world, result=ReplyResult.resolved, **kw):
    order = dispatched(db, world, **kw)
    wo.sign(db, world.p("handler"), order)
    wo.reply(db, world.p("handler"), order, result=result, text="已处理")
    return order


def closed(db, world, verdict=Verdict.satisfied, **kw):
    order = replied(db, world, **kw)
    wo.review_reply(db, world.p("dispatcher"), order, accept=True)
    wo.record_callback(db, world.p("agent"), order, reached=True, resolved=True, verdict=verdict)
    return order


def cst(y, m, d, h=10):
    """An instant in China Standard Time."""
    import datetime as dt

    from hotline.kit import clock

    return dt.datetime(y, m, d, h, tzinfo=clock.CST)


def project(db):
    """Commit (audit rows are appended at commit), fold every event, commit again."""
    from hotline.supervision import service

    db.commit()
    while service.project(db):
        pass
    db.commit()
