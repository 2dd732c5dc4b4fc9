"""JSON API of the direct-dispatch catalogue (直派目录) and the deadline rules (办理时限).

Reading is open to staff who may read the organisation; writing is reserved for the province
administrator. Every invalid field is a 422 naming it (``{"field": ..., "reason": ...}``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hotline.auth import access
from hotline.auth.roles import Cap
from hotline.org.models import UtilityType
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.workorder import catalogue
from hotline.workorder.catalogue import (
    CATEGORY_CODES_MAX,
    HOURS_MAX,
    KEYWORD_MAX,
    KEYWORDS_MAX,
    NAME_MAX,
    WORKING_DAYS_MAX,
)
from hotline.workorder.models import DeadlineRuleRow, DirectDispatchRule, DirectTarget
from hotline.workorder.sla import Urgency

router = routing.router(tags=["catalogue"])
ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"},
    404: {"description": "Not found"}, 422: {"description": "Invalid field (named in the body)"},
}

#: A list item may still hold several keywords separated by 、 or commas.
Keyword = Annotated[str, Field(max_length=KEYWORD_MAX * KEYWORDS_MAX)]
CategoryCode = Annotated[str, Field(max_length=16)]


class DirectRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    category_codes: list[str]
    keywords: list[str]
    target: DirectTarget
    utility_type: UtilityType | None
    active: bool


class DirectRuleIn(BaseModel):
    name: str = Field(max_length=NAME_MAX)
    category_codes: list[CategoryCode] = Field(default_factory=list, max_length=CATEGORY_CODES_MAX)
    keywords: list[Keyword] = Field(default_factory=list, max_length=KEYWORDS_MAX,
                                description="each item trimmed; items may also be separated by , or 、")
    target: DirectTarget
    utility_type: UtilityType | None = Field(default=None, description="required when target is utility")
    active: bool = True


class DirectRulePatch(BaseModel):
    name: str | None = Field(default=None, max_length=NAME_MAX)
    category_codes: list[CategoryCode] | None = Field(default=None, max_length=CATEGORY_CODES_MAX)
    keywords: list[Keyword] | None = Field(default=None, max_length=KEYWORDS_MAX)
    target: DirectTarget | None = None
    utility_type: UtilityType | None = None
    active: bool | None = None


class DeadlineRuleOut(BaseModel):
    id: int
    appeal_type: str | None
    category_prefix: str | None
    urgency: Urgency | None
    working_days: int | None
    hours: int | None
    label: str


class DeadlineRuleIn(BaseModel):
    appeal_type: str | None = Field(default=None, max_length=32, description="None: any appeal type")
    category_prefix: str | None = Field(default=None, max_length=6,
                                        description="None: any category; a code covers its sub-categories")
    urgency: Urgency | None = Field(default=None, description="None: any urgency")
    working_days: int | None = Field(default=None, ge=1, le=WORKING_DAYS_MAX, strict=True)
    hours: int | None = Field(default=None, ge=1, le=HOURS_MAX, strict=True)


class DeadlineRulePatch(DeadlineRuleIn):
    """Only the fields sent change; send ``null`` to make a condition "any" or to switch
    between working days and hours (e.g. ``{"working_days": null, "hours": 24}``)."""


def direct_out(rule: DirectDispatchRule) -> DirectRuleOut:
    return DirectRuleOut.model_validate(rule)


def deadline_out(row: DeadlineRuleRow) -> DeadlineRuleOut:
    return DeadlineRuleOut(id=row.id, appeal_type=row.appeal_type, category_prefix=row.category_prefix,
                           urgency=row.urgency, working_days=row.working_days, hours=row.hours,
                           label=catalogue.rule_of(row).label)


# --- direct-dispatch catalogue -----------------------------------------------------------------


@router.get("/direct-dispatch-rules", response_model=list[DirectRuleOut], responses=ERRORS)
def list_direct_rules(principal: CurrentPrincipal, db: Db, active_only: bool = False) -> list[DirectRuleOut]:
    """The catalogue in the order intake tries it (the first matching active entry wins)."""
    access.require(principal, Cap.view_org)
    return [direct_out(r) for r in catalogue.list_rules(db, active_only=active_only)]


@router.post("/direct-dispatch-rules", response_model=DirectRuleOut, status_code=201, responses=ERRORS)
def create_direct_rule(body: DirectRuleIn, principal: CurrentPrincipal, db: Db) -> DirectRuleOut:
    """Add an entry: at least one category or keyword; a utility target needs ``utility_type``."""
    return direct_out(catalogue.create_rule(db, principal, **body.model_dump()))


@router.get("/direct-dispatch-rules/{rule_id}", response_model=DirectRuleOut, responses=ERRORS)
def get_direct_rule(rule_id: IdPath, principal: CurrentPrincipal, db: Db) -> DirectRuleOut:
    access.require(principal, Cap.view_org)
    return direct_out(catalogue.get_rule(db, rule_id))


@router.patch("/direct-dispatch-rules/{rule_id}", response_model=DirectRuleOut, responses=ERRORS)
def update_direct_rule(rule_id: IdPath, body: DirectRulePatch, principal: CurrentPrincipal, db: Db) -> DirectRuleOut:
    """Change the fields sent; ``{"active": false}`` deactivates the entry."""
    catalogue.require_writer(principal)
    rule = catalogue.get_rule(db, rule_id)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    for key in ("name", "target", "active"):  # null means "unchanged" for these
        if changes.get(key, "") is None:
            del changes[key]
    for key in ("category_codes", "keywords"):  # null empties the list
        if key in changes and changes[key] is None:
            changes[key] = []
    return direct_out(catalogue.update_rule(db, principal, rule, **changes))


# --- deadline rules --------------------------------------------------------------------------


@router.get("/deadline-rules", response_model=list[DeadlineRuleOut], responses=ERRORS)
def list_deadline_rules(principal: CurrentPrincipal, db: Db) -> list[DeadlineRuleOut]:
    """The table of rules. Empty means the built-in defaults apply."""
    access.require(principal, Cap.view_org)
    return [deadline_out(r) for r in catalogue.list_deadline_rules(db)]


@router.post("/deadline-rules", response_model=DeadlineRuleOut, status_code=201, responses=ERRORS)
def create_deadline_rule(body: DeadlineRuleIn, principal: CurrentPrincipal, db: Db) -> DeadlineRuleOut:
    """Add a rule: conditions (null = any) and exactly one of ``working_days`` and ``hours``.
    A non-empty table must keep a catch-all rule (all conditions null)."""
    return deadline_out(catalogue.create_deadline_rule(db, principal, **body.model_dump()))


@router.patch("/deadline-rules/{rule_id}", response_model=DeadlineRuleOut, responses=ERRORS)
def update_deadline_rule(rule_id: IdPath, body: DeadlineRulePatch, principal: CurrentPrincipal,
                         db: Db) -> DeadlineRuleOut:
    catalogue.require_writer(principal)
    row = catalogue.get_deadline_rule(db, rule_id)
    values: dict[str, Any] = {"appeal_type": row.appeal_type, "category_prefix": row.category_prefix,
                              "urgency": row.urgency, "working_days": row.working_days, "hours": row.hours}
    changes = body.model_dump(exclude_unset=True)
    if "working_days" in changes and changes["working_days"] is not None and "hours" not in changes:
        values["hours"] = None  # sending working days alone switches a rule in hours to days
    if "hours" in changes and changes["hours"] is not None and "working_days" not in changes:
        values["working_days"] = None
    values.update(changes)
    return deadline_out(catalogue.update_deadline_rule(db, principal, row, **values))


@router.delete("/deadline-rules/{rule_id}", status_code=204, responses=ERRORS)
def delete_deadline_rule(rule_id: IdPath, principal: CurrentPrincipal, db: Db) -> None:
    catalogue.require_writer(principal)
    catalogue.delete_deadline_rule(db, principal, catalogue.get_deadline_rule(db, rule_id))
