"""work orders merged as duplicates into one (并案); a place's and a caller's latest orders indexed for
the duplicate lookup (replacing the plain indexes on the region and the citizen)

Revision ID: 77719c9027bb
Revises: 3eee473b37df
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '77719c9027bb'
down_revision: str | None = '3eee473b37df'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_work_order_citizen_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_region_id'))
        batch_op.create_index('ix_work_order_citizen_registered', ['citizen_id', 'registered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index('ix_work_order_region_category_registered', ['region_id', 'category_id', 'registered_at'], unique=False)
        batch_op.create_index('ix_work_order_region_registered', ['region_id', 'registered_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_work_order_merged_into_id_work_order'), 'work_order', ['merged_into_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_work_order_merged_into_id_work_order'), type_='foreignkey')
        batch_op.drop_index('ix_work_order_region_registered')
        batch_op.drop_index('ix_work_order_region_category_registered')
        batch_op.drop_index(batch_op.f('ix_work_order_merged_into_id'))
        batch_op.drop_index('ix_work_order_citizen_registered')
        batch_op.create_index(batch_op.f('ix_work_order_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_citizen_id'), ['citizen_id'], unique=False)
        batch_op.drop_column('merged_into_id')

