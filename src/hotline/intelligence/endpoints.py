"""JSON API of the dispatch suggestions: suggestions for an appeal's text, and the model
versions (list, train, activate, roll back)."""

from __future__ import annotations

from fastapi import Response

from hotline.auth.roles import Cap
from hotline.intelligence import service
from hotline.intelligence.models import MODEL_KIND_NAMES, ModelKind, ModelVersion
from hotline.intelligence.schemas import (
    CategorySuggestionOut,
    ModelVersionOut,
    RollbackIn,
    SuggestIn,
    SuggestionsOut,
    TrainIn,
    UnitSuggestionOut,
)
from hotline.kit import validate
from hotline.kit.errors import Forbidden, InvalidInput
from hotline.org import repository as org_repository
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath

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
