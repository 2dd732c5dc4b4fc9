"""supervision letters and their editable templates, with the default texts

Revision ID: 3f8a1d6c2b57
Revises: 7c2e4a91d0b3
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3f8a1d6c2b57'
down_revision: str | None = '7c2e4a91d0b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND = sa.Enum('reminder', 'supervision', 'rectification', name='letter_kind', native_enum=False, length=32)
TEXTS = [
    ('reminder', '关于及时办理12345热线工单的提示函',
     '{unit}：\n\n群众于{registered}通过12345热线反映“{title}”（工单编号：{number}），该工单办理期限为{due}，'
     '目前状态为“{state}”。请你单位高度重视，按照“接诉即办”要求抓紧办理，并于{reply_by}前将办理情况书面回复。\n\n'
     '{reason}\n\n{centre}\n{today}'),
    ('supervision', '关于督促办理12345热线工单的督办函',
     '{unit}：\n\n群众于{registered}通过12345热线反映“{title}”（工单编号：{number}），办理期限为{due}，'
     '目前状态为“{state}”。经研究，现对该工单予以督办。请你单位主要负责同志亲自过问，切实解决群众诉求，'
     '并于{reply_by}前将办理结果和整改措施书面报送。\n\n督办事由：{reason}\n\n{centre}\n{today}'),
    ('rectification', '关于12345热线工单办理问题的整改函',
     '{unit}：\n\n群众于{registered}通过12345热线反映“{title}”（工单编号：{number}），经两次回访群众仍不满意。'
     '经核查，问题主要在于：{reason}。请你单位认真查找原因，限期整改，并于{reply_by}前将整改情况书面报送。'
     '逾期未整改或整改不到位的，将按规定移交纪检监察机关处理。\n\n{centre}\n{today}'),
]


def upgrade() -> None:
    templates = op.create_table('letter_template',
    sa.Column('kind', KIND, nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_letter_template'))
    )
    op.bulk_insert(templates, [{'kind': k, 'title': t, 'body': b} for k, t, b in TEXTS])
    op.create_table('supervision_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', KIND, nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('centre_unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('responded_by_id', sa.Integer(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['centre_unit_id'], ['unit.id'], name=op.f('fk_supervision_letter_centre_unit_id_unit')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_supervision_letter_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['responded_by_id'], ['user_account.id'], name=op.f('fk_supervision_letter_responded_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_supervision_letter_unit_id_unit')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_supervision_letter_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_letter'))
    )
    with op.batch_alter_table('supervision_letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_letter_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_letter_work_order_id'), ['work_order_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('supervision_letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_letter_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_letter_unit_id'))
    op.drop_table('supervision_letter')
    op.drop_table('letter_template')
