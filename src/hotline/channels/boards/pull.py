"""The pull adapter: a board that offers an HTTP JSON API is read page by page.

The contract (docs/integration.md, "网络留言板"): ``GET <pull_url>?<cursor_param>=<cursor>&
<limit_param>=<n>`` answers a JSON object whose ``items`` key (a dotted path, per the board's
field map) holds the messages and whose ``next_cursor`` key the position after them; the field
map names the key of each message field (``ref, user, subject, posted_at, text, likes,
dislikes``, optional ``reply, replied_at, pictures``). Each page is checked like a file and imported in
one transaction together with the cursor that follows it, so the cursor never runs ahead of
what was imported, and a page seen again changes nothing but likes and dislikes. A request
that fails (no answer, a 5xx, not JSON) is retried with back-off (``RETRIES``); a run that still
fails is tried again later, the wait doubling with each failed run (at most a day). Only the
URL the province's administrator set is requested; redirects are not followed."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from hotline.channels.boards import fileformat, repository, service
from hotline.channels.boards.models import Board
from hotline.kit import clock
from hotline.kit.db import SessionFactory, transaction

log = logging.getLogger(__name__)

#: Attempts of one request, and the waits between them (seconds).
RETRIES = (1.0, 4.0, 15.0)
TIMEOUT = 15.0
MAX_RESPONSE = 8 * 1024 * 1024
PAGE_SIZE = 200
PAGES_PER_RUN = 50
MAX_BACKOFF = dt.timedelta(days=1)


class PullFailed(Exception):
    """The board's API could not be read (after the retries)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, *, sleep: Callable[[float], None] = time.sleep, retries: tuple[float, ...] = RETRIES) -> Any:
    """GET a JSON document, retrying a failure after each wait of ``retries``."""
    last = ""
    for wait in (0.0, *retries):
        if wait:
            sleep(wait)
        try:
            request = urllib.request.Request(url, headers={"Accept": "application/json",  # noqa: S310 (checked scheme)
                                                           "User-Agent": "hotline-board-pull/1"})
            with _OPENER.open(request, timeout=TIMEOUT) as response:
                body = response.read(MAX_RESPONSE + 1)
            if len(body) > MAX_RESPONSE:
                raise PullFailed("接口返回内容过大")
            return json.loads(body.decode("utf-8-sig"))
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:
                raise PullFailed(f"接口拒绝了请求（{last}）") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = type(exc).__name__ + (f": {exc.reason}" if isinstance(exc, urllib.error.URLError) else "")
        log.info("board pull: %s failed (%s)", urlsplit(url).netloc, last)
    raise PullFailed(f"接口无法访问（{last}），已重试 {len(retries)} 次")


def _get(document: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


def page_url(base: str, cursor: str | None, fields: dict[str, str]) -> str:
    parts = urlsplit(base)
    query = [parts.query] if parts.query else []
    params: dict[str, str] = {fields["limit_param"]: str(PAGE_SIZE)}
    if cursor:
        params[fields["cursor_param"]] = cursor
    query.append(urlencode(params))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(query), ""))


def records(items: list[Any], fields: dict[str, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for n, item in enumerate(items, start=1):
        yield n, {name: _get(item, fields[name]) if isinstance(item, dict) else None
                  for name in service.MESSAGE_FIELDS}


def pull_board(factory: SessionFactory, board_id: int, *, sleep: Callable[[float], None] = time.sleep,
               retries: tuple[float, ...] = RETRIES) -> service.Counts:
    """One run of a board's pull: pages from its cursor on until the API has no more (at most
    ``PAGES_PER_RUN``). Returns what it did; records it as a ``pull`` import."""
    with transaction(factory) as session:
        board = session.get(Board, board_id)
        if board is None or not board.pull_url:
            return service.Counts()
        url, cursor = board.pull_url, board.pull_cursor
        fields = {**service.DEFAULT_FIELD_MAP, **board.field_map}
        run = service.start_import(session, board, actor=None, source="pull", filename=urlsplit(url).netloc)
    counts = service.Counts()
    status, error = "done", None
    try:
        for _ in range(PAGES_PER_RUN):
            document = fetch(page_url(url, cursor, fields), sleep=sleep, retries=retries)
            items = _get(document, fields["items"])
            if not isinstance(items, list):
                raise PullFailed(f"接口返回中没有“{fields['items']}”列表")
            if len(items) > service.MAX_PULL_PAGE:
                raise PullFailed("接口一页返回的留言过多")
            following = _get(document, fields["next_cursor"])
            following = str(following)[:200] if following not in (None, "") else None
            parsed = fileformat.check(records(items, fields), where="条", base=url)
            counts.read += parsed.rows
            counts.skipped += len(parsed.skipped)
            counts.errors += parsed.skipped
            if parsed.errors:
                counts.rejected += parsed.bad_rows
                counts.errors = parsed.errors + counts.errors
                raise PullFailed(parsed.errors[0])
            with transaction(factory) as session:
                board = session.get(Board, board_id, with_for_update=True)  # one import of a board at a time
                if board is None:
                    raise PullFailed("留言板已删除")
                channel = repository.board_by_code_id(session, board)
                try:
                    done = service.import_messages(session, board, channel, parsed.messages, import_id=run.id)
                except service.BatchRefused as exc:
                    counts.rejected += len(parsed.messages)
                    counts.errors = exc.errors + counts.errors
                    raise PullFailed(exc.errors[0]) from None
                if following is not None:
                    board.pull_cursor = following
            done.read = 0
            counts.add(done)
            if not items or following is None or following == cursor:
                break
            cursor = following
    except PullFailed as exc:
        status, error = "rejected", str(exc)
        if error not in counts.errors:
            counts.errors.insert(0, error)
    except Exception as exc:  # recorded and tried again later, as a failing board API is
        log.exception("board %s: pull stopped", board_id)
        status, error = "failed", f"导入中断：{getattr(exc, 'message', type(exc).__name__)}"
        counts.errors.insert(0, error)
    now = clock.now()
    with transaction(factory) as session:
        board = session.get(Board, board_id)
        assert board is not None
        if error is None:
            board.pull_failures, board.last_error = 0, None
            board.last_pulled_at = now
            board.next_pull_at = now + dt.timedelta(seconds=board.pull_interval_seconds)
        else:
            board.pull_failures += 1
            board.last_error = error[:500]
            wait = dt.timedelta(seconds=board.pull_interval_seconds) * 2 ** min(board.pull_failures, 10)
            board.next_pull_at = now + min(wait, MAX_BACKOFF)
        service.finish_import(session, run, counts, actor=None, status=status)
    return counts
