"""seat: the call the agent last answered on it (the screen-pop of a call taken over after a
blind transfer)

Revision ID: 4a1d8e6f0100
Revises: 9e4a7c2b0600
Create Date: 2026-12-06 04:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '4a1d8e6f0100'
down_revision: str | None = '9e4a7c2b0600'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('call_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.drop_column('call_id')
