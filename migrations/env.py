"""Alembic environment. Called by ``hotline db upgrade`` and by the test suite.

A caller may hand over an open connection in ``config.attributes["connection"]``; otherwise
the URL comes from ``sqlalchemy.url``. SQLite runs in batch mode so ALTERs work there too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config


def target_metadata():  # type: ignore[no-untyped-def]
    # Only the alembic CLI (autogenerate, check) needs the models; `hotline db upgrade` runs the version files alone.
    from hotline.models import Base

    return Base.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """The full-text index is the database's own: SQLite's FTS5 tables, PostgreSQL's generated
    column and its GIN indexes (see the knowledge-base and order-search migrations); autogenerate leaves them alone."""
    if type_ == "table" and name and (name.startswith("knowledge_fts") or name.startswith("work_order_fts")):
        return False
    if type_ == "index" and name in ("ix_knowledge_search_tsv", "ix_knowledge_search_question",
                                     "ix_work_order_text_grams"):
        return False
    return not (type_ == "column" and name == "tsv")


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        include_object=include_object,
        target_metadata=target_metadata() if config.cmd_opts is not None else None,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as conn:
        run(conn)
