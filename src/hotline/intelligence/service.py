"""Dispatch suggestions learned from the platform's own history (智能派单辅助).

Two models, each trained from closed orders: text → category and text → lead unit (see
``classifier`` for how). A new version is measured on a held-out fifth of its orders before it
is stored; one version of each kind is active, and activating an older one rolls back. At
intake and in the dispatcher's view the active models suggest three categories and three
lead units with their confidence — the units narrowed to those that serve the order's place.
Each dispatch records what was suggested and what the dispatcher chose; the choice (the
order's category and lead unit) is what the next training learns from."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.auth.roles import region_prefix as in_region_prefix
from hotline.citizen import repository as citizen_repository
from hotline.citizen import service as citizen_service
from hotline.intelligence import classifier, duplicates, hotspots, places, repository
from hotline.intelligence.models import (
    DispatchFeedback,
    HotspotSnapshot,
    ModelKind,
    ModelStatus,
    ModelVersion,
    PlaceKind,
    PlaceName,
    SpecialList,
)
from hotline.intelligence.term_dictionary import (  # re-exported: one public import path
    MAX_IMPORT_ROWS,
    MAX_SYNONYMS,
    TERM_CHARS,
    create_term,
    dictionary_for,
    get_term,
    import_terms,
    list_terms,
    read_xlsx,
    set_term_active,
    try_terms,
    update_term,
)
from hotline.kit import cache, clock, jobs, validate
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import Category, Region, Unit, UnitKind
from hotline.workorder.models import WorkOrder

log = logging.getLogger(__name__)

#: The background job that trains a version on an administrator's request (see ``tasks``).
TRAIN_JOB = "intelligence.train"
#: The background job that computes a month's hotspots of a centre (see ``tasks``).
HOTSPOT_JOB = "intelligence.hotspots"

#: A label needs this many closed orders to be learned (fewer teach noise).
MIN_EXAMPLES_PER_LABEL = 5
#: And a model this many orders in all.
MIN_EXAMPLES = 30
#: Training reads at most the latest this many closed orders.
TRAINING_LIMIT = 60_000
#: A scheduled retraining replaces the active version only if it scores at least this close
#: to it (macro F1 on their own held-out orders); otherwise it waits as a standby version.
RETRAIN_TOLERANCE = 0.01


def _event(session: Session, actor: Principal | None, version: ModelVersion, name: str, **detail: object) -> None:
    audit.record(session, actor, f"model_version.{name}", object_type="model_version", object_id=version.id,
                 detail={"kind": version.kind.value, "number": version.number, **detail},
                 actor_name=None if actor else "system")


# --- training and versions -------------------------------------------------------------------


def require_manager(actor: Principal) -> None:
    """The models serve the whole province: a province-wide administrator manages them."""
    access.require(actor, Cap.manage_models)
    if not actor.is_province_wide:
        raise Forbidden("模型由省级管理员统一训练和启用")


@dataclass
class Fitted:
    """A model trained away from the database, with what its version row records."""

    model: classifier.Model
    metrics: dict[str, float]
    examples: int
    labels: int


def training_set(session: Session, kind: ModelKind, limit: int = TRAINING_LIMIT) -> tuple[list[str], list[str]]:
    """The texts and labels of the latest closed orders that a model learns from: labels with
    too few orders left out. Conflict when too little is left."""
    examples = repository.training_examples(session, kind, limit)
    counts: dict[str, int] = {}
    for _, label in examples:
        counts[label] = counts.get(label, 0) + 1
    examples = [(t, label) for t, label in examples if counts[label] >= MIN_EXAMPLES_PER_LABEL]
    labels = {label for _, label in examples}
    if len(examples) < MIN_EXAMPLES or len(labels) < 2:
        raise Conflict(f"已办结工单不足：至少需要 {MIN_EXAMPLES} 件、两个以上类别（每类至少 "
                       f"{MIN_EXAMPLES_PER_LABEL} 件），现有 {len(examples)} 件、{len(labels)} 类")
    return [t for t, _ in examples], [label for _, label in examples]


def fit(texts: list[str], labels: list[str]) -> Fitted:
    """Measure a model on a held-out fifth, then fit it on everything (no database: the
    background job runs this outside any transaction, for it may take minutes)."""
    train_idx, test_idx = classifier.split(labels)
    trial = classifier.train([texts[i] for i in train_idx], [labels[i] for i in train_idx], calibrate=False)
    metrics = classifier.evaluate(trial, [texts[i] for i in test_idx], [labels[i] for i in test_idx])
    metrics["test_examples"] = len(test_idx)
    return Fitted(classifier.train(texts, labels), metrics, len(texts), len(set(labels)))


def store(session: Session, actor: Principal | None, kind: ModelKind, fitted: Fitted, *,
          activate: bool | None = True, requested_by: int | None = None) -> ModelVersion:
    """Store a fitted model as the kind's next version. ``activate``: True makes it the active
    version, None (scheduled retraining) only when it scores about as well as the active one."""
    metrics = fitted.metrics
    version = ModelVersion(kind=kind, number=repository.next_number(session, kind), status=ModelStatus.standby,
                           trained_at=clock.now(), trained_by_id=actor.user_id if actor else requested_by,
                           examples=fitted.examples, labels=fitted.labels, metrics=metrics,
                           artifact=fitted.model.to_bytes())
    session.add(version)
    session.flush()
    _event(session, actor, version, "trained", examples=fitted.examples, labels=fitted.labels, **metrics)
    current = repository.active(session, kind)
    if activate is None:
        activate = current is None or (metrics["macro_f1"] >= float(current.metrics.get("macro_f1", 0))
                                       - RETRAIN_TOLERANCE)
    if activate:
        _activate(session, actor, version)
    return version


def train(session: Session, actor: Principal | None, kind: ModelKind, *, limit: int = TRAINING_LIMIT,
          activate: bool | None = True, requested_by: int | None = None) -> ModelVersion:
    """Train a new version from the latest closed orders in one go (the session's transaction
    stays open throughout: for small histories; the background job and ``hotline model train``
    read, fit and store in separate steps)."""
    if actor is not None:
        require_manager(actor)
    return store(session, actor, kind, fit(*training_set(session, kind, limit)), activate=activate,
                 requested_by=requested_by)


def _activate(session: Session, actor: Principal | None, version: ModelVersion) -> None:
    previous = repository.active(session, version.kind)
    repository.retire_active(session, version.kind)
    version.status, version.activated_at = ModelStatus.active, clock.now()
    session.flush()
    _event(session, actor, version, "activated", previous=previous.number if previous else None)


def activate(session: Session, actor: Principal | None, version_id: int) -> ModelVersion:
    """Make a stored version the active one of its kind (an older one: the roll-back).
    ``actor`` None: the operator at the server's command line."""
    if actor is not None:
        require_manager(actor)
    version = session.get(ModelVersion, version_id)
    if version is None:
        raise NotFound("模型版本不存在")
    if version.status == ModelStatus.active:
        raise Conflict("该版本已在使用中")
    _activate(session, actor, version)
    return version


