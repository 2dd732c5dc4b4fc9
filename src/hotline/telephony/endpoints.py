"""JSON API of telephony: the call-event interface a PBX posts to (docs/cti.md).

``POST /api/v1/cti/events`` takes a batch of events with the bearer token of a CTI service
account (``hotline cti key create``). The batch is checked here, on the event loop, and
written by the process's call-event writer together with whatever other batches are waiting
(group commit, as intakes are: SQLite has one writer, and a batch's write is short); the 202
comes after that commit."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import Request
from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError

from hotline.auth.access import require
from hotline.auth.roles import Cap
from hotline.kit.errors import InvalidInput
from hotline.kit.groupcommit import GroupCommitter
from hotline.telephony import schemas, service
from hotline.telephony.schemas import CallEventIn, CallEventsOut, RejectedEventOut
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal

router = routing.router(prefix="/cti", tags=["telephony"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No, unknown, expired or revoked API token"},
    403: {"description": "The account is not a CTI (PBX) account"},
    422: {"description": "A malformed batch (the item's index and field are named); nothing was written"},
}
_BATCH_SCHEMA = TypeAdapter(list[CallEventIn]).json_schema(ref_template="#/components/schemas/{model}")
_BATCH_SCHEMA["maxItems"] = schemas.MAX_BATCH
_BATCH_SCHEMA.pop("$defs", None)


#: how often a batch is written again after losing a race to create the same call
_WRITE_ATTEMPTS = 4


@router.post("/events", response_model=CallEventsOut, status_code=202, responses=ERRORS,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": _BATCH_SCHEMA}}}})
async def post_events(request: Request, principal: CurrentPrincipal) -> CallEventsOut:
    """Take a batch of call events (at most 1,000): ``accepted`` were stored, ``duplicates``
    were already known (same ``call_id`` and ``seq``), ``rejected`` contradict their call (each
    with its index in the batch and the reason) — the rest of the batch is kept. A malformed
    batch is a 422 that writes nothing."""
    require(principal, Cap.report_calls)
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise InvalidInput("body", "请求体不是有效的 JSON") from None
    batch = service.Batch(unit_id=principal.unit_id, events=schemas.parse_batch(body))
    writer: GroupCommitter[service.Batch, service.Outcome] = request.app.state.cti_writer
    for attempt in range(_WRITE_ATTEMPTS):
        try:
            outcome = await asyncio.wrap_future(writer.submit(batch))
            break
        except IntegrityError:
            # another process wrote the same new call or event at the same instant: once it
            # has committed the call is known, and the batch is folded into it
            if attempt == _WRITE_ATTEMPTS - 1:
                raise
    return CallEventsOut(accepted=outcome.accepted, duplicates=outcome.duplicates,
                         rejected=[RejectedEventOut(index=r.index, call_id=r.call_id, seq=r.seq, reason=r.reason)
                                   for r in outcome.rejected])
