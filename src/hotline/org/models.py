"""Tables of the organisation model."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, Column, Enum, Float, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.kit.db import Base


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """Enums are stored as their string values on both databases (no native ENUM type)."""
    return Enum(cls, name=name, native_enum=False, create_constraint=False, length=32,
                values_callable=lambda e: [m.value for m in e])


class RegionLevel(enum.StrEnum):
    province = "province"
    city = "city"
    county = "county"
    township = "township"


LEVEL_NAMES = {
    RegionLevel.province: "省级",
    RegionLevel.city: "市级",
    RegionLevel.county: "县级",
    RegionLevel.township: "乡镇（街道）",
}


class UnitKind(enum.StrEnum):
    hotline_centre = "hotline_centre"  # 12345 热线中心 (province or city)
    workstation = "workstation"  # 县级工作站
    department = "department"  # 职能部门
    government = "government"  # county or township government
    utility = "utility"  # 公共服务企业
    other = "other"


UNIT_KIND_NAMES = {
    UnitKind.hotline_centre: "热线中心",
    UnitKind.workstation: "县级工作站",
    UnitKind.department: "职能部门",
    UnitKind.government: "人民政府",
    UnitKind.utility: "公共事业单位",
    UnitKind.other: "其他单位",
}

CENTRE_KINDS = frozenset({UnitKind.hotline_centre, UnitKind.workstation})
HANDLING_KINDS = frozenset({UnitKind.department, UnitKind.government, UnitKind.utility, UnitKind.other})


class UtilityType(enum.StrEnum):
    water = "water"
    power = "power"
    gas = "gas"
    heating = "heating"
    telecom = "telecom"


UTILITY_TYPE_NAMES = {
    UtilityType.water: "供水",
    UtilityType.power: "供电",
    UtilityType.gas: "燃气",
    UtilityType.heating: "供热",
    UtilityType.telecom: "通信",
}


class ChannelKind(enum.StrEnum):
    phone = "phone"
    web = "web"
    mobile = "mobile"
    message_board = "message_board"
    api = "api"
    other = "other"


CHANNEL_KIND_NAMES = {
    ChannelKind.phone: "电话",
    ChannelKind.web: "网站",
    ChannelKind.mobile: "移动端",
    ChannelKind.message_board: "网络留言板",
    ChannelKind.api: "系统接口",
    ChannelKind.other: "其他",
}


class Region(Base):
    """A region (行政区划) identified by its national administrative-division code:
    6 digits for province, city and county, 9 digits for a township or street."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    short_name: Mapped[str | None] = mapped_column(String(20))
    level: Mapped[RegionLevel] = mapped_column(str_enum(RegionLevel, "region_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the region's seat (WGS-84 degrees): an appeal given as a point is placed in the nearest
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    parent: Mapped[Region | None] = relationship(remote_side=[id])


unit_category = Table(
    "unit_category",
    Base.metadata,
    Column("unit_id", ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("category.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Unit(Base):
    """An organisation in the hotline network: a handling unit (承办单位: department,
    county or township government, public utility) or a hotline centre / county
    workstation. Competent for the categories linked to it and their sub-categories."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind, "unit_kind"))
    level: Mapped[RegionLevel] = mapped_column(str_enum(RegionLevel, "region_level"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    utility_type: Mapped[UtilityType | None] = mapped_column(str_enum(UtilityType, "utility_type"))
    uscc: Mapped[str | None] = mapped_column(String(18))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    region: Mapped[Region] = relationship(lazy="joined")
    parent: Mapped[Unit | None] = relationship(remote_side=[id])
    categories: Mapped[list[Category]] = relationship(secondary=unit_category, order_by="Category.code")


class Category(Base):
    """A node of the three-level appeal category tree (一级/二级/三级分类)."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Category | None] = relationship(remote_side=[id])


class AppealType(Base):
    """Kind of appeal (诉求类型): consultation, help, complaint, report, suggestion, praise.
    Codes are fixed (rules depend on them); names and order are maintained by admins."""

    __tablename__ = "appeal_type"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Channel(Base):
    """Where an appeal came in: phone (IVR), web, mobile, or a merged online message board."""

    __tablename__ = "channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[ChannelKind] = mapped_column(str_enum(ChannelKind, "channel_kind"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
