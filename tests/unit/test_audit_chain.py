import datetime as dt

from hotline.audit import chain

AT = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC)


def row(**kw):
    base = {"seq": 1, "at": AT, "actor_id": 1, "actor_name": "admin", "action": "user.created",
            "object_type": "user", "object_id": "2", "detail": {"role": "agent"}, "ip": "127.0.0.1"}
    base.update(kw)
    return chain.canonical(**base)


def test_canonical_form_ignores_the_timezone_the_instant_was_written_in():
    cst = AT.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert row() == row(at=cst)


def test_any_field_change_changes_the_link():
    original = chain.link(chain.GENESIS, row())
    for change in ({"actor_name": "mallory"}, {"detail": {"role": "admin"}}, {"seq": 2}, {"ip": None}):
        assert chain.link(chain.GENESIS, row(**change)) != original


def test_the_link_depends_on_the_previous_hash():
    assert chain.link(chain.GENESIS, row()) != chain.link("f" * 64, row())
