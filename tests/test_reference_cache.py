"""Reference rows cached in each process: a change made by another process (or by a plain SQL
statement, which no session notices) reaches this process's caches within a second, through
the ``reference_version`` counter the watched tables' triggers keep."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError

import hotline
from hotline.kit import cache
from hotline.org import repository as org_repository
from hotline.org.models import Category


@pytest.fixture
def looked_long_ago(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(cache._version, "at", float("-inf"))
    monkeypatch.setitem(cache._version, "seen", None)


def _version(db) -> int:  # type: ignore[no-untyped-def]
    return db.execute(select(cache.ReferenceVersion.n).where(cache.ReferenceVersion.id == 1)).scalar_one()


def test_every_watched_table_has_the_trigger_that_counts_its_changes(db):
    for module in pkgutil.walk_packages(hotline.__path__, "hotline."):  # so that every watch() has run
        importlib.import_module(module.name)
    tables = sorted(model.__table__.name for model in cache._WATCHED)
    if db.get_bind().dialect.name == "postgresql":
        found = db.execute(text("SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                "WHERE NOT t.tgisinternal AND t.tgname LIKE '%reference_version'")).scalars()
    else:
        found = db.execute(text("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                                "AND name LIKE '%reference_version_update'")).scalars()
    assert sorted(set(found)) == tables


def test_a_change_no_session_of_this_process_saw_clears_the_caches_at_the_next_look(db, factory, world,
                                                                                    looked_long_ago):
    code = db.execute(select(Category.code).where(Category.level == 3).limit(1)).scalar_one()
    assert cache.notice_changes(factory)  # the first look: nothing known yet
    before = _version(db)
    name = org_repository.cached_category_by_code(db, code).name
    # another process renames it: a plain statement, which this process's sessions never flush
    db.execute(update(Category).where(Category.code == code).values(name="改名后的类别"))
    db.commit()
    assert _version(db) > before
    assert org_repository.cached_category_by_code(db, code).name == name  # still the cached copy
    cache._version["at"] = float("-inf")  # a second has passed
    assert cache.notice_changes(factory)
    assert org_repository.cached_category_by_code(db, code).name == "改名后的类别"


def test_the_counter_is_read_at_most_once_a_second(db, factory, looked_long_ago, monkeypatch):
    assert cache.notice_changes(factory)
    reads = []
    monkeypatch.setattr(cache, "select", lambda *a: reads.append(a) or select(*a))
    assert not cache.notice_changes(factory)
    assert reads == []  # too soon: not even read
    cache._version["at"] -= cache.VERSION_CHECK_SECONDS
    assert not cache.notice_changes(factory)  # read, unchanged: the caches stay
    assert len(reads) == 1


def test_a_counter_that_cannot_be_read_leaves_the_caches_and_the_request_alone(looked_long_ago):
    def broken():  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT n FROM reference_version", {}, Exception("database is locked"))

    assert cache.notice_changes(broken) is False  # type: ignore[arg-type]
