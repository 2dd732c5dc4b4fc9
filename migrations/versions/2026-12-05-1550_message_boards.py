"""merged online message boards: a board's settings beside its channel, its imported
messages (one per board and 留言编号) and its import runs

Revision ID: b0a4d5e61550
Revises: 3a11e0c51500
Create Date: 2026-12-05 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b0a4d5e61550'
down_revision: str | None = '3a11e0c51500'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'board',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('centre_unit_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('appeal_type', sa.String(length=32), nullable=False),
        sa.Column('pull_url', sa.String(length=500), nullable=True),
        sa.Column('pull_enabled', sa.Boolean(), nullable=False),
        sa.Column('pull_interval_seconds', sa.Integer(), nullable=False),
        sa.Column('field_map', sa.JSON(), nullable=False),
        sa.Column('pull_cursor', sa.String(length=200), nullable=True),
        sa.Column('pull_failures', sa.Integer(), nullable=False),
        sa.Column('next_pull_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_pulled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_board_channel_id_channel')),
        sa.ForeignKeyConstraint(['centre_unit_id'], ['unit.id'], name=op.f('fk_board_centre_unit_id_unit')),
        sa.ForeignKeyConstraint(['account_id'], ['user_account.id'], name=op.f('fk_board_account_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_board')),
        sa.UniqueConstraint('channel_id', name=op.f('uq_board_channel_id')),
    )
    op.create_table(
        'board_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('read', sa.Integer(), nullable=False),
        sa.Column('created', sa.Integer(), nullable=False),
        sa.Column('merged', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Integer(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['board_id'], ['board.id'], ondelete='CASCADE',
                                name=op.f('fk_board_import_board_id_board')),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_board_import_actor_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_board_import')),
    )
    op.create_index(op.f('ix_board_import_board_id'), 'board_import', ['board_id'])
    op.create_table(
        'board_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=100), nullable=False),
        sa.Column('user_ref', sa.String(length=100), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('likes', sa.Integer(), nullable=False),
        sa.Column('dislikes', sa.Integer(), nullable=False),
        sa.Column('board_reply', sa.Text(), nullable=True),
        sa.Column('board_replied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('work_order_id', sa.Integer(), nullable=True),
        sa.Column('work_order_number', sa.String(length=20), nullable=True),
        sa.Column('merged_into_number', sa.String(length=20), nullable=True),
        sa.Column('import_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['board_id'], ['board.id'], ondelete='CASCADE',
                                name=op.f('fk_board_message_board_id_board')),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], ondelete='SET NULL',
                                name=op.f('fk_board_message_work_order_id_work_order')),
        sa.ForeignKeyConstraint(['import_id'], ['board_import.id'], ondelete='SET NULL',
                                name=op.f('fk_board_message_import_id_board_import')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_board_message')),
        sa.UniqueConstraint('board_id', 'ref', name='uq_board_message_board_ref'),
    )
    op.create_index(op.f('ix_board_message_work_order_id'), 'board_message', ['work_order_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_board_message_work_order_id'), table_name='board_message')
    op.drop_table('board_message')
    op.drop_index(op.f('ix_board_import_board_id'), table_name='board_import')
    op.drop_table('board_import')
    op.drop_table('board')
