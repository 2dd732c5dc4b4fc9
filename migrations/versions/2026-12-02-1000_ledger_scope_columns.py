"""ledger entries carry the order's category and are scoped by their own columns

Revision ID: 9a4b7e2f61c8
Revises: 3f8a1d6c2b57
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '9a4b7e2f61c8'
down_revision: str | None = '3f8a1d6c2b57'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ledger_entry_category_id_category'), 'category',
                                    ['category_id'], ['id'])
        batch_op.create_index('ix_ledger_entry_centre_entered', ['centre_unit_id', 'entered_at'], unique=False)
        batch_op.create_index('ix_ledger_entry_entered', ['entered_at'], unique=False)
    op.execute('UPDATE ledger_entry SET category_id = (SELECT category_id FROM work_order '
               'WHERE work_order.id = ledger_entry.work_order_id)')


def downgrade() -> None:
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entry_entered')
        batch_op.drop_index('ix_ledger_entry_centre_entered')
        batch_op.drop_constraint(batch_op.f('fk_ledger_entry_category_id_category'), type_='foreignkey')
        batch_op.drop_column('category_id')
