"""board import runs record their progress, so that a run whose process ended is recognised

Revision ID: c3e9f1a21800
Revises: b0a4d5e61550
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c3e9f1a21800'
down_revision: str | None = 'b0a4d5e61550'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('board_import') as batch:
        batch.add_column(sa.Column('progressed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('board_import') as batch:
        batch.drop_column('progressed_at')