def rollback(session: Session, actor: Principal | None, kind: ModelKind) -> ModelVersion:
    """Go back to the version that was active before the current one (the newest older one)."""
    if actor is not None:
        require_manager(actor)
    current = repository.active(session, kind)
    older = [v for v in repository.versions(session, kind, limit=500) if current is None or v.id < current.id]
    if not older:
        raise Conflict("没有可回滚的更早版本")
    _activate(session, actor, older[0])
    return older[0]


def request_training(session: Session, actor: Principal, kind: ModelKind, *, activate: bool = True) -> None:
    """Training takes a minute or more on a long history: a background job does it."""
    require_manager(actor)
    jobs.enqueue(session, TRAIN_JOB, {"kind": kind.value, "activate": activate, "requested_by": actor.user_id})
    audit.record(session, actor, "model_version.train_requested", object_type="model_version",
                 detail={"kind": kind.value, "activate": activate})


def pending_training(session: Session) -> set[ModelKind]:
    """The kinds with a training job still waiting for the worker."""
    return repository.pending_training_kinds(session, TRAIN_JOB)


def versions(session: Session, actor: Principal, kind: ModelKind | None = None) -> list[ModelVersion]:
    require_manager(actor)
    return repository.versions(session, kind)


def feedback_rates(session: Session, versions: list[ModelVersion]) -> dict[int, dict[str, float]]:
    return repository.feedback_rates(session, [v.id for v in versions])


