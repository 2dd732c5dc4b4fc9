"""reference_version: a counter of changes to the cached reference tables, kept by triggers

Each process caches reference rows (regions, units, categories, the catalogue, the calendar…)
and reads this one row at most once a second: when it moved, another process changed them
and the caches are cleared (docs/adr/0034-the-cost-of-a-write.md).

Revision ID: d4f0b2c38700
Revises: c3e9a1b27600
Create Date: 2026-12-07 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd4f0b2c38700'
down_revision: str | None = 'c3e9a1b27600'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables whose rows the processes cache (``kit.cache.watch``); a test checks the list.
WATCHED = ("region", "unit", "category", "channel", "appeal_type", "place_name", "sms_template",
           "calendar_override", "hotspot_term", "direct_dispatch_rule", "deadline_rule", "green_channel_rule")


def upgrade() -> None:
    op.create_table(
        'reference_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_version')),
    )
    op.execute("INSERT INTO reference_version (id, n) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION bump_reference_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN UPDATE reference_version SET n = n + 1 WHERE id = 1; RETURN NULL; END $$")
        for table in WATCHED:
            op.execute(f"CREATE TRIGGER {table}_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_version()")
        return
    for table in WATCHED:
        for verb in ("INSERT", "UPDATE", "DELETE"):
            bump = "UPDATE reference_version SET n = n + 1 WHERE id = 1"
            op.execute(f"CREATE TRIGGER {table}_reference_version_{verb.lower()} AFTER {verb} ON {table} "
                       f"BEGIN {bump}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_reference_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_reference_version()")
    else:
        for table in WATCHED:
            for verb in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_reference_version_{verb}")
    op.drop_table('reference_version')
