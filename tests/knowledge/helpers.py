"""Knowledge items in given states, through the real services."""

from hotline.knowledge import service as kb
from hotline.knowledge.models import PolicyClass

ANSWER = "年应纳税所得额不超过300万元的部分，减按25%计入应纳税所得额，按20%的税率缴纳企业所得税。"


def data(question="小型微利企业如何享受企业所得税优惠？", answer=ANSWER, **kw):
    kw.setdefault("policy_class", PolicyClass.tax_relief)
    return kb.ItemData(question=question, answer=answer, **kw)


def draft(db, world, editor="handler", **kw):
    return kb.create_item(db, world.p(editor), data(**kw))


def published(db, world, editor="handler", reviewer="supervisor", **kw):
    item = draft(db, world, editor, **kw)
    kb.submit(db, world.p(editor), item)
    kb.approve(db, world.p(reviewer), item)
    kb.publish(db, world.p(reviewer), item)
    return item


def search(db, text, **filters):
    return kb.search_items(db, text, kb.search_filter(db, **filters))