# --- the active models, per process ----------------------------------------------------------

_LOADED: dict[ModelKind, tuple[int, classifier.Model]] = {}
_LOCK = threading.Lock()


def active_model(session: Session, kind: ModelKind) -> tuple[int, classifier.Model] | None:
    """The active version of ``kind`` (loaded once per process, again when another version
    becomes active)."""
    version_id = repository.active_id(session, kind)
    if version_id is None:
        return None
    loaded = _LOADED.get(kind)
    if loaded is not None and loaded[0] == version_id:
        return loaded
    with _LOCK:
        loaded = _LOADED.get(kind)
        if loaded is not None and loaded[0] == version_id:
            return loaded
        version = repository.with_artifact(session, version_id)
        if version is None:
            return None
        loaded = (version_id, classifier.Model.from_bytes(version.artifact))
        _LOADED[kind] = loaded
        return loaded


def forget_models() -> None:
    """Tests roll the database back under the cache's feet; production never does."""
    with _LOCK:
        _LOADED.clear()


# --- suggestions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySuggestion:
    category: Category
    confidence: float
    path: str  # the category's place in the tree: 城乡建设 / 市政设施 / 道路


@dataclass(frozen=True)
class UnitSuggestion:
    unit: Unit
    confidence: float


@dataclass(frozen=True)
class Suggestions:
    categories: list[CategorySuggestion]
    units: list[UnitSuggestion]
    category_model_id: int | None
    unit_model_id: int | None


def _path(category: Category) -> str:
    names = []
    node: Category | None = category
    while node is not None:
        names.append(node.name)
        node = node.parent
    return " / ".join(reversed(names))


#: Units looked at before narrowing them to the place (a unit elsewhere is never suggested).
UNIT_POOL = 40


def _serves(unit: Unit, region: Region | None) -> bool:
    """A unit serves an order's place when its region is that place, above it or below it."""
    return region is None or in_region(unit.region.code, region.code) or in_region(region.code, unit.region.code)


def suggest(session: Session, text: str, *, region: Region | None = None, top: int = 3) -> Suggestions:
    """Categories and lead units for an appeal's text, most likely first, from the active
    models; empty lists when no model is active yet."""
    text = (text or "").strip()
    categories: list[CategorySuggestion] = []
    units: list[UnitSuggestion] = []
    category_model = active_model(session, ModelKind.category)
    unit_model = active_model(session, ModelKind.lead_unit)
    if text and category_model is not None:
        predicted = category_model[1].predict([text], top=top)[0]
        known = repository.categories_by_code(session, (p.label for p in predicted))
        categories = [CategorySuggestion(known[p.label], p.confidence, _path(known[p.label])) for p in predicted
                      if p.label in known and known[p.label].active]
    if text and unit_model is not None:
        pool = unit_model[1].predict([text], top=UNIT_POOL)[0]
        by_id = repository.units_by_id(session, (int(p.label) for p in pool))
        kept = [(by_id[int(p.label)], p.confidence) for p in pool
                if int(p.label) in by_id and by_id[int(p.label)].active and _serves(by_id[int(p.label)], region)]
        total = sum(c for _, c in kept) or 1.0
        units = [UnitSuggestion(u, round(c / total, 4)) for u, c in kept[:top]]
    return Suggestions(categories=categories, units=units,
                       category_model_id=category_model[0] if category_model else None,
                       unit_model_id=unit_model[0] if unit_model else None)


#: A lead unit the model suggests with at least this confidence is preselected on the dispatch
#: form (the dispatcher may choose another); below it the form keeps its rule-based default.
CONFIDENT = 0.6


@dataclass(frozen=True)
class DispatchDefaults:
    """What the dispatch form starts from: the category — the order's own, else the top
    suggestion — with the top suggestion to show beside it, and the lead unit to preselect:
    the top suggested unit the form offers, when the model is at least ``CONFIDENT``."""

    category_code: str | None
    category: CategorySuggestion | None
    unit: UnitSuggestion | None


