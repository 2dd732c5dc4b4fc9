"""knowledge search on PostgreSQL: an index of the question field alone, for questions whose
every term is in much of the base (the search then looks among the items that ask about it)

Revision ID: 6d1f3a8e2c47
Revises: 4b7e2d9c1a36
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '6d1f3a8e2c47'
down_revision: str | None = '4b7e2d9c1a36'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite's FTS5 table already indexes the question column on its own.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_knowledge_search_question ON knowledge_search "
                   "USING gin (to_tsvector('simple', question_terms))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_knowledge_search_question")
