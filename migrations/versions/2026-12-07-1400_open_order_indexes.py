"""partial indexes of open orders: by centre and status; open and overdue by category

At 5 M orders on PostgreSQL a city's open orders walked back through every city's orders
(or built two bitmaps of 300,000 entries), the workbenches' figures of a status did the
latter, and open + overdue + a category subtree built three; each now reads a partial
index of the open orders. The search writes "every open status" as the indexes' own term.

Revision ID: a7c3e5f60a00
Revises: f6b2d4e59900
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a7c3e5f60a00'
down_revision: str | None = 'f6b2d4e59900'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status NOT IN ('closed', 'withdrawn')"
OPEN_OVERDUE = "overdue_at IS NOT NULL AND status NOT IN ('closed', 'withdrawn')"


def upgrade() -> None:
    op.create_index('ix_work_order_open_centre', 'work_order', ['centre_unit_id', 'status', 'id'],
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    op.create_index('ix_work_order_open_overdue', 'work_order', ['category_id', 'id'],
                    postgresql_where=sa.text(OPEN_OVERDUE), sqlite_where=sa.text(OPEN_OVERDUE))


def downgrade() -> None:
    op.drop_index('ix_work_order_open_overdue', table_name='work_order')
    op.drop_index('ix_work_order_open_centre', table_name='work_order')
