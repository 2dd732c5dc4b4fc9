"""hotspot terms: the dictionary of names the hotspot engine keeps whole, with synonyms

Revision ID: f7e5f6a71200
Revises: f2a8c1d60800
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db

revision: str = 'f7e5f6a71200'
down_revision: str | None = 'f2a8c1d60800'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'hotspot_term',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('term', sa.String(length=50), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('synonyms', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_hotspot_term_region_id_region')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_hotspot_term_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspot_term')),
        sa.UniqueConstraint('ref', name=op.f('uq_hotspot_term_ref')),
        sa.UniqueConstraint('region_id', 'term', name=op.f('uq_hotspot_term_region_id')),
    )
    op.create_index(op.f('ix_hotspot_term_region_id'), 'hotspot_term', ['region_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_hotspot_term_region_id'), table_name='hotspot_term')
    op.drop_table('hotspot_term')
