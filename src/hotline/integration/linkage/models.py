"""Tables of linkage (联动): the register of lines and the linkage records on work orders."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.kit.db import Base, UTCDateTime
from hotline.org.models import Region, Unit


def new_ref() -> str:
    """A public identifier: 128 random bits as 32 hex digits (URLs never carry sequential ids)."""
    return secrets.token_hex(16)


class LinkageLine(Base):
    """A linkage line (联动线路): an emergency line (110 police, 119 fire, 120 ambulance, 122
    traffic police) or a utility's service line (water, power, gas, heating, telecom) that the
    hotline hands appeals over to. Registered per region: a line of a province serves every
    city under it. A utility line names the handling unit (``unit``) that stands for it in the
    platform: the utility that receives orders (in the platform, or by push and the API)."""

    __tablename__ = "linkage_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    name: Mapped[str] = mapped_column(String(100))
    #: the number dialled (110, 95598, 0871-12345678 …)
    number: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16))  # lifecycle.LineKind
    #: police | fire | ambulance | traffic for emergency lines; the utility type for utilities
    service: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    region: Mapped[Region] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class LinkageRecord(Base):
    """A linkage record (联动记录): one transfer of an order's appeal to a line — who did it,
    when, the other side's reference number, whether the whole appeal went (``full``: the order
    leaves the hotline's clock) or 12345 kept a part (``partial``), the call it was made on
    (three-way or blind, as recorded by the agent) and the outcome, updated later."""

    __tablename__ = "linkage_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("linkage_line.id"), index=True)
    #: the region of the order's centre, for scoping lists and statistics without a join
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    scope: Mapped[str] = mapped_column(String(16))  # lifecycle.Scope
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", ondelete="SET NULL"))
    call_mode: Mapped[str | None] = mapped_column(String(16))  # lifecycle.CallMode
    other_ref: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(String(500))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    transferred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: seconds from the order's registration to the transfer (time to hand over)
    seconds_to_transfer: Mapped[float] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(16))  # lifecycle.Outcome
    outcome_note: Mapped[str | None] = mapped_column(String(500))
    outcome_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    line: Mapped[LinkageLine] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (Index("ix_linkage_record_region_at", "region_id", "transferred_at"),)
