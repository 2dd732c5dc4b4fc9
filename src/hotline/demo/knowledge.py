"""The demo province's knowledge base: the items of ``knowledge.tsv``, drafted by the
provincial centre's knowledge editor for their owner departments, reviewed and published by
its reviewer — through the services, like everything else in the demo.

Policy documents are registered as issued in the last few days (their numbers take that
year), so that their items come within the 7-working-day rule — except two documents issued
four weeks ago whose items are still drafts: the first upkeep run settles them as late, and
they show on the supervision ledger. Items with an expiry date already past are published
too: they never answer, and the upkeep job marks them expired."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.knowledge import service
from hotline.knowledge.models import PolicyClass, PolicyDocument
from hotline.org import repository

SOURCE = Path(__file__).with_name("knowledge.tsv")
#: Owner keys without a provincial department: their province-wide items go to 青川市's.
LOCAL_ONLY = {"cg"}
LATE_DOCUMENTS = 2


def _principal(session: Session, username: str) -> Principal:
    user = auth_repository.user_by_username(session, username)
    assert user is not None, username
    return Principal.of(user)


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def load_knowledge(session: Session, categories: dict[tuple[str, ...], str]) -> int:
    """Load the demo items; returns how many were published."""
    editor, reviewer = _principal(session, "kb_editor"), _principal(session, "kb_reviewer")
    with SOURCE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    numbers = list(dict.fromkeys(r["doc_number"] for r in rows if r["doc_number"]))
    late = set(numbers[-LATE_DOCUMENTS:])
    today = clock.today()
    documents: dict[str, PolicyDocument] = {}
    published = 0
    for row in rows:
        owner_code = (f"990100-{row['owner']}" if row["owner"] in LOCAL_ONLY and row["region"] == "990000"
                      else f"{row['region']}-{row['owner']}")
        owner = repository.unit_by_code(session, owner_code)
        assert owner is not None, owner_code
        doc = None
        if row["doc_number"]:
            doc = documents.get(row["doc_number"])
            if doc is None:
                index = numbers.index(row["doc_number"])
                issued = today - dt.timedelta(days=28 if row["doc_number"] in late else index % 5)
                number = re.sub(r"〔\d{4}〕", f"〔{issued.year}〕", row["doc_number"])
                doc = service.register_document(session, editor, title=row["doc_title"], doc_number=number,
                                                issued_on=issued, owner_unit_id=owner.id)
                documents[row["doc_number"]] = doc
            owner = doc.owner_unit  # a document's items are its unit's
        level1, level2 = row["category"].split("/")
        item = service.create_item(session, editor, service.ItemData(
            question=row["question"], answer=row["answer"], region_code=row["region"],
            category_code=categories[(level1, level2)], policy_class=PolicyClass(row["policy_class"])
            if row["policy_class"] else None, document_id=doc.id if doc else None,
            effective_on=_date(row["effective_on"]), expires_on=_date(row["expires_on"]),
            keywords=row["keywords"]), owner_unit_id=owner.id)
        if row["doc_number"] in late:
            continue  # still a draft: the document will be late
        service.submit(session, editor, item)
        service.approve(session, reviewer, item)
        service.publish(session, reviewer, item)
        published += 1
    return published
