"""Tables of the knowledge base (知识库).

* :class:`KnowledgeItem` — a knowledge item (知识点): one question the hotline answers with
  authority, owned by one unit. Its content lives in versions.
* :class:`KnowledgeVersion` — one version of an item's content and its review workflow. A
  published version is never edited: a change is a new version that goes through review
  again, and the old one keeps answering until the new one is published.
* :class:`PolicyDocument` — a policy document registered with the knowledge base; its items
  must be published within 7 working days of its issue date.
* :class:`KnowledgeSearchEntry` — the segmented text of each answering version, searched with
  SQLite FTS5 or PostgreSQL full text (see ``knowledge.repository``), and
  :class:`KnowledgeTerm` — how many answering versions hold each term (for relevance).
* :class:`KnowledgeCollection` — an emergency collection (应急征集): the centre asks units for
  items on a sudden topic by a deadline, and tracks who delivered.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.kit.db import Base, UTCDateTime
from hotline.org.models import Category, Region, Unit, str_enum


class PolicyClass(enum.StrEnum):
    """The policy classes of enterprise knowledge (S2 §三)."""

    tax_relief = "tax_relief"  # 减税降费
    innovation = "innovation"  # 科技创新
    investment = "investment"  # 招商引资
    approval = "approval"  # 审批服务
    finance = "finance"  # 金融支持
    targeted_aid = "targeted_aid"  # 精准帮扶
    talent = "talent"  # 人才培养


POLICY_CLASS_NAMES = {
    PolicyClass.tax_relief: "减税降费",
    PolicyClass.innovation: "科技创新",
    PolicyClass.investment: "招商引资",
    PolicyClass.approval: "审批服务",
    PolicyClass.finance: "金融支持",
    PolicyClass.targeted_aid: "精准帮扶",
    PolicyClass.talent: "人才培养",
}


class VersionStatus(enum.StrEnum):
    draft = "draft"  # 草稿
    submitted = "submitted"  # 待审核
    approved = "approved"  # 审核通过，待发布
    rejected = "rejected"  # 审核退回
    published = "published"  # 已发布（可检索、可答复）
    superseded = "superseded"  # 已被新版本替代
    expired = "expired"  # 已失效（到达失效日期）
    withdrawn = "withdrawn"  # 已撤回


VERSION_STATUS_NAMES = {
    VersionStatus.draft: "草稿",
    VersionStatus.submitted: "待审核",
    VersionStatus.approved: "待发布",
    VersionStatus.rejected: "已退回",
    VersionStatus.published: "已发布",
    VersionStatus.superseded: "已被替代",
    VersionStatus.expired: "已失效",
    VersionStatus.withdrawn: "已撤回",
}


class PolicyDocument(Base):
    """A policy document (政策文件) registered with the knowledge base by the unit that owns
    it. Its items are due within 7 working days of the issue date (``due_on``); the first
    publication settles whether it was on time, and a document still without a published
    item after ``due_on`` goes on the supervision ledger and counts against the unit."""

    __tablename__ = "policy_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    doc_number: Mapped[str] = mapped_column(String(60), unique=True)  # 文号, e.g. 国办发〔2022〕30号
    issued_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)  # 7 working days after issued_on
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    first_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: When the deadline was settled (published, or found late) and counted in the evaluation.
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    on_time: Mapped[bool | None] = mapped_column(Boolean)

    owner_unit: Mapped[Unit] = relationship(lazy="joined")
    region: Mapped[Region] = relationship(lazy="joined")


class KnowledgeItem(Base):
    """A knowledge item (知识点): the identity that answers, votes and usage belong to. The
    owner unit alone edits it; its answering content is ``published_version``."""

    __tablename__ = "knowledge_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: The newest version and the one that answers (plain ids: the versions point at the item).
    latest_version_id: Mapped[int | None] = mapped_column(Integer)
    published_version_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: Usage figures: detail views, answers given with it (agents and the assistant), votes.
    views: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    helpful: Mapped[int] = mapped_column(Integer, default=0)
    not_helpful: Mapped[int] = mapped_column(Integer, default=0)

    owner_unit: Mapped[Unit] = relationship(lazy="joined")
    latest_version: Mapped[KnowledgeVersion | None] = relationship(
        primaryjoin="foreign(KnowledgeItem.latest_version_id) == KnowledgeVersion.id", viewonly=True, lazy="joined")
    published_version: Mapped[KnowledgeVersion | None] = relationship(
        primaryjoin="foreign(KnowledgeItem.published_version_id) == KnowledgeVersion.id", viewonly=True,
        lazy="joined")


class KnowledgeVersion(Base):
    """One version of an item's content, with its review workflow (``knowledge.lifecycle``)."""

    __tablename__ = "knowledge_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("knowledge_item.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … within the item
    status: Mapped[VersionStatus] = mapped_column(str_enum(VersionStatus, "knowledge_status"), index=True)
    question: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    policy_class: Mapped[PolicyClass | None] = mapped_column(str_enum(PolicyClass, "policy_class"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))  # where it applies (and below)
    policy_document_id: Mapped[int | None] = mapped_column(ForeignKey("policy_document.id"), index=True)
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_collection.id"), index=True)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    review_reason: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # superseded, expired or withdrawn
    end_reason: Mapped[str | None] = mapped_column(String(500))

    category: Mapped[Category | None] = relationship(lazy="joined")
    region: Mapped[Region] = relationship(lazy="joined")
    policy_document: Mapped[PolicyDocument | None] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("item_id", "number", name="uq_knowledge_version_item_number"),)


