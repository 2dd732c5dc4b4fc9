"""notification outbox relay: due time on the notification, no delivery job per message

Revision ID: 5d1f0c2a7e41
Revises: 3b90b6f5fbf5
Create Date: 2026-11-22 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5d1f0c2a7e41'
down_revision: str | None = '3b90b6f5fbf5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_notification_due', ['status', 'next_attempt_at'], unique=False)
    # Pending messages become due now; their old per-message delivery jobs go.
    op.execute("UPDATE notification SET next_attempt_at = created_at WHERE status = 'pending'")
    op.execute("DELETE FROM job WHERE kind = 'notify.deliver' AND status = 'pending'")


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_due')
        batch_op.drop_column('next_attempt_at')
