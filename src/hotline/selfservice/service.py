"""Use cases of the public door (网上自助下单、进度查询、撤回): no account, so the phone
number is the citizen's proof, and every step that reaches a phone or tests a guess is
limited (docs/adr/0016-public-door.md).

- **Submitting is two steps.** :func:`submit` validates the appeal exactly as the order will
  be, keeps it as a :class:`PublicSubmission` and texts one code to the phone; nothing else
  exists yet (no order, no number, no place in the dispatch queue, no other SMS).
  :func:`confirm` with the right code files it through the ordinary intake — from then on it
  is an order like any other, acknowledged by SMS as before. Five wrong codes void it.
- **Limits**: submissions per client address (10 minutes, day), codes per phone (hour, day),
  lookups per client address, and wrong (number, phone) pairs per order number — five in an
  hour lock the number for the rest of that hour, whoever asks.
- **Withdrawing needs a code** sent to the order's phone (:func:`send_withdrawal_code`, which
  answers alike whether or not the pair matched).

Refusals whose counters must survive the request (a wrong pair, a wrong code) are
:class:`Counted`: the request boundary commits before it answers them."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline.attachments import service as attachments
from hotline.citizen import service as citizen_service
from hotline.config import get_settings
from hotline.kit import clock, crypto, ratelimit, validate
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput, NotFound
from hotline.kit.ratelimit import Limit, TooManyRequests
from hotline.notify import service as notify
from hotline.selfservice import repository
from hotline.selfservice.models import PublicSubmission, SubmissionStatus, WithdrawalCode
from hotline.workorder import service as workorder_service
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder

NOT_FOUND = "没有找到该工单，请核对工单号和手机号"
#: What the withdrawal-code request answers, whether or not the number and the phone matched.
CODE_MAYBE_SENT = "如工单号和手机号码无误且工单仍可撤回，验证码已发送至该手机，{minutes}分钟内有效。"
#: The appeal's fields a public submission keeps until it is confirmed.
PAYLOAD_FIELDS = ("channel", "appeal_type", "title", "content", "phone", "name", "region_code", "address",
                  "is_enterprise", "enterprise_name", "uscc")
WITHDRAWABLE = (Status.registered, Status.dispatched)


class Counted(HotlineError):
    """A refusal that was counted (a wrong guess, a wrong code): the request boundary commits
    before answering, so the count survives the error response."""


class NoSuchPair(Counted, NotFound):
    """No order with this number and this phone (either part may be wrong; we do not say which)."""

    status_code = 404
    code = "not_found"


class WrongCode(Counted, Forbidden):
    status_code = 403
    code = "wrong_code"

    def __init__(self, remaining: int) -> None:
        super().__init__(f"验证码不正确，还可以再试 {remaining} 次", remaining=remaining)


class CodeUnusable(Counted, Forbidden):
    """No code to check against: none asked for, expired, used, or used up by wrong tries."""

    status_code = 403
    code = "code_unusable"


# --- limits ------------------------------------------------------------------------------------

_MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Limits:
    submissions_10min: Limit
    submissions_day: Limit
    codes_hour: Limit
    codes_day: Limit
    lookups: Limit
    number_failures: Limit
    code_ttl: dt.timedelta
    code_attempts: int


def limits() -> Limits:
    """The limits as configured (``HOTLINE_PUBLIC_*`` settings)."""
    s = get_settings()
    return Limits(
        submissions_10min=Limit("public.submit.10min", s.public_submissions_per_10min, 10 * _MINUTE,
                                "提交过于频繁，请 10 分钟后再试"),
        submissions_day=Limit("public.submit.day", s.public_submissions_per_day, 1440 * _MINUTE,
                              "今天的提交次数已达上限，请明天再试或拨打 12345"),
        codes_hour=Limit("public.code.phone.hour", s.public_codes_per_phone_hour, 60 * _MINUTE,
                         "该手机号码获取验证码过于频繁，请 1 小时后再试"),
        codes_day=Limit("public.code.phone.day", s.public_codes_per_phone_day, 1440 * _MINUTE,
                        "该手机号码今天获取验证码次数已达上限，请明天再试或拨打 12345"),
        lookups=Limit("public.lookup.10min", s.public_lookups_per_10min, 10 * _MINUTE,
                      "查询过于频繁，请 10 分钟后再试"),
        number_failures=Limit("public.number.failures", s.public_number_failures_per_hour, 60 * _MINUTE,
                              "该工单号核对错误次数过多，已暂时锁定，请 1 小时后再试或拨打 12345"),
        code_ttl=s.public_code_minutes * _MINUTE,
        code_attempts=s.public_code_attempts,
    )


def demo_codes() -> bool:
    """Show the codes instead of texting them: the demo, whose SMS adapter sends nothing."""
    s = get_settings()
    return s.public_demo_codes and s.sms_adapter == "log"


def _client(client: str) -> str:
    return f"client:{client}"


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _code_hash(context: str, code: str) -> str:
    """Keyed (HMAC-SM3 with the index key): a million codes are no work to try against a
    plain hash, but nobody holding only the database can try them against this one."""
    return crypto.cipher().blind_index(f"code:{context}:{(code or '').strip()}")


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits.startswith("1")


def _number(number: str) -> str:
    return (number or "").strip().upper()[:20]


# --- submitting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A submission waiting for its code: the token is the submitter's handle on it."""

    token: str
    masked_phone: str
    expires_at: dt.datetime
    attempts_left: int
    demo_code: str | None = None  # only in the demo (:func:`demo_codes`)


