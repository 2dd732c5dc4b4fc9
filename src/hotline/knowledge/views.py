"""Staff pages of the knowledge base (知识库): the search every member of staff uses; the
management of items and their review (list, form, detail with the workflow's actions, Excel
import); policy documents and their 7-working-day rule; emergency collections (应急征集); usage.

Every read and write goes through ``knowledge.service``, which checks access itself; the
checks here only decide what a page offers. A refused form comes back with its field error and
the service's status (422/403/404/409), after the failed write is rolled back."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.kit import clock
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput, NotFound, RowErrors
from hotline.kit.excel import MAX_BYTES
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
from hotline.org import repository as org_repository
from hotline.org.models import RegionLevel
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.web.forms import Form, choice, error_map, integer, text
from hotline.web.templating import render

router = routing.router()
PAGE = 50
#: Search results shown at most.
SEARCH_LIMIT = 20
#: Items the usage page ranks by answers (the caller's most recently changed).
USAGE_SCAN = 1000
USAGE_TOP = 20

#: The management list's tabs: the status of an item's latest version.
ITEM_TABS = [VersionStatus.draft, VersionStatus.submitted, VersionStatus.approved, VersionStatus.rejected,
             VersionStatus.published]
#: The workflow steps the detail page posts (``revise`` is the edit form).
ACTIONS = ("submit", "approve", "reject", "publish", "withdraw")
ACTION_LABELS = {"revise": "修改", "submit": "提交审核", "approve": "审核通过", "reject": "退回",
                 "publish": "发布", "withdraw": "撤回"}
ITEM_FIELDS = ("question", "answer", "policy_class", "category_code", "region_code", "document_id", "effective_on",
               "expires_on", "keywords", "collection_id")

ITEM_DONE = {
    "created": "知识点草稿已保存；核对无误后请提交审核",
    "revised": "修改已保存",
    "new_version": "已保存为新版本（草稿）：提交审核并发布后替代现行版本，在此之前现行版本继续答复",
    "submit": "已提交审核，等待热线中心审核",
    "approve": "审核通过，待发布",
    "reject": "已退回编写单位，并告知退回原因",
    "publish": "已发布：现在可以检索，并用于答复群众",
    "withdraw": "已撤回",
}
DOCUMENT_DONE = {"registered": "政策文件已登记：请在截止日期前发布其知识点"}
COLLECTION_DONE = {"created": "应急征集已发出，已短信通知各单位", "closed": "征集已结束"}

#: Names every knowledge template may use (the macros of ``_kb.html`` need them).
NAMES: dict[str, Any] = {"VERSION_STATUS_NAMES": VERSION_STATUS_NAMES, "POLICY_CLASS_NAMES": POLICY_CLASS_NAMES,
                         "ACTION_LABELS": ACTION_LABELS}


def _page(request: Request, name: str, principal: Principal, code: int = 200, **context: Any) -> Response:
    """Render ``knowledge/<name>.html`` with ``code`` as the response status."""
    return render(request, f"knowledge/{name}.html", principal, status_code=code, **NAMES, **context)


# --- small helpers -----------------------------------------------------------------------------


def _offset(request: Request) -> int:
    return min(integer(request.query_params, "offset") or 0, 10**6)


def _raw(form: dict[str, Any], key: str) -> str:
    """A field as typed, to show again after an error."""
    value = form.get(key)
    return value if isinstance(value, str) else ""


def _strings(form: dict[str, Any], key: str) -> list[str]:
    """A multi-value field (sent as ``key[]``)."""
    values = form.get(key)
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _failure(db: Session, exc: HotlineError) -> tuple[dict[str, str], str, str]:
    """Roll the failed write back; the field errors, banner and banner kind to re-render with."""
    db.rollback()
    errors, banner = error_map(exc)
    field = exc.detail.get("field")
    if not errors and isinstance(field, str):  # a duplicate names its field too
        errors = {field: exc.message}
    return errors, (f"请检查表单：{banner}" if errors else banner), "err"


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "日期格式应为 YYYY-MM-DD") from None


def _datetime(value: str | None, field: str) -> dt.datetime:
    """A ``datetime-local`` value, read as China time."""
    if not value:
        raise InvalidInput(field, "请填写时间")
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "时间格式应为 YYYY-MM-DD HH:MM") from None
    return at if at.tzinfo else at.replace(tzinfo=clock.CST)


def _id(form: dict[str, Any], key: str, message: str) -> int | None:
    """An id chosen in a select; None when left empty."""
    if text(form, key) is None:
        return None
    value = integer(form, key)
    if not value:
        raise InvalidInput(key, message)
    return value


def _category_options(db: Session) -> list[tuple[str, str]]:
    return [(c.code, "　" * (c.level - 1) + f"{c.code} {c.name}")
            for c in org_repository.all_categories(db) if c.active]


def _region_options(db: Session, scope_code: str | None = None) -> list[tuple[str, str]]:
    """Active regions (those in ``scope_code``'s region, when given), indented by level."""
    levels = list(RegionLevel)
    return [(r.code, "　" * levels.index(r.level) + f"{r.name}（{r.code}）") for r in org_repository.all_regions(db)
            if r.active and (scope_code is None or in_region(scope_code, r.code))]


def _unit_options(db: Session, principal: Principal) -> list[tuple[int, str]]:
    units, _ = org_repository.list_units(db, region_prefix=principal.region_prefix, active=True, limit=5000)
    return [(u.id, f"{u.name}（{u.code}）") for u in units]


def _manages_any(principal: Principal) -> bool:
    return principal.can(Cap.edit_knowledge) or principal.can(Cap.review_knowledge)


def _query(**values: str) -> str:
    """The query string of a list's current filters, ready for ``offset=`` to follow."""
    kept = {k: v for k, v in values.items() if v}
    return "?" + urlencode(kept) + ("&" if kept else "")


# --- search --------------------------------------------------------------------------------------


@router.get("/knowledge", response_class=HTMLResponse)
def search_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """What every member of staff uses while answering: published items in force, best first."""
    access.require(principal, Cap.view_org)
    q = request.query_params
    values = {k: (q.get(k) or "").strip() for k in ("q", "policy_class", "category_code", "region_code")}
    policy_class = choice(values, "policy_class", PolicyClass)
    errors: dict[str, str] = {}
    hits: list[service.Hit] = []
    searched = bool(values["q"])
    if searched:
        try:
            f = service.search_filter(db, region_code=values["region_code"] or None,
                                      category_code=values["category_code"] or None, policy_class=policy_class)
            hits = service.search_items(db, values["q"], f, limit=SEARCH_LIMIT)
        except InvalidInput as exc:
            errors[exc.field] = exc.reason
    return _page(request, "search", principal, title="知识库", values=values, errors=errors, hits=hits,
                 searched=searched, limit=SEARCH_LIMIT,
                 policy_classes=[(c.value, name) for c, name in POLICY_CLASS_NAMES.items()],
                 categories=_category_options(db), regions=_region_options(db),
                 can_edit=principal.can(Cap.edit_knowledge), can_review=principal.can(Cap.review_knowledge))


# --- items: list, import -----------------------------------------------------------------------


@router.get("/knowledge/items", response_class=HTMLResponse)
def items_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The items the caller manages (a unit: its own; reviewers: their region's), by the status
    of their latest version."""
    q = request.query_params
    status = choice(dict(q), "status", VersionStatus)
    needle = (q.get("q") or "").strip()[:100]
    offset = _offset(request)
    rows, total = service.items(db, principal, repository.ItemFilter(status=status, text=needle or None),
                                limit=PAGE, offset=offset)
    done = q.get("done") or ""
    flash = None
    if done == "imported":
        flash = f"已导入 {integer(q, 'n') or 0} 条知识点草稿：请逐条核对后提交审核"
    return _page(request, "items", principal, title="知识点管理", rows=rows, total=total, limit=PAGE, offset=offset,
                 status=status, tabs=[(s, VERSION_STATUS_NAMES[s]) for s in ITEM_TABS], q=needle,
                 base="/knowledge/items" + _query(status=status.value if status else "", q=needle),
                 can_edit=principal.can(Cap.edit_knowledge), flash=flash)


def _import_page(request: Request, principal: Principal, *, status: int = 200,
                 row_errors: list[dict[str, Any]] | None = None, errors: dict[str, str] | None = None,
                 flash: str | None = None, flash_kind: str = "ok") -> Response:
    return _page(request, "import", principal, status, title="导入知识点", columns=list(excel.COLUMNS),
                 required=list(excel.REQUIRED), row_errors=row_errors or [], errors=errors or {},
                 policy_class_names="、".join(POLICY_CLASS_NAMES.values()), flash=flash, flash_kind=flash_kind)


@router.get("/knowledge/items/import", response_class=HTMLResponse)
def import_page(request: Request, principal: CurrentPrincipal) -> Response:
    access.require(principal, Cap.edit_knowledge)
    return _import_page(request, principal)


@router.post("/knowledge/items/import", response_class=HTMLResponse)
def submit_import(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """Draft items of the caller's unit from an .xlsx: all or nothing, every bad row listed."""
    access.require(principal, Cap.edit_knowledge)
    upload = form.get("file")
    data = upload.file.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        created = excel.import_items(db, principal, data)
    except RowErrors as exc:
        db.rollback()
        return _import_page(request, principal, status=exc.status_code, row_errors=exc.errors,
                            flash=f"{len(exc.errors)} 处错误，整份文件未导入：请改正后重新上传", flash_kind="err")
    except HotlineError as exc:
        errors, banner, flash_kind = _failure(db, exc)
        return _import_page(request, principal, status=exc.status_code, errors=errors, flash=banner,
                            flash_kind=flash_kind)
    return RedirectResponse(f"/knowledge/items?status=draft&done=imported&n={created}", status_code=303)


# --- items: the form ---------------------------------------------------------------------------


def _version_values(v: KnowledgeVersion) -> dict[str, Any]:
    return {"question": v.question, "answer": v.answer, "policy_class": v.policy_class.value if v.policy_class else "",
            "category_code": v.category.code if v.category else "", "region_code": v.region.code,
            "document_id": v.policy_document_id or "", "effective_on": v.effective_on.isoformat(),
            "expires_on": v.expires_on.isoformat() if v.expires_on else "", "keywords": "、".join(v.keywords),
            "collection_id": v.collection_id or ""}


def _item_data(form: dict[str, Any]) -> service.ItemData:
    policy_class = choice(form, "policy_class", PolicyClass)
    if text(form, "policy_class") and policy_class is None:
        raise InvalidInput("policy_class", "政策类别无效")
    return service.ItemData(
        question=_raw(form, "question"), answer=_raw(form, "answer"), region_code=text(form, "region_code"),
        category_code=text(form, "category_code"), policy_class=policy_class,
        document_id=_id(form, "document_id", "政策文件选择无效"),
        effective_on=_date(text(form, "effective_on"), "effective_on"),
        expires_on=_date(text(form, "expires_on"), "expires_on"), keywords=_raw(form, "keywords"),
        collection_id=_id(form, "collection_id", "应急征集选择无效"))


def _open_collections(db: Session, principal: Principal) -> list[KnowledgeCollection]:
    """Collections still open that ask the caller's unit for items."""
    if not principal.can(Cap.edit_knowledge):
        return []
    rows, _ = service.collections(db, principal, limit=200)
    return [c for c in rows if c.closed_at is None and any(u.id == principal.unit_id for u in c.units)]


def _item_form(request: Request, principal: Principal, db: Session, *, item: KnowledgeItem | None,
               values: dict[str, Any], status: int = 200, errors: dict[str, str] | None = None,
               flash: str | None = None, flash_kind: str = "ok") -> Response:
    owner_unit_id = item.owner_unit_id if item is not None else principal.unit_id
    documents, _ = service.documents(db, principal, owner_unit_id=owner_unit_id, limit=200)
    document_options = [(d.id, f"{d.doc_number} {d.title}") for d in documents]
    collections = _open_collections(db, principal)
    collection_options = [(c.id, f"{c.topic}（截止 {c.due_at.astimezone(clock.CST):%m-%d %H:%M}）")
                          for c in collections]
    chosen = str(values.get("collection_id") or "")
    collection = next((c for c in collections if str(c.id) == chosen), None)
    own = item.latest_version.collection_id if item is not None and item.latest_version is not None else None
    if chosen and collection is None and own is not None and str(own) == chosen:  # the version's own, since closed
        collection_options.append((own, "原所属征集（已结束）"))
    regions = _region_options(db, principal.region_code)
    region = str(values.get("region_code") or "")
    if region and region not in {code for code, _ in regions}:
        regions.insert(0, (region, region))  # keep what the version says, even outside the list
    latest = item.latest_version if item is not None else None
    title = "修改知识点" if item is not None else "新建知识点"
    return _page(request, "item_form", principal, status, title=title, item=item, latest=latest, values=values,
                 errors=errors or {}, flash=flash, flash_kind=flash_kind,
                 policy_classes=[(c.value, name) for c, name in POLICY_CLASS_NAMES.items()],
                 categories=_category_options(db), regions=regions, documents=document_options,
                 collections=collection_options, collection=collection,
                 action=f"/knowledge/items/{item.id}/edit" if item is not None else "/knowledge/items/new")


def _form_values(form: dict[str, Any]) -> dict[str, Any]:
    return {k: _raw(form, k) for k in ITEM_FIELDS}


@router.get("/knowledge/items/new", response_class=HTMLResponse)
def new_item_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """A new item of the caller's unit; ``?collection_id=`` answers an emergency collection,
    ``?document_id=`` implements a registered policy document."""
    access.require(principal, Cap.edit_knowledge)
    q = request.query_params
    values: dict[str, Any] = {"region_code": principal.region_code, "effective_on": clock.today().isoformat(),
                              "collection_id": integer(q, "collection_id") or "",
                              "document_id": integer(q, "document_id") or ""}
    return _item_form(request, principal, db, item=None, values=values)


@router.post("/knowledge/items/new", response_class=HTMLResponse)
def submit_new_item(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require(principal, Cap.edit_knowledge)
    try:
        item = service.create_item(db, principal, _item_data(form))
    except HotlineError as exc:
        errors, banner, flash_kind = _failure(db, exc)
        return _item_form(request, principal, db, item=None, values=_form_values(form), status=exc.status_code,
                          errors=errors, flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/knowledge/items/{item.id}?done=created", status_code=303)


def _editable(principal: Principal, item: KnowledgeItem) -> None:
    if not service.may_edit(principal, item):
        raise Forbidden("只能修改本单位的知识点")


@router.get("/knowledge/items/{item_id}/edit", response_class=HTMLResponse)
def edit_item_page(request: Request, item_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    item = service.access_item(db, principal, item_id)
    _editable(principal, item)
    latest = item.latest_version
    assert latest is not None
    flash, flash_kind = None, "ok"
    if latest.status in (VersionStatus.submitted, VersionStatus.approved):
        flash, flash_kind = "该知识点正在审核中，不能修改；如需修改请先撤回", "warn"
    return _item_form(request, principal, db, item=item, values=_version_values(latest), flash=flash,
                      flash_kind=flash_kind)


@router.post("/knowledge/items/{item_id}/edit", response_class=HTMLResponse)
def submit_item_edit(request: Request, item_id: IdPath, principal: CurrentPrincipal, db: Db,
                     form: Form) -> Response:
    """A draft or rejected version is edited; a published item gets a new draft version."""
    item = service.access_item(db, principal, item_id)
    before = item.latest_version_id
    try:
        version = service.revise(db, principal, item, _item_data(form))
    except HotlineError as exc:
        errors, banner, flash_kind = _failure(db, exc)
        return _item_form(request, principal, db, item=item, values=_form_values(form), status=exc.status_code,
                          errors=errors, flash=banner, flash_kind=flash_kind)
    done = "revised" if version.id == before else "new_version"
    return RedirectResponse(f"/knowledge/items/{item.id}?done={done}", status_code=303)


# --- items: the detail page and the workflow ----------------------------------------------------


def _item_page(request: Request, principal: Principal, db: Session, item: KnowledgeItem, *, status: int = 200,
               failed: str | None = None, errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               flash: str | None = None, flash_kind: str = "ok") -> Response:
    """``failed`` names the action the errors and values belong to."""
    manages = service.may_edit(principal, item) or service.may_review(principal, item)
    published = item.published_version
    versions = service.versions(db, item) if manages else [v for v in [published] if v is not None]
    latest = item.latest_version if manages else published
    assert latest is not None
    return _page(request, "item", principal, status, title=latest.question, item=item, latest=latest,
                 published=published, versions=versions, manages=manages, actions=service.actions(principal, item),
                 failed=failed, errors=errors or {}, values=values or {}, flash=flash, flash_kind=flash_kind,
                 today=clock.today())


@router.get("/knowledge/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    """The latest version and the published one, every version (for those who manage the item),
    usage, and the actions the caller may take now. A reader's visit counts as a view."""
    item = service.access_item(db, principal, item_id)
    if item.published_version_id is not None and not (
            service.may_edit(principal, item) or service.may_review(principal, item)):
        service.record_view(db, item)
        db.refresh(item)
    return _item_page(request, principal, db, item, flash=ITEM_DONE.get(request.query_params.get("done") or ""))


@router.post("/knowledge/items/{item_id}/{action}", response_class=HTMLResponse)
def item_action(request: Request, item_id: IdPath, action: str, principal: CurrentPrincipal, db: Db,
                form: Form) -> Response:
    if action not in ACTIONS:
        raise NotFound("没有这种操作")
    item = service.access_item(db, principal, item_id)
    reason = _raw(form, "reason")
    try:
        if action == "submit":
            service.submit(db, principal, item)
        elif action == "approve":
            service.approve(db, principal, item)
        elif action == "reject":
            service.reject(db, principal, item, reason=reason)
        elif action == "publish":
            service.publish(db, principal, item)
        else:
            service.withdraw(db, principal, item, reason=reason)
    except HotlineError as exc:
        errors, banner, flash_kind = _failure(db, exc)
        return _item_page(request, principal, db, item, status=exc.status_code, failed=action, errors=errors,
                          values={"reason": reason}, flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/knowledge/items/{item.id}?done={action}", status_code=303)


# --- policy documents --------------------------------------------------------------------------


def document_state(doc: PolicyDocument, today: dt.date) -> tuple[str, str]:
    """The state of a document's 7-working-day deadline, and its tag class."""
    if doc.on_time is True:
        return "按时", "ok"
    if doc.on_time is False:
        return "逾期", "red"
    if doc.due_on < today:  # past its day, the upkeep job has not settled it yet
        return "逾期未发布", "red"
    return "待发布", "warn"


def _documents_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                    errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                    flash: str | None = None, flash_kind: str = "ok") -> Response:
    q = request.query_params
    centre = access.is_knowledge_centre(principal)
    unit_id = (integer(q, "unit_id") or None) if centre else None
    late = q.get("late") == "1"
    offset = _offset(request)
    rows, total = service.documents(db, principal, owner_unit_id=unit_id, late_only=late, limit=PAGE, offset=offset)
    counts = repository.document_item_counts(db, (d.id for d in rows))
    today = clock.today()
    units = _unit_options(db, principal) if centre else []
    reviewer = principal.can(Cap.review_knowledge)
    return _page(request, "documents", principal, status, title="政策文件",
                 rows=[(d, counts.get(d.id, (0, 0)), document_state(d, today)) for d in rows], total=total,
                 limit=PAGE, offset=offset, late=late, unit_id=unit_id, units=units,
                 unit_name=next((name for uid, name in units if uid == unit_id), None),
                 base="/knowledge/documents" + _query(unit_id=str(unit_id or ""), late="1" if late else ""),
                 unit_query=f"unit_id={unit_id}&" if unit_id else "",
                 can_register=principal.can(Cap.edit_knowledge), reviewer=reviewer,
                 owner_options=units if reviewer else [], values=values or {"issued_on": today.isoformat()},
                 errors=errors or {}, flash=flash, flash_kind=flash_kind, today=today)


@router.get("/knowledge/documents", response_class=HTMLResponse)
def documents_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """Registered policy documents with their deadline (``?unit_id=`` one unit's, ``?late=1``
    those whose items came late), and the form to register one."""
    return _documents_page(request, principal, db)


@router.post("/knowledge/documents", response_class=HTMLResponse)
def submit_document(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require(principal, Cap.edit_knowledge)
    values = {k: _raw(form, k) for k in ("title", "doc_number", "issued_on", "owner_unit_id")}
    try:
        issued_on = _date(text(form, "issued_on"), "issued_on")
        if issued_on is None:
            raise InvalidInput("issued_on", "请填写成文日期")
        doc = service.register_document(db, principal, title=values["title"], doc_number=values["doc_number"],
                                        issued_on=issued_on,
                                        owner_unit_id=_id(form, "owner_unit_id", "单位选择无效"))
    except HotlineError as exc:
        errors, banner, flash_kind = _failure(db, exc)
        return _documents_page(request, principal, db, status=exc.status_code, errors=errors, values=values,
                               flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/knowledge/documents/{doc.id}?done=registered", status_code=303)


@router.get("/knowledge/documents/{document_id}", response_class=HTMLResponse)
def document_page(request: Request, document_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    """A document, its deadline and its items; its unit's editors add items from here."""
    doc = service.access_document(db, principal, document_id)
    items: list[KnowledgeItem] = []
    total = 0
    if _manages_any(principal):
        items, total = service.items(db, principal, repository.ItemFilter(document_id=doc.id), limit=200)
    count, published = repository.document_item_counts(db, [doc.id]).get(doc.id, (0, 0))
    today = clock.today()
    return _page(request, "document", principal, title=f"{doc.doc_number} {doc.title}", doc=doc, items=items,
                 total=total, count=count, published_count=published, state=document_state(doc, today),
                 manages=_manages_any(principal),
                 can_create=principal.can(Cap.edit_knowledge) and doc.owner_unit_id == principal.unit_id,
                 flash=DOCUMENT_DONE.get(request.query_params.get("done") or ""))


# --- emergency collections ---------------------------------------------------------------------


def _delivery_state(d: service.Delivery, c: KnowledgeCollection, now: dt.datetime) -> tuple[str, str]:
    if d.first_at is not None:
        return ("按时提交", "ok") if d.first_at <= c.due_at else ("逾期提交", "red")
    if now > c.due_at:
        return "逾期未交", "red"
    return "尚未提交", "warn"


def _collections_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                      errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                      flash: str | None = None, flash_kind: str = "ok") -> Response:
    offset = _offset(request)
    rows, total = service.collections(db, principal, limit=PAGE, offset=offset)
    now = clock.now()
    summaries = []
    for c in rows:
        deliveries = service.deliveries(db, c)
        mine = next((d for d in deliveries if d.unit.id == principal.unit_id), None)
        summaries.append((c, sum(d.delivered for d in deliveries), len(deliveries),
                          _delivery_state(mine, c, now) if mine else None))
    can_create = principal.can(Cap.review_knowledge)
    default_due = (now.astimezone(clock.CST) + dt.timedelta(days=2)).replace(hour=18, minute=0)
    return _page(request, "collections", principal, status, title="应急征集", rows=summaries, total=total,
                 limit=PAGE, offset=offset, base="/knowledge/collections?", now=now, can_create=can_create,
                 unit_options=_unit_options(db, principal) if can_create else [],
                 values=values or {"due_at": f"{default_due:%Y-%m-%dT%H:%M}", "unit_ids": []},
                 errors=errors or {}, flash=flash, flash_kind=flash_kind)


@router.get("/knowledge/collections", response_class=HTMLResponse)
def collections_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The centre's emergency collections (a unit: those it is asked for), and the form to ask."""
    return _collections_page(request, principal, db)


@router.post("/knowledge/collections", response_class=HTMLResponse)
def submit_collection(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require(principal, Cap.review_knowledge)
    values: dict[str, Any] = {k: _raw(form, k) for k in ("topic", "description", "due_at")}
    values["unit_ids"] = [n for v in _strings(form, "unit_ids") if (n := integer({"v": v}, "v"))]
    try:
        unit_ids = []
        for value in _strings(form, "unit_ids"):
            number = integer({"v": value}, "v")
            if not number:
                raise InvalidInput("unit_ids", "单位选择无效")
            unit_ids.append(number)
        collection = service.create_collection(db, principal, topic=values["topic"],
                                               description=values["description"],
                                               due_at=_datetime(text(form, "due_at"), "due_at"), unit_ids=unit_ids)
    except HotlineError as exc:
        errors, banner, flash_kind = _failure(db, exc)
        return _collections_page(request, principal, db, status=exc.status_code, errors=errors, values=values,
                                 flash=banner, flash_kind=flash_kind)
    return RedirectResponse(f"/knowledge/collections/{collection.id}?done=created", status_code=303)


def _collection_page(request: Request, principal: Principal, db: Session, collection: KnowledgeCollection, *,
                     status: int = 200, flash: str | None = None, flash_kind: str = "ok") -> Response:
    now = clock.now()
    deliveries = [(d, _delivery_state(d, collection, now)) for d in service.deliveries(db, collection)]
    items: list[KnowledgeItem] = []
    if _manages_any(principal):
        items, _ = service.items(db, principal, repository.ItemFilter(collection_id=collection.id), limit=200)
    is_open = collection.closed_at is None
    asked = any(u.id == principal.unit_id for u in collection.units)
    return _page(request, "collection", principal, status, title=f"应急征集：{collection.topic}",
                 collection=collection, deliveries=deliveries, items=items, now=now, is_open=is_open,
                 delivered=sum(1 for d, _ in deliveries if d.delivered),
                 can_close=is_open and principal.can(Cap.review_knowledge) and access.is_knowledge_centre(principal),
                 can_submit=is_open and asked and principal.can(Cap.edit_knowledge),
                 flash=flash, flash_kind=flash_kind)


@router.get("/knowledge/collections/{collection_id}", response_class=HTMLResponse)
def collection_page(request: Request, collection_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    """Who delivered: per unit asked, the items submitted and when, against the deadline."""
    collection = service.access_collection(db, principal, collection_id)
    return _collection_page(request, principal, db, collection,
                            flash=COLLECTION_DONE.get(request.query_params.get("done") or ""))


@router.post("/knowledge/collections/{collection_id}/close", response_class=HTMLResponse)
def close_collection(request: Request, collection_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    collection = service.access_collection(db, principal, collection_id)
    try:
        service.close_collection(db, principal, collection)
    except HotlineError as exc:
        _, banner, flash_kind = _failure(db, exc)
        return _collection_page(request, principal, db, collection, status=exc.status_code, flash=banner,
                                flash_kind=flash_kind)
    return RedirectResponse(f"/knowledge/collections/{collection.id}?done=closed", status_code=303)


# --- usage ---------------------------------------------------------------------------------------


@router.get("/knowledge/usage", response_class=HTMLResponse)
def usage_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """Per owner unit of the caller's region: items, published items, views, answers, votes; and
    the caller's managed items that answered most."""
    rows = service.usage_by_unit(db, principal)
    top: list[KnowledgeItem] = []
    if _manages_any(principal):
        managed, _ = service.items(db, principal, repository.ItemFilter(), limit=USAGE_SCAN)
        used = [i for i in managed if i.answers or i.views or i.helpful or i.not_helpful]
        top = sorted(used, key=lambda i: (-i.answers, -i.views, -i.helpful, i.id))[:USAGE_TOP]
    totals = {k: sum(getattr(r, k) for r in rows)
              for k in ("items", "published", "views", "answers", "helpful", "not_helpful")}
    return _page(request, "usage", principal, title="知识库使用统计", rows=rows, totals=totals, top=top,
                 manages=_manages_any(principal), centre=access.is_knowledge_centre(principal), top_limit=USAGE_TOP)
