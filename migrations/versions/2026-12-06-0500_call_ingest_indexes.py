"""call-event ingest: find a seat's open state spell and the calls left open, by index

The ingest ends each seat's open state spell on every answer and end the PBX reports, and
the timeout job looks for open calls whose last event is old: both by index instead of a
scan of every spell of the seat or every call.

Revision ID: 8a5d2c4e0500
Revises: 9cfc71524143
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '8a5d2c4e0500'
down_revision: str | None = '9cfc71524143'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('seat_state') as batch:
        batch.create_index('ix_seat_state_seat_open', ['seat_id', 'ended_at'], unique=False)
    with op.batch_alter_table('call') as batch:
        batch.create_index('ix_call_open_last_event', ['ended_at', 'last_event_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call') as batch:
        batch.drop_index('ix_call_open_last_event')
    with op.batch_alter_table('seat_state') as batch:
        batch.drop_index('ix_seat_state_seat_open')
