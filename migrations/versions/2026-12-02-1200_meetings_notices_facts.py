"""admonition talks and joint meetings, public notices, the facts behind evaluation counts and the
daily emergency ledger reports

Revision ID: 9fbedd18c9de
Revises: 5e9c3b7a1f24
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '9fbedd18c9de'
down_revision: str | None = '5e9c3b7a1f24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('daily_ledger_report',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('emergency', sa.Integer(), nullable=False),
    sa.Column('stability', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_daily_ledger_report_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'day', name=op.f('pk_daily_ledger_report'))
    )
    op.create_table('public_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('centre_unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'withdrawn', name='notice_status', native_enum=False, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['centre_unit_id'], ['unit.id'], name=op.f('fk_public_notice_centre_unit_id_unit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_public_notice_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_notice'))
    )
    with op.batch_alter_table('public_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_notice_centre_unit_id'), ['centre_unit_id'], unique=False)
        batch_op.create_index('ix_public_notice_status_published', ['status', 'published_at'], unique=False)

    op.create_table('supervision_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('admonition', 'joint_meeting', name='meeting_kind', native_enum=False, length=32), nullable=False),
    sa.Column('centre_unit_id', sa.Integer(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['centre_unit_id'], ['unit.id'], name=op.f('fk_supervision_meeting_centre_unit_id_unit')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_supervision_meeting_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_meeting'))
    )
    with op.batch_alter_table('supervision_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_meeting_centre_unit_id'), ['centre_unit_id'], unique=False)

    op.create_table('supervision_meeting_unit',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['supervision_meeting.id'], name=op.f('fk_supervision_meeting_unit_meeting_id_supervision_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_supervision_meeting_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('meeting_id', 'unit_id', name=op.f('pk_supervision_meeting_unit'))
    )
    with op.batch_alter_table('supervision_meeting_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_meeting_unit_unit_id'), ['unit_id'], unique=False)

    op.create_table('evaluation_fact',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('counter', sa.String(length=24), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_evaluation_fact_unit_id_unit')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_evaluation_fact_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_fact'))
    )
    with op.batch_alter_table('evaluation_fact', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_fact_unit_counter_day', ['unit_id', 'counter', 'day'], unique=False)

    op.create_table('public_notice_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('problem', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['public_notice.id'], name=op.f('fk_public_notice_item_notice_id_public_notice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_public_notice_item_unit_id_unit')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_public_notice_item_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_notice_item')),
    sa.UniqueConstraint('notice_id', 'work_order_id', name='uq_public_notice_item_order')
    )
    with op.batch_alter_table('public_notice_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_notice_item_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('supervision_meeting_order',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['supervision_meeting.id'], name=op.f('fk_supervision_meeting_order_meeting_id_supervision_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_supervision_meeting_order_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'work_order_id', name=op.f('pk_supervision_meeting_order'))
    )
    with op.batch_alter_table('supervision_meeting_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_meeting_order_work_order_id'), ['work_order_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('supervision_meeting_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_meeting_order_work_order_id'))

    op.drop_table('supervision_meeting_order')
    with op.batch_alter_table('public_notice_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_notice_item_work_order_id'))

    op.drop_table('public_notice_item')
    with op.batch_alter_table('evaluation_fact', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_fact_unit_counter_day')

    op.drop_table('evaluation_fact')
    with op.batch_alter_table('supervision_meeting_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_meeting_unit_unit_id'))

    op.drop_table('supervision_meeting_unit')
    with op.batch_alter_table('supervision_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_meeting_centre_unit_id'))

    op.drop_table('supervision_meeting')
    with op.batch_alter_table('public_notice', schema=None) as batch_op:
        batch_op.drop_index('ix_public_notice_status_published')
        batch_op.drop_index(batch_op.f('ix_public_notice_centre_unit_id'))

    op.drop_table('public_notice')
    op.drop_table('daily_ledger_report')
