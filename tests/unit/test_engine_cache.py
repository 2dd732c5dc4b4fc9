from sqlalchemy import Column, Integer, MetaData, Table, select

from hotline.kit.db import make_engine, make_read_engine


def test_the_engines_keep_a_thousand_compiled_statements(tmp_path):
    """A statement pushed out of an engine's compiled cache is compiled again on its next use
    (~1 ms for an order with its joined tables): with SQLAlchemy's default of 500 a running
    server — pages, jobs, search filters — kept pushing out its own order lookups. A thousand
    distinct statements now all stay compiled."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    t = Table("t", MetaData(), Column("a", Integer))
    writer = make_engine(url)
    t.metadata.create_all(writer)
    for engine in (writer, make_read_engine(url)):
        with engine.connect() as conn:
            for i in range(1000):  # distinct statements: each a cache key of its own
                conn.execute(select(t.c.a.label(f"a{i}"))).all()
        assert engine._compiled_cache is not None and len(engine._compiled_cache) >= 1000
        engine.dispose()
