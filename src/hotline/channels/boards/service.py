"""Use cases of the merged online message boards (网络留言板): boards and their pull settings,
the import of their messages as appeals, and the reply file that goes back.

Each message becomes an appeal through the one intake every channel uses
(``workorder.service.plan_intake`` + ``write_intakes``, a batch at a time), with the board as
its channel, the 留言编号 as its source reference and the message's own time as the source's
time — registered by the board's service account. The category and the place are read from
the text by the same intelligence the agent's console uses (a category only when the model is
confident, a place only when it is unambiguous); what is not recognised waits in the centre's
queue. A message that is likely the same appeal as an open order — of any channel, or an
earlier message of the same import — is merged into it (``workorder.service.merge``), as a
catalogue repeat joins its main order at intake by itself (S4: 不同渠道收到的同一诉求合并派单
只派1件). A message seen again (the same board and 留言编号) creates nothing: only its likes
and dislikes are refreshed. Services take the session first and never commit."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth import repository as auth_repository
from hotline.auth import service as auth_service
from hotline.auth.models import Role, User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.channels.boards import repository
from hotline.channels.boards.fileformat import Message
from hotline.channels.boards.models import Board, BoardImport, BoardMessage
from hotline.intelligence import service as intelligence
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.org import repository as org_repository
from hotline.org import service as org_service
from hotline.org.models import Channel, ChannelKind
from hotline.workorder import service as workorder

#: The model's category is taken only when it is at least this confident (else the centre
#: chooses, as it does for the agent's console suggestion below ``CONFIDENT``).
CATEGORY_CONFIDENCE = intelligence.CONFIDENT
#: What the category model reads of a message: its subject and opening say what it is about
#: (reading whole letters costs a millisecond each and changes little).
CATEGORY_CHARS = 160
#: The appeal type a message's subject names (the first word found), else the board's default.
APPEAL_WORDS = (("举报", "report"), ("投诉", "complaint"), ("咨询", "consultation"), ("请问", "consultation"),
                ("建议", "suggestion"), ("求助", "help"), ("表扬", "praise"), ("感谢", "praise"))
#: How many messages go through intake together (one transaction each in a run).
BATCH = 500
#: Messages refreshed or created in a batch beyond which an import is refused (a runaway).
MAX_PULL_PAGE = 1000


# --- access: one place per object kind (boards, their messages, their imports) ----------------


def _in_scope(session: Session, principal: Principal, board: Board) -> bool:
    return in_region(principal.region_code, repository.centre_region_code(session, board))


def boards_for(session: Session, principal: Principal) -> list[tuple[Channel, Board | None]]:
    """The boards the caller may see: every message-board channel for the province's
    administrator (who sets them up); the boards of their centre's area for centre staff."""
    if access.is_province_admin(principal):
        return repository.board_channels(session)
    if principal.role in access.CENTRE_ROLES and principal.can(Cap.view_orders):
        return [(c, b) for c, b in repository.board_channels(session)
                if b is not None and _in_scope(session, principal, b)]
    raise Forbidden("您的角色无权查看留言板")


def access_board(session: Session, principal: Principal, code: str, *, need: str = "view") -> tuple[Board, Channel]:
    """A board by its channel code, for what the caller needs: ``manage`` (its settings: the
    province's administrator), ``view`` (its messages, imports and reply file: centre staff of
    its centre's area) or ``import`` (importing a file: dispatchers and supervisors there). A
    role that never may is refused (403); a board outside the caller's area is not found."""
    if need == "manage":
        access.require_province_admin(principal)
    elif principal.role not in access.CENTRE_ROLES or not principal.can(Cap.view_orders):
        raise Forbidden("您的角色无权查看留言板")
    elif need == "import" and not principal.can(Cap.dispatch):
        raise Forbidden("只有派单员和值班长可以导入留言")
    found = repository.board_by_code(session, (code or "").strip()[:32])
    if found is None or (need != "manage" and not _in_scope(session, principal, found[0])):
        raise NotFound("留言板不存在")
    return found


# --- boards ------------------------------------------------------------------------------------


def account_name(code: str) -> str:
    return f"board.{code}"


