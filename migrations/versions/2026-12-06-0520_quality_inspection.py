"""quality inspection (质检): checklist versions and items, sample draws, inspections and their
item scores

Revision ID: 6d3f9a2e0300
Revises: 7c4e1b3f0400
Create Date: 2026-12-06 01:32:11.943182
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '6d3f9a2e0300'
down_revision: str | None = '7c4e1b3f0400'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('qa_checklist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_qa_checklist_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_qa_checklist_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_checklist')),
    sa.UniqueConstraint('region_id', 'version', name='uq_qa_checklist_region_version')
    )
    op.create_table('qa_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['user_account.id'], name=op.f('fk_qa_sample_drawn_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_qa_sample_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_sample')),
    sa.UniqueConstraint('ref', name=op.f('uq_qa_sample_ref'))
    )
    op.create_table('qa_checklist_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('max_points', sa.Float(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['checklist_id'], ['qa_checklist.id'], name=op.f('fk_qa_checklist_item_checklist_id_qa_checklist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_checklist_item')),
    sa.UniqueConstraint('checklist_id', 'code', name='uq_qa_checklist_item_checklist_code')
    )
    op.create_table('qa_inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('operator', sa.String(length=100), nullable=True),
    sa.Column('work_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=True),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('original_score', sa.Float(), nullable=True),
    sa.Column('max_score', sa.Float(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appeal_reason', sa.Text(), nullable=True),
    sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_qa_inspection_agent_id_user_account')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_qa_inspection_call_id_call')),
    sa.ForeignKeyConstraint(['checklist_id'], ['qa_checklist.id'], name=op.f('fk_qa_inspection_checklist_id_qa_checklist')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_qa_inspection_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['inspector_id'], ['user_account.id'], name=op.f('fk_qa_inspection_inspector_id_user_account')),
    sa.ForeignKeyConstraint(['order_id'], ['work_order.id'], name=op.f('fk_qa_inspection_order_id_work_order')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_qa_inspection_region_id_region')),
    sa.ForeignKeyConstraint(['sample_id'], ['qa_sample.id'], name=op.f('fk_qa_inspection_sample_id_qa_sample')),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_qa_inspection_seat_id_seat')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_qa_inspection_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_inspection')),
    sa.UniqueConstraint('call_id', name=op.f('uq_qa_inspection_call_id')),
    sa.UniqueConstraint('order_id', name=op.f('uq_qa_inspection_order_id')),
    sa.UniqueConstraint('ref', name=op.f('uq_qa_inspection_ref'))
    )
    with op.batch_alter_table('qa_inspection', schema=None) as batch_op:
        batch_op.create_index('ix_qa_inspection_agent_work', ['agent_id', 'work_at'], unique=False)
        batch_op.create_index('ix_qa_inspection_region_work', ['region_id', 'work_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_inspection_sample_id'), ['sample_id'], unique=False)

    op.create_table('qa_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('first_points', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['qa_inspection.id'], name=op.f('fk_qa_score_inspection_id_qa_inspection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['qa_checklist_item.id'], name=op.f('fk_qa_score_item_id_qa_checklist_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_score')),
    sa.UniqueConstraint('inspection_id', 'item_id', name='uq_qa_score_inspection_item')
    )


def downgrade() -> None:
    op.drop_table('qa_score')
    with op.batch_alter_table('qa_inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_inspection_sample_id'))
        batch_op.drop_index('ix_qa_inspection_region_work')
        batch_op.drop_index('ix_qa_inspection_agent_work')

    op.drop_table('qa_inspection')
    op.drop_table('qa_checklist_item')
    op.drop_table('qa_sample')
    op.drop_table('qa_checklist')
