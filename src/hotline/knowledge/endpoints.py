"""JSON API of the knowledge base: items and their review, policy documents, emergency
collections, search, usage, Excel; and the public search, item, vote and assistant."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Query, Response, UploadFile

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit.db import MAX_ID
from hotline.kit.errors import InvalidInput, NotFound
from hotline.kit.excel import MAX_BYTES, XLSX_MEDIA_TYPE
from hotline.knowledge import excel, repository, service
from hotline.knowledge.models import (
    POLICY_CLASS_NAMES,
    VERSION_STATUS_NAMES,
    KnowledgeCollection,
    KnowledgeItem,
    KnowledgeVersion,
    PolicyClass,
    PolicyDocument,
    VersionStatus,
)
from hotline.knowledge.schemas import (
    AssistantIn,
    AssistantOut,
    CollectionIn,
    CollectionOut,
    DeliveryOut,
    DocumentIn,
    DocumentOut,
    HitOut,
    ImportOut,
    ItemDetailOut,
    ItemIn,
    ItemOut,
    PublicHitOut,
    ReasonIn,
    UnitUsageOut,
    VersionOut,
    VoteIn,
)
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath

router = routing.router(tags=["knowledge"])
public_router = routing.router(tags=["public"])
ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"}, 404: {"description": "Not found"},
    409: {"description": "Illegal step or duplicate"}, 422: {"description": "Invalid input"},
}
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Text = Annotated[str, Query(max_length=2000)]
Code = Annotated[str | None, Query(max_length=16)]


def version_out(v: KnowledgeVersion) -> VersionOut:
    return VersionOut(
        id=v.id, number=v.number, status=v.status, status_name=VERSION_STATUS_NAMES[v.status], question=v.question,
        answer=v.answer, policy_class=v.policy_class, category_code=v.category.code if v.category else None,
        category_name=v.category.name if v.category else None, region_code=v.region.code, region_name=v.region.name,
        document_id=v.policy_document_id, doc_number=v.policy_document.doc_number if v.policy_document else None,
        effective_on=v.effective_on, expires_on=v.expires_on, keywords=list(v.keywords), created_at=v.created_at,
        submitted_at=v.submitted_at, reviewed_at=v.reviewed_at, review_reason=v.review_reason,
        published_at=v.published_at, ended_at=v.ended_at, end_reason=v.end_reason)


def item_out(principal: Principal, item: KnowledgeItem) -> ItemOut:
    assert item.latest_version is not None
    return ItemOut(id=item.id, owner_unit_id=item.owner_unit_id, owner_unit=item.owner_unit.name,
                   latest=version_out(item.latest_version), published_version_id=item.published_version_id,
                   views=item.views, answers=item.answers, helpful=item.helpful, not_helpful=item.not_helpful,
                   allowed=service.actions(principal, item))


def _public_hit(item: KnowledgeItem, v: KnowledgeVersion) -> PublicHitOut:
    doc = v.policy_document
    return PublicHitOut(
        item_id=item.id, question=v.question, answer=v.answer,
        policy_class_name=POLICY_CLASS_NAMES[v.policy_class] if v.policy_class else None,
        category_name=v.category.name if v.category else None, region_name=v.region.name,
        owner_unit=item.owner_unit.name, doc_number=doc.doc_number if doc else None,
        doc_title=doc.title if doc else None, effective_on=v.effective_on, expires_on=v.expires_on)


def hit_out(h: service.Hit) -> HitOut:
    public = _public_hit(h.item, h.version)
    return HitOut(**public.model_dump(), version_id=h.version.id, policy_class=h.version.policy_class,
                  score=h.score, coverage=h.coverage, matched=list(h.matched))


# --- search ----------------------------------------------------------------------------------


@router.get("/knowledge/search", response_model=list[HitOut], responses=ERRORS)
def search(principal: CurrentPrincipal, db: Db, q: Text, region_code: Code = None, category_code: Code = None,
           policy_class: PolicyClass | None = None, limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[HitOut]:
    """Published items in force that answer ``q``, best first, with how well each matches.
    ``region_code``: items that apply there (made for it, for a region above or below it)."""
    access.require(principal, Cap.view_org)
    f = service.search_filter(db, region_code=region_code, category_code=category_code, policy_class=policy_class)
    return [hit_out(h) for h in service.search_items(db, q, f, limit=limit)]


# --- items -----------------------------------------------------------------------------------


def _data(body: ItemIn) -> service.ItemData:
    return service.ItemData(
        question=body.question, answer=body.answer, policy_class=body.policy_class, category_code=body.category_code,
        region_code=body.region_code, document_id=body.document_id, effective_on=body.effective_on,
        expires_on=body.expires_on, keywords=body.keywords, collection_id=body.collection_id)


@router.get("/knowledge/items", response_model=list[ItemOut], responses=ERRORS)
def list_items(principal: CurrentPrincipal, db: Db, response: Response, status: VersionStatus | None = None,
               policy_class: PolicyClass | None = None, category_code: Code = None,
               q: Annotated[str | None, Query(max_length=100)] = None, document_id: Annotated[
                   int | None, Query(ge=1, le=MAX_ID)] = None, collection_id: Annotated[
                   int | None, Query(ge=1, le=MAX_ID)] = None, limit: Limit = 50, offset: Offset = 0) -> list[ItemOut]:
    """The items the caller manages (a unit: its own; reviewers: their region's), by the
    status of their latest version."""
    f = repository.ItemFilter(status=status, policy_class=policy_class, category_code=category_code, text=q,
                              document_id=document_id, collection_id=collection_id)
    rows, total = service.items(db, principal, f, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [item_out(principal, i) for i in rows]


@router.post("/knowledge/items", response_model=ItemOut, status_code=201, responses=ERRORS)
def create_item(principal: CurrentPrincipal, db: Db, body: ItemIn) -> ItemOut:
    """A new item of the caller's unit (its first version a draft)."""
    item = service.create_item(db, principal, _data(body), owner_unit_id=body.owner_unit_id)
    return item_out(principal, item)


@router.get("/knowledge/items/{item_id}", response_model=ItemDetailOut, responses=ERRORS)
def get_item(item_id: IdPath, principal: CurrentPrincipal, db: Db) -> ItemDetailOut:
    item = service.access_item(db, principal, item_id)
    versions = service.versions(db, item) if service.may_edit(principal, item) or service.may_review(principal, item) \
        else [v for v in [item.published_version] if v is not None]
    return ItemDetailOut(**item_out(principal, item).model_dump(), versions=[version_out(v) for v in versions])


@router.put("/knowledge/items/{item_id}", response_model=VersionOut, responses=ERRORS)
def revise_item(item_id: IdPath, principal: CurrentPrincipal, db: Db, body: ItemIn) -> VersionOut:
    """Change the content: a draft or rejected version is edited, a published item gets a new
    draft version (the published one answers until the new one is published)."""
    item = service.access_item(db, principal, item_id)
    return version_out(service.revise(db, principal, item, _data(body)))


@router.post("/knowledge/items/{item_id}/submit", response_model=ItemOut, responses=ERRORS)
def submit_item(item_id: IdPath, principal: CurrentPrincipal, db: Db) -> ItemOut:
    item = service.access_item(db, principal, item_id)
    service.submit(db, principal, item)
    return item_out(principal, item)


@router.post("/knowledge/items/{item_id}/approve", response_model=ItemOut, responses=ERRORS)
def approve_item(item_id: IdPath, principal: CurrentPrincipal, db: Db) -> ItemOut:
    item = service.access_item(db, principal, item_id)
    service.approve(db, principal, item)
    return item_out(principal, item)


@router.post("/knowledge/items/{item_id}/reject", response_model=ItemOut, responses=ERRORS)
def reject_item(item_id: IdPath, principal: CurrentPrincipal, db: Db, body: ReasonIn) -> ItemOut:
    item = service.access_item(db, principal, item_id)
    service.reject(db, principal, item, reason=body.reason)
    return item_out(principal, item)


@router.post("/knowledge/items/{item_id}/publish", response_model=ItemOut, responses=ERRORS)
def publish_item(item_id: IdPath, principal: CurrentPrincipal, db: Db) -> ItemOut:
    item = service.access_item(db, principal, item_id)
    service.publish(db, principal, item)
    return item_out(principal, item)


@router.post("/knowledge/items/{item_id}/withdraw", response_model=ItemOut, responses=ERRORS)
def withdraw_item(item_id: IdPath, principal: CurrentPrincipal, db: Db, body: ReasonIn) -> ItemOut:
    item = service.access_item(db, principal, item_id)
    service.withdraw(db, principal, item, reason=body.reason)
    return item_out(principal, item)


@router.get("/knowledge/export.xlsx", responses={**ERRORS, 200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def export_items(principal: CurrentPrincipal, db: Db) -> Response:
    data, name = excel.export_items(db, principal)
    return Response(content=data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@router.post("/knowledge/import", response_model=ImportOut, responses=ERRORS)
def import_items(principal: CurrentPrincipal, db: Db, file: Annotated[UploadFile, File()]) -> ImportOut:
    """Draft items of the caller's unit from an .xlsx (columns 问题, 答复, 政策类别, 诉求分类编码,
    适用区划代码, 政策文件文号, 生效日期, 失效日期, 关键词). All or nothing: 422 with
    ``errors: [{row, column, field, reason}]`` if any row is bad."""
    return ImportOut(created=excel.import_items(db, principal, file.file.read(MAX_BYTES + 1)))


@router.get("/knowledge/usage", response_model=list[UnitUsageOut], responses=ERRORS)
def usage(principal: CurrentPrincipal, db: Db) -> list[UnitUsageOut]:
    """Per owner unit in the caller's region: items, published items, views, answers given
    and the readers' votes."""
    return [UnitUsageOut(**u.__dict__) for u in service.usage_by_unit(db, principal)]


# --- policy documents ------------------------------------------------------------------------


def document_out(doc: PolicyDocument, counts: dict[int, tuple[int, int]]) -> DocumentOut:
    items, published = counts.get(doc.id, (0, 0))
    return DocumentOut(id=doc.id, title=doc.title, doc_number=doc.doc_number, issued_on=doc.issued_on,
                       due_on=doc.due_on, owner_unit_id=doc.owner_unit_id, owner_unit=doc.owner_unit.name,
                       first_published_at=doc.first_published_at, settled_at=doc.settled_at, on_time=doc.on_time,
                       items=items, published_items=published)


@router.get("/knowledge/documents", response_model=list[DocumentOut], responses=ERRORS)
def list_documents(principal: CurrentPrincipal, db: Db, response: Response,
                   unit_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None, late_only: bool = False,
                   limit: Limit = 50, offset: Offset = 0) -> list[DocumentOut]:
    """Registered policy documents, each with its 7-working-day deadline (``due_on``) and
    whether its items came in time (``on_time``; null until settled)."""
    rows, total = service.documents(db, principal, owner_unit_id=unit_id, late_only=late_only, limit=limit,
                                    offset=offset)
    response.headers["X-Total-Count"] = str(total)
    counts = repository.document_item_counts(db, (d.id for d in rows))
    return [document_out(d, counts) for d in rows]


@router.post("/knowledge/documents", response_model=DocumentOut, status_code=201, responses=ERRORS)
def register_document(principal: CurrentPrincipal, db: Db, body: DocumentIn) -> DocumentOut:
    doc = service.register_document(db, principal, title=body.title, doc_number=body.doc_number,
                                    issued_on=body.issued_on, owner_unit_id=body.owner_unit_id)
    return document_out(doc, {})


@router.get("/knowledge/documents/{document_id}", response_model=DocumentOut, responses=ERRORS)
def get_document(document_id: IdPath, principal: CurrentPrincipal, db: Db) -> DocumentOut:
    doc = service.access_document(db, principal, document_id)
    return document_out(doc, repository.document_item_counts(db, [doc.id]))


# --- emergency collections -------------------------------------------------------------------


def collection_out(db: Db, c: KnowledgeCollection) -> CollectionOut:
    return CollectionOut(
        id=c.id, topic=c.topic, description=c.description, centre_unit=c.centre_unit.name, due_at=c.due_at,
        created_at=c.created_at, closed_at=c.closed_at,
        deliveries=[DeliveryOut(unit_id=d.unit.id, unit=d.unit.name, submitted=d.submitted, first_at=d.first_at,
                                on_time=d.first_at is not None and d.first_at <= c.due_at)
                    for d in service.deliveries(db, c)])


@router.get("/knowledge/collections", response_model=list[CollectionOut], responses=ERRORS)
def list_collections(principal: CurrentPrincipal, db: Db, response: Response, limit: Limit = 50,
                     offset: Offset = 0) -> list[CollectionOut]:
    rows, total = service.collections(db, principal, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [collection_out(db, c) for c in rows]


@router.post("/knowledge/collections", response_model=CollectionOut, status_code=201, responses=ERRORS)
def create_collection(principal: CurrentPrincipal, db: Db, body: CollectionIn) -> CollectionOut:
    """Ask units for items on a sudden topic by ``due_at`` (应急征集); each is told by SMS.
    A unit delivers by submitting items with ``collection_id``."""
    c = service.create_collection(db, principal, topic=body.topic, description=body.description,
                                  due_at=body.due_at, unit_ids=body.unit_ids)
    return collection_out(db, c)


@router.get("/knowledge/collections/{collection_id}", response_model=CollectionOut, responses=ERRORS)
def get_collection(collection_id: IdPath, principal: CurrentPrincipal, db: Db) -> CollectionOut:
    return collection_out(db, service.access_collection(db, principal, collection_id))


@router.post("/knowledge/collections/{collection_id}/close", response_model=CollectionOut, responses=ERRORS)
def close_collection(collection_id: IdPath, principal: CurrentPrincipal, db: Db) -> CollectionOut:
    c = service.access_collection(db, principal, collection_id)
    return collection_out(db, service.close_collection(db, principal, c))


# --- public ----------------------------------------------------------------------------------


@public_router.get("/public/knowledge/search", response_model=list[PublicHitOut], responses={422: ERRORS[422]})
def public_search(db: Db, q: Text, region_code: Code = None, category_code: Code = None,
                  policy_class: PolicyClass | None = None,
                  limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[PublicHitOut]:
    """Self-service lookup: published items in force that answer ``q``, best first."""
    f = service.search_filter(db, region_code=region_code, category_code=category_code, policy_class=policy_class)
    return [_public_hit(h.item, h.version) for h in service.search_items(db, q, f, limit=limit)]


@public_router.get("/public/knowledge/items/{item_id}", response_model=PublicHitOut,
                   responses={404: ERRORS[404], 422: ERRORS[422]})
def public_item(item_id: IdPath, db: Db) -> PublicHitOut:
    """A published item in force (counted as a view)."""
    try:
        version = service.answering_version(db, item_id)
    except InvalidInput:
        raise NotFound("知识点不存在或已失效") from None
    item = db.get(KnowledgeItem, item_id)
    assert item is not None
    service.record_view(db, item)
    return _public_hit(item, version)


@public_router.post("/public/knowledge/items/{item_id}/vote", status_code=204,
                    responses={404: ERRORS[404], 422: ERRORS[422]})
def public_vote(item_id: IdPath, db: Db, body: VoteIn) -> Response:
    """Was this answer helpful? Counted in the item's usage figures."""
    try:
        service.vote(db, item_id, helpful=body.helpful)
    except InvalidInput:
        raise NotFound("知识点不存在或已失效") from None
    return Response(status_code=204)


@public_router.post("/public/knowledge/assistant", response_model=AssistantOut, responses={422: ERRORS[422]})
def public_assistant(db: Db, body: AssistantIn) -> AssistantOut:
    """The text assistant (智能文本客服): answers from a published item and cites it, or says it
    cannot and points to the appeal form, where what was typed is carried over (自助下单)."""
    reply = service.assistant(db, body.question, region_code=body.region_code)
    return AssistantOut(
        answered=reply.answered, message=reply.message,
        source=_public_hit(reply.hit.item, reply.hit.version) if reply.hit else None,
        related=[_public_hit(h.item, h.version) for h in reply.related],
        appeal_url=None if reply.answered else service.appeal_link(body.question))
