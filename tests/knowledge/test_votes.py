"""Readers' votes on knowledge items: one per reader (address) and item an hour, counted once
whichever web process or host takes the vote — the votes are kept in the database."""

import os
import subprocess
import sys

from sqlalchemy import func, select

from hotline.kit import context
from hotline.kit.db import make_engine, make_session_factory, transaction
from hotline.knowledge import service as kb
from hotline.knowledge import tasks
from hotline.knowledge.models import KnowledgeItem, KnowledgeVote
from tests.knowledge.helpers import published

_SECOND_PROCESS = r'''
import sys
from hotline.config import get_settings
from hotline.kit import context, crypto
from hotline.kit.db import make_engine, make_session_factory, transaction
from hotline.knowledge import service as kb

settings = get_settings()
crypto.configure(settings.pii_keys, settings.pii_index_key)
context.client_ip.set(sys.argv[3])
with transaction(make_session_factory(make_engine(sys.argv[1]))) as session:
    print(kb.vote(session, int(sys.argv[2]), helpful=True))
'''


def vote_in_another_process(url, item_id, address):
    out = subprocess.run([sys.executable, "-c", _SECOND_PROCESS, url, str(item_id), address], env=os.environ,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1] == "True"


def as_reader(address):
    return context.client_ip.set(address)


def test_a_second_process_refuses_a_readers_second_vote_within_the_hour(own_database):
    url, world = own_database
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        with transaction(factory) as session:
            item_id = published(session, world).id
        token = as_reader("203.0.113.7")
        try:
            with transaction(factory) as session:
                assert kb.vote(session, item_id, helpful=True) is True
        finally:
            context.client_ip.reset(token)

        assert vote_in_another_process(url, item_id, "203.0.113.7") is False  # the same reader
        assert vote_in_another_process(url, item_id, "198.51.100.2") is True  # another reader
        with transaction(factory) as session:
            item = session.get(KnowledgeItem, item_id)
            assert (item.helpful, item.not_helpful) == (2, 0)
    finally:
        engine.dispose()


def test_a_reader_may_vote_again_after_the_hour(db, world, travel):
    item = published(db, world)
    token = as_reader("203.0.113.7")
    try:
        assert kb.vote(db, item.id, helpful=True) is True
        travel.shift(kb.VOTE_WINDOW_SECONDS - 60)
        assert kb.vote(db, item.id, helpful=False) is False
        travel.shift(61)
        assert kb.vote(db, item.id, helpful=False) is True
    finally:
        context.client_ip.reset(token)
    db.refresh(item)
    assert (item.helpful, item.not_helpful) == (1, 1)


def test_the_readers_address_is_not_stored(db, world):
    item = published(db, world)
    token = as_reader("203.0.113.7")
    try:
        kb.vote(db, item.id, helpful=True)
    finally:
        context.client_ip.reset(token)
    [reader] = db.scalars(select(KnowledgeVote.reader)).all()
    assert "203.0.113" not in reader and len(reader) == 64


def test_upkeep_drops_votes_past_their_window(db, world, travel):
    item = published(db, world)
    for address in ("203.0.113.7", "198.51.100.2"):
        token = as_reader(address)
        try:
            kb.vote(db, item.id, helpful=True)
        finally:
            context.client_ip.reset(token)
        travel.shift(kb.VOTE_WINDOW_SECONDS / 2 + 1)
    tasks.upkeep(db, {})
    assert db.scalar(select(func.count()).select_from(KnowledgeVote)) == 1  # the older one is gone