def dispatch_defaults(session: Session, order: WorkOrder, offered: Collection[int]) -> DispatchDefaults:
    """The dispatch form's defaults for ``order``; ``offered``: the ids of the units the form
    lists. Without an active model: the order's category and no unit."""
    found = suggest(session, f"{order.title} {order.content}", region=order.region or order.centre_unit.region)
    top_category = found.categories[0] if found.categories else None
    code = order.category.code if order.category else (top_category.category.code if top_category else None)
    top_unit = next((s for s in found.units if s.unit.id in offered), None)
    return DispatchDefaults(category_code=code, category=top_category,
                            unit=top_unit if top_unit is not None and top_unit.confidence >= CONFIDENT else None)


def record_dispatch(session: Session, order: WorkOrder) -> DispatchFeedback | None:
    """What the active models would have suggested for this order, and what the dispatcher
    chose (its category and lead unit now). Nothing when no model is active."""
    # the place the dispatcher's suggestions were narrowed to: the order's, else its centre's
    found = suggest(session, f"{order.title} {order.content}", region=order.region or order.centre_unit.region)
    if found.category_model_id is None and found.unit_model_id is None:
        return None
    chosen_category = order.category.code if order.category else None
    category_labels = [s.category.code for s in found.categories]
    unit_ids = [s.unit.id for s in found.units]
    row = DispatchFeedback(
        work_order_id=order.id, decided_at=clock.now(), category_model_id=found.category_model_id,
        unit_model_id=found.unit_model_id,
        suggested_categories=[[s.category.code, s.confidence] for s in found.categories],
        suggested_units=[[s.unit.id, s.confidence] for s in found.units], chosen_category=chosen_category,
        chosen_unit_id=order.lead_unit_id,
        category_rank=(category_labels.index(chosen_category) + 1 if chosen_category in category_labels else 0)
        if found.category_model_id else None,
        unit_rank=(unit_ids.index(order.lead_unit_id) + 1 if order.lead_unit_id in unit_ids else 0)
        if found.unit_model_id else None)
    session.add(row)
    return row


# --- where an appeal is about ----------------------------------------------------------------

cache.watch(PlaceName)  # and Region, watched by the organisation's repository
_GAZETTEER = cache.reference_cache(ttl_seconds=300, max_entries=1)


def _gazetteer(session: Session) -> places.Gazetteer:
    return _GAZETTEER.get_or_load("all", lambda: places.build(repository.region_names(session),
                                                               repository.place_names(session)))


@dataclass(frozen=True)
class Place:
    """Where an appeal is about: the region, the names that were read (to show the agent),
    other regions that fit as well (ambiguous), and the territorial units that answer for it
    (the governments of the region and above it, nearest first)."""

    region: Region
    path: str
    matched: list[str]
    ambiguous: bool
    alternatives: list[Region]
    units: list[Unit]


def region_path(session: Session, region: Region) -> str:
    return " / ".join(r.name for r in reversed(org_repository.region_chain(session, region)))


def locate(session: Session, text: str, address: str | None = None, *, within: Region | None = None,
           units: int = 2) -> Place | None:
    """The place an appeal's text and address name, or None when they name none that the
    region tree or the registered place names know. ``within``: the region the hotline centre
    serves (a tie goes to a place inside it)."""
    found = places.locate(_gazetteer(session), (text or "")[:5000], (address or "")[:300],
                          within=within.code if within else None)
    if found is None:
        return None
    regions = repository.regions_by_code(session, [found.region_code, *found.alternatives])
    region = regions.get(found.region_code)
    if region is None:
        return None
    territorial: list[Unit] = []
    for place in org_repository.region_chain(session, region):
        territorial += org_repository.units_in_region(session, place.id, UnitKind.government)
        if len(territorial) >= units:
            break
    return Place(region=region, path=region_path(session, region),
                 matched=list(dict.fromkeys(m.text for m in found.matches)), ambiguous=found.ambiguous,
                 alternatives=[regions[c] for c in found.alternatives if c in regions], units=territorial[:units])


def add_place(session: Session, actor: Principal, *, name: str, region_code: str, kind: PlaceKind) -> PlaceName:
    """Register a street, community or landmark in a region of the actor's administration."""
    code = validate.region_code(region_code, "region_code")
    access.require(actor, Cap.manage_org)
    if not in_region(actor.region_code, code):
        raise Forbidden("只能登记本级及下级区划内的地名")
    region = org_repository.region_by_code(session, code)
    if region is None:
        raise InvalidInput("region_code", "区划不存在")
    text = (validate.text(name, "name", max_length=50) or "").replace(" ", "")
    if len(text) < places.MIN_SHORT:
        raise InvalidInput("name", "地名至少两个字")
    if repository.place_by_name(session, text, region.id) is not None:
        raise Conflict("该区划下已有同名地名")
    row = PlaceName(name=text, region_id=region.id, kind=kind, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor, "place_name.created", object_type="place_name", object_id=row.id,
                 detail={"name": text, "region_code": code, "kind": kind.value})
    return row


