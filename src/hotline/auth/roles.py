"""Pure rules: what each role may do, and which personal data it sees unmasked."""

from __future__ import annotations

import enum

from hotline.auth.models import Role
from hotline.org.models import CENTRE_KINDS, HANDLING_KINDS, UnitKind


class Cap(enum.StrEnum):
    view_org = "view_org"  # read regions, units, categories, channels, appeal types
    manage_org = "manage_org"  # regions and units inside the admin's region
    manage_reference = "manage_reference"  # category tree, channels, appeal types (province admin)
    manage_users = "manage_users"  # any account in the admin's region
    manage_unit_users = "manage_unit_users"  # handler accounts of one's own unit
    view_citizens = "view_citizens"
    edit_citizens = "edit_citizens"
    view_audit = "view_audit"
    intake = "intake"  # register appeals as work orders
    dispatch = "dispatch"  # dispatch, transfer, decide returns, extensions, coordination, review replies
    callback = "callback"  # call citizens back and record their verdict
    handle = "handle"  # a handling unit's work: sign for, reply, return, ask for an extension
    view_orders = "view_orders"  # read work orders in scope
    edit_knowledge = "edit_knowledge"  # write knowledge items of one's own unit, register its policy documents
    review_knowledge = "review_knowledge"  # approve, reject, publish and withdraw items; emergency collections
    manage_models = "manage_models"  # train, activate and roll back the dispatch-suggestion models
    report_calls = "report_calls"  # a PBX/ACD reporting call events (the CTI service account)
    view_calls = "view_calls"  # calls, seats, the wallboard and call statistics of one's region
    manage_telephony = "manage_telephony"  # queues, seats, CTI keys, the quality checklist
    inspect_quality = "inspect_quality"  # sample and score agents' calls and orders (质检)
    manage_integrations = "manage_integrations"  # push subscriptions and their delivery logs
    manage_merchants = "manage_merchants"  # the service-merchant register: review, evaluation, adjustment
    manage_disclosure = "manage_disclosure"  # publish monthly figures; choose, edit, review and withdraw typical cases
    view_reports = "view_reports"  # read and download the issued analysis reports of one's region
    issue_reports = "issue_reports"  # draft, edit, issue and discard analysis reports of one's region
    spot_check = "spot_check"  # draw spot checks of orders in scope, require corrections, issue rectification lists


_CENTRE = {Cap.view_org, Cap.view_citizens, Cap.view_orders, Cap.view_calls}
ROLE_CAPS: dict[Role, frozenset[Cap]] = {
    Role.agent: frozenset(_CENTRE | {Cap.edit_citizens, Cap.intake, Cap.callback}),
    Role.dispatcher: frozenset(_CENTRE | {Cap.intake, Cap.dispatch, Cap.view_reports}),
    Role.centre_supervisor: frozenset(_CENTRE | {Cap.edit_citizens, Cap.intake, Cap.dispatch, Cap.callback,
                                                 Cap.edit_knowledge, Cap.review_knowledge, Cap.inspect_quality,
                                                 Cap.manage_merchants, Cap.manage_disclosure, Cap.view_reports,
                                                 Cap.issue_reports, Cap.spot_check}),
    Role.unit_handler: frozenset({Cap.view_org, Cap.view_orders, Cap.handle, Cap.edit_knowledge}),
    Role.unit_manager: frozenset({Cap.view_org, Cap.view_orders, Cap.handle, Cap.manage_unit_users,
                                  Cap.edit_knowledge}),
    Role.sector_viewer: frozenset({Cap.view_org, Cap.view_orders, Cap.spot_check}),
    Role.admin: frozenset({Cap.view_org, Cap.manage_org, Cap.manage_reference, Cap.manage_users, Cap.manage_models,
                           Cap.view_calls, Cap.manage_telephony, Cap.manage_integrations,
                           Cap.manage_merchants}),
    Role.auditor: frozenset({Cap.view_org, Cap.view_audit}),
    Role.integration: frozenset({Cap.view_org, Cap.intake, Cap.view_orders}),
    Role.cti: frozenset({Cap.report_calls}),
    # the centre's knowledge-base staff: the knowledge base and nothing of the orders' work
    Role.knowledge_editor: frozenset({Cap.view_org, Cap.edit_knowledge}),
    Role.knowledge_reviewer: frozenset({Cap.view_org, Cap.edit_knowledge, Cap.review_knowledge}),
}

#: Roles that need a citizen's contact data to do their job (taking the call, calling back).
#: Everyone else sees it masked. Each unmasked view is audited.
PII_ROLES: frozenset[Role] = frozenset({Role.agent, Role.centre_supervisor})

#: The kinds of unit an account of each role may belong to.
ROLE_UNIT_KINDS: dict[Role, frozenset[UnitKind]] = {
    Role.agent: CENTRE_KINDS,
    Role.dispatcher: CENTRE_KINDS,
    Role.centre_supervisor: CENTRE_KINDS,
    Role.unit_handler: HANDLING_KINDS,
    Role.unit_manager: HANDLING_KINDS,
    Role.sector_viewer: frozenset({UnitKind.department}),
    Role.admin: CENTRE_KINDS,
    Role.auditor: CENTRE_KINDS,
    Role.integration: CENTRE_KINDS,
    Role.cti: CENTRE_KINDS,
    Role.knowledge_editor: CENTRE_KINDS,
    Role.knowledge_reviewer: CENTRE_KINDS,
}

#: Roles a unit manager may give to accounts of their own unit.
UNIT_MANAGER_GRANTS: frozenset[Role] = frozenset({Role.unit_handler, Role.unit_manager})


def can(role: Role, cap: Cap) -> bool:
    return cap in ROLE_CAPS[role]


def sees_pii(role: Role) -> bool:
    return role in PII_ROLES


def region_prefix(code: str) -> str:
    """The code prefix shared by a region and everything below it.

    ``990000`` → ``99``, ``990100`` → ``9901``, ``990102`` → ``990102``,
    ``990102001`` → ``990102001``."""
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code


def in_region(scope_code: str, code: str) -> bool:
    return code.startswith(region_prefix(scope_code))
