"""readers' votes on knowledge items kept in the database (one per reader and item within the
window, shared by every web process and host)

Revision ID: 5d2c7e1a0940
Revises: 5c1a9e0d0930
Create Date: 2026-12-05 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5d2c7e1a0940'
down_revision: str | None = '5c1a9e0d0930'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'knowledge_vote',
        sa.Column('reader', sa.String(length=64), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('voted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['knowledge_item.id'], name=op.f('fk_knowledge_vote_item_id_knowledge_item'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('reader', 'item_id', name=op.f('pk_knowledge_vote')),
    )
    with op.batch_alter_table('knowledge_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_vote_voted_at'), ['voted_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('knowledge_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_vote_voted_at'))
    op.drop_table('knowledge_vote')
