"""JSON API of the platform's intelligence: dispatch suggestions for an appeal's text, the
model versions (list, train, activate, roll back), the place an appeal is about, and the place
names (streets, communities, landmarks) the place finder knows."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Path, Query, Response, UploadFile

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.intelligence import service, terms
from hotline.intelligence.models import (
    MODEL_KIND_NAMES,
    WARNING_KIND_NAMES,
    EarlyWarning,
    HotspotTerm,
    ModelKind,
    ModelVersion,
    PlaceName,
    SpecialList,
)
from hotline.intelligence.schemas import (
    CategorySuggestionOut,
    DuplicateIn,
    DuplicateOut,
    HotspotOut,
    HotspotsOut,
    HotspotTermIn,
    HotspotTermOut,
    HotspotTermPatch,
    LocateIn,
    ModelVersionOut,
    MonthIn,
    PlaceNameIn,
    PlaceNameOut,
    PlaceOut,
    RegionRef,
    RollbackIn,
    SpecialListIn,
    SpecialListOut,
    SuggestIn,
    SuggestionsOut,
    TermImportOut,
    TermTokenOut,
    TermTryIn,
    TrainIn,
    UnitRefOut,
    UnitSuggestionOut,
    WarningOut,
)
from hotline.kit import validate
from hotline.kit.db import MAX_ID
from hotline.kit.errors import Forbidden, InvalidInput
from hotline.org import repository as org_repository
from hotline.org.models import Category, Region, Unit
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.workorder.lifecycle import STATUS_NAMES, Status
from hotline.workorder.models import WorkOrder

router = routing.router(tags=["intelligence"])
ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"}, 404: {"description": "Not found"},
    409: {"description": "Illegal step"}, 422: {"description": "Invalid input"},
}


def suggestions_out(found: service.Suggestions) -> SuggestionsOut:
    return SuggestionsOut(
        categories=[CategorySuggestionOut(code=s.category.code, name=s.category.name, path=s.path,
                                          confidence=s.confidence) for s in found.categories],
        units=[UnitSuggestionOut(id=s.unit.id, name=s.unit.name, region_name=s.unit.region.name,
                                 confidence=s.confidence) for s in found.units],
        category_model_id=found.category_model_id, unit_model_id=found.unit_model_id)


def version_out(v: ModelVersion, feedback: dict[int, dict[str, float]] | None = None) -> ModelVersionOut:
    return ModelVersionOut(id=v.id, kind=v.kind, kind_name=MODEL_KIND_NAMES[v.kind], number=v.number, status=v.status,
                           trained_at=v.trained_at, activated_at=v.activated_at, examples=v.examples, labels=v.labels,
                           metrics=dict(v.metrics), feedback=(feedback or {}).get(v.id))


@router.post("/intelligence/suggestions", response_model=SuggestionsOut, responses=ERRORS)
def suggest(principal: CurrentPrincipal, db: Db, body: SuggestIn) -> SuggestionsOut:
    """Three categories and three lead units for an appeal's text, with their confidence
    (empty until a model has been trained). ``region_code`` narrows the units to those that
    serve the place."""
    if not (principal.can(Cap.intake) or principal.can(Cap.dispatch)):
        raise Forbidden("您的角色无权查看派单建议")
    region = None
    if body.region_code:
        code = validate.region_code(body.region_code, "region_code")
        region = org_repository.region_by_code(db, code)
        if region is None:
            raise InvalidInput("region_code", "区划不存在")
    return suggestions_out(service.suggest(db, f"{body.title} {body.content}", region=region))


@router.get("/intelligence/models", response_model=list[ModelVersionOut], responses=ERRORS)
def list_models(principal: CurrentPrincipal, db: Db, kind: ModelKind | None = None) -> list[ModelVersionOut]:
    """The stored versions, newest first, with their held-out metrics and how often the
    dispatchers took their suggestions."""
    rows = service.versions(db, principal, kind)
    feedback = service.feedback_rates(db, rows)
    return [version_out(v, feedback) for v in rows]


@router.post("/intelligence/models/train", status_code=202, responses=ERRORS)
def train(principal: CurrentPrincipal, db: Db, body: TrainIn, response: Response) -> dict[str, str]:
    """Train a new version in the background (a minute or more on a large history)."""
    service.request_training(db, principal, body.kind, activate=body.activate)
    response.status_code = 202
    return {"status": "queued", "kind": body.kind.value}


@router.post("/intelligence/models/{version_id}/activate", response_model=ModelVersionOut, responses=ERRORS)
def activate(version_id: IdPath, principal: CurrentPrincipal, db: Db) -> ModelVersionOut:
    return version_out(service.activate(db, principal, version_id))


@router.post("/intelligence/models/rollback", response_model=ModelVersionOut, responses=ERRORS)
def rollback(principal: CurrentPrincipal, db: Db, body: RollbackIn) -> ModelVersionOut:
    """Go back to the version active before the current one."""
    return version_out(service.rollback(db, principal, body.kind))


# --- places ------------------------------------------------------------------------------------


def _region_ref(db: Db, region: Region) -> RegionRef:
    return RegionRef(code=region.code, name=region.name, path=service.region_path(db, region))


@router.post("/intelligence/place", response_model=PlaceOut | None, responses=ERRORS)
def locate(principal: CurrentPrincipal, db: Db, body: LocateIn) -> PlaceOut | None:
    """The place an appeal's text and address name (null when none is known), what was read,
    and the territorial units that answer for it. A tie goes to a place the caller serves."""
    if not (principal.can(Cap.intake) or principal.can(Cap.dispatch)):
        raise Forbidden("您的角色无权使用地点识别")
    within = org_repository.region_by_code(db, principal.region_code)
    found = service.locate(db, body.text, body.address, within=within)
    if found is None:
        return None
    return PlaceOut(region=_region_ref(db, found.region), matched=found.matched, ambiguous=found.ambiguous,
                    alternatives=[_region_ref(db, r) for r in found.alternatives],
                    units=[UnitRefOut(id=u.id, name=u.name) for u in found.units])


def _place_out(db: Db, row: PlaceName) -> PlaceNameOut:
    region = db.get(Region, row.region_id)
    assert region is not None
    return PlaceNameOut(id=row.id, name=row.name, kind=row.kind, region=_region_ref(db, region))


@router.get("/places", response_model=list[PlaceNameOut], responses=ERRORS)
def list_places(principal: CurrentPrincipal, db: Db, response: Response,
                q: Annotated[str | None, Query(max_length=50)] = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 50,
                offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> list[PlaceNameOut]:
    """The place names registered in the caller's region."""
    rows, total = service.list_places(db, principal, text=q, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [_place_out(db, r) for r in rows]


@router.post("/places", response_model=PlaceNameOut, status_code=201, responses=ERRORS)
def add_place(principal: CurrentPrincipal, db: Db, body: PlaceNameIn) -> PlaceNameOut:
    row = service.add_place(db, principal, name=body.name, region_code=body.region_code, kind=body.kind)
    return _place_out(db, row)


@router.delete("/places/{place_id}", status_code=204, responses=ERRORS)
def remove_place(place_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    service.remove_place(db, principal, place_id)
    return Response(status_code=204)


# --- early warnings ------------------------------------------------------------------------------


def _warning_out(db: Db, w: EarlyWarning) -> WarningOut:
    region = db.get(Region, w.region_id) if w.region_id else None
    category = db.get(Category, w.category_id) if w.category_id else None
    numbers = [o.number for o in (db.get(WorkOrder, i) for i in w.order_ids[:200]) if o is not None]
    return WarningOut(id=w.id, kind=w.kind, kind_name=WARNING_KIND_NAMES[w.kind], summary=w.summary,
                      region=_region_ref(db, region) if region else None,
                      category_name=category.name if category else None, term=w.term, count=w.count,
                      expected=w.expected, p_value=w.p_value, window_start=w.window_start, window_end=w.window_end,
                      raised_at=w.raised_at, order_numbers=numbers, acknowledged_at=w.acknowledged_at)


@router.get("/intelligence/warnings", response_model=list[WarningOut], responses=ERRORS)
def list_warnings(principal: CurrentPrincipal, db: Db, response: Response,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> list[WarningOut]:
    """Early warnings of the caller's region, newest first, with the orders behind each."""
    rows, total = service.warnings(db, principal, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [_warning_out(db, w) for w in rows]


@router.post("/intelligence/warnings/{warning_id}/acknowledge", response_model=WarningOut, responses=ERRORS)
def acknowledge_warning(warning_id: IdPath, principal: CurrentPrincipal, db: Db) -> WarningOut:
    return _warning_out(db, service.acknowledge_warning(db, principal, warning_id))


# --- duplicates ------------------------------------------------------------------------------------


def _duplicates_out(db: Db, found: list[service.Duplicate]) -> list[DuplicateOut]:
    parents = {i: db.get(WorkOrder, i) for i in {d.merged_into_id for d in found if d.merged_into_id}}

    def parent_number(d: service.Duplicate) -> str | None:
        parent = parents.get(d.merged_into_id) if d.merged_into_id else None
        return parent.number if parent is not None else None

    return [DuplicateOut(number=d.number, title=d.title, status=d.status, status_name=STATUS_NAMES[Status(d.status)],
                         registered_at=d.registered_at, merged_into=parent_number(d), score=d.score,
                         reasons=list(d.reasons)) for d in found]


@router.post("/intelligence/duplicates", response_model=list[DuplicateOut], responses=ERRORS)
def duplicates(principal: CurrentPrincipal, db: Db, body: DuplicateIn) -> list[DuplicateOut]:
    """Orders of the last 30 days that are likely the same appeal as the one being typed: the
    same caller or the same place, with a similar text (and why)."""
    if not (principal.can(Cap.intake) or principal.can(Cap.dispatch)):
        raise Forbidden("您的角色无权查重")
    region = None
    if body.region_code:
        region = org_repository.region_by_code(db, validate.region_code(body.region_code, "region_code"))
        if region is None:
            raise InvalidInput("region_code", "区划不存在")
    category = None
    if body.category_code:
        category = org_repository.category_by_code(db, body.category_code)
        if category is None:
            raise InvalidInput("category_code", "诉求分类不存在")
    found = service.find_duplicates(db, principal, title=body.title, content=body.content, phone=body.phone or None,
                                    region=region, category=category, address=body.address)
    return _duplicates_out(db, found)


@router.get("/work-orders/{number}/duplicates", response_model=list[DuplicateOut], responses=ERRORS)
def duplicates_of_order(number: str, principal: CurrentPrincipal, db: Db) -> list[DuplicateOut]:
    """Likely duplicates of a registered order, to merge them."""
    order = access.access_work_order(db, principal, number)
    if not principal.can(Cap.dispatch):
        raise Forbidden("您的角色无权查重")
    return _duplicates_out(db, service.duplicates_of(db, principal, order))


# --- hotspots and 专题专办 ---------------------------------------------------------------------------


def _numbers(db: Db, ids: list[int]) -> list[str]:
    found = {o.id: o.number for o in (db.get(WorkOrder, i) for i in ids[:500]) if o is not None}
    return [found[i] for i in ids[:500] if i in found]


@router.get("/intelligence/hotspots", response_model=HotspotsOut | None, responses=ERRORS)
def hotspots(principal: CurrentPrincipal, db: Db, month: Annotated[str, Query(max_length=7)]) -> HotspotsOut | None:
    """The month's top 10 hotspots of the caller's centre, as last computed (daily, or on
    request); null when not computed yet."""
    snapshot = service.monthly_hotspots(db, principal, month)
    if snapshot is None:
        return None
    return HotspotsOut(month=snapshot.month, computed_at=snapshot.computed_at, orders=snapshot.orders, hotspots=[
        HotspotOut(rank=i, label=h["label"], title=h.get("title"), terms=h.get("terms") or [], keywords=h["keywords"],
                   place=h.get("place"), count=h["count"],
                   people=h.get("people"), heat=h["heat"], trend=h["trend"], growth=h["growth"], samples=h["samples"],
                   order_numbers=_numbers(db, h["order_ids"])) for i, h in enumerate(snapshot.hotspots, start=1)])


@router.post("/intelligence/hotspots/compute", status_code=202, responses=ERRORS)
def compute_hotspots(principal: CurrentPrincipal, db: Db, body: MonthIn, response: Response) -> dict[str, str]:
    service.request_hotspots(db, principal, body.month)
    response.status_code = 202
    return {"status": "queued", "month": body.month}


def _special_out(db: Db, row: SpecialList) -> SpecialListOut:
    lead = db.get(Unit, row.lead_unit_id)
    return SpecialListOut(id=row.id, title=row.title, month=row.month, lead_unit=lead.name if lead else "",
                          created_at=row.created_at, keywords=row.keywords, place=row.place, heat=row.heat,
                          order_numbers=_numbers(db, row.order_ids), note=row.note)


@router.post("/intelligence/special-lists", response_model=SpecialListOut, status_code=201, responses=ERRORS)
def create_special_list(principal: CurrentPrincipal, db: Db, body: SpecialListIn) -> SpecialListOut:
    """专题专办: hand a hotspot of the month to a lead unit as one list of orders."""
    row = service.create_special_list(db, principal, month=body.month, rank=body.rank,
                                      lead_unit_id=body.lead_unit_id, title=body.title, note=body.note)
    return _special_out(db, row)


@router.get("/intelligence/special-lists", response_model=list[SpecialListOut], responses=ERRORS)
def special_lists(principal: CurrentPrincipal, db: Db) -> list[SpecialListOut]:
    return [_special_out(db, r) for r in service.special_lists(db, principal)]


# --- the hotspot term dictionary ---------------------------------------------------------------

RefPath = Annotated[str, Path(min_length=1, max_length=64)]


def _term_out(principal: Principal, row: HotspotTerm, code: str) -> HotspotTermOut:
    return HotspotTermOut(ref=row.ref, term=row.term, kind=row.kind, kind_name=terms.KIND_NAMES.get(row.kind, row.kind),
                          synonyms=list(row.synonyms or []), active=row.active, region_code=code,
                          editable=principal.can(Cap.manage_org) and in_region(principal.region_code, code),
                          version=row.version, updated_at=row.updated_at)


@router.get("/hotspot-terms", response_model=list[HotspotTermOut], responses=ERRORS)
def list_terms(principal: CurrentPrincipal, db: Db, response: Response,
               q: Annotated[str | None, Query(max_length=50)] = None,
               kind: Annotated[str | None, Query(max_length=16)] = None,
               active: bool | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> list[HotspotTermOut]:
    """The hotspot dictionary of the caller's region (and, read only, of the regions above it)."""
    rows, total = service.list_terms(db, principal, text=q, kind=kind, active=active, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [_term_out(principal, row, code) for row, code in rows]


@router.post("/hotspot-terms", response_model=HotspotTermOut, status_code=201, responses=ERRORS)
def create_term(principal: CurrentPrincipal, db: Db, body: HotspotTermIn) -> HotspotTermOut:
    row, code = service.create_term(db, principal, term=body.term, kind=body.kind, synonyms=body.synonyms,
                                    active=body.active, region_code=body.region_code)
    return _term_out(principal, row, code)


@router.post("/hotspot-terms/import", response_model=TermImportOut, responses=ERRORS)
def import_terms(principal: CurrentPrincipal, db: Db, file: Annotated[UploadFile, File()]) -> TermImportOut:
    """A dictionary file (.xlsx or .tsv: 词条, 类型, 同义词, 启用): all or nothing."""
    data = file.file.read(5 * 1024 * 1024 + 1)
    created, updated = service.import_terms(db, principal, data, file.filename)
    return TermImportOut(created=created, updated=updated)


@router.post("/hotspot-terms/try", response_model=list[TermTokenOut], responses=ERRORS)
def try_terms(principal: CurrentPrincipal, db: Db, body: TermTryIn) -> list[TermTokenOut]:
    """How the hotspot engine cuts a text with the caller's dictionary (terms whole)."""
    return [TermTokenOut(word=w, term=t) for w, t in service.try_terms(db, principal, body.text)]


@router.get("/hotspot-terms/{ref}", response_model=HotspotTermOut, responses=ERRORS)
def get_term(ref: RefPath, principal: CurrentPrincipal, db: Db) -> HotspotTermOut:
    row, code = service.get_term(db, principal, ref)
    return _term_out(principal, row, code)


@router.patch("/hotspot-terms/{ref}", response_model=HotspotTermOut, responses=ERRORS)
def update_term(ref: RefPath, principal: CurrentPrincipal, db: Db, body: HotspotTermPatch) -> HotspotTermOut:
    row, code = service.update_term(db, principal, ref, term=body.term, kind=body.kind, synonyms=body.synonyms,
                                    version=body.version)
    return _term_out(principal, row, code)


@router.post("/hotspot-terms/{ref}/deactivate", response_model=HotspotTermOut, responses=ERRORS)
def deactivate_term(ref: RefPath, principal: CurrentPrincipal, db: Db) -> HotspotTermOut:
    row, code = service.set_term_active(db, principal, ref, False)
    return _term_out(principal, row, code)


@router.post("/hotspot-terms/{ref}/activate", response_model=HotspotTermOut, responses=ERRORS)
def activate_term(ref: RefPath, principal: CurrentPrincipal, db: Db) -> HotspotTermOut:
    row, code = service.set_term_active(db, principal, ref, True)
    return _term_out(principal, row, code)
