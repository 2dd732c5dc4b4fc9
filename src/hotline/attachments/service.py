"""Attachments on work orders: upload (checked, cleaned, scanned, stored), list and read — scoped
and audited like the order they belong to.

Who attaches what: centre staff at intake and while handling (and to letters); the units holding
the order with their reply, their extension request and while handling. Anyone who may see the
order sees its attachments; reading a file is audited. A file is taken only if its content is
one of the listed types (``media.sniff``), within the size limit, and passes the virus scanner
when one is configured; photos are re-encoded without their camera data (GPS) and get a
thumbnail. The citizen sees only the attachments marked public (their own, and photos a unit
chose to show with its reply)."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import shlex
import subprocess
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.attachments import media
from hotline.attachments.models import CONTEXT_NAMES, Attachment
from hotline.attachments.storage import DiskStorage, S3Storage, Storage, StorageUnavailable
from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.config import get_settings
from hotline.kit import clock, crypto
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.workorder import service as workorder
from hotline.workorder.models import AssignmentState, WorkOrder

MAX_PER_ORDER = 50
CENTRE_CONTEXTS = frozenset({"intake", "handling", "letter"})
UNIT_CONTEXTS = frozenset({"reply", "extension", "handling"})
#: Who uploaded a citizen's file, as the order page shows it.
CITIZEN_NAMES = {"web": "群众（网上诉求）", "open311": "群众（城市服务 App）", "board": "群众（留言板）"}


def storage() -> Storage:
    """The configured store: an S3-compatible bucket when its endpoint is set, else the disk."""
    settings = get_settings()
    if settings.attachment_s3_endpoint:
        # a store configured by halves is unavailable (503, nothing recorded), not a server error
        if not (settings.attachment_s3_bucket and settings.attachment_s3_access_key
                and settings.attachment_s3_secret_key):
            raise StorageUnavailable("对象存储配置不完整：须同时配置 attachment_s3_bucket、"
                                     "attachment_s3_access_key 和 attachment_s3_secret_key")
        try:
            return S3Storage(settings.attachment_s3_endpoint, settings.attachment_s3_bucket,
                             region=settings.attachment_s3_region, access_key=settings.attachment_s3_access_key,
                             secret_key=settings.attachment_s3_secret_key)
        except ValueError as exc:
            raise StorageUnavailable(str(exc)) from None
    return DiskStorage(settings.attachment_dir or settings.data_dir / "attachments")


def _scan(data: bytes) -> str:
    command = get_settings().attachment_scan_command
    if not command:
        return "skipped"
    try:
        done = subprocess.run(shlex.split(command), input=data, capture_output=True, timeout=60, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        raise InvalidInput("file", "病毒扫描暂不可用，请稍后重试") from None
    if done.returncode == 0:
        return "clean"
    if done.returncode == 1:
        raise InvalidInput("file", "文件未通过病毒扫描")
    raise InvalidInput("file", "病毒扫描暂不可用，请稍后重试")


def _may_attach(actor: Principal, order: WorkOrder, context: str) -> None:
    if context not in CONTEXT_NAMES or context == "public":
        raise InvalidInput("context", "附件用途应为 " + "、".join(sorted(CENTRE_CONTEXTS | UNIT_CONTEXTS)) + " 之一")
    if actor.is_service:
        raise Forbidden("服务账号不能上传附件")
    if actor.role in access.CENTRE_ROLES and context in CENTRE_CONTEXTS:
        return
    holds = any(a.unit_id == actor.unit_id and a.state == AssignmentState.active for a in order.assignments)
    if actor.can(Cap.handle) and holds and context in UNIT_CONTEXTS:
        return
    raise Forbidden("无权为该工单上传此类附件")


@dataclass(frozen=True)
class Stored:
    """A file checked, cleaned, scanned and written to the storage, not yet on an order (a
    citizen's photo waits there for the SMS code that turns the appeal into an order)."""

    file_name: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    thumb_key: str | None
    scan: str

    def as_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Stored:
        return cls(**data)  # type: ignore[arg-type]


def store(file_name: str, data: bytes, *, folder: str) -> Stored:
    """Check ``data`` (not empty, within the size limit, a listed type), re-encode a photo without
    its camera data, scan it, and write it (and its thumbnail) under ``folder``. 422 naming
    ``file`` for anything refused; nothing is written then."""
    name = (file_name or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:200] or "附件"
    limit = get_settings().attachment_max_bytes
    if not data:
        raise InvalidInput("file", "文件为空")
    if len(data) > limit:
        raise InvalidInput("file", f"文件超过 {limit // (1024 * 1024)} MB")
    try:
        prepared = media.prepare(data, name)
    except media.Refused as exc:
        raise InvalidInput("file", str(exc)) from None
    scan = _scan(prepared.data)
    ref = secrets.token_hex(16)
    key = f"{folder}/{ref}.{prepared.extension}"
    where = storage()
    where.put(key, prepared.data)
    thumb_key = None
    if prepared.thumbnail is not None:
        thumb_key = f"{folder}/{ref}.thumb.jpg"
        where.put(thumb_key, prepared.thumbnail)
    if "." in name and prepared.extension != name.rsplit(".", 1)[-1].lower():
        name = name.rsplit(".", 1)[0] + "." + prepared.extension  # a photo re-encoded keeps a true name
    return Stored(file_name=name, content_type=prepared.content_type, size=len(prepared.data),
                  sha256=hashlib.sha256(prepared.data).hexdigest(), storage_key=key, thumb_key=thumb_key, scan=scan)


def _count_held(session: Session, order: WorkOrder) -> int:
    held = session.scalar(select(func.count()).select_from(Attachment).where(Attachment.work_order_id == order.id))
    return int(held or 0)


def _record(session: Session, actor: Principal | None, order: WorkOrder, stored: Stored, *, context: str,
            public: bool, by_name: str) -> Attachment:
    row = Attachment(ref=secrets.token_hex(16), work_order_id=order.id, context=context, file_name=stored.file_name,
                     content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                     storage_key=stored.storage_key, thumb_key=stored.thumb_key, public=public, scan=stored.scan,
                     uploaded_by_id=actor.user_id if actor is not None else None, uploaded_by_name=by_name,
                     uploaded_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor, "attachment.uploaded", object_type="attachment", object_id=row.ref,
                 detail={"number": order.number, "context": context, "type": stored.content_type,
                         "size": stored.size})
    workorder.attached(session, actor, order, context=context, content_type=stored.content_type, public=public,
                       by=by_name)
    return row


def upload(session: Session, actor: Principal, order: WorkOrder, *, file_name: str, data: bytes, context: str,
           public: bool = False) -> Attachment:
    """Take a file for ``order`` (which the caller has been given by ``access_work_order``)."""
    _may_attach(actor, order, context)
    if _count_held(session, order) >= MAX_PER_ORDER:
        raise Conflict(f"每张工单最多 {MAX_PER_ORDER} 个附件")
    stored = store(file_name, data, folder=order.number[2:8])
    return _record(session, actor, order, stored, context=context, public=public and context == "reply",
                   by_name=actor.display_name)


def attach_from_citizen(session: Session, order: WorkOrder, stored: Stored, *, channel: str) -> Attachment:
    """A file the citizen sent with the appeal (public form, Open311 client): on the order as
    群众上传, visible to the citizen. ``channel`` names where it came from in the audit log."""
    if _count_held(session, order) >= MAX_PER_ORDER:
        raise Conflict(f"每张工单最多 {MAX_PER_ORDER} 个附件")
    return _record(session, None, order, stored, context="public", public=True,
                   by_name=CITIZEN_NAMES.get(channel, "群众"))


def of_order(session: Session, order: WorkOrder, *, public_only: bool = False) -> list[Attachment]:
    stmt = select(Attachment).where(Attachment.work_order_id == order.id)
    if public_only:
        stmt = stmt.where(Attachment.public.is_(True))
    return list(session.scalars(stmt.order_by(Attachment.id)))


def access_attachment(session: Session, actor: Principal, ref: str) -> tuple[Attachment, WorkOrder]:
    """An attachment of an order the caller may see (404 otherwise, as the order would be)."""
    row = session.scalar(select(Attachment).where(Attachment.ref == ref)) if len(ref or "") == 32 else None
    if row is None:
        raise NotFound("附件不存在")
    number = session.scalar(select(WorkOrder.number).where(WorkOrder.id == row.work_order_id))
    order = access.access_work_order(session, actor, number or "")
    return row, order


def read(session: Session, actor: Principal, ref: str, *, thumbnail: bool = False) -> tuple[Attachment, bytes]:
    row, order = access_attachment(session, actor, ref)
    key = row.thumb_key if thumbnail and row.thumb_key else row.storage_key
    data = storage().read(key)
    if not thumbnail:
        audit.record(session, actor, "attachment.viewed", object_type="attachment", object_id=row.ref,
                     detail={"number": order.number})
    return row, data


#: How long a signed link to a public attachment works (the citizen's page is private; its links
#: must not outlive it by much).
PUBLIC_LINK_SECONDS = 3600


def _link_signature(ref: str, expires: int, thumbnail: bool) -> str:
    return crypto.cipher().blind_index(f"public-attachment:{ref}:{expires}:{int(thumbnail)}")[:32]


def public_link(ref: str, *, thumbnail: bool = False) -> str:
    """A link to a public attachment for the citizen who has shown the order is theirs (number
    and phone): signed with the server's index key, valid for an hour."""
    expires = int(clock.now().timestamp()) + PUBLIC_LINK_SECONDS
    thumb = "&thumb=1" if thumbnail else ""
    return f"/public/attachments/{ref}?e={expires}&s={_link_signature(ref, expires, thumbnail)}{thumb}"


def read_by_link(session: Session, ref: str, *, expires: str, signature: str,
                 thumbnail: bool) -> tuple[Attachment, bytes]:
    """The file behind a :func:`public_link` (404 for a wrong, expired or non-public one)."""
    if not expires.isdigit() or int(expires) < clock.now().timestamp() or not crypto.constant_time_equal(
            signature, _link_signature(ref, int(expires), thumbnail)):
        raise NotFound("链接已失效，请重新查询")
    row = session.scalar(select(Attachment).where(Attachment.ref == ref, Attachment.public.is_(True)))
    if row is None or (thumbnail and not row.thumb_key):
        raise NotFound("附件不存在")
    return row, storage().read(row.thumb_key if thumbnail and row.thumb_key else row.storage_key)
