"""the workbenches' partial indexes: callbacks due; orders in hand warned or overdue

At 5 M orders on PostgreSQL the agent's callbacks due sorted every order waiting for a
callback (13 s with a cold cache) and the supervisor's figures by unit read every order in a
unit's hands; each now reads a partial index of the few orders concerned.

Revision ID: f6b2d4e59900
Revises: e5a1c3d49800
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f6b2d4e59900'
down_revision: str | None = 'e5a1c3d49800'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CALLBACK = "status = 'callback'"
LATE = "status IN ('dispatched', 'handling') AND (overdue_at IS NOT NULL OR due_soon_warned_at IS NOT NULL)"


def upgrade() -> None:
    op.create_index('ix_work_order_callback_due', 'work_order', ['replied_at', 'id'],
                    postgresql_where=sa.text(CALLBACK), sqlite_where=sa.text(CALLBACK))
    op.create_index('ix_work_order_in_hand_late', 'work_order',
                    ['centre_unit_id', 'lead_unit_id', 'overdue_at', 'due_soon_warned_at'],
                    postgresql_where=sa.text(LATE), sqlite_where=sa.text(LATE))


def downgrade() -> None:
    op.drop_index('ix_work_order_in_hand_late', table_name='work_order')
    op.drop_index('ix_work_order_callback_due', table_name='work_order')
