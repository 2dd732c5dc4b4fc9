"""the pictures and files a source showed with an appeal, kept as links (not fetched)

Revision ID: c3e9a1b27600
Revises: b2d6f8a01500
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c3e9a1b27600'
down_revision: str | None = 'b2d6f8a01500'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('work_order_source') as batch:
        batch.add_column(sa.Column('links', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('work_order_source') as batch:
        batch.drop_column('links')
