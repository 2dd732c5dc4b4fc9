"""the daily work: order search (text index, saved searches), inbox, notes, caller flags

Revision ID: a1c5e7f91400
Revises: f6d4e5f61100
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db
from hotline.kit import grams

revision: str = 'a1c5e7f91400'
down_revision: str | None = 'f6d4e5f61100'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
#: The search's rare flags: partial indexes in id order (workorder.models.SEARCH_FLAG_INDEXES).
FLAG_INDEXES = {
    "ix_work_order_urged": "urge_count > 0",
    "ix_work_order_returned": "return_count > 0",
    "ix_work_order_rehandled": "rehandle_count > 0",
    "ix_work_order_overdue": "overdue_at IS NOT NULL",
    "ix_work_order_not_normal": "urgency <> 'normal'",
    "ix_work_order_dissatisfied": "final_verdict = 'dissatisfied'",
}


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        'work_order_text',
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('terms', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'],
                                name=op.f('fk_work_order_text_work_order_id_work_order'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('work_order_id', name=op.f('pk_work_order_text')),
    )
    op.create_table(
        'saved_search',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_saved_search_owner_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_search')),
        sa.UniqueConstraint('ref', name=op.f('uq_saved_search_ref')),
    )
    op.create_index(op.f('ix_saved_search_owner_id'), 'saved_search', ['owner_id'])
    op.create_table(
        'inbox_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('url', sa.String(length=300), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=True),
        sa.Column('event_seq', sa.BigInteger(), nullable=False),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('read_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_inbox_item_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_item')),
        sa.UniqueConstraint('ref', name=op.f('uq_inbox_item_ref')),
    )
    op.create_index('ix_inbox_item_user', 'inbox_item', ['user_id', 'id'])
    op.create_table(
        'work_order_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_work_order_note_author_id_user_account')),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'],
                                name=op.f('fk_work_order_note_work_order_id_work_order'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_note')),
        sa.UniqueConstraint('ref', name=op.f('uq_work_order_note_ref')),
    )
    op.create_index(op.f('ix_work_order_note_work_order_id'), 'work_order_note', ['work_order_id'])
    op.create_table(
        'caller_flag',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('proposed_by_id', sa.Integer(), nullable=True),
        sa.Column('proposed_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('review_note', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_caller_flag_citizen_id_citizen'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'],
                                name=op.f('fk_caller_flag_proposed_by_id_user_account')),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'],
                                name=op.f('fk_caller_flag_reviewed_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_caller_flag')),
        sa.UniqueConstraint('ref', name=op.f('uq_caller_flag_ref')),
    )
    op.create_index(op.f('ix_caller_flag_citizen_id'), 'caller_flag', ['citizen_id'])
    op.create_index(op.f('ix_caller_flag_status'), 'caller_flag', ['status'])
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(length=32), nullable=True))
    if bind.dialect.name == "postgresql":
        op.execute("UPDATE notification SET ref = md5(random()::text || id::text)")
    else:
        op.execute("UPDATE notification SET ref = lower(hex(randomblob(16)))")
    op.create_index('uq_notification_ref', 'notification', ['ref'], unique=True)
    op.create_table(
        'export_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('error', sa.String(length=300), nullable=True),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('finished_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_export_job_owner_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_export_job')),
        sa.UniqueConstraint('ref', name=op.f('uq_export_job_ref')),
    )
    op.create_index(op.f('ix_export_job_owner_id'), 'export_job', ['owner_id'])
    op.create_table(
        'attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('context', sa.String(length=16), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('storage_key', sa.String(length=200), nullable=False),
        sa.Column('thumb_key', sa.String(length=200), nullable=True),
        sa.Column('public', sa.Boolean(), nullable=False),
        sa.Column('scan', sa.String(length=16), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_by_name', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                                name=op.f('fk_attachment_uploaded_by_id_user_account')),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'],
                                name=op.f('fk_attachment_work_order_id_work_order'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
        sa.UniqueConstraint('ref', name=op.f('uq_attachment_ref')),
    )
    op.create_index(op.f('ix_attachment_work_order_id'), 'attachment', ['work_order_id'])
    op.create_table(
        'sms_template',
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                                name=op.f('fk_sms_template_updated_by_id_user_account')),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_sms_template')),
    )
    op.create_index('ix_inbox_item_unread', 'inbox_item', ['user_id', 'id'],
                    postgresql_where=sa.text('read_at IS NULL'), sqlite_where=sa.text('read_at IS NULL'))
    for name, where in FLAG_INDEXES.items():
        op.create_index(name, 'work_order', ['id'], postgresql_where=sa.text(where), sqlite_where=sa.text(where))
    op.create_index('ix_work_order_channel_id', 'work_order', ['channel_id', 'id'])
    op.create_index('ix_work_order_appeal_type_id', 'work_order', ['appeal_type', 'id'])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_work_order_text_grams ON work_order_text USING gin (string_to_array(terms, ' '))")
    else:
        # detail=none: the index keeps which orders hold a term, not where (the search confirms
        # every candidate by the substring itself), a fraction of the size with positions
        op.execute("CREATE VIRTUAL TABLE work_order_fts USING fts5(terms, content='work_order_text', "
                   "content_rowid='work_order_id', detail='none', tokenize='unicode61 remove_diacritics 0')")
        op.execute("CREATE TRIGGER work_order_text_ai AFTER INSERT ON work_order_text BEGIN "
                   "INSERT INTO work_order_fts(rowid, terms) VALUES (new.work_order_id, new.terms); END")
        op.execute("CREATE TRIGGER work_order_text_ad AFTER DELETE ON work_order_text BEGIN "
                   "INSERT INTO work_order_fts(work_order_fts, rowid, terms) "
                   "VALUES ('delete', old.work_order_id, old.terms); END")
        op.execute("CREATE TRIGGER work_order_text_au AFTER UPDATE ON work_order_text BEGIN "
                   "INSERT INTO work_order_fts(work_order_fts, rowid, terms) "
                   "VALUES ('delete', old.work_order_id, old.terms); "
                   "INSERT INTO work_order_fts(rowid, terms) VALUES (new.work_order_id, new.terms); END")
    # the orders already registered
    orders = sa.table("work_order", sa.column("id", sa.Integer), sa.column("title", sa.String),
                      sa.column("content", sa.Text), sa.column("address", sa.String))
    texts = sa.table("work_order_text", sa.column("work_order_id", sa.Integer), sa.column("terms", sa.Text))
    last = 0
    while True:
        rows = bind.execute(sa.select(orders.c.id, orders.c.title, orders.c.content, orders.c.address)
                            .where(orders.c.id > last).order_by(orders.c.id).limit(BATCH)).all()
        if not rows:
            break
        bind.execute(sa.insert(texts), [{"work_order_id": r.id, "terms": grams.document(r.title, r.content, r.address)}
                                        for r in rows])
        last = rows[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("work_order_text_ai", "work_order_text_ad", "work_order_text_au"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE work_order_fts")
    for name in (*FLAG_INDEXES, 'ix_work_order_channel_id', 'ix_work_order_appeal_type_id'):
        op.drop_index(name, table_name='work_order')
    op.drop_table('sms_template')
    op.drop_index(op.f('ix_attachment_work_order_id'), table_name='attachment')
    op.drop_table('attachment')
    op.drop_index(op.f('ix_export_job_owner_id'), table_name='export_job')
    op.drop_table('export_job')
    op.drop_index('uq_notification_ref', table_name='notification')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('ref')
    op.drop_index(op.f('ix_caller_flag_status'), table_name='caller_flag')
    op.drop_index(op.f('ix_caller_flag_citizen_id'), table_name='caller_flag')
    op.drop_table('caller_flag')
    op.drop_index(op.f('ix_work_order_note_work_order_id'), table_name='work_order_note')
    op.drop_table('work_order_note')
    op.drop_index('ix_inbox_item_unread', table_name='inbox_item')
    op.drop_index('ix_inbox_item_user', table_name='inbox_item')
    op.drop_table('inbox_item')
    op.drop_index(op.f('ix_saved_search_owner_id'), table_name='saved_search')
    op.drop_table('saved_search')
    op.drop_table('work_order_text')
