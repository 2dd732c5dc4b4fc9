"""public door: appeals waiting for their SMS code, and withdrawal codes

Revision ID: 3b9d51f0a920
Revises: c1712e0910aa
Create Date: 2026-12-05 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3b9d51f0a920'
down_revision: str | None = 'c1712e0910aa'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'public_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('phone', sa.String(length=200), nullable=False),
        sa.Column('phone_hash', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.String(), nullable=True),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('pending', 'confirmed', 'void', name='submission_status',
                                    native_enum=False, create_constraint=False, length=32), nullable=False),
        sa.Column('client_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('work_order_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'],
                                name=op.f('fk_public_submission_work_order_id_work_order'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_submission')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_public_submission_token_hash')),
    )
    with op.batch_alter_table('public_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_submission_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_submission_phone_hash'), ['phone_hash'], unique=False)

    op.create_table(
        'public_withdrawal_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'],
                                name=op.f('fk_public_withdrawal_code_work_order_id_work_order'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_withdrawal_code')),
    )
    with op.batch_alter_table('public_withdrawal_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_withdrawal_code_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index('ix_public_withdrawal_code_order', ['work_order_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('public_withdrawal_code', schema=None) as batch_op:
        batch_op.drop_index('ix_public_withdrawal_code_order')
        batch_op.drop_index(batch_op.f('ix_public_withdrawal_code_expires_at'))
    op.drop_table('public_withdrawal_code')
    with op.batch_alter_table('public_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_submission_phone_hash'))
        batch_op.drop_index(batch_op.f('ix_public_submission_expires_at'))
    op.drop_table('public_submission')