#: Photos or files a citizen may send with a public appeal.
MAX_FILES = 3


def submit(session: Session, data: workorder_service.IntakeData, *, client: str,
           files: Sequence[tuple[str, bytes]] = ()) -> Pending:
    """Step 1 of a public appeal: check it, keep it, text a code to its phone.

    Refused with 429 (and nothing sent) past the limits per client address and per phone;
    422 naming the field for anything the order itself would refuse, and for a phone that
    cannot receive an SMS. The appeal waits ``public_code_minutes`` for :func:`confirm`."""
    lim = limits()
    ratelimit.hit(session, lim.submissions_10min, _client(client))
    ratelimit.hit(session, lim.submissions_day, _client(client))
    workorder_service.plan_intake(session, None, data)  # every check the order will pass; writes nothing
    phone = validate.phone(data.phone or "")
    if not _is_mobile(phone):
        raise InvalidInput("phone", "请填写手机号码，用于接收短信验证码")
    if len(files) > MAX_FILES:
        raise InvalidInput("files", f"最多上传 {MAX_FILES} 个照片或文件")
    ratelimit.hit(session, lim.codes_hour, phone)
    ratelimit.hit(session, lim.codes_day, phone)
    # checked, cleaned and stored now (422 naming the file otherwise); on the order once confirmed
    stored = [attachments.store(name, body, folder="public").as_json() for name, body in files]
    token, code, now = secrets.token_urlsafe(32), _new_code(), clock.now()
    token_hash = crypto.sha256_hex(token)
    payload: dict[str, Any] = {key: getattr(data, key) for key in PAYLOAD_FIELDS}
    if stored:
        payload["files"] = stored
    session.add(PublicSubmission(
        token_hash=token_hash, phone=phone, phone_hash=citizen_service.phone_hash(phone),
        payload=json.dumps(payload, ensure_ascii=False), code_hash=_code_hash(f"submission:{token_hash}", code),
        attempts=0, status=SubmissionStatus.pending, client_hash=crypto.cipher().blind_index(_client(client)),
        created_at=now, expires_at=now + lim.code_ttl,
    ))
    minutes = int(lim.code_ttl.total_seconds() // 60)
    notify.notify(session, template="public_code", recipient_kind="citizen", phone=phone,
                  body=notify.render("public_code", code=code, minutes=minutes))
    return Pending(token=token, masked_phone=crypto.mask_phone(phone) or "", expires_at=now + lim.code_ttl,
                   attempts_left=lim.code_attempts, demo_code=code if demo_codes() else None)


def pending(session: Session, token: str) -> Pending | None:
    """The submission behind ``token`` while it still waits for its code, else None."""
    row = repository.submission_by_token_hash(session, crypto.sha256_hex(token or ""))
    if row is None or row.status != SubmissionStatus.pending or row.expires_at <= clock.now():
        return None
    return Pending(token=token, masked_phone=crypto.mask_phone(row.phone) or "", expires_at=row.expires_at,
                   attempts_left=max(0, limits().code_attempts - row.attempts))


def confirm(session: Session, *, token: str, code: str) -> tuple[WorkOrder, bool]:
    """Step 2: the code texted to the phone comes back, and the appeal becomes an order
    through the ordinary intake (number, events, queue, acknowledgement SMS). Returns
    ``(order, created)``; confirming again with the right code returns the same order.

    A wrong code counts (:class:`WrongCode`, naming the tries left); the last allowed wrong
    code voids the submission. An unknown token is 404; an expired or void one 403."""
    lim = limits()
    row = repository.submission_by_token_hash(session, crypto.sha256_hex(token or ""))
    if row is None:
        raise NotFound("没有找到待验证的诉求，请重新提交")
    right = crypto.constant_time_equal(row.code_hash, _code_hash(f"submission:{row.token_hash}", code))
    if row.status == SubmissionStatus.confirmed:
        return _replay(session, row, right)
    if row.status == SubmissionStatus.void:
        raise CodeUnusable("验证码错误次数过多，本次提交已作废，请重新提交")
    if row.expires_at <= clock.now():
        raise CodeUnusable("验证码已过期，请重新提交")
    if not right:
        remaining = lim.code_attempts - repository.count_wrong_code(session, row.id, lim.code_attempts)
        if remaining <= 0:
            raise CodeUnusable("验证码错误次数过多，本次提交已作废，请重新提交")
        raise WrongCode(remaining)
    if not repository.claim_submission(session, row.id, clock.now()):  # another request was first
        session.refresh(row)
        return _replay(session, row, right)
    data: dict[str, Any] = json.loads(row.payload or "{}")
    files = data.pop("files", [])
    order, _ = workorder_service.intake(session, None, workorder_service.IntakeData(**data))
    for file in files:
        attachments.attach_from_citizen(session, order, attachments.Stored.from_json(file), channel="web")
    row.work_order_id, row.payload = order.id, None  # the appeal lives on in the order only
    return order, True


def _replay(session: Session, row: PublicSubmission, right: bool) -> tuple[WorkOrder, bool]:
    order = session.get(WorkOrder, row.work_order_id) if row.work_order_id and right else None
    if order is None:
        raise CodeUnusable("该诉求已提交或已作废，请勿重复验证")
    return order, False


# --- tracking and withdrawing ------------------------------------------------------------------


def _guard(session: Session, number: str, client: str, lim: Limits) -> None:
    """Count the client's attempt (429 past its limit) and refuse a locked order number."""
    ratelimit.hit(session, lim.lookups, _client(client))
    lock = ratelimit.peek(session, lim.number_failures, number)
    if lock.count >= lim.number_failures.hits:
        raise TooManyRequests(lim.number_failures.message, retry_after=lock.retry_after)


def _match(session: Session, number: str, phone: str, lim: Limits) -> WorkOrder | None:
    """The order with this number and phone, or None — a wrong pair counts against the number."""
    try:
        return workorder_service.public_lookup(session, number, phone)
    except NotFound:
        ratelimit.count(session, lim.number_failures, number)
        return None


def lookup(session: Session, *, number: str, phone: str, client: str) -> WorkOrder:
    """The citizen follows an order with its number and the phone it was filed with.

    A wrong pair answers exactly like a missing order (404) and counts against the number;
    after ``public_number_failures_per_hour`` of them the number is locked (429) for the rest
    of the hour, for everyone. Every lookup counts against the client address."""
    lim, number = limits(), _number(number)
    _guard(session, number, client, lim)
    order = _match(session, number, phone, lim)
    if order is None:
        raise NoSuchPair(NOT_FOUND)
    return order


@dataclass(frozen=True)
class CodeRequest:
    message: str  # the same words whether or not a code was sent
    demo_code: str | None = None  # only in the demo (:func:`demo_codes`)


def send_withdrawal_code(session: Session, *, number: str, phone: str, client: str) -> CodeRequest:
    """Text a withdrawal code to the order's phone when the pair matches and the order can
    still be withdrawn. Answers the same words either way, so the answer tells nothing about
    the order; limited like a lookup, and a phone gets no more codes than the per-phone
    limits allow (the surplus is silently not sent)."""
    lim, number = limits(), _number(number)
    minutes = int(lim.code_ttl.total_seconds() // 60)
    answer = CodeRequest(CODE_MAYBE_SENT.format(minutes=minutes))
    _guard(session, number, client, lim)
    order = _match(session, number, phone, lim)
    if order is None or order.status not in WITHDRAWABLE:
        return answer
    digits = validate.phone(phone)
    over = [ratelimit.count(session, limit, digits).count > limit.hits for limit in (lim.codes_hour, lim.codes_day)]
    if not _is_mobile(digits) or any(over):
        return answer
    code, now = _new_code(), clock.now()
    session.add(WithdrawalCode(work_order_id=order.id, code_hash=_code_hash(f"withdrawal:{order.id}", code),
                               attempts=0, created_at=now, expires_at=now + lim.code_ttl))
    notify.notify(session, template="public_withdrawal_code", recipient_kind="citizen", phone=digits,
                  body=notify.render("public_withdrawal_code", number=order.number, code=code, minutes=minutes))
    return CodeRequest(answer.message, demo_code=code if demo_codes() else None)


def withdraw(session: Session, *, number: str, phone: str, code: str, reason: str | None,
             client: str) -> WorkOrder:
    """Withdraw an order from the public pages: the pair must match (counted like a lookup)
    and the newest code sent to its phone must come back within its time; each wrong code
    counts, and ``public_code_attempts`` of them use the code up."""
    lim, number = limits(), _number(number)
    _guard(session, number, client, lim)
    order = _match(session, number, phone, lim)
    if order is None:
        raise NoSuchPair(NOT_FOUND)
    row = repository.latest_withdrawal_code(session, order.id)
    now = clock.now()
    if row is None or row.used_at is not None or row.expires_at <= now or row.attempts >= lim.code_attempts:
        raise CodeUnusable("请先获取验证码（验证码发送至工单登记的手机号码，"
                           f"{int(lim.code_ttl.total_seconds() // 60)} 分钟内有效）")
    if not crypto.constant_time_equal(row.code_hash, _code_hash(f"withdrawal:{order.id}", code)):
        remaining = lim.code_attempts - repository.count_wrong_withdrawal_code(session, row.id)
        if remaining <= 0:
            raise CodeUnusable("验证码错误次数过多，请重新获取验证码")
        raise WrongCode(remaining)
    if not repository.use_withdrawal_code(session, row.id, now):
        raise CodeUnusable("验证码已使用，请重新获取验证码")
    return workorder_service.withdraw(session, None, order, reason=reason)


def housekeeping(session: Session) -> int:
    """Forget submissions and withdrawal codes a day after they expired or were used."""
    return repository.delete_stale(session, clock.now() - dt.timedelta(days=1))