def create_board(session: Session, actor: Principal, *, code: str, name: str | None = None,
                 centre_unit_code: str | None = None, appeal_type: str = "complaint") -> Board:
    """A new board: its channel (kind ``message_board``; an existing message-board channel
    without a board is taken as it is), its settings and its service account — a dispatcher
    of its centre (the administrator's own, unless another is named) without a password,
    which registers the board's messages and merges their duplicates."""
    access.require_province_admin(actor)
    code = (code or "").strip()
    channel = org_repository.channel_by_code(session, code)
    if channel is None:
        if not name:
            raise InvalidInput("name", "请填写留言板名称")
        channel = org_service.create_channel(session, actor, code=code, name=name, kind=ChannelKind.message_board)
    elif channel.kind != ChannelKind.message_board:
        raise InvalidInput("code", "该渠道不是网络留言板")
    elif repository.board_by_channel(session, channel.id) is not None:
        raise InvalidInput("code", "该留言板已存在")
    elif name:
        org_service.update_channel(session, actor, channel, name=name)
    centre = org_repository.unit_by_code(session, centre_unit_code) if centre_unit_code else \
        org_repository.cached_unit(session, actor.unit_id)
    if centre is None or centre.kind.value != "hotline_centre":
        raise InvalidInput("centre", "受理中心应为热线中心的单位编码")
    if org_repository.cached_appeal_type(session, appeal_type) is None:
        raise InvalidInput("appeal_type", "诉求类型不存在")
    username = account_name(code)
    user = auth_repository.user_by_username(session, username)
    if user is None:
        user = auth_service.create_user(session, actor, username=username,
                                        display_name=f"{channel.name}（自动受理）"[:50], role=Role.dispatcher,
                                        unit_id=centre.id, password=None, is_service=True)
    board = Board(channel_id=channel.id, centre_unit_id=centre.id, account_id=user.id, appeal_type=appeal_type,
                  pull_enabled=False, pull_interval_seconds=900, field_map={}, pull_failures=0,
                  created_at=clock.now())
    session.add(board)
    session.flush()
    audit.record(session, actor, "board.created", object_type="board", object_id=code,
                 detail={"name": channel.name, "centre": centre.name, "account": username})
    return board


#: What the pull adapter's field map may name: our field → the key (a dotted path) in the
#: board's JSON; and the page's own keys.
MESSAGE_FIELDS = ("ref", "user", "subject", "posted_at", "text", "likes", "dislikes", "reply", "replied_at",
                  "pictures")
PAGE_FIELDS = ("items", "next_cursor", "cursor_param", "limit_param")
DEFAULT_FIELD_MAP = {"ref": "id", "user": "user", "subject": "title", "posted_at": "time", "text": "content",
                     "likes": "likes", "dislikes": "dislikes", "reply": "reply", "replied_at": "reply_time",
                     "pictures": "pictures", "items": "items", "next_cursor": "next_cursor", "cursor_param": "cursor",
                     "limit_param": "limit"}
_KEY = re.compile(r"[A-Za-z0-9_\-.\u4e00-\u9fff]{1,100}")


def check_pull_url(url: str) -> str:
    """A pull URL an administrator may set: http(s), a host name or address, no user and
    password in it (a token belongs in the field map's query, not in a URL that is shown),
    not the link-local metadata range; at most 500 characters."""
    url = (url or "").strip()
    if len(url) > 500:
        raise InvalidInput("pull_url", "地址不能超过 500 个字符")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("pull_url", "地址应以 http:// 或 https:// 开头")
    if parts.username or parts.password:
        raise InvalidInput("pull_url", "地址中不能含用户名或密码")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        address = None
    if address is not None and (address.is_link_local or address.is_multicast or address.is_unspecified):
        raise InvalidInput("pull_url", "不允许的地址")
    return url