def remove_place(session: Session, actor: Principal, place_id: int) -> None:
    access.require(actor, Cap.manage_org)
    row = session.get(PlaceName, place_id)
    region = session.get(Region, row.region_id) if row is not None else None
    if row is None or region is None or not in_region(actor.region_code, region.code):
        raise NotFound("地名不存在")
    audit.record(session, actor, "place_name.deleted", object_type="place_name", object_id=row.id,
                 detail={"name": row.name, "region_code": region.code})
    session.delete(row)
    session.flush()


def list_places(session: Session, actor: Principal, *, text: str | None = None, limit: int = 50,
                offset: int = 0) -> tuple[list[PlaceName], int]:
    access.require(actor, Cap.view_org)
    return repository.places(session, region_prefix=actor.region_prefix, text=text, limit=limit, offset=offset)




from hotline.intelligence.early_warning import (  # noqa: E402 - one public import path
    EMERGENCY_LOOKBACK,
    acknowledge_warning,
    scan_warnings,
    warnings,
)

__all__ = ["EMERGENCY_LOOKBACK", "MAX_IMPORT_ROWS", "MAX_SYNONYMS", "TERM_CHARS", "acknowledge_warning",
           "create_term", "dictionary_for", "get_term", "import_terms", "list_terms", "read_xlsx", "scan_warnings",
           "set_term_active", "try_terms", "update_term", "warnings"]

# --- duplicates ----------------------------------------------------------------------------------

#: How far back a duplicate is looked for.
DUPLICATE_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class Duplicate:
    id: int
    number: str
    title: str
    status: str
    registered_at: dt.datetime
    merged_into_id: int | None
    score: float
    reasons: tuple[str, ...]


def find_duplicates(session: Session, actor: Principal, *, title: str, content: str, phone: str | None = None,
                    citizen_id: int | None = None, region: Region | None = None, category: Category | None = None,
                    address: str | None = None, exclude_id: int | None = None, now: dt.datetime | None = None,
                    limit: int = 5) -> list[Duplicate]:
    """Orders registered in the last ``DUPLICATE_WINDOW`` that are likely the same appeal:
    the same caller or the same place (the place's orders of the same category first), with a
    similar text (see ``duplicates``) — among the orders ``actor`` may see."""
    if citizen_id is None and phone:
        found = citizen_repository.by_phone_hash(session, citizen_service.phone_hash(validate.phone(phone)))
        citizen_id = found[0].id if found else None
    now = now or clock.now()
    rows = repository.duplicate_candidates(session, citizen_id=citizen_id, region_id=region.id if region else None,
                                           category_id=category.id if category else None,
                                           since=now - DUPLICATE_WINDOW, exclude_id=exclude_id,
                                           chars=duplicates.TEXT_CHARS, scope=_order_scope(session, actor))
    candidates = [duplicates.Candidate(id=r[0], text=f"{r[1]} {r[2] or ''}", citizen_id=r[3], region_code=r[4],
                                       address=r[5], registered_at=r[6]) for r in rows]
    probe = duplicates.Probe(text=f"{title} {content}", citizen_id=citizen_id,
                             region_code=region.code if region else None, address=address)
    likely = duplicates.rank(probe, candidates, limit=limit)
    orders = repository.order_briefs(session, [x.id for x in likely])
    return [Duplicate(id=x.id, number=orders[x.id][0], title=orders[x.id][1], status=orders[x.id][2],
                      registered_at=orders[x.id][3], merged_into_id=orders[x.id][4], score=x.score, reasons=x.reasons)
            for x in likely if x.id in orders]


@dataclass(frozen=True)
class DuplicateProbe:
    """An appeal about to be registered, as :func:`likely_duplicates` reads it."""

    title: str
    content: str
    region: Region | None = None
    category: Category | None = None
    address: str | None = None


