"""Tables of accounts and sessions."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.kit.db import Base, EncryptedString, UTCDateTime
from hotline.org.models import Unit, str_enum


class Role(enum.StrEnum):
    agent = "agent"  # 话务员: takes calls, registers appeals, calls back
    dispatcher = "dispatcher"  # 派单员
    centre_supervisor = "centre_supervisor"  # 中心督办/值班长
    unit_handler = "unit_handler"  # 承办人员
    unit_manager = "unit_manager"  # 承办单位负责人
    sector_viewer = "sector_viewer"  # 省级行业部门（只读抽查）
    admin = "admin"  # 系统管理员
    auditor = "auditor"  # 安全审计员
    integration = "integration"  # 对接系统（服务账号）
    cti = "cti"  # 呼叫中心接口（PBX/ACD 的服务账号，只报送话务事件）
    knowledge_editor = "knowledge_editor"  # 知识库编辑: writes the centre's knowledge items
    knowledge_reviewer = "knowledge_reviewer"  # 知识库审核员: approves, publishes and withdraws them


ROLE_NAMES = {
    Role.agent: "话务员",
    Role.dispatcher: "派单员",
    Role.centre_supervisor: "中心督办员",
    Role.unit_handler: "承办人员",
    Role.unit_manager: "承办单位负责人",
    Role.sector_viewer: "行业部门查看员",
    Role.admin: "系统管理员",
    Role.auditor: "安全审计员",
    Role.integration: "对接服务账号",
    Role.cti: "呼叫中心接口账号",
    Role.knowledge_editor: "知识库编辑",
    Role.knowledge_reviewer: "知识库审核员",
}


class User(Base):
    """A staff account or a service account (``is_service``: API tokens only, no password).

    Every account belongs to one unit; the unit's region is the account's data scope."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(EncryptedString(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_service: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When the password was last set; with ``password_max_age_days`` it must be changed again.
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AuthSession(Base):
    """A browser login. The cookie carries a random token; only its SHA-256 is stored."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token for the API, shown once at creation; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class LoginAttempt(Base):
    """Every password login attempt, known user or not, for throttling and forensics.

    ``throttled``: refused without checking the password because the caller was being slowed
    down; such attempts are kept for forensics but do not count as failures
    (docs/adr/0015-login-throttling.md)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    success: Mapped[bool] = mapped_column(Boolean)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    throttled: Mapped[bool] = mapped_column(Boolean, default=False)


class PasswordHistory(Base):
    """A password an account used before (its Argon2 hash only), so that a new password
    cannot be one of the last ``password_history_count``."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
