"""The review workflow of knowledge items, who may do what, and versions."""

import pytest

from hotline.kit.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from hotline.knowledge import service as kb
from hotline.knowledge.models import VersionStatus
from tests.knowledge.helpers import data, draft, published, search


def test_draft_submitted_approved_published_answers_searches(db, world):
    item = draft(db, world)
    assert item.latest_version.status == VersionStatus.draft
    assert search(db, "小微企业所得税优惠") == []  # a draft never answers
    kb.submit(db, world.p("handler"), item)
    assert item.latest_version.status == VersionStatus.submitted
    kb.approve(db, world.p("supervisor"), item)
    assert item.latest_version.status == VersionStatus.approved
    assert search(db, "小微企业所得税优惠") == []
    kb.publish(db, world.p("supervisor"), item)
    assert item.published_version_id == item.latest_version_id
    hits = search(db, "小微企业所得税优惠")
    assert [h.item.id for h in hits] == [item.id]


def test_rejection_keeps_the_reason_and_the_unit_revises_and_resubmits(db, world):
    item = draft(db, world)
    kb.submit(db, world.p("handler"), item)
    version = kb.reject(db, world.p("supervisor"), item, reason="请写明申报期限")
    assert version.status == VersionStatus.rejected and version.review_reason == "请写明申报期限"
    revised = kb.revise(db, world.p("handler"), item, data(answer="按季度预缴时即可享受，年度汇算清缴时统一计算。"))
    assert revised.id == version.id and revised.status == VersionStatus.draft  # edited in place: never published
    kb.submit(db, world.p("handler"), item)
    assert item.latest_version.status == VersionStatus.submitted
    assert item.latest_version.review_reason is None


def test_a_rejection_needs_a_reason(db, world):
    item = draft(db, world)
    kb.submit(db, world.p("handler"), item)
    with pytest.raises(InvalidInput) as exc:
        kb.reject(db, world.p("supervisor"), item, reason="  ")
    assert exc.value.field == "reason"


def test_a_unit_edits_only_its_own_items(db, world):
    item = draft(db, world)
    with pytest.raises(Forbidden):
        kb.revise(db, world.p("other_handler"), item, data())
    with pytest.raises(Forbidden):
        kb.submit(db, world.p("other_handler"), item)
    with pytest.raises(NotFound):  # another unit's unpublished item does not exist for it
        kb.access_item(db, world.p("other_handler"), item.id)


def test_only_reviewers_approve_and_never_their_own_work(db, world):
    item = draft(db, world)
    kb.submit(db, world.p("handler"), item)
    for username in ("handler", "manager", "agent", "dispatcher", "other_handler"):
        with pytest.raises(Forbidden):
            kb.approve(db, world.p(username), item)
    own = draft(db, world, editor="supervisor")
    kb.submit(db, world.p("supervisor"), own)
    with pytest.raises(Forbidden):
        kb.approve(db, world.p("supervisor"), own)


def test_steps_out_of_order_are_illegal(db, world):
    item = draft(db, world)
    with pytest.raises(IllegalTransition):
        kb.publish(db, world.p("supervisor"), item)
    with pytest.raises(IllegalTransition):
        kb.approve(db, world.p("supervisor"), item)
    kb.submit(db, world.p("handler"), item)
    with pytest.raises(Conflict):  # in review: the content cannot change under the reviewer
        kb.revise(db, world.p("handler"), item, data())


def test_a_published_answer_is_never_edited_in_place(db, world):
    item = published(db, world)
    first = item.published_version
    second = kb.revise(db, world.p("handler"), item, data(answer="新政策：减按25%计入，按20%缴纳，延续至2027年底。"))
    assert second.id != first.id and second.number == 2 and second.status == VersionStatus.draft
    assert first.answer.startswith("年应纳税所得额")  # untouched
    hits = search(db, "小微企业所得税")
    assert hits[0].version.id == first.id  # the old version answers until the new one is published
    kb.submit(db, world.p("handler"), item)
    kb.approve(db, world.p("supervisor"), item)
    kb.publish(db, world.p("supervisor"), item)
    db.refresh(first)
    assert first.status == VersionStatus.superseded
    assert search(db, "小微企业所得税")[0].version.id == second.id
    assert [v.number for v in kb.versions(db, item)] == [2, 1]


def test_withdrawn_item_stops_answering(db, world):
    item = published(db, world)
    kb.withdraw(db, world.p("supervisor"), item, reason="政策已调整")
    assert item.published_version_id is None
    assert search(db, "小微企业所得税优惠") == []
    with pytest.raises(InvalidInput):
        kb.answering_version(db, item.id)


def test_invalid_content_is_refused_field_by_field(db, world):
    cases = [
        (dict(question="短"), "question"),
        (dict(region_code="12345"), "region_code"),
        (dict(category_code="zz-none", policy_class=None), "category_code"),
        (dict(policy_class=None), "category_code"),
        (dict(keywords=["x" * 31]), "keywords"),
    ]
    for kw, field in cases:
        with pytest.raises(InvalidInput) as exc:
            draft(db, world, **kw)
        assert exc.value.field == field, kw
