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
_STOP = object()
R = TypeVar("R")

#: ``write(session, items)`` writes the items in the session's transaction and returns, for
#: each item in order, its result or the exception that refused it (nothing of a refused
#: item may have been written). An exception raised out of ``write`` fails the batch.
Writer = Callable[[Session, Sequence[T]], list[R | BaseException]]


class GroupCommitter(Generic[T, R]):
    def __init__(self, name: str, factory: SessionFactory, write: Writer[T, R], *, max_batch: int = 64,
                 writers: int = 1) -> None:
        """``writers`` threads take batches from the one queue. One is right for SQLite (a
        single writer anyway); on PostgreSQL a second overlaps one batch's round trips with
        the other's, and they meet only where the write itself serialises (the audit chain's
        head, the day's order counter)."""
        self.name = name
        self.factory = factory
        self.write = write
        self.max_batch = max_batch
        self.writers = writers
        self._queue: queue.SimpleQueue[tuple[T, Future[R]]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()

    def submit(self, item: T) -> Future[R]:
        """Queue ``item``; the future resolves once its transaction has committed."""
        future: Future[R] = Future()
        self._queue.put((item, future))
        self._ensure_thread()  # after the put: a writer started now, or one already running, takes it
        return future

    def _ensure_thread(self) -> None:
        if len(self._threads) == self.writers and all(t.is_alive() for t in self._threads):
            return
        with self._start_lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self.writers:
                thread = threading.Thread(target=self._run, name=f"group-commit-{self.name}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def close(self, timeout: float = 30.0) -> None:
        """Stop the writer threads once the queue is drained (the application shuts down).
        A later ``submit`` starts new ones (an application's lifespan may run again)."""
        with self._start_lock:
            stopping, self._threads = self._threads, []
            for _ in stopping:
                self._queue.put(_STOP)  # type: ignore[arg-type]
            for thread in stopping:  # no new writer may start and take a stop meant for these
                thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    self._queue.put(item)  # stop after this batch
                    break
                batch.append(item)
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
