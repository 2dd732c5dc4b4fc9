"""coordination cases marked once when they pass their 3 working days undecided (issue 18)

Revision ID: 5c0d7e2a9b41
Revises: 5d2c7e1a0940
Create Date: 2026-12-05 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5c0d7e2a9b41'
down_revision: str | None = '5d2c7e1a0940'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('coordination_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('coordination_case', schema=None) as batch_op:
        batch_op.drop_column('overdue_at')
