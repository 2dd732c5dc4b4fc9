"""PostgreSQL: the order search's bigram index over order_grams(terms), and the substring test
order_text_matches, functions the planner knows to be costly

``string_to_array(terms, ' ')`` costs the planner one operator per row, so it preferred
walking the newest orders and splitting each one's text (17 µs a row: seconds for a common
word at millions of orders) to the bitmap of the GIN index. ``order_grams`` is the same split
declared with COST 1000: the planner now combines the index's bitmap with the id range the
search asks for (docs/adr/0031-order-search.md).

Revision ID: e5a1c3d49800
Revises: d4f0b2c38700
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'e5a1c3d49800'
down_revision: str | None = 'd4f0b2c38700'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # plpgsql, not SQL: a SQL function would be inlined, and its cost with it
    op.execute("CREATE FUNCTION order_grams(terms text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE STRICT "
               "PARALLEL SAFE COST 1000 AS $$ BEGIN RETURN string_to_array(terms, ' '); END $$")
    op.execute("DROP INDEX ix_work_order_text_grams")
    op.execute("CREATE INDEX ix_work_order_text_grams ON work_order_text USING gin (order_grams(terms))")
    # the substring test that confirms a candidate, as costly to the planner as it is (an ILIKE
    # over a long text): run on the index's candidates, never over the whole table
    op.execute("CREATE FUNCTION order_text_matches(title text, content text, address text, pattern text) "
               "RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1000 AS $$ BEGIN "
               "RETURN title ILIKE pattern ESCAPE '/' OR content ILIKE pattern ESCAPE '/' "
               "OR address ILIKE pattern ESCAPE '/'; END $$")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_work_order_text_grams")
    op.execute("CREATE INDEX ix_work_order_text_grams ON work_order_text USING gin (string_to_array(terms, ' '))")
    op.execute("DROP FUNCTION order_grams(text)")
    op.execute("DROP FUNCTION order_text_matches(text, text, text, text)")
