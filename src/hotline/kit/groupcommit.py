"""Group commit: many requests' writes in one transaction, each request answered only after
that transaction has committed.

The write of an intake is short and serial (SQLite has one writer; on PostgreSQL the audit
chain's head row is locked until commit), while everything before it — validation,
encryption, matching the catalogue, computing deadlines — runs in parallel. So requests
prepare their work concurrently and hand it to one writer thread per process, which takes
whatever has queued up while it was busy (up to ``max_batch``), writes it all in one
transaction and commits once. Under load the batches grow by themselves; with one request
at a time each batch holds one item and nothing waits.

A 2xx still means committed: a request's future resolves only after the commit. If the
batch fails as a whole (a constraint, a lost connection), each item is written again alone,
so one bad item fails only its own request. A killed process loses only requests that were
never answered (docs/adr/0007-group-commit.md)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from prometheus_client import Histogram
from sqlalchemy.orm import Session

from hotline.kit.db import SessionFactory, transaction

log = logging.getLogger(__name__)
BATCH_SIZE = Histogram("hotline_group_commit_batch_size", "Items written per group commit", ["writer"],
                       buckets=(1, 2, 4, 8, 16, 32, 64, 128))

T = TypeVar("T")
R = TypeVar("R")

#: ``write(session, items)`` writes the items in the session's transaction and returns, for
#: each item in order, its result or the exception that refused it (nothing of a refused
#: item may have been written). An exception raised out of ``write`` fails the batch.
Writer = Callable[[Session, Sequence[T]], list[R | BaseException]]


class GroupCommitter(Generic[T, R]):
    def __init__(self, name: str, factory: SessionFactory, write: Writer[T, R], *, max_batch: int = 64) -> None:
        self.name = name
        self.factory = factory
        self.write = write
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[T, Future[R]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, item: T) -> Future[R]:
        """Queue ``item``; the future resolves once its transaction has committed."""
        future: Future[R] = Future()
        self._ensure_thread()
        self._queue.put((item, future))
        return future

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=f"group-commit-{self.name}", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            BATCH_SIZE.labels(self.name).observe(len(batch))
            try:
                self._commit(batch)
            except Exception:  # the writer thread must survive anything
                log.exception("group commit %s: unexpected failure", self.name)

    def _commit(self, batch: list[tuple[T, Future[R]]]) -> None:
        items = [item for item, _ in batch]
        try:
            with transaction(self.factory) as session:
                outcomes = self.write(session, items)
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            log.warning("group commit %s: a batch of %d failed (%s); writing each alone",
                        self.name, len(batch), type(exc).__name__)
            for one in batch:
                self._commit([one])
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
