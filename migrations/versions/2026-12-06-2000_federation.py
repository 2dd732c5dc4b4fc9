"""federation: peer platforms, cross-city transfers, the outbox of messages to peers, and the
inbox of message ids and request nonces received

Revision ID: e8b2c4f60700
Revises: c3f5a8d20400
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db

revision: str = 'e8b2c4f60700'
down_revision: str | None = 'c3f5a8d20400'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('federation_peer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('secret', hotline.kit.db.EncryptedString(length=300), nullable=False),
    sa.Column('side', sa.String(length=1), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('contact_policy', sa.String(length=16), nullable=False),
    sa.Column('category_codes', sa.JSON(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('cursor', sa.BigInteger(), nullable=False),
    sa.Column('lease_until', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('last_success_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['user_account.id'], name=op.f('fk_federation_peer_account_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_federation_peer_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_peer')),
    sa.UniqueConstraint('key_id', name=op.f('uq_federation_peer_key_id')),
    sa.UniqueConstraint('name', name=op.f('uq_federation_peer_name')),
    sa.UniqueConstraint('ref', name=op.f('uq_federation_peer_ref'))
    )
    op.create_table('federation_inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('message_ref', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('received_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['peer_id'], ['federation_peer.id'], name=op.f('fk_federation_inbox_peer_id_federation_peer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_inbox')),
    sa.UniqueConstraint('peer_id', 'message_ref', name='uq_federation_inbox_message')
    )
    op.create_table('federation_nonce',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('seen_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['peer_id'], ['federation_peer.id'], name=op.f('fk_federation_nonce_peer_id_federation_peer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_nonce')),
    sa.UniqueConstraint('peer_id', 'nonce', name='uq_federation_nonce')
    )
    op.create_index(op.f('ix_federation_nonce_seen_at'), 'federation_nonce', ['seen_at'], unique=False)
    op.create_table('federation_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('remote_number', sa.String(length=40), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('refusal', sa.String(length=500), nullable=True),
    sa.Column('remote_status', sa.String(length=40), nullable=True),
    sa.Column('remote_status_name', sa.String(length=40), nullable=True),
    sa.Column('remote_due_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_federation_transfer_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['peer_id'], ['federation_peer.id'], name=op.f('fk_federation_transfer_peer_id_federation_peer')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_federation_transfer_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_transfer')),
    sa.UniqueConstraint('peer_id', 'direction', 'ref', name='uq_federation_transfer_ref')
    )
    op.create_index(op.f('ix_federation_transfer_peer_id'), 'federation_transfer', ['peer_id'], unique=False)
    op.create_index(op.f('ix_federation_transfer_work_order_id'), 'federation_transfer', ['work_order_id'], unique=False)
    op.create_table('federation_message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('payload', hotline.kit.db.EncryptedString(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.Column('queued_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['peer_id'], ['federation_peer.id'], name=op.f('fk_federation_message_peer_id_federation_peer')),
    sa.ForeignKeyConstraint(['transfer_id'], ['federation_transfer.id'], name=op.f('fk_federation_message_transfer_id_federation_transfer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_message')),
    sa.UniqueConstraint('ref', name=op.f('uq_federation_message_ref'))
    )
    op.create_index('ix_federation_message_due', 'federation_message', ['peer_id', 'status', 'id'], unique=False)
    op.create_index(op.f('ix_federation_message_transfer_id'), 'federation_message', ['transfer_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_federation_message_transfer_id'), table_name='federation_message')
    op.drop_index('ix_federation_message_due', table_name='federation_message')
    op.drop_table('federation_message')
    op.drop_index(op.f('ix_federation_transfer_work_order_id'), table_name='federation_transfer')
    op.drop_index(op.f('ix_federation_transfer_peer_id'), table_name='federation_transfer')
    op.drop_table('federation_transfer')
    op.drop_index(op.f('ix_federation_nonce_seen_at'), table_name='federation_nonce')
    op.drop_table('federation_nonce')
    op.drop_table('federation_inbox')
    op.drop_table('federation_peer')