def configure_pull(session: Session, actor: Principal, board: Board, *, url: str | None, interval_seconds: int,
                   field_map: dict[str, Any] | None, enabled: bool) -> Board:
    """The pull adapter of a board that offers an HTTP JSON API: where (set by the province's
    administrator only), how often (1 minute to 1 day) and which JSON keys hold each field
    (``DEFAULT_FIELD_MAP`` fills what is not given)."""
    access.require_province_admin(actor)
    board.pull_url = check_pull_url(url) if url else None
    if not 60 <= interval_seconds <= 86_400:
        raise InvalidInput("pull_interval_seconds", "拉取间隔应为 60–86400 秒")
    mapping = dict(field_map or {})
    for key, value in mapping.items():
        if key not in MESSAGE_FIELDS + PAGE_FIELDS:
            raise InvalidInput("field_map", f"未知字段“{str(key)[:20]}”")
        if not isinstance(value, str) or not _KEY.fullmatch(value):
            raise InvalidInput("field_map", f"字段“{key}”的键名无效")
    if enabled and board.pull_url is None:
        raise InvalidInput("pull_url", "启用拉取前请填写接口地址")
    board.pull_interval_seconds = interval_seconds
    board.field_map = mapping
    board.pull_enabled = enabled
    board.next_pull_at = clock.now() if enabled else None
    board.pull_failures = 0
    audit.record(session, actor, "board.pull_configured", object_type="board", object_id=board.id,
                 detail={"url": board.pull_url, "interval": interval_seconds, "enabled": enabled,
                         "fields": sorted(mapping)})
    return board


def board_actor(session: Session, board: Board) -> Principal:
    """The board's service account, as the principal its messages are registered by."""
    user = session.get(User, board.account_id)
    if user is None or not user.active:
        raise Conflict("留言板的自动受理账号不存在或已停用")
    return Principal.of(user)


# --- import ------------------------------------------------------------------------------------


