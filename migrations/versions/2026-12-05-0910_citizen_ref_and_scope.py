"""citizens get an unguessable public reference and the region of the centre that registered them

Revision ID: c1712e0910aa
Revises: 3c0a8e1f0900
Create Date: 2026-12-05 09:10:00

``citizen.ref`` (32 random hex digits) replaces the sequential id in every URL; existing rows
get a fresh random value. ``citizen.region_id`` is the scope the record belongs to: the region
of the registering account's unit, else of the centre that took the caller's first order,
else the place of that order (ADR 0005).
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c1712e0910aa'
down_revision: str | None = '3c0a8e1f0900'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('citizen', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
    bind = op.get_bind()
    citizen = sa.table('citizen', sa.column('id', sa.Integer), sa.column('ref', sa.String))
    ids = [row[0] for row in bind.execute(sa.select(citizen.c.id))]
    for start in range(0, len(ids), 1000):
        bind.execute(citizen.update().where(citizen.c.id == sa.bindparam('cid')).values(ref=sa.bindparam('new_ref')),
                     [{'cid': i, 'new_ref': secrets.token_hex(16)} for i in ids[start:start + 1000]])
    bind.execute(sa.text(
        "UPDATE citizen SET region_id = COALESCE("
        "(SELECT u.region_id FROM user_account a JOIN unit u ON a.unit_id = u.id WHERE a.id = citizen.created_by_id), "
        "(SELECT u.region_id FROM work_order w JOIN unit u ON w.centre_unit_id = u.id WHERE w.id = "
        "(SELECT MIN(w2.id) FROM work_order w2 WHERE w2.citizen_id = citizen.id)), "
        "(SELECT w.region_id FROM work_order w WHERE w.id = "
        "(SELECT MIN(w2.id) FROM work_order w2 WHERE w2.citizen_id = citizen.id)))"
    ))
    with op.batch_alter_table('citizen', schema=None) as batch_op:
        batch_op.alter_column('ref', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index(batch_op.f('ix_citizen_ref'), ['ref'], unique=True)
        batch_op.create_index(batch_op.f('ix_citizen_region_id'), ['region_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_citizen_region_id_region'), 'region', ['region_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('citizen', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_citizen_region_id_region'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_citizen_region_id'))
        batch_op.drop_index(batch_op.f('ix_citizen_ref'))
        batch_op.drop_column('region_id')
        batch_op.drop_column('ref')