class DuplicateLookup:
    """Duplicate lookup for many appeals arriving in batches (a board import): the rule of
    :func:`find_duplicates` — orders of the same place registered in the last
    ``DUPLICATE_WINDOW`` with a similar text, among the orders ``actor`` may see — with each
    place's recent orders read once (its ``BATCH_CANDIDATES`` newest, whatever their
    category) and kept for the following batches, and the appeals of the run about the same
    place as candidates too (:meth:`settle` gives them their orders once written) — except
    those found to repeat another, which stands for both. An order
    another channel registers while a run goes on is seen by the next run."""

    def __init__(self, actor: Principal, now: dt.datetime | None = None) -> None:
        self.actor, self.now = actor, now or clock.now()
        self.pools: dict[int, duplicates.Pool] = {}
        self.pending: list[int] = []  # provisional ids given to the last batch's appeals

    def find(self, session: Session, probes: Sequence[DuplicateProbe]) -> list[Duplicate | int | None]:
        """The most likely duplicate of each probe: an existing order (:class:`Duplicate`), the
        position of an earlier probe of the same batch (``int``), or None. A probe without a
        place has none (no caller to match either)."""
        scope = _order_scope(session, self.actor)
        out: list[duplicates.Likely | int | None] = []
        if self.pending:  # the last batch was not written: its appeals are no candidates
            self.pools.clear()
        base = -1  # provisional ids of this batch's appeals: -1 - position
        for i, probe in enumerate(probes):
            self.pending.append(base - i)
            if probe.region is None:
                out.append(None)
                continue
            pool = self.pools.get(probe.region.id)
            if pool is None:
                rows = repository.duplicate_candidates(
                    session, citizen_id=None, region_id=probe.region.id, category_id=None,
                    since=self.now - DUPLICATE_WINDOW, exclude_id=None, chars=duplicates.TEXT_CHARS, scope=scope,
                    place_limit=BATCH_CANDIDATES)
                pool = self.pools[probe.region.id] = duplicates.Pool(
                    duplicates.Candidate(id=r[0], text=f"{r[1]} {r[2] or ''}", citizen_id=r[3], region_code=r[4],
                                         address=r[5], registered_at=r[6]) for r in rows)
            text = f"{probe.title} {probe.content}"
            mine = duplicates.shingles(text)
            likely = pool.rank(duplicates.Probe(text=text, region_code=probe.region.code, address=probe.address),
                               limit=1, mine=mine)
            if not likely:  # a repeat is no candidate itself: what it repeats stands for both
                pool.add(duplicates.Candidate(id=base - i, text=text, citizen_id=None, region_code=probe.region.code,
                                              address=probe.address, registered_at=self.now), mine)
            if not likely:
                out.append(None)
            elif likely[0].id < 0:
                out.append(base - likely[0].id)
            else:
                out.append(likely[0])  # an order: its brief is read below, for all at once
        found = [x for x in out if isinstance(x, duplicates.Likely)]
        briefs: dict[int, tuple[Any, ...]] = {}
        ids = sorted({x.id for x in found})
        for start in range(0, len(ids), 900):
            briefs.update(repository.order_briefs(session, ids[start:start + 900]))
        return [x if not isinstance(x, duplicates.Likely) else
                Duplicate(id=x.id, number=briefs[x.id][0], title=briefs[x.id][1], status=briefs[x.id][2],
                          registered_at=briefs[x.id][3], merged_into_id=briefs[x.id][4], score=x.score,
                          reasons=x.reasons) if x.id in briefs else None for x in out]

    def settle(self, order_ids: Sequence[int | None]) -> None:
        """The orders the last batch's probes became (None: not written), in order: later
        batches find them as orders."""
        ids = {p: o for p, o in zip(self.pending, order_ids, strict=True) if o is not None}
        for pool in self.pools.values():
            pool.rename(ids)
        self.pending = []


def likely_duplicates(session: Session, actor: Principal, probes: Sequence[DuplicateProbe], *,
                      now: dt.datetime | None = None) -> list[Duplicate | int | None]:
    """The most likely duplicate of each of a batch of appeals (see :class:`DuplicateLookup`)."""
    return DuplicateLookup(actor, now).find(session, probes)


