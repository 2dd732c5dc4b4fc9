"""intelligence: versions of the trained dispatch-suggestion models (with their metrics and
the model itself), what each dispatch was suggested and chose, the place names (streets,
communities, landmarks) the place finder knows, the early warnings raised to supervisors, the
monthly hotspots and the 专题专办 lists made of them

Revision ID: 3eee473b37df
Revises: 6d1f3a8e2c47
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3eee473b37df'
down_revision: str | None = '6d1f3a8e2c47'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('model_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('category', 'lead_unit', name='model_kind', native_enum=False, length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'standby', name='model_status', native_enum=False, length=32), nullable=False),
    sa.Column('trained_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trained_by_id', sa.Integer(), nullable=True),
    sa.Column('examples', sa.Integer(), nullable=False),
    sa.Column('labels', sa.Integer(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('artifact', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['trained_by_id'], ['user_account.id'], name=op.f('fk_model_version_trained_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_version'))
    )
    with op.batch_alter_table('model_version', schema=None) as batch_op:
        batch_op.create_index('ix_model_version_kind_status', ['kind', 'status'], unique=False)

    op.create_table('dispatch_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('category_model_id', sa.Integer(), nullable=True),
    sa.Column('unit_model_id', sa.Integer(), nullable=True),
    sa.Column('suggested_categories', sa.JSON(), nullable=False),
    sa.Column('suggested_units', sa.JSON(), nullable=False),
    sa.Column('chosen_category', sa.String(length=32), nullable=True),
    sa.Column('chosen_unit_id', sa.Integer(), nullable=True),
    sa.Column('category_rank', sa.Integer(), nullable=True),
    sa.Column('unit_rank', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_model_id'], ['model_version.id'], name=op.f('fk_dispatch_feedback_category_model_id_model_version')),
    sa.ForeignKeyConstraint(['chosen_unit_id'], ['unit.id'], name=op.f('fk_dispatch_feedback_chosen_unit_id_unit')),
    sa.ForeignKeyConstraint(['unit_model_id'], ['model_version.id'], name=op.f('fk_dispatch_feedback_unit_model_id_model_version')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_dispatch_feedback_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_feedback'))
    )
    with op.batch_alter_table('dispatch_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_feedback_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_feedback_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('place_name',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('street', 'community', 'landmark', name='place_kind', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_place_name_region_id_region'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place_name')),
    sa.UniqueConstraint('name', 'region_id', name=op.f('uq_place_name_name'))
    )
    with op.batch_alter_table('place_name', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_name_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_name_region_id'), ['region_id'], unique=False)

    op.create_table('early_warning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('spike', 'emergency', name='warning_kind', native_enum=False, length=32), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('centre_unit_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Double(), nullable=True),
    sa.Column('p_value', sa.Double(), nullable=True),
    sa.Column('term', sa.String(length=20), nullable=True),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.Column('order_ids', sa.JSON(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user_account.id'], name=op.f('fk_early_warning_acknowledged_by_id_user_account')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_early_warning_category_id_category')),
    sa.ForeignKeyConstraint(['centre_unit_id'], ['unit.id'], name=op.f('fk_early_warning_centre_unit_id_unit')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_early_warning_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_early_warning')),
    sa.UniqueConstraint('key', name=op.f('uq_early_warning_key'))
    )
    with op.batch_alter_table('early_warning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_early_warning_centre_unit_id'), ['centre_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_early_warning_raised_at'), ['raised_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_early_warning_region_id'), ['region_id'], unique=False)

    op.create_table('hotspot_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('hotspots', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['centre_unit_id'], ['unit.id'], name=op.f('fk_hotspot_snapshot_centre_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspot_snapshot')),
    sa.UniqueConstraint('centre_unit_id', 'month', name=op.f('uq_hotspot_snapshot_centre_unit_id'))
    )
    op.create_table('special_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('centre_unit_id', sa.Integer(), nullable=False),
    sa.Column('lead_unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=True),
    sa.Column('heat', sa.Double(), nullable=False),
    sa.Column('order_ids', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['centre_unit_id'], ['unit.id'], name=op.f('fk_special_list_centre_unit_id_unit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_special_list_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['unit.id'], name=op.f('fk_special_list_lead_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_special_list'))
    )
    with op.batch_alter_table('special_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_special_list_centre_unit_id'), ['centre_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_special_list_lead_unit_id'), ['lead_unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('special_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_special_list_lead_unit_id'))
        batch_op.drop_index(batch_op.f('ix_special_list_centre_unit_id'))

    op.drop_table('special_list')
    op.drop_table('hotspot_snapshot')

    with op.batch_alter_table('early_warning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_early_warning_region_id'))
        batch_op.drop_index(batch_op.f('ix_early_warning_raised_at'))
        batch_op.drop_index(batch_op.f('ix_early_warning_centre_unit_id'))

    op.drop_table('early_warning')

    with op.batch_alter_table('place_name', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_place_name_region_id'))
        batch_op.drop_index(batch_op.f('ix_place_name_name'))

    op.drop_table('place_name')
    with op.batch_alter_table('dispatch_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_feedback_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_feedback_decided_at'))

    op.drop_table('dispatch_feedback')
    with op.batch_alter_table('model_version', schema=None) as batch_op:
        batch_op.drop_index('ix_model_version_kind_status')

    op.drop_table('model_version')