@dataclass
class Counts:
    """What an import did: messages read, new ones registered on their own (``created``) or
    merged into an order already open (``merged``), known ones whose counts were refreshed
    (``updated``) or seen again unchanged, skipped for an empty text, rejected rows."""

    read: int = 0
    created: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        for name in ("read", "created", "merged", "updated", "unchanged", "skipped", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


class BatchRefused(InvalidInput):
    """A batch with a message intake refused: nothing of it was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("file", errors[0] if errors else "导入被拒绝")
        self.errors = errors


def appeal_type_of(message: Message, default: str) -> str:
    head = message.subject or message.text[:30]
    return next((code for word, code in APPEAL_WORDS if word in head), default)


#: A run still "running" without a batch committed for this long was stopped by its process'
#: end (a batch takes about a second; a pull page waits at most its retries).
STALE_RUN = dt.timedelta(minutes=10)


def start_import(session: Session, board: Board, *, actor: Principal | None, source: str,
                 filename: str | None = None) -> BoardImport:
    """A new run of the board, recorded "running"; earlier runs of the board that stopped
    moving (``STALE_RUN``) are recorded as failed first."""
    now = clock.now()
    repository.close_stale_imports(session, board.id, before=now - STALE_RUN, now=now,
                                   reason="导入中断：进程已退出，未导入的留言可重新导入")
    row = BoardImport(board_id=board.id, source=source, filename=(filename or "")[:200] or None,
                      actor_id=actor.user_id if actor else None, started_at=now, status="running",
                      read=0, created=0, merged=0, updated=0, skipped=0, rejected=0, errors=[])
    session.add(row)
    session.flush()
    return row


def finish_import(session: Session, run: BoardImport, counts: Counts, *, actor: Principal | None,
                  status: str = "done") -> None:
    """Record what the run did (and an audit event: who imported what into which board)."""
    found = session.get(BoardImport, run.id, populate_existing=True)  # the run may come from another session
    assert found is not None
    run = found
    run.status, run.finished_at = status, clock.now()
    run.read, run.created, run.merged, run.updated = counts.read, counts.created, counts.merged, counts.updated
    run.skipped, run.rejected, run.errors = counts.skipped, counts.rejected, counts.errors[:200]
    audit.record(session, actor, f"board_import.{status}", object_type="board_import", object_id=run.id,
                 detail={"board_id": run.board_id, "source": run.source, "read": counts.read,
                         "created": counts.created, "merged": counts.merged, "updated": counts.updated,
                         "rejected": counts.rejected}, actor_name=None if actor else "system")


def import_messages(session: Session, board: Board, channel: Channel, messages: Sequence[Message], *,
                    import_id: int | None = None, actor: Principal | None = None,
                    lookup: intelligence.DuplicateLookup | None = None) -> Counts:
    """Register a batch of a board's checked messages in the session's transaction (see the
    module's docstring). Known messages only have their likes and dislikes refreshed. An
    intake refusing any message refuses the batch (``BatchRefused``, naming its row):
    nothing of it is written — the caller rolls back. ``lookup``: the duplicate lookup of the
    run, when the run imports several batches (its places' recent orders are read once).
    ``import_id``: the run, whose counts grow by the batch's in the same transaction."""
    counts = _import_batch(session, board, channel, messages, import_id=import_id, actor=actor, lookup=lookup)
    if import_id is not None:
        repository.record_progress(session, import_id, counts, clock.now())
    return counts


def _import_batch(session: Session, board: Board, channel: Channel, messages: Sequence[Message], *,
                  import_id: int | None, actor: Principal | None,
                  lookup: intelligence.DuplicateLookup | None) -> Counts:
    counts = Counts(read=len(messages))
    if not messages:
        return counts
    now = clock.now()
    actor = actor or board_actor(session, board)
    known = repository.known_messages(session, board.id, [m.ref for m in messages])
    refresh = []
    fresh: list[Message] = []
    for m in messages:
        found = known.get(m.ref)
        if found is None:
            fresh.append(m)
        elif (found[1], found[2]) != (m.likes, m.dislikes):
            refresh.append({"id": found[0], "likes": m.likes, "dislikes": m.dislikes, "updated_at": now})
        else:
            counts.unchanged += 1
    repository.refresh_counts(session, refresh)
    counts.updated = len(refresh)
    if not fresh:
        return counts

    texts = [f"{m.title} {m.text}" for m in fresh]
    lap = _Laps()
    categories = intelligence.suggest_categories(session, [t[:CATEGORY_CHARS] for t in texts],
                                                 confident=CATEGORY_CONFIDENCE)
    lap("category")
    within = org_repository.cached_region_by_code(session, repository.centre_region_code(session, board))
    regions = intelligence.locate_regions(session, texts, within=within)
    lap("place")
    plans: list[workorder.IntakePlan] = []
    errors: list[str] = []
    for m, category, region in zip(fresh, categories, regions, strict=True):
        data = workorder.IntakeData(
            channel=channel.code, appeal_type=appeal_type_of(m, board.appeal_type), title=m.title, content=m.text,
            category_code=category.category.code if category else None, region_code=region.code if region else None,
            source_ref=m.ref, received_at=m.posted_at, source_links=m.pictures)
        try:
            plans.append(workorder.plan_intake(session, actor, data))
        except InvalidInput as exc:
            errors.append(f"第 {m.row} 行 留言编号 {m.ref}: {exc.message}")
    if errors:
        raise BatchRefused(errors)
    lap("plan")
    probes = [intelligence.DuplicateProbe(title=m.title, content=m.text, region=region,
                                          category=category.category if category else None)
              for m, category, region in zip(fresh, categories, regions, strict=True)]
    lookup = lookup or intelligence.DuplicateLookup(actor)
    likely = lookup.find(session, probes)
    lap("duplicates")
    results = workorder.write_intakes(session, plans)
    lap("write")
    refused = [f"第 {m.row} 行 留言编号 {m.ref}: {getattr(r, 'message', str(r))}"
               for m, r in zip(fresh, results, strict=True) if isinstance(r, BaseException)]
    if refused:
        raise BatchRefused(refused)
    outcomes = [r for r in results if isinstance(r, workorder.IntakeResult)]
    lookup.settle([r.work_order_id for r in outcomes])
    main_of = _merge_duplicates(session, actor, outcomes, likely)
    lap("merge")
    rows = []
    for m, outcome in zip(fresh, outcomes, strict=True):
        main = outcome.merged_into or main_of.get(outcome.work_order_id)
        if not outcome.created:
            counts.unchanged += 1  # the order exists already (made from this message before)
        elif main is not None:
            counts.merged += 1
        else:
            counts.created += 1
        rows.append({"board_id": board.id, "ref": m.ref, "user_ref": m.user_ref, "subject": m.subject,
                     "posted_at": m.posted_at, "likes": m.likes, "dislikes": m.dislikes, "board_reply": m.reply,
                     "board_replied_at": m.replied_at, "work_order_id": outcome.work_order_id,
                     "work_order_number": outcome.number, "merged_into_number": main, "import_id": import_id,
                     "imported_at": now, "updated_at": now})
    repository.insert_messages(session, rows)
    lap("messages")
    return counts


#: Seconds spent in each step of the imports of this process (bench/board_import.py reports them).
STAGES: dict[str, float] = {}


class _Laps:
    def __init__(self) -> None:
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        STAGES[name] = STAGES.get(name, 0.0) + now - self.last
        self.last = now


def _merge_duplicates(session: Session, actor: Principal, outcomes: Sequence[workorder.IntakeResult],
                      likely: Sequence[intelligence.Duplicate | int | None]) -> dict[int, str]:
    """Merge each new order that likely repeats an open order (or an earlier message of the
    batch) into it; returns new order id → the main order's number. An order that joined its
    main order at intake (a catalogue repeat) is left as it is; a main order no longer open
    takes nothing (the new order waits for the centre)."""
    target: dict[int, int] = {}  # position → the main order's id
    for i, (outcome, found) in enumerate(zip(outcomes, likely, strict=True)):
        if found is None or not outcome.created or outcome.merged_into is not None:
            continue
        if isinstance(found, int):
            earlier = outcomes[found]
            if not earlier.created:
                continue
            main = target.get(found, earlier.work_order_id)
            if earlier.merged_into is not None:
                continue  # the earlier message joined a catalogue order: the centre decides
        else:
            main = found.merged_into_id or found.id
        target[i] = main
    if not target:
        return {}
    groups: dict[int, list[int]] = {}
    for i, main in target.items():
        groups.setdefault(main, []).append(outcomes[i].work_order_id)
    return workorder.merge_new(session, actor, groups)


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageView:
    message: BoardMessage
    status: str | None
    main_number: str | None


def list_messages(session: Session, board: Board, *, limit: int = 50, offset: int = 0,
                  text: str | None = None) -> tuple[list[MessageView], int]:
    rows, total = repository.messages(session, board.id, limit=min(max(limit, 1), 200), offset=max(offset, 0),
                                      text=validate.text(text, "q", max_length=50, required=False))
    states = workorder.order_states(session, [m.work_order_id for m in rows if m.work_order_id])
    out = []
    for m in rows:
        state = states.get(m.work_order_id) if m.work_order_id else None
        out.append(MessageView(m, state.status.value if state else None,
                               state.main_number if state else m.merged_into_number))
    return out, total


def list_imports(session: Session, board: Board) -> list[BoardImport]:
    return repository.imports(session, board.id)


def reply_rows(session: Session, board: Board, *, since: dt.datetime | None) -> list[tuple[str, str, dt.datetime]]:
    """The board's reply file: (留言编号, 答复意见, 答复时间) of each message whose order has an
    accepted reply (accepted at or after ``since``) — for a message merged into a main order,
    the main order's accepted reply. Oldest answer first."""
    pairs = repository.message_orders(session, board.id)
    answers: dict[int, workorder.ChannelAnswer] = {}
    ids = [order_id for _, order_id in pairs]
    for start in range(0, len(ids), 900):
        answers.update(workorder.accepted_answers(session, ids[start:start + 900], since=since))
    rows = [(ref, answers[order_id].text, answers[order_id].answered_at) for ref, order_id in pairs
            if order_id in answers]
    rows.sort(key=lambda r: (r[2], r[0]))
    return rows


def export_replies(session: Session, actor: Principal | None, board: Board, channel: Channel, *,
                   since: dt.datetime | None) -> list[tuple[str, str, dt.datetime]]:
    """The reply rows, with an audit event: who took which board's answers out."""
    rows = reply_rows(session, board, since=since)
    audit.record(session, actor, "board.replies_exported", object_type="board", object_id=channel.code,
                 detail={"since": since.isoformat() if since else None, "rows": len(rows)},
                 actor_name=None if actor else "system")
    return rows