#: How many of a place's newest orders a batch lookup reads (the single lookup reads the
#: place's 150 newest of the category and its 60 newest).
BATCH_CANDIDATES = 150


def suggest_categories(session: Session, texts: Sequence[str], *, confident: float = 0.0
                       ) -> list[CategorySuggestion | None]:
    """The likeliest category of each of many texts (one call of the active model for them
    all), when at least ``confident``; None for each without an active model."""
    model = active_model(session, ModelKind.category)
    if model is None or not texts:
        return [None] * len(texts)
    predicted = model[1].predict([(t or "").strip() or "-" for t in texts], top=1)
    known = repository.categories_by_code(session, (p[0].label for p in predicted if p))
    out: list[CategorySuggestion | None] = []
    for p in predicted:
        category = known.get(p[0].label) if p else None
        if category is None or not category.active or p[0].confidence < confident:
            out.append(None)
        else:
            out.append(CategorySuggestion(category, p[0].confidence, _path(category)))
    return out


def locate_regions(session: Session, texts: Sequence[str], *, within: Region | None = None) -> list[Region | None]:
    """The region each of many texts names, as :func:`locate` reads it, when it names one
    place without doubt (an ambiguous or unknown place: None, the centre places it)."""
    gazetteer = _gazetteer(session)
    found = [places.locate(gazetteer, (t or "")[:5000], "", within=within.code if within else None) for t in texts]
    regions = repository.regions_by_code(session, [f.region_code for f in found if f is not None and not f.ambiguous])
    return [regions.get(f.region_code) if f is not None and not f.ambiguous else None for f in found]


def merged_numbers(session: Session, order: WorkOrder) -> list[str]:
    """The numbers of the orders merged into this one and waiting on it."""
    from hotline.workorder import repository as workorder_repository

    return workorder_repository.merged_numbers(session, order.id)


def _order_scope(session: Session, actor: Principal) -> Callable[[Select[Any]], Select[Any]]:
    """The orders ``actor`` may see, as a filter. For centre staff — the usual caller — the
    same rule as ``access.order_scope`` (orders owned by a centre in their region) as a short
    list of centre ids: the lookup then reads only the place's own orders."""
    if actor.role in access.CENTRE_ROLES and actor.can(Cap.view_orders):
        centres = repository.centre_ids(session, actor.region_prefix)
        return lambda stmt: stmt.where(WorkOrder.centre_unit_id.in_(centres))
    return lambda stmt: access.order_scope(actor, stmt)


def duplicates_of(session: Session, actor: Principal, order: WorkOrder) -> list[Duplicate]:
    """Likely duplicates of a registered order (for the dispatcher, before merging)."""
    return find_duplicates(session, actor, title=order.title, content=order.content, citizen_id=order.citizen_id,
                           region=order.region, category=order.category, address=order.address,
                           exclude_id=order.id)


# --- monthly hotspots and 专题专办 lists ------------------------------------------------------------

#: A month's orders read for its hotspots at most (the latest, when there are more).
HOTSPOT_ORDERS = 60_000
TOP_HOTSPOTS = 10


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        first = dt.datetime.strptime(month + "-01", "%Y-%m-%d").replace(tzinfo=clock.CST)
    except ValueError:
        raise InvalidInput("month", "月份格式应为 YYYY-MM") from None
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt


def hotspot_appeals(session: Session, centre: Unit, month: str) -> list[hotspots.Appeal]:
    """The month's orders of the centre's region, as the hotspot engine reads them."""
    start, end = _month_bounds(month)
    region = session.get(Region, centre.region_id)
    assert region is not None
    rows = repository.orders_for_hotspots(session, region_prefix=in_region_prefix(region.code), start=start, end=end,
                                          limit=HOTSPOT_ORDERS)
    return [hotspots.Appeal(id=str(r[0]), title=r[1], text=r[2], time=r[3], person=str(r[4]) if r[4] else None,
                            place=None) for r in rows]


