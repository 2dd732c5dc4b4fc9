"""knowledge base: items and versions, policy documents, emergency collections, the search index
(FTS5 on SQLite, a generated tsvector on PostgreSQL); ledger entries of late policy documents;
the knowledge-upkeep counters

Revision ID: 4b7e2d9c1a36
Revises: 3c8d1e5a9b72
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '4b7e2d9c1a36'
down_revision: str | None = '3c8d1e5a9b72'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('knowledge_term',
    sa.Column('term', sa.String(length=64), nullable=False),
    sa.Column('df', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('term', name=op.f('pk_knowledge_term'))
    )
    op.create_table('knowledge_collection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('centre_unit_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['centre_unit_id'], ['unit.id'], name=op.f('fk_knowledge_collection_centre_unit_id_unit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_knowledge_collection_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_collection'))
    )
    with op.batch_alter_table('knowledge_collection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_collection_centre_unit_id'), ['centre_unit_id'], unique=False)

    op.create_table('knowledge_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latest_version_id', sa.Integer(), nullable=True),
    sa.Column('published_version_id', sa.Integer(), nullable=True),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('helpful', sa.Integer(), nullable=False),
    sa.Column('not_helpful', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_knowledge_item_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], name=op.f('fk_knowledge_item_owner_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_item'))
    )
    with op.batch_alter_table('knowledge_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_item_owner_unit_id'), ['owner_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_item_published_version_id'), ['published_version_id'], unique=False)

    op.create_table('policy_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('doc_number', sa.String(length=60), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], name=op.f('fk_policy_document_owner_unit_id_unit')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_policy_document_region_id_region')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_policy_document_registered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_document')),
    sa.UniqueConstraint('doc_number', name=op.f('uq_policy_document_doc_number'))
    )
    with op.batch_alter_table('policy_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_document_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_document_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('knowledge_collection_unit',
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['knowledge_collection.id'], name=op.f('fk_knowledge_collection_unit_collection_id_knowledge_collection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_knowledge_collection_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('collection_id', 'unit_id', name=op.f('pk_knowledge_collection_unit'))
    )
    with op.batch_alter_table('knowledge_collection_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_collection_unit_unit_id'), ['unit_id'], unique=False)

    op.create_table('knowledge_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'approved', 'rejected', 'published', 'superseded', 'expired', 'withdrawn', name='knowledge_status', native_enum=False, length=32), nullable=False),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('policy_class', sa.Enum('tax_relief', 'innovation', 'investment', 'approval', 'finance', 'targeted_aid', 'talent', name='policy_class', native_enum=False, length=32), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('policy_document_id', sa.Integer(), nullable=True),
    sa.Column('collection_id', sa.Integer(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_reason', sa.String(length=500), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_knowledge_version_category_id_category')),
    sa.ForeignKeyConstraint(['collection_id'], ['knowledge_collection.id'], name=op.f('fk_knowledge_version_collection_id_knowledge_collection')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_knowledge_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['item_id'], ['knowledge_item.id'], name=op.f('fk_knowledge_version_item_id_knowledge_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['policy_document_id'], ['policy_document.id'], name=op.f('fk_knowledge_version_policy_document_id_policy_document')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_knowledge_version_region_id_region')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_knowledge_version_reviewed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_version')),
    sa.UniqueConstraint('item_id', 'number', name='uq_knowledge_version_item_number')
    )
    with op.batch_alter_table('knowledge_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_version_collection_id'), ['collection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_version_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_version_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_version_policy_document_id'), ['policy_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_version_status'), ['status'], unique=False)

    op.create_table('knowledge_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['knowledge_item.id'], name=op.f('fk_knowledge_answer_item_id_knowledge_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['knowledge_version.id'], name=op.f('fk_knowledge_answer_version_id_knowledge_version'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_knowledge_answer_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_answer'))
    )
    with op.batch_alter_table('knowledge_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_answer_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_answer_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('knowledge_search',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('category_code', sa.String(length=16), nullable=True),
    sa.Column('policy_class', sa.String(length=32), nullable=True),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('question_terms', sa.Text(), nullable=False),
    sa.Column('answer_terms', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['knowledge_item.id'], name=op.f('fk_knowledge_search_item_id_knowledge_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], name=op.f('fk_knowledge_search_owner_unit_id_unit')),
    sa.ForeignKeyConstraint(['version_id'], ['knowledge_version.id'], name=op.f('fk_knowledge_search_version_id_knowledge_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_knowledge_search')),
    sa.UniqueConstraint('item_id', name=op.f('uq_knowledge_search_item_id'))
    )
    with op.batch_alter_table('knowledge_search', schema=None) as batch_op:
        batch_op.create_index('ix_knowledge_search_region', ['region_code'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE knowledge_search ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
                   "setweight(to_tsvector('simple', question_terms), 'A') || "
                   "setweight(to_tsvector('simple', answer_terms), 'B')) STORED")
        op.execute("CREATE INDEX ix_knowledge_search_tsv ON knowledge_search USING gin (tsv)")
    else:
        op.execute("CREATE VIRTUAL TABLE knowledge_fts USING fts5(question_terms, answer_terms, "
                   "content='knowledge_search', content_rowid='version_id')")

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_document_id', sa.Integer(), nullable=True))
        batch_op.alter_column('work_order_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint('uq_ledger_entry_kind_document', ['kind', 'policy_document_id'])
        batch_op.create_foreign_key(batch_op.f('fk_ledger_entry_policy_document_id_policy_document'), 'policy_document', ['policy_document_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('unit_day_stats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kb_due', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('kb_on_time', sa.Integer(), nullable=False, server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('unit_day_stats', schema=None) as batch_op:
        batch_op.drop_column('kb_on_time')
        batch_op.drop_column('kb_due')

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ledger_entry_policy_document_id_policy_document'), type_='foreignkey')
        batch_op.drop_constraint('uq_ledger_entry_kind_document', type_='unique')
        batch_op.drop_column('policy_document_id')
    op.execute("DELETE FROM ledger_entry WHERE work_order_id IS NULL")
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.alter_column('work_order_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE knowledge_fts")
    with op.batch_alter_table('knowledge_search', schema=None) as batch_op:
        batch_op.drop_index('ix_knowledge_search_region')

    op.drop_table('knowledge_search')
    with op.batch_alter_table('knowledge_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_answer_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_knowledge_answer_item_id'))

    op.drop_table('knowledge_answer')
    with op.batch_alter_table('knowledge_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_version_status'))
        batch_op.drop_index(batch_op.f('ix_knowledge_version_policy_document_id'))
        batch_op.drop_index(batch_op.f('ix_knowledge_version_item_id'))
        batch_op.drop_index(batch_op.f('ix_knowledge_version_expires_on'))
        batch_op.drop_index(batch_op.f('ix_knowledge_version_collection_id'))

    op.drop_table('knowledge_version')
    with op.batch_alter_table('knowledge_collection_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_collection_unit_unit_id'))

    op.drop_table('knowledge_collection_unit')
    with op.batch_alter_table('policy_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_document_owner_unit_id'))
        batch_op.drop_index(batch_op.f('ix_policy_document_due_on'))

    op.drop_table('policy_document')
    with op.batch_alter_table('knowledge_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_item_published_version_id'))
        batch_op.drop_index(batch_op.f('ix_knowledge_item_owner_unit_id'))

    op.drop_table('knowledge_item')
    with op.batch_alter_table('knowledge_collection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_collection_centre_unit_id'))

    op.drop_table('knowledge_collection')
    op.drop_table('knowledge_term')
