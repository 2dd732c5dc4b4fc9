"""Use cases of the knowledge base (知识库): items and their reviewed versions, policy documents
and the 7-working-day rule, emergency collections, search for agents and the public, answers
given with an item, and usage figures.

Who may do what: a unit's staff write the items of their own unit (and register its policy
documents); the hotline centre's supervisors review — approve, reject with a reason, publish,
withdraw — the items of units in their region, and never their own work; every member of staff
reads what is published, and the public too. Every write leaves an audit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region, region_prefix
from hotline.kit import clock, context, crypto, validate
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.kit.workcalendar import load_calendar
from hotline.knowledge import lifecycle, repository, search
from hotline.knowledge.models import (
    POLICY_CLASS_NAMES,
    KnowledgeCollection,
    KnowledgeItem,
    KnowledgeSearchEntry,
    KnowledgeVersion,
    PolicyClass,
    PolicyDocument,
    VersionStatus,
)
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import Category, Region, Unit

#: How many candidates the full-text index hands to the re-ranking.
CANDIDATES = 30
#: The assistant answers only when the best item covers this much of the question and
#: scores this much (a share of its score) above the runner-up: a wrong answer with the
#: government's authority does more harm than "I could not find it" with related items and
#: the offer to file an appeal (measured with bench/kb_search.py: about 90 % of its answers
#: right, and 1 in 20 questions it cannot answer wrongly answered).
ANSWER_COVERAGE = 0.5
ANSWER_MARGIN = 0.1


# --- access ----------------------------------------------------------------------------------


def _owner_in_region(actor: Principal, unit: Unit) -> bool:
    return in_region(actor.region_code, unit.region.code)


def may_edit(actor: Principal, item: KnowledgeItem) -> bool:
    """A unit edits only its own items; the centre's knowledge-base staff edit those of every
    unit of their region (they keep the knowledge base on the units' behalf)."""
    if not actor.can(Cap.edit_knowledge):
        return False
    return item.owner_unit_id == actor.unit_id or (
        actor.role in access.KNOWLEDGE_ROLES and _owner_in_region(actor, item.owner_unit))


def may_review(actor: Principal, item: KnowledgeItem) -> bool:
    """Reviewers are the centre supervisors of the region the owner unit is in."""
    return actor.can(Cap.review_knowledge) and _owner_in_region(actor, item.owner_unit)


def access_item(session: Session, actor: Principal, item_id: int) -> KnowledgeItem:
    """An item the caller may see: any published item (staff), or any item of the caller's
    own unit or — for reviewers — of a unit in their region. Otherwise not found."""
    access.require(actor, Cap.view_org)
    item = session.get(KnowledgeItem, item_id)
    if item is None or not (item.published_version_id is not None or may_edit(actor, item)
                            or may_review(actor, item)):
        raise NotFound(f"知识点 {item_id} 不存在")
    return item


def access_document(session: Session, actor: Principal, document_id: int) -> PolicyDocument:
    """A policy document: staff of its unit, and centre staff of its region."""
    access.require(actor, Cap.view_org)
    doc = session.get(PolicyDocument, document_id)
    if doc is None or not (doc.owner_unit_id == actor.unit_id or (
            access.is_knowledge_centre(actor) and _owner_in_region(actor, doc.owner_unit))):
        raise NotFound("政策文件不存在")
    return doc


def _event(session: Session, actor: Principal | None, item: KnowledgeItem, name: str, **detail: object) -> None:
    audit.record(session, actor, f"knowledge_item.{name}", object_type="knowledge_item", object_id=item.id,
                 detail={k: v for k, v in detail.items() if v is not None}, actor_name=None if actor else "system")


# --- policy documents ------------------------------------------------------------------------


def register_document(session: Session, actor: Principal, *, title: str, doc_number: str, issued_on: dt.date,
                      owner_unit_id: int | None = None) -> PolicyDocument:
    """Register a policy document: its items are due within 7 working days of the issue date.
    A unit registers its own; a reviewer may register one for a unit of the region."""
    access.require(actor, Cap.edit_knowledge)
    owner = _owner_unit(session, actor, owner_unit_id)
    text = validate.text(title, "title", max_length=200) or ""
    try:
        number = lifecycle.doc_number(doc_number)
    except ValueError as exc:
        raise InvalidInput("doc_number", str(exc)) from None
    today = clock.today()
    if not dt.date(1990, 1, 1) <= issued_on <= today:
        raise InvalidInput("issued_on", "成文日期应在 1990 年之后，且不晚于今天")
    if repository.document_by_number(session, number) is not None:
        raise Conflict(f"文号 {number} 已登记", field="doc_number")
    doc = PolicyDocument(title=text, doc_number=number, issued_on=issued_on,
                         due_on=lifecycle.publish_due(load_calendar(session), issued_on), owner_unit_id=owner.id,
                         region_id=owner.region_id, registered_by_id=actor.user_id, registered_at=clock.now())
    session.add(doc)
    session.flush()
    audit.record(session, actor, "policy_document.registered", object_type="policy_document", object_id=doc.id,
                 detail={"doc_number": number, "issued_on": issued_on.isoformat(), "due_on": doc.due_on.isoformat(),
                         "unit": owner.name})
    return doc


def _owner_unit(session: Session, actor: Principal, owner_unit_id: int | None) -> Unit:
    if owner_unit_id is None or owner_unit_id == actor.unit_id:
        unit = session.get(Unit, actor.unit_id)
        assert unit is not None
        return unit
    if not (actor.can(Cap.review_knowledge) or actor.role in access.KNOWLEDGE_ROLES):
        raise Forbidden("只能为本单位登记")
    unit = session.get(Unit, owner_unit_id)
    if unit is None or not unit.active or not _owner_in_region(actor, unit):
        raise InvalidInput("owner_unit_id", "单位不存在或不在本辖区")
    return unit


def _settle(session: Session, doc: PolicyDocument, *, published: dt.datetime | None) -> None:
    """Decide once whether a document's items came within 7 working days, and count it for
    its unit on the deadline's day (the evaluation's knowledge-upkeep rate). Late: the
    document goes on the supervision ledger and the unit is told."""
    from hotline.supervision import service as supervision

    on_time = published is not None and lifecycle.on_time(doc.due_on, published.astimezone(clock.CST).date())
    doc.settled_at, doc.on_time = clock.now(), on_time
    supervision.count_knowledge_deadline(session, doc, on_time=on_time)
    audit.record(session, None, "policy_document.settled", object_type="policy_document", object_id=doc.id,
                 detail={"doc_number": doc.doc_number, "on_time": on_time, "due_on": doc.due_on.isoformat()},
                 actor_name="system")
    if not on_time:
        notify.notify_unit(session, template="unit_knowledge_late", phone=doc.owner_unit.contact_phone,
                           unit_id=doc.owner_unit_id, body=notify.render("unit_knowledge_late", doc=doc.doc_number))


def recount_due_dates(session: Session, *, after_id: int = 0, limit: int = 500) -> tuple[int, int | None]:
    """Count the 7 working days of each policy document not yet settled again over the
    calendar as it is now (a year's schedule entered after the document was registered),
    with an event on each document whose due day moves. Returns how many moved and the last
    id read (None when there are no more)."""
    calendar = load_calendar(session)
    docs = repository.unsettled_after(session, after_id=after_id, limit=limit)
    moved = 0
    for doc in docs:
        due_on = lifecycle.publish_due(calendar, doc.issued_on)
        if due_on != doc.due_on:
            audit.record(session, None, "policy_document.due_recounted", object_type="policy_document",
                         object_id=doc.id, detail={"doc_number": doc.doc_number, "due_on": due_on.isoformat(),
                                                   "previous_due_on": doc.due_on.isoformat()}, actor_name="system")
            doc.due_on = due_on
            moved += 1
    return moved, (docs[-1].id if len(docs) == limit else None)


def settle_overdue_documents(session: Session, today: dt.date | None = None, limit: int = 200) -> int:
    """Documents still without a published item after their due day: late (the job runs
    every few minutes; several workers never settle one twice)."""
    today = today or clock.today()
    found = repository.unsettled_documents(session, due_before=today, limit=limit)
    for doc in found:
        _settle(session, doc, published=None)
    return len(found)


def documents(session: Session, actor: Principal, *, owner_unit_id: int | None = None, late_only: bool = False,
              limit: int = 50, offset: int = 0) -> tuple[list[PolicyDocument], int]:
    """Centre staff see the documents of their region's units; a unit sees its own."""
    access.require(actor, Cap.view_org)
    if access.is_knowledge_centre(actor):
        return repository.documents(session, region_prefix=actor.region_prefix, owner_unit_id=owner_unit_id,
                                    late_only=late_only, limit=limit, offset=offset)
    if not actor.can(Cap.edit_knowledge):
        raise Forbidden("无权查看政策文件")
    return repository.documents(session, region_prefix=None, owner_unit_id=actor.unit_id, late_only=late_only,
                                limit=limit, offset=offset)


# --- items and the review workflow -------------------------------------------------------------


@dataclass
class ItemData:
    """The content of a version, as an editor submits it."""

    question: str
    answer: str
    region_code: str | None = None  # default: the owner unit's region
    category_code: str | None = None
    policy_class: PolicyClass | None = None
    document_id: int | None = None
    effective_on: dt.date | None = None  # default: today
    expires_on: dt.date | None = None
    keywords: list[str] | str = field(default_factory=list)  # a list, or text separated by 、
    collection_id: int | None = None


def _content(session: Session, actor: Principal, owner: Unit, data: ItemData) -> dict[str, object]:
    """Validated column values of a version; ``InvalidInput`` names the field."""
    question = validate.text(data.question, "question", max_length=200) or ""
    answer = validate.text(data.answer, "answer", max_length=5000, multiline=True) or ""
    if len(question) < 4:
        raise InvalidInput("question", "问题至少 4 个字")
    region = owner.region
    if data.region_code:
        code = validate.region_code(data.region_code, "region_code")
        found = org_repository.cached_region_by_code(session, code)
        if found is None or not found.active:
            raise InvalidInput("region_code", "区划不存在或已停用")
        region = session.get(Region, found.id) or region
    category: Category | None = None
    if data.category_code:
        cached = org_repository.cached_category_by_code(session, data.category_code)
        if cached is None or not cached.active:
            raise InvalidInput("category_code", "诉求分类不存在或已停用")
        category = session.get(Category, cached.id)
    if data.policy_class is None and category is None:
        raise InvalidInput("category_code", "请选择政策类别或诉求分类")
    doc = None
    if data.document_id is not None:
        doc = session.get(PolicyDocument, data.document_id)
        if doc is None or doc.owner_unit_id != owner.id:
            raise InvalidInput("document_id", "政策文件不存在或不属于本单位")
    effective = data.effective_on or clock.today()
    if data.expires_on is not None and data.expires_on <= effective:
        raise InvalidInput("expires_on", "失效日期应晚于生效日期")
    if not dt.date(1990, 1, 1) <= effective <= dt.date(2100, 1, 1):
        raise InvalidInput("effective_on", "生效日期不合理")
    try:
        keywords = lifecycle.keywords(data.keywords)
    except ValueError as exc:
        raise InvalidInput("keywords", str(exc)) from None
    collection_id = None
    if data.collection_id is not None:
        collection = session.get(KnowledgeCollection, data.collection_id)
        if collection is None or owner.id not in {u.id for u in collection.units}:
            raise InvalidInput("collection_id", "本单位不在该征集的范围内")
        if collection.closed_at is not None:
            raise InvalidInput("collection_id", "该征集已结束")
        collection_id = collection.id
    return {"question": question, "answer": answer, "region_id": region.id,
            "category_id": category.id if category else None, "policy_class": data.policy_class,
            "policy_document_id": doc.id if doc else None,
            "effective_on": effective, "expires_on": data.expires_on, "keywords": keywords,
            "collection_id": collection_id}


def create_item(session: Session, actor: Principal, data: ItemData, *, owner_unit_id: int | None = None
                ) -> KnowledgeItem:
    """A new item of the caller's unit, its first version a draft."""
    access.require(actor, Cap.edit_knowledge)
    owner = _owner_unit(session, actor, owner_unit_id)
    values = _content(session, actor, owner, data)
    now = clock.now()
    item = KnowledgeItem(owner_unit_id=owner.id, created_by_id=actor.user_id, created_at=now, views=0, answers=0,
                         helpful=0, not_helpful=0)
    session.add(item)
    session.flush()
    version = KnowledgeVersion(item_id=item.id, number=1, status=VersionStatus.draft, created_by_id=actor.user_id,
                               created_at=now, **values)
    session.add(version)
    session.flush()
    item.latest_version_id = version.id
    session.flush()
    session.refresh(item)
    _event(session, actor, item, "created", version=1, question=version.question)
    return item


def revise(session: Session, actor: Principal, item: KnowledgeItem, data: ItemData) -> KnowledgeVersion:
    """Change an item's content. A draft or a rejected version is edited; once a version has
    been published (or ended) the change is a new draft version, and the published one keeps
    answering until the new one is published. A version in review cannot change (409)."""
    if not may_edit(actor, item):
        raise Forbidden("只能修改本单位的知识点")
    latest = _latest(item)
    values = _content(session, actor, item.owner_unit, data)
    if latest.status in lifecycle.EDITABLE:
        if latest.status == VersionStatus.rejected:
            latest.status = lifecycle.step(latest.status, "revise")
        for key, value in values.items():
            setattr(latest, key, value)
        version = latest
    elif latest.status in (VersionStatus.submitted, VersionStatus.approved):
        raise Conflict("该知识点正在审核中，不能修改；如需修改请先撤回", status=latest.status.value)
    else:
        version = KnowledgeVersion(item_id=item.id, number=repository.next_version_number(session, item.id),
                                   status=VersionStatus.draft, created_by_id=actor.user_id, created_at=clock.now(),
                                   **values)
        session.add(version)
        session.flush()
        item.latest_version_id = version.id
    session.flush()
    session.refresh(item)
    _event(session, actor, item, "revised", version=version.number, question=version.question)
    return version


def _latest(item: KnowledgeItem) -> KnowledgeVersion:
    assert item.latest_version is not None
    return item.latest_version


def may_submit(actor: Principal, item: KnowledgeItem) -> bool:
    """The owner unit submits its drafts; a reviewer who drafted an item for a unit (from a
    policy the centre collected) submits that draft, and another reviewer approves it."""
    return may_edit(actor, item) or (may_review(actor, item) and _latest(item).created_by_id == actor.user_id)


def submit(session: Session, actor: Principal, item: KnowledgeItem) -> KnowledgeVersion:
    """The owner unit sends its draft (or rejected and revised version) for review."""
    if not may_submit(actor, item):
        raise Forbidden("只能提交本单位的知识点")
    version = _latest(item)
    version.status = lifecycle.step(version.status, "submit")
    version.submitted_at = clock.now()
    version.review_reason = None
    _event(session, actor, item, "submitted", version=version.number)
    return version


def _require_reviewer(actor: Principal, item: KnowledgeItem, version: KnowledgeVersion) -> None:
    if not may_review(actor, item):
        raise Forbidden("只有本辖区热线中心的审核人员可以审核知识点")
    if version.created_by_id == actor.user_id:
        raise Forbidden("不能审核自己编写的知识点")


def approve(session: Session, actor: Principal, item: KnowledgeItem) -> KnowledgeVersion:
    version = _latest(item)
    _require_reviewer(actor, item, version)
    version.status = lifecycle.step(version.status, "approve")
    version.reviewed_by_id, version.reviewed_at, version.review_reason = actor.user_id, clock.now(), None
    _event(session, actor, item, "approved", version=version.number)
    return version


def reject(session: Session, actor: Principal, item: KnowledgeItem, *, reason: str) -> KnowledgeVersion:
    """Send a version back with the reason; the owner unit is told."""
    version = _latest(item)
    _require_reviewer(actor, item, version)
    text = validate.text(reason, "reason", max_length=500) or ""
    version.status = lifecycle.step(version.status, "reject")
    version.reviewed_by_id, version.reviewed_at, version.review_reason = actor.user_id, clock.now(), text
    _event(session, actor, item, "rejected", version=version.number, reason=text)
    notify.notify_unit(session, template="unit_knowledge_rejected", phone=item.owner_unit.contact_phone,
                       unit_id=item.owner_unit_id,
                       body=notify.render("unit_knowledge_rejected", question=version.question[:30], reason=text[:60]))
    return version


def publish(session: Session, actor: Principal | None, item: KnowledgeItem) -> KnowledgeVersion:
    """Publish the approved version: it becomes the one that answers (the previous one is
    superseded), it is indexed for search, and its policy document's deadline is settled."""
    version = _latest(item)
    if actor is not None:
        _require_reviewer(actor, item, version)
    version.status = lifecycle.step(version.status, "publish")
    now = clock.now()
    version.published_at = now
    previous = item.published_version
    if previous is not None and previous.id != version.id:
        previous.status = lifecycle.step(previous.status, "supersede")
        previous.ended_at, previous.end_reason = now, f"被第 {version.number} 版替代"
        repository.unindex(session, previous.id)
    item.published_version_id = version.id
    session.flush()
    repository.index(session, _search_entry(item, version))
    doc = version.policy_document
    if doc is not None:
        if doc.first_published_at is None:
            doc.first_published_at = now
        if doc.settled_at is None:
            _settle(session, doc, published=now)
        from hotline.supervision import service as supervision

        supervision.clear_knowledge_ledger(session, doc, at=now)
    session.refresh(item)
    _event(session, actor, item, "published", version=version.number, question=version.question)
    return version


def _search_entry(item: KnowledgeItem, version: KnowledgeVersion) -> KnowledgeSearchEntry:
    question = " ".join([version.question, *version.keywords])
    return KnowledgeSearchEntry(
        version_id=version.id, item_id=item.id, region_code=version.region.code,
        category_code=version.category.code if version.category else None,
        policy_class=version.policy_class.value if version.policy_class else None, owner_unit_id=item.owner_unit_id,
        effective_on=version.effective_on, expires_on=version.expires_on,
        question_terms=search.indexed_text(question), answer_terms=search.indexed_text(version.answer))


def withdraw(session: Session, actor: Principal, item: KnowledgeItem, *, reason: str) -> KnowledgeVersion:
    """Take an item out of service: the published version stops answering (a reviewer, or
    the owner unit); a version still in review is withdrawn by its unit or a reviewer."""
    if not (may_edit(actor, item) or may_review(actor, item)):
        raise Forbidden("无权撤回该知识点")
    text = validate.text(reason, "reason", max_length=500) or ""
    latest = _latest(item)
    target = latest if latest.status in lifecycle.IN_REVIEW else item.published_version
    if target is None:
        raise Conflict("该知识点没有可撤回的版本")
    target.status = lifecycle.step(target.status, "withdraw")
    target.ended_at, target.end_reason = clock.now(), text
    if item.published_version_id == target.id:
        repository.unindex(session, target.id)
        item.published_version_id = None
    session.flush()
    session.refresh(item)
    _event(session, actor, item, "withdrawn", version=target.number, reason=text)
    return target


def expire_due(session: Session, today: dt.date | None = None, limit: int = 500) -> int:
    """Published versions whose expiry date has come stop answering by themselves (the search
    also never returns one past its date, even before this job has run)."""
    today = today or clock.today()
    found = repository.expiring(session, today, limit)
    for version in found:
        item = session.get(KnowledgeItem, version.item_id)
        assert item is not None
        version.status = lifecycle.step(version.status, "expire")
        version.ended_at, version.end_reason = clock.now(), f"{version.expires_on} 到期失效"
        repository.unindex(session, version.id)
        if item.published_version_id == version.id:
            item.published_version_id = None
        _event(session, None, item, "expired", version=version.number)
    session.flush()
    return len(found)


def actions(actor: Principal, item: KnowledgeItem) -> list[str]:
    """What the caller may do with an item now (the pages offer only these; every service
    checks again): ``revise``, ``submit``, ``approve``, ``reject``, ``publish``, ``withdraw``."""
    latest = _latest(item)
    edit, review = may_edit(actor, item), may_review(actor, item)
    own_work = latest.created_by_id == actor.user_id
    out: list[str] = []
    if edit and latest.status not in (VersionStatus.submitted, VersionStatus.approved):
        out.append("revise")
    for action in lifecycle.allowed(latest.status):
        if (action == "submit" and edit) or (action in ("approve", "reject", "publish") and review and not own_work):
            out.append(action)
    if (edit or review) and (latest.status in lifecycle.IN_REVIEW or item.published_version_id is not None):
        out.append("withdraw")
    return list(dict.fromkeys(out))


def items(session: Session, actor: Principal, f: repository.ItemFilter, *, limit: int = 50,
          offset: int = 0) -> tuple[list[KnowledgeItem], int]:
    """The items a member of staff manages: a unit its own; reviewers their region's."""
    if actor.can(Cap.review_knowledge):
        f = repository.ItemFilter(**{**f.__dict__, "owner_region_prefix": actor.region_prefix})
    elif actor.can(Cap.edit_knowledge):
        f = repository.ItemFilter(**{**f.__dict__, "owner_unit_id": actor.unit_id})
    else:
        raise Forbidden("无权管理知识点")
    return repository.items(session, f, limit=limit, offset=offset)


def versions(session: Session, item: KnowledgeItem) -> list[KnowledgeVersion]:
    return repository.versions_of(session, item.id)


# --- search ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A search result: the answering version of an item, how well it matches, and which
    of the question's terms it matched."""

    item: KnowledgeItem
    version: KnowledgeVersion
    score: float
    coverage: float
    matched: tuple[str, ...]

    @property
    def policy_class_name(self) -> str | None:
        return POLICY_CLASS_NAMES[self.version.policy_class] if self.version.policy_class else None


def search_filter(session: Session, *, region_code: str | None = None, category_code: str | None = None,
                  policy_class: PolicyClass | None = None, owner_unit_id: int | None = None,
                  on: dt.date | None = None) -> repository.SearchFilter:
    """Filters of a search: items that apply in ``region_code`` (made for it, for a region
    above it or below it), in a category subtree, of a policy class; in force today."""
    chain: list[str] = []
    below = None
    if region_code:
        code = validate.region_code(region_code, "region_code")
        chain, parent = [code], validate.parent_codes(code)
        while parent:
            chain.append(parent[0])
            parent = validate.parent_codes(parent[0])
        below = region_prefix(code)
    if category_code is not None and len(category_code) > 16:
        raise InvalidInput("category_code", "诉求分类代码过长")
    return repository.SearchFilter(today=on or clock.today(), region_codes=tuple(chain) if chain else None,
                                   region_prefix=below, category_code=category_code or None,
                                   policy_class=policy_class, owner_unit_id=owner_unit_id)


def search_items(session: Session, text: str, f: repository.SearchFilter, *, limit: int = 10) -> list[Hit]:
    """Published items in force that answer ``text``, best first (see ``knowledge.search``)."""
    if len(text) > 2000:
        raise InvalidInput("q", "检索内容不能超过 2000 个字符")
    query = search.parse(text)
    if not query.concepts:
        return []
    stats = repository.stats(session, query.all_terms)
    plan = search.retrieval(query, stats)
    candidates = repository.candidates(session, plan, f, CANDIDATES)
    ranked = search.rank(query, candidates, stats, limit=limit)
    found = repository.versions_with_items(session, (r.key for r in ranked))
    return [Hit(item=found[r.key][1], version=found[r.key][0], score=r.score, coverage=r.coverage, matched=r.matched)
            for r in ranked if r.key in found]


def answering_version(session: Session, item_id: int, *, on: dt.date | None = None) -> KnowledgeVersion:
    """The version an item answers with today; ``InvalidInput`` when it does not answer."""
    item = session.get(KnowledgeItem, item_id)
    version = item.published_version if item is not None else None
    if version is None or not lifecycle.answers_on(version.effective_on, version.expires_on, on or clock.today()):
        raise InvalidInput("knowledge_item_id", "该知识点不存在、未发布或已失效")
    return version


# --- answers and usage -----------------------------------------------------------------------


def record_view(session: Session, item: KnowledgeItem) -> None:
    repository.add_usage(session, item.id, views=1)


#: One vote per reader (address) and item in this time, across every web process and host
#: (the votes are in the database): a loop pressing the button does not move the figures.
VOTE_WINDOW_SECONDS = 3600


def vote(session: Session, item_id: int, *, helpful: bool) -> bool:
    """A reader's vote on a published item: helpful or not. Returns False (and counts
    nothing) for a second vote of the same address on the item within the hour, whichever
    process took the first."""
    answering_version(session, item_id)
    reader = crypto.cipher().blind_index(f"knowledge-vote:{context.client_ip.get() or ''}")
    now = clock.now()
    if not repository.take_vote(session, reader, item_id, now, now - dt.timedelta(seconds=VOTE_WINDOW_SECONDS)):
        return False
    repository.add_usage(session, item_id, **({"helpful": 1} if helpful else {"not_helpful": 1}))
    return True


def forget_old_votes(session: Session) -> int:
    """Votes past the window hold no reader back: housekeeping drops them."""
    return repository.forget_votes_before(session, clock.now() - dt.timedelta(seconds=VOTE_WINDOW_SECONDS))


def answer_rows(session: Session, answers: list[tuple[int, int, int | None, str]]) -> None:
    """Record answers given with items — ``(item, version, order or None, channel)`` — and
    add them to each item's usage figures."""
    now = clock.now()
    for item_id, version_id, order_id, channel in answers:
        repository.record_answer(session, {"item_id": item_id, "version_id": version_id, "work_order_id": order_id,
                                           "channel": channel, "at": now})
        repository.add_usage(session, item_id, answers=1)


def usage_by_unit(session: Session, actor: Principal) -> list[repository.UnitUsage]:
    access.require(actor, Cap.view_org)
    return repository.usage_by_unit(session, actor.region_prefix)


# --- the public assistant ------------------------------------------------------------------------


@dataclass(frozen=True)
class AssistantReply:
    """What the assistant (智能文本客服) says: an answer from one published item, cited, with
    related items; or that it cannot answer, with the offer to file an appeal."""

    answered: bool
    hit: Hit | None
    related: list[Hit]
    message: str


def assistant(session: Session, text: str, *, region_code: str | None = None) -> AssistantReply:
    """Answer a question from the published items alone (no outside model or service): the
    best match answers when it covers enough of the question; otherwise the reply says so
    and the page offers to turn what was typed into an appeal (自助下单)."""
    question = validate.text(text, "question", max_length=500) or ""
    hits = search_items(session, question, search_filter(session, region_code=region_code), limit=4)
    best = hits[0] if hits else None
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    if best is not None and best.coverage >= ANSWER_COVERAGE and best.score - runner_up >= ANSWER_MARGIN * best.score:
        answer_rows(session, [(best.item.id, best.version.id, None, "assistant")])
        return AssistantReply(answered=True, hit=best, related=hits[1:], message=best.version.answer)
    return AssistantReply(answered=False, hit=None, related=hits[:3],
                          message="抱歉，知识库里没有找到能准确回答这个问题的内容。您可以直接提交诉求，我们会转交相关部门办理并答复您。")


def appeal_link(question: str) -> str:
    """The public appeal form filled in with what the person typed (自助下单)."""
    from urllib.parse import urlencode

    title = " ".join(question.split())[:30]
    return "/public?" + urlencode({"title": title, "content": question[:5000], "from": "assistant"})


# --- emergency collections ---------------------------------------------------------------------


def create_collection(session: Session, actor: Principal, *, topic: str, description: str, due_at: dt.datetime,
                      unit_ids: list[int]) -> KnowledgeCollection:
    """Ask units for items on a sudden topic by a deadline (应急征集); each unit is told."""
    access.require(actor, Cap.review_knowledge)
    topic_text = validate.text(topic, "topic", max_length=200) or ""
    body = validate.text(description, "description", max_length=5000, multiline=True) or ""
    now = clock.now()
    if due_at.tzinfo is None:
        raise InvalidInput("due_at", "时间须带时区")
    if not now < due_at <= now + dt.timedelta(days=60):
        raise InvalidInput("due_at", "截止时间应在今后 60 天内")
    wanted = list(dict.fromkeys(unit_ids))
    if not 1 <= len(wanted) <= 200:
        raise InvalidInput("unit_ids", "请选择 1 到 200 个单位")
    units = []
    for unit_id in wanted:
        unit = session.get(Unit, unit_id)
        if unit is None or not unit.active or not _owner_in_region(actor, unit):
            raise InvalidInput("unit_ids", f"单位 {unit_id} 不存在或不在本辖区")
        units.append(unit)
    collection = KnowledgeCollection(topic=topic_text, description=body, centre_unit_id=actor.unit_id, due_at=due_at,
                                     created_by_id=actor.user_id, created_at=now, units=units)
    session.add(collection)
    session.flush()
    audit.record(session, actor, "knowledge_collection.created", object_type="knowledge_collection",
                 object_id=collection.id, detail={"topic": topic_text, "units": [u.name for u in units],
                                                  "due_at": due_at.isoformat()})
    centre = session.get(Unit, actor.unit_id)
    due = due_at.astimezone(clock.CST).strftime("%m月%d日%H:%M")
    text = notify.render("unit_knowledge_collection", centre=centre.name if centre else "", topic=topic_text[:40],
                         due=due)
    notify.queue_rows(session, [notify.unit_row(template="unit_knowledge_collection", phone=unit.contact_phone,
                                                unit_id=unit.id, body=text) for unit in units])
    return collection


def access_collection(session: Session, actor: Principal, collection_id: int) -> KnowledgeCollection:
    """Centre staff of the region of the centre that asked, and the units asked."""
    collection = session.get(KnowledgeCollection, collection_id)
    if collection is None or not (
            (access.is_knowledge_centre(actor) and _owner_in_region(actor, collection.centre_unit))
            or any(u.id == actor.unit_id for u in collection.units)):
        raise NotFound("征集不存在")
    return collection


def collections(session: Session, actor: Principal, *, limit: int = 50, offset: int = 0
                ) -> tuple[list[KnowledgeCollection], int]:
    if access.is_knowledge_centre(actor):
        return repository.collections(session, centre_prefix=actor.region_prefix, unit_id=None, limit=limit,
                                      offset=offset)
    if actor.can(Cap.edit_knowledge):
        return repository.collections(session, centre_prefix=None, unit_id=actor.unit_id, limit=limit, offset=offset)
    raise Forbidden("无权查看知识征集")


@dataclass(frozen=True)
class Delivery:
    unit: Unit
    submitted: int
    first_at: dt.datetime | None

    @property
    def delivered(self) -> bool:
        return self.submitted > 0


def deliveries(session: Session, collection: KnowledgeCollection) -> list[Delivery]:
    """Who delivered: per unit asked, the items it submitted for the collection and when."""
    found = repository.deliveries(session, collection.id)
    return [Delivery(unit=u, submitted=found.get(u.id, (0, None))[0], first_at=found.get(u.id, (0, None))[1])
            for u in collection.units]


def close_collection(session: Session, actor: Principal, collection: KnowledgeCollection) -> KnowledgeCollection:
    access.require(actor, Cap.review_knowledge)
    if not _owner_in_region(actor, collection.centre_unit):
        raise NotFound("征集不存在")
    if collection.closed_at is not None:
        raise Conflict("该征集已结束")
    collection.closed_at = clock.now()
    audit.record(session, actor, "knowledge_collection.closed", object_type="knowledge_collection",
                 object_id=collection.id, detail={"topic": collection.topic})
    return collection