def store_hotspots(session: Session, centre_id: int, month: str, found: list[hotspots.Hotspot],
                   orders: int) -> HotspotSnapshot:
    """Store the month's hotspots of a centre, replacing its last computation."""
    payload = [{"label": h.label, "title": h.title, "terms": h.terms, "keywords": h.keywords,
                "place": h.place, "count": h.count, "people": h.people,
                "heat": h.heat, "trend": h.trend, "growth": h.growth, "samples": h.samples,
                "first": h.first.isoformat() if h.first else None, "last": h.last.isoformat() if h.last else None,
                "order_ids": [int(i) for i in h.member_ids]} for h in found]
    snapshot = repository.hotspot_snapshot(session, centre_id, month)
    if snapshot is None:
        snapshot = HotspotSnapshot(centre_unit_id=centre_id, month=month)
        session.add(snapshot)
    snapshot.computed_at, snapshot.orders, snapshot.hotspots = clock.now(), orders, payload
    session.flush()
    return snapshot


def compute_hotspots(session: Session, centre: Unit, month: str) -> HotspotSnapshot:
    """The month's top hotspots among the orders of the centre's region, in one go (the
    background job reads, clusters and stores in separate steps)."""
    appeals = hotspot_appeals(session, centre, month)
    dictionary = dictionary_for(session, centre.region.code, fresh=True)
    return store_hotspots(session, centre.id, month, hotspots.find(appeals, top=TOP_HOTSPOTS, dictionary=dictionary),
                          len(appeals))


def monthly_hotspots(session: Session, actor: Principal, month: str) -> HotspotSnapshot | None:
    """The month's hotspots of the actor's centre as last computed (None: not computed yet)."""
    _month_bounds(month)
    if not actor.can(Cap.dispatch):
        raise Forbidden("您的角色无权查看热点")
    return repository.hotspot_snapshot(session, actor.unit_id, month)


def request_hotspots(session: Session, actor: Principal, month: str) -> None:
    """Compute the month's hotspots in the background (a month of a city takes seconds)."""
    _month_bounds(month)
    if not actor.can(Cap.dispatch):
        raise Forbidden("您的角色无权计算热点")
    jobs.enqueue(session, HOTSPOT_JOB, {"centre_unit_id": actor.unit_id, "month": month})
    audit.record(session, actor, "hotspot_snapshot.requested", object_type="unit", object_id=actor.unit_id,
                 detail={"month": month})


def create_special_list(session: Session, actor: Principal, *, month: str, rank: int, lead_unit_id: int,
                        title: str | None = None, note: str | None = None) -> SpecialList:
    """专题专办: hand the ``rank``-th hotspot of the month (1 = hottest) to a lead unit as one
    list of orders; the unit is texted."""
    if actor.role != Role.centre_supervisor:
        raise Forbidden("只有热线中心值班长可以建立专题专办清单")
    snapshot = repository.hotspot_snapshot(session, actor.unit_id, month)
    if snapshot is None or not 1 <= rank <= len(snapshot.hotspots):
        raise NotFound("该月份没有这个热点")
    hotspot = snapshot.hotspots[rank - 1]
    lead = session.get(Unit, lead_unit_id)
    if lead is None or not lead.active or not (in_region(actor.region_code, lead.region.code)
                                               or in_region(lead.region.code, actor.region_code)):
        raise InvalidInput("lead_unit_id", "牵头单位不存在，或既不在本辖区也不是上级单位")
    name = validate.text(title, "title", max_length=100, required=False) or f"专题专办：{hotspot['label']}"[:100]
    row = SpecialList(title=name, month=month, centre_unit_id=actor.unit_id, lead_unit_id=lead.id,
                      created_by_id=actor.user_id, created_at=clock.now(), keywords=list(hotspot["keywords"]),
                      place=hotspot.get("place"), heat=float(hotspot["heat"]), order_ids=list(hotspot["order_ids"]),
                      note=validate.text(note, "note", max_length=500, required=False))
    session.add(row)
    session.flush()
    audit.record(session, actor, "special_list.created", object_type="special_list", object_id=row.id,
                 detail={"title": name, "lead_unit": lead.name, "orders": len(row.order_ids)})
    notify.notify_unit(session, template="unit_special_list", phone=lead.contact_phone,
                       body=notify.render("unit_special_list", title=name, count=len(row.order_ids)),
                       unit_id=lead.id)
    return row


def special_lists(session: Session, actor: Principal) -> list[SpecialList]:
    """The lists of the actor's centre, or those led by the actor's unit."""
    access.require(actor, Cap.view_orders)
    return repository.special_lists(session, unit_id=actor.unit_id)
