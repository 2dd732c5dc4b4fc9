"""cti_queue: a queue belongs to the region of the centre whose PBX named it (unique per region)

Existing queues are given the region of their calls; a queue that calls of several regions
used is split, one per region, and those calls and their rollup rows follow their copy. A
queue no call used goes to the root region.

Revision ID: 3e7b2a9c0200
Revises: 4a1d8e6f0100
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3e7b2a9c0200'
down_revision: str | None = '4a1d8e6f0100'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cti_queue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_cti_queue_name', type_='unique')  # the copies below share names
    bind = op.get_bind()
    used: dict[int, list[int]] = {}
    for queue_id, region_id in bind.execute(sa.text(
            "SELECT DISTINCT queue_id, region_id FROM call WHERE queue_id IS NOT NULL ORDER BY queue_id, region_id")):
        used.setdefault(queue_id, []).append(region_id)
    root = bind.execute(sa.text("SELECT id FROM region WHERE parent_id IS NULL ORDER BY id LIMIT 1")).scalar()
    queues = bind.execute(sa.text("SELECT id, name, kind, label, created_at FROM cti_queue ORDER BY id")).all()
    for queue_id, name, kind, label, created_at in queues:
        regions = used.get(queue_id) or ([root] if root is not None else [])
        if not regions:  # no region at all: nothing can have used the queue
            bind.execute(sa.text("DELETE FROM cti_queue WHERE id = :id"), {"id": queue_id})
            continue
        bind.execute(sa.text("UPDATE cti_queue SET region_id = :r WHERE id = :id"), {"r": regions[0], "id": queue_id})
        for region_id in regions[1:]:
            bind.execute(sa.text("INSERT INTO cti_queue (region_id, name, kind, label, created_at) "
                                 "VALUES (:r, :name, :kind, :label, :at)"),
                         {"r": region_id, "name": name, "kind": kind, "label": label, "at": created_at})
            copy = bind.execute(sa.text("SELECT id FROM cti_queue WHERE region_id = :r AND name = :name"),
                                {"r": region_id, "name": name}).scalar_one()
            for table in ("call", "cti_call_hour"):
                bind.execute(sa.text(f"UPDATE {table} SET queue_id = :copy "  # noqa: S608 (two fixed names)
                                     "WHERE queue_id = :old AND region_id = :r"),
                             {"copy": copy, "old": queue_id, "r": region_id})
    with op.batch_alter_table('cti_queue', schema=None) as batch_op:
        batch_op.alter_column('region_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_cti_queue_region_id'), ['region_id', 'name'])
        batch_op.create_foreign_key(batch_op.f('fk_cti_queue_region_id_region'), 'region', ['region_id'], ['id'])


def downgrade() -> None:
    """Back to one queue per name: copies of a name are merged into its first queue."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name FROM cti_queue ORDER BY name, id")).all()
    first: dict[str, int] = {}
    for queue_id, name in rows:
        if name not in first:
            first[name] = queue_id
            continue
        for table in ("call", "cti_call_hour"):
            bind.execute(sa.text(f"UPDATE {table} SET queue_id = :keep WHERE queue_id = :gone"),  # noqa: S608
                         {"keep": first[name], "gone": queue_id})
        bind.execute(sa.text("DELETE FROM cti_queue WHERE id = :id"), {"id": queue_id})
    with op.batch_alter_table('cti_queue', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cti_queue_region_id_region'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_cti_queue_region_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_cti_queue_name'), ['name'])
        batch_op.drop_column('region_id')
