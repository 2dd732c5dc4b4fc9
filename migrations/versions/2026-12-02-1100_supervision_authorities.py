"""the business-environment authority and the discipline commission of each region

Revision ID: 5e9c3b7a1f24
Revises: 9a4b7e2f61c8
Create Date: 2026-12-02 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5e9c3b7a1f24'
down_revision: str | None = '9a4b7e2f61c8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('supervision_authority',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('business_environment', 'discipline', name='authority_kind', native_enum=False, length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_supervision_authority_region_id_region')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_supervision_authority_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_authority')),
    sa.UniqueConstraint('region_id', 'kind', name='uq_supervision_authority_region_kind')
    )


def downgrade() -> None:
    op.drop_table('supervision_authority')
