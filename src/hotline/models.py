"""Imports every domain's tables so that ``Base.metadata`` is complete (Alembic, tests)."""

from hotline.analytics.disclosure.models import DisclosureMonth, TypicalCase
from hotline.analytics.models import StatCell
from hotline.analytics.reports.models import Report
from hotline.analytics.saved_models import SavedView
from hotline.attachments.models import Attachment
from hotline.audit.models import AuditEvent, AuditHead
from hotline.auth.models import ApiToken, AuthSession, LoginAttempt, User
from hotline.channels.boards.models import Board, BoardImport, BoardMessage
from hotline.channels.open311.models import Open311Key, Open311Request, Open311Service
from hotline.citizen.models import CallerFlag, Citizen
from hotline.inbox.models import InboxItem
from hotline.integration.federation import models as federation_models
from hotline.integration.linkage.models import LinkageLine, LinkageRecord
from hotline.integration.merchants.models import Complaint as MerchantComplaint
from hotline.integration.merchants.models import Merchant
from hotline.integration.merchants.models import Proposal as MerchantProposal
from hotline.integration.merchants.models import Referral as MerchantReferral
from hotline.integration.merchants.models import StatusChange as MerchantStatusChange
from hotline.integration.webhooks.models import AllowedTarget, Delivery, Subscription
from hotline.intelligence.models import (
    DispatchFeedback,
    EarlyWarning,
    HotspotSnapshot,
    HotspotTerm,
    ModelVersion,
    PlaceName,
    SpecialList,
)
from hotline.kit.cache import ReferenceVersion
from hotline.kit.calendar_models import CalendarOverride
from hotline.kit.db import Base
from hotline.kit.jobs import Job
from hotline.kit.keyguard import KeyCanary
from hotline.kit.ratelimit import RateCounter
from hotline.knowledge.models import (
    KnowledgeAnswer,
    KnowledgeCollection,
    KnowledgeItem,
    KnowledgeSearchEntry,
    KnowledgeTerm,
    KnowledgeVersion,
    PolicyDocument,
    collection_unit,
)
from hotline.notify.models import Notification, SmsTemplate
from hotline.org.models import AppealType, Category, Channel, Region, Unit, unit_category
from hotline.selfservice.models import PublicSubmission, WithdrawalCode
from hotline.spotcheck.models import RectificationItem, RectificationList, SpotCheck, SpotCheckItem
from hotline.supervision.models import (
    EscalationRule,
    LedgerEntry,
    LetterTemplate,
    ProjectionCursor,
    SupervisionAuthority,
    SupervisionLetter,
    UnitDayStats,
)
from hotline.telephony.models import Call, CallEvent, CallOrder, CtiQueue, Seat, SeatState
from hotline.telephony.quality.models import Checklist, ChecklistItem, Inspection, Sample, Score
from hotline.telephony.stats.models import CallHour, RollupCursor, WrapHour
from hotline.workorder.models import (
    Assignment,
    Callback,
    CoordinationCase,
    DeadlineRuleRow,
    DirectDispatchRule,
    ExportJob,
    Extension,
    GreenChannelRow,
    IdempotencyKey,
    NumberCounter,
    OrderNote,
    OrderSource,
    OrderText,
    Reply,
    ReturnRequest,
    SavedSearch,
    WorkOrder,
)

__all__ = [
    "AllowedTarget",
    "ApiToken",
    "AppealType",
    "Assignment",
    "Attachment",
    "AuditEvent",
    "AuditHead",
    "AuthSession",
    "Base",
    "Board",
    "BoardImport",
    "BoardMessage",
    "CalendarOverride",
    "Call",
    "CallEvent",
    "CallHour",
    "CallOrder",
    "Callback",
    "CallerFlag",
    "Category",
    "Channel",
    "Checklist",
    "ChecklistItem",
    "Citizen",
    "CoordinationCase",
    "CtiQueue",
    "DeadlineRuleRow",
    "Delivery",
    "DirectDispatchRule",
    "DisclosureMonth",
    "DispatchFeedback",
    "EarlyWarning",
    "EscalationRule",
    "ExportJob",
    "Extension",
    "GreenChannelRow",
    "HotspotSnapshot",
    "HotspotTerm",
    "IdempotencyKey",
    "InboxItem",
    "Inspection",
    "Job",
    "KeyCanary",
    "KnowledgeAnswer",
    "KnowledgeCollection",
    "KnowledgeItem",
    "KnowledgeSearchEntry",
    "KnowledgeTerm",
    "KnowledgeVersion",
    "LedgerEntry",
    "LetterTemplate",
    "LinkageLine",
    "LinkageRecord",
    "LoginAttempt",
    "Merchant",
    "MerchantComplaint",
    "MerchantProposal",
    "MerchantReferral",
    "MerchantStatusChange",
    "ModelVersion",
    "Notification",
    "NumberCounter",
    "Open311Key",
    "Open311Request",
    "Open311Service",
    "OrderNote",
    "OrderSource",
    "OrderText",
    "PlaceName",
    "PolicyDocument",
    "ProjectionCursor",
    "PublicSubmission",
    "RateCounter",
    "RectificationItem",
    "RectificationList",
    "ReferenceVersion",
    "Region",
    "Reply",
    "Report",
    "ReturnRequest",
    "RollupCursor",
    "Sample",
    "SavedSearch",
    "SavedView",
    "Score",
    "Seat",
    "SeatState",
    "SmsTemplate",
    "SpecialList",
    "SpotCheck",
    "SpotCheckItem",
    "StatCell",
    "Subscription",
    "SupervisionAuthority",
    "SupervisionLetter",
    "TypicalCase",
    "Unit",
    "UnitDayStats",
    "User",
    "WithdrawalCode",
    "WorkOrder",
    "WrapHour",
    "collection_unit",
    "federation_models",
    "unit_category",
]
