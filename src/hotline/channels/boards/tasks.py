"""Background jobs of the message boards: every minute, pull the boards whose pull is due
(a long job: the HTTP requests run outside any transaction, each page is imported in its own)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from hotline.channels.boards import pull, repository
from hotline.kit import clock, jobs
from hotline.kit.db import SessionFactory, transaction

log = logging.getLogger(__name__)

PULL_JOB = "boards.pull"


@jobs.long_handler(PULL_JOB, every=dt.timedelta(minutes=1))
def pull_due_boards(factory: SessionFactory, payload: dict[str, Any]) -> None:
    with transaction(factory) as session:
        due = repository.due_pulls(session, clock.now())
    for board_id in due:
        counts = pull.pull_board(factory, board_id)
        log.info("board %s pulled: read %s, created %s, merged %s, updated %s, rejected %s", board_id,
                 counts.read, counts.created, counts.merged, counts.updated, counts.rejected)
