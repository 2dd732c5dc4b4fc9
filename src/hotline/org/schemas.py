"""API shapes of the organisation model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hotline.org.models import ChannelKind, RegionLevel, UnitKind, UtilityType


class RegionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    short_name: str | None
    level: RegionLevel
    parent_code: str | None
    active: bool


class RegionCreate(BaseModel):
    code: str = Field(max_length=9, description="6 digits (province, city, county) or 9 (township)")
    name: str = Field(max_length=50)
    short_name: str | None = Field(default=None, max_length=20)
    parent_code: str | None = Field(default=None, max_length=9)


class RegionUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=50)
    short_name: str | None = Field(default=None, max_length=20)
    active: bool | None = None


class CategoryRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: UnitKind
    level: RegionLevel
    region_code: str
    region_name: str
    parent_code: str | None
    utility_type: UtilityType | None
    uscc: str | None
    contact_phone: str | None
    active: bool
    categories: list[CategoryRef]


class UnitCreate(BaseModel):
    code: str = Field(max_length=32)
    name: str = Field(max_length=100)
    kind: UnitKind
    region_code: str = Field(max_length=9)
    parent_code: str | None = Field(default=None, max_length=32)
    utility_type: UtilityType | None = None
    uscc: str | None = Field(default=None, max_length=18)
    contact_phone: str | None = Field(default=None, max_length=30)
    category_codes: list[str] = Field(default_factory=list, max_length=600)


class UnitUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=100)
    kind: UnitKind | None = None
    region_code: str | None = Field(default=None, max_length=9)
    parent_code: str | None = Field(default=None, max_length=32)
    clear_parent: bool = False
    utility_type: UtilityType | None = None
    uscc: str | None = Field(default=None, max_length=18)
    contact_phone: str | None = Field(default=None, max_length=30)
    category_codes: list[str] | None = Field(default=None, max_length=600)
    active: bool | None = None


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    level: int
    parent_code: str | None
    active: bool


class CategoryCreate(BaseModel):
    name: str = Field(max_length=50)
    parent_code: str | None = Field(default=None, max_length=16)
    code: str | None = Field(default=None, max_length=16)


class CategoryUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=50)
    parent_code: str | None = Field(default=None, max_length=16)
    make_root: bool = False
    active: bool | None = None


class ChannelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    kind: ChannelKind
    active: bool


class ChannelCreate(BaseModel):
    code: str = Field(max_length=32)
    name: str = Field(max_length=50)
    kind: ChannelKind


class ChannelUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=50)
    kind: ChannelKind | None = None
    active: bool | None = None


class AppealTypeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    sort: int
    active: bool


class AppealTypeUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=20)
    sort: int | None = Field(default=None, ge=0, le=999)
    active: bool | None = None


class ImportResult(BaseModel):
    created: int
    updated: int
