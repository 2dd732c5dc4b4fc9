"""key canary: a known value encrypted with the personal-data keys, checked at every start

Revision ID: 5c1a9e0d0930
Revises: 3b9d51f0a920
Create Date: 2026-12-05 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5c1a9e0d0930'
down_revision: str | None = '3b9d51f0a920'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'key_canary',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('ciphertext', sa.String(length=200), nullable=False),
        sa.Column('index_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_key_canary')),
    )


def downgrade() -> None:
    op.drop_table('key_canary')
