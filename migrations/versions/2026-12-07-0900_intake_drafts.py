"""the agent's saved console forms (暂存草稿)

Revision ID: b2d6f8a01500
Revises: a1c5e7f91400
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db

revision: str = 'b2d6f8a01500'
down_revision: str | None = 'a1c5e7f91400'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'intake_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('fields', hotline.kit.db.EncryptedString(), nullable=False),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_intake_draft_owner_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_draft')),
        sa.UniqueConstraint('ref', name=op.f('uq_intake_draft_ref')),
    )
    op.create_index(op.f('ix_intake_draft_owner_id'), 'intake_draft', ['owner_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_intake_draft_owner_id'), table_name='intake_draft')
    op.drop_table('intake_draft')
