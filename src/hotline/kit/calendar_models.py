"""The admin-maintained override table of the working-day calendar."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, UTCDateTime


class CalendarOverride(Base):
    """One day whose status the administrator sets by hand (假日 or 调休上班), e.g. next
    year's State Council schedule entered before ``chinesecalendar`` knows it. An override
    wins over the package; the days of a year the package does not cover and that have no
    override fall back to "Monday to Friday", and deadlines on them are marked."""

    __tablename__ = "calendar_override"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
