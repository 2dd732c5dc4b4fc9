"""repeat catalogue appeals join their open main order at intake: the main order counts the
urges (催办), and a partial index finds a catalogue entry's recent orders at a place

Revision ID: 5c1e0a4d7b21
Revises: 5c0d7e2a9b41
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5c1e0a4d7b21'
down_revision: str | None = '5c0d7e2a9b41'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = "direct_rule_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urge_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.create_index('ix_work_order_direct_place', ['direct_rule_id', 'region_id', 'registered_at'],
                              unique=False, postgresql_where=sa.text(WHERE), sqlite_where=sa.text(WHERE))


def downgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_index('ix_work_order_direct_place', postgresql_where=sa.text(WHERE),
                            sqlite_where=sa.text(WHERE))
        batch_op.drop_column('urge_count')
