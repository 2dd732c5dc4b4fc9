"""a partial index of the orders the deadline sweep may still mark

Revision ID: 3c8d1e5a9b72
Revises: 9fbedd18c9de
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3c8d1e5a9b72'
down_revision: str | None = '9fbedd18c9de'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = "status IN ('dispatched', 'handling') AND (due_soon_warned_at IS NULL OR overdue_at IS NULL)"


def upgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index('ix_work_order_sweep', ['due_at', 'id'], unique=False,
                              postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))


def downgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_index('ix_work_order_sweep')
