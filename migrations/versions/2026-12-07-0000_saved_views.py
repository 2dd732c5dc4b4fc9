"""saved views of the statistics workbench

Revision ID: f3a9b8c70800
Revises: f4b2c3d40900
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db

revision: str = 'f3a9b8c70800'
down_revision: str | None = 'f4b2c3d40900'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'saved_view',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_saved_view_owner_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_view')),
        sa.UniqueConstraint('ref', name=op.f('uq_saved_view_ref')),
    )
    op.create_index(op.f('ix_saved_view_owner_id'), 'saved_view', ['owner_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_saved_view_owner_id'), table_name='saved_view')
    op.drop_table('saved_view')