class KnowledgeSearchEntry(Base):
    """The search row of a published version: its segmented text (terms separated by
    spaces) and the columns the filters read. PostgreSQL adds a generated ``tsv`` column with a
    GIN index; SQLite keeps the text in the FTS5 table ``knowledge_fts`` (rowid = version id).
    Only published versions have a row, so anything else never answers."""

    __tablename__ = "knowledge_search"

    version_id: Mapped[int] = mapped_column(ForeignKey("knowledge_version.id", ondelete="CASCADE"),
                                            primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("knowledge_item.id", ondelete="CASCADE"), unique=True)
    region_code: Mapped[str] = mapped_column(String(9))
    category_code: Mapped[str | None] = mapped_column(String(16))
    policy_class: Mapped[str | None] = mapped_column(String(32))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    question_terms: Mapped[str] = mapped_column(Text)  # the question and keywords, segmented
    answer_terms: Mapped[str] = mapped_column(Text)  # the answer, segmented

    __table_args__ = (Index("ix_knowledge_search_region", "region_code"),)


class KnowledgeTerm(Base):
    """Document frequency of a term over the searchable versions (the row with the empty
    term counts the versions themselves): the inverse document frequency of relevance."""

    __tablename__ = "knowledge_term"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    df: Mapped[int] = mapped_column(Integer, default=0)


collection_unit = Table(
    "knowledge_collection_unit", Base.metadata,
    Column("collection_id", ForeignKey("knowledge_collection.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True, index=True),
)


class KnowledgeCollection(Base):
    """An emergency collection (应急征集): on a sudden topic the centre asks units to submit
    items by a deadline; each unit's delivery is the versions it submits for it."""

    __tablename__ = "knowledge_collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    centre_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    centre_unit: Mapped[Unit] = relationship(lazy="joined")
    units: Mapped[list[Unit]] = relationship(secondary=collection_unit, order_by=Unit.id, lazy="selectin")


class KnowledgeAnswer(Base):
    """An answer given with an item: by an agent closing a consultation with it (the order),
    or by the public assistant. Usage figures and the order's record of which item answered."""

    __tablename__ = "knowledge_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("knowledge_item.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("knowledge_version.id", ondelete="CASCADE"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # agent | assistant
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class KnowledgeVote(Base):
    """A reader's latest counted vote on an item (知识点评价): one per reader and item within
    the vote window, counted once across every web process and host. The reader is a keyed
    digest of the address (a blind index), never the address itself."""

    __tablename__ = "knowledge_vote"

    reader: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("knowledge_item.id", ondelete="CASCADE"), primary_key=True)
    voted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
