"""telephony: index of calls by seat and answer time (the agent's console polls its seat's last
answered call once a second)

Revision ID: 7c4e1b3f0400
Revises: 8a5d2c4e0500 (cti-ingest's indexes; originally 9cfc71524143)
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '7c4e1b3f0400'
down_revision: str | None = '8a5d2c4e0500'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index('ix_call_seat_answered', ['seat_id', 'answered_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_seat_answered')
