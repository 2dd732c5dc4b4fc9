"""escalation rules of supervision, with the defaults

Revision ID: 7c2e4a91d0b3
Revises: 09144f5d4584
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7c2e4a91d0b3'
down_revision: str | None = '09144f5d4584'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table('escalation_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('many_to_one', 'one_to_many', 'long_open', 'rehandled', name='escalation_kind', native_enum=False, length=32), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_rule'))
    )
    # Defaults an administrator tunes: 5 appeals on one issue in one township within 3 days;
    # 5 appeals from one caller within 30 days; open for more than 30 working days;
    # re-handled at all (a second dissatisfied callback already flags the order).
    op.bulk_insert(table, [
        {'kind': 'many_to_one', 'threshold': 5, 'window_days': 3, 'active': True},
        {'kind': 'one_to_many', 'threshold': 5, 'window_days': 30, 'active': True},
        {'kind': 'long_open', 'threshold': 30, 'window_days': None, 'active': True},
        {'kind': 'rehandled', 'threshold': 0, 'window_days': None, 'active': True},
    ])


def downgrade() -> None:
    op.drop_table('escalation_rule')
