"""The boundary of an import run: a checked file is written a batch (``service.BATCH``
messages) per transaction, so that a file of tens of thousands of messages never holds the
database's write lock for long, and the run is recorded (``board_import``). A file with any bad
row was refused whole before (nothing of it is imported); a batch that intake refuses is
rolled back whole and ends the run. Re-running the same file is safe: what was imported is
recognised by its 留言编号."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from hotline.auth.principal import Principal
from hotline.channels.boards import repository, service
from hotline.channels.boards.fileformat import Parsed
from hotline.intelligence import service as intelligence
from hotline.kit.db import SessionFactory, transaction
from hotline.kit.errors import NotFound


@dataclass
class Summary:
    """What a run did; ``as_json`` is the summary the command prints as its last line."""

    counts: service.Counts
    seconds: float
    import_id: int | None
    status: str

    def as_json(self) -> dict[str, Any]:
        c = self.counts
        return {"read": c.read, "created": c.created, "merged": c.merged, "updated": c.updated,
                "rejected": c.rejected, "seconds": round(self.seconds, 3), "skipped": c.skipped,
                "unchanged": c.unchanged, "status": self.status, "import_id": self.import_id}


def run_import(factory: SessionFactory, *, board_code: str, parsed: Parsed, actor: Principal | None,
               source: str, filename: str | None = None) -> Summary:
    """Import a checked file (or page) into a board, a batch per transaction."""
    started = time.perf_counter()
    counts = service.Counts(read=parsed.rows, skipped=len(parsed.skipped), errors=list(parsed.skipped))
    with transaction(factory) as session:
        found = repository.board_by_code(session, board_code)
        if found is None:
            raise NotFound("留言板不存在")
        run = service.start_import(session, found[0], actor=actor, source=source, filename=filename)
        if parsed.errors:
            counts.rejected = parsed.bad_rows
            counts.errors = parsed.errors + counts.errors
            service.finish_import(session, run, counts, actor=actor, status="rejected")
    if parsed.errors:
        return Summary(counts, time.perf_counter() - started, run.id, "rejected")
    status = "done"
    messages = parsed.messages
    lookup = None
    try:
        for start in range(0, len(messages), service.BATCH):
            chunk = messages[start:start + service.BATCH]
            try:
                with transaction(factory) as session:
                    found = repository.board_by_code(session, board_code, lock=True)
                    if found is None:
                        raise NotFound("留言板不存在")
                    if lookup is None:
                        lookup = intelligence.DuplicateLookup(service.board_actor(session, found[0]))
                    done = service.import_messages(session, found[0], found[1], chunk, import_id=run.id,
                                                   lookup=lookup)
            except service.BatchRefused as exc:
                counts.rejected += len(chunk)
                counts.errors = exc.errors + counts.errors
                status = "rejected"
                break
            done.read = 0  # counted once, from the file
            counts.add(done)
    except BaseException as exc:
        # Whatever stopped the run (the board removed, its account disabled, the database
        # gone): the batches before stay imported, the run is recorded as failed, not left
        # "running" — a re-run picks up where it stopped.
        counts.errors = [f"导入中断：{getattr(exc, 'message', type(exc).__name__)}", *counts.errors]
        with transaction(factory) as session:
            service.finish_import(session, run, counts, actor=actor, status="failed")
        raise
    with transaction(factory) as session:
        service.finish_import(session, run, counts, actor=actor, status=status)
    return Summary(counts, time.perf_counter() - started, run.id, status)
