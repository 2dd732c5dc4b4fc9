"""Use cases of work orders: the closed loop 受理 → 派单 → 签收/办理 → 答复 → 认定 → 回访 → 办结.

Every status change goes through ``lifecycle.apply``; every write records an event (the
timeline, the evidence and the audit trail in one table); side effects (SMS) go through the
outbox in the same transaction. Services take the session first and never commit.

**The door for every channel is** :func:`intake` ``(session, actor, data, *, idempotency_key=None)``
→ ``(order, created)``: the console, the public page, the JSON API and every channel to come
(boards, Open311, telephony) register appeals through it and nothing else (see its docstring
for what a channel passes, what it gets back and how retries are recognised).

The package is split by step; ``hotline.workorder.service`` stays the one import path:

- ``intake`` — intake, batched writing, repeat appeals joining an open order;
- ``direct`` — direct dispatch planned at intake;
- ``dispatch`` — dispatch, transfer, suggested units;
- ``handling`` — the unit's work: sign, assist, return, coordination, extension, reply;
- ``review`` — review, callback, rehandling, closing, withdrawal;
- ``crosscity`` — cross-city transfer to a peer platform (federation) and back;
- ``merge`` — merging duplicates and the shared reply;
- ``notes`` — internal notes on an order and the colleagues they mention;
- ``drafts`` — an agent's console forms kept before they are registered (暂存草稿);
- ``urge`` — a caller urging an order in hand (催办);
- ``handover`` — linkage (联动): full hand-over off the clock, taking back, closing with the line;
- ``deadlines`` — the deadline state and recounts after a calendar change;
- ``channels`` — what outside channels read of their orders (state, accepted answers);
- ``citizen`` — the reporter as shown to a viewer; ``public`` — the public lookup and open data;
- ``_common`` — private helpers shared by the steps.

(The attributes ``intake``, ``dispatch`` and ``merge`` of this package are the functions,
not the submodules of the same name; import a submodule's private helpers by its full path.)"""

from hotline.workorder.models import ReplyResult, Verdict
from hotline.workorder.service import crosscity
from hotline.workorder.service._common import COORDINATION_WORKING_DAYS
from hotline.workorder.service.channels import (
    ChannelAnswer,
    OrderState,
    accepted_answers,
    order_states,
    orders_by_id,
    orders_visible,
)
from hotline.workorder.service.citizen import (
    CallerHistory,
    CitizenShown,
    caller_history,
    citizen_shown,
    hides_reporter,
    hides_reporters,
    order_text,
    reveal_citizen,
)
from hotline.workorder.service.deadlines import deadline_state, recount_coordination, recount_deadlines
from hotline.workorder.service.direct import DirectPlan, UnitRef
from hotline.workorder.service.dispatch import Suggestion, dispatch, sibling_city_centre, suggest_units, transfer
from hotline.workorder.service.handling import (
    decide_coordination,
    decide_extension,
    open_coordination,
    reject_return,
    reply,
    request_extension,
    return_order,
    sign,
    submit_assist,
)
from hotline.workorder.service.handover import close_handed_over, hand_over, note_linkage, take_back
from hotline.workorder.service.intake import (
    CONSULTATION,
    IntakeData,
    IntakePlan,
    IntakeResult,
    intake,
    plan_intake,
    write_intakes,
)
from hotline.workorder.service.merge import MAX_MERGE, merge, merge_new, unmerge
from hotline.workorder.service.notes import add_note, attached, notes
from hotline.workorder.service.public import PublicRecord, public_lookup, public_records
from hotline.workorder.service.review import MAX_CALLBACK_ATTEMPTS, record_callback, review_reply, withdraw
from hotline.workorder.service.urge import urge

__all__ = [
    "CONSULTATION",
    "COORDINATION_WORKING_DAYS",
    "MAX_CALLBACK_ATTEMPTS",
    "MAX_MERGE",
    "CallerHistory",
    "ChannelAnswer",
    "CitizenShown",
    "DirectPlan",
    "IntakeData",
    "IntakePlan",
    "IntakeResult",
    "OrderState",
    "PublicRecord",
    "ReplyResult",
    "Suggestion",
    "UnitRef",
    "Verdict",
    "accepted_answers",
    "add_note",
    "attached",
    "caller_history",
    "citizen_shown",
    "close_handed_over",
    "crosscity",
    "deadline_state",
    "decide_coordination",
    "decide_extension",
    "dispatch",
    "hand_over",
    "hides_reporter",
    "hides_reporters",
    "intake",
    "merge",
    "merge_new",
    "note_linkage",
    "notes",
    "open_coordination",
    "order_states",
    "order_text",
    "orders_by_id",
    "orders_visible",
    "plan_intake",
    "public_lookup",
    "public_records",
    "record_callback",
    "recount_coordination",
    "recount_deadlines",
    "reject_return",
    "reply",
    "request_extension",
    "return_order",
    "reveal_citizen",
    "review_reply",
    "sibling_city_centre",
    "sign",
    "submit_assist",
    "suggest_units",
    "take_back",
    "transfer",
    "unmerge",
    "urge",
    "withdraw",
    "write_intakes",
]
