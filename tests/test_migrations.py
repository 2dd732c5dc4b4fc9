"""Migrations run from empty on the suite's database kind (SQLite, or PostgreSQL in CI)."""

import sqlalchemy as sa

from hotline.kit import migrate
from tests.conftest import fresh_database_url

TABLES = {"region", "unit", "category", "unit_category", "appeal_type", "channel", "user_account",
          "auth_session", "api_token", "login_attempt", "audit_event", "audit_head", "citizen", "job"}


def test_migrations_build_the_schema_from_empty_and_tear_it_down_again():
    url, cleanup = fresh_database_url("migr")
    try:
        migrate.upgrade(url)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) >= TABLES
            codes = conn.execute(sa.text("SELECT code FROM appeal_type ORDER BY sort")).scalars().all()
            assert codes == ["consultation", "help", "complaint", "report", "suggestion", "praise"]
            assert conn.execute(sa.text("SELECT seq FROM audit_head")).scalar_one() == 0
        migrate.downgrade(url)
        with engine.connect() as conn:
            assert not (TABLES & set(sa.inspect(conn).get_table_names()))
        migrate.upgrade(url)
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) >= TABLES
        engine.dispose()
    finally:
        cleanup()  # type: ignore[operator]
