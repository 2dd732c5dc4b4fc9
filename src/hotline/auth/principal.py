"""Who is calling: the account behind a request, with its role and data scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hotline.auth.models import Role, User
from hotline.auth.roles import Cap, can, region_prefix, sees_pii
from hotline.config import get_settings
from hotline.kit import clock


def password_expired(user: User, now: dt.datetime | None = None) -> bool:
    """A password older than ``password_max_age_days`` (0: passwords never expire) must be
    changed before the account may do anything else (MLPS level 3: periodic change).
    Service accounts have no password."""
    max_age = get_settings().password_max_age_days
    if max_age <= 0 or user.is_service or not user.password_hash:
        return False
    since = user.password_changed_at or user.created_at
    return (now or clock.now()) - since >= dt.timedelta(days=max_age)


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: Role
    unit_id: int
    unit_name: str
    region_code: str
    is_service: bool = False
    csrf_token: str | None = None  # set for cookie sessions; API tokens need none
    must_change_password: bool = False
    password_expired: bool = False
    sector_category_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(cls, user: User, *, csrf_token: str | None = None,
           sector_category_ids: frozenset[int] = frozenset()) -> Principal:
        expired = password_expired(user)
        return cls(
            user_id=user.id, username=user.username, display_name=user.display_name,
            role=user.role, unit_id=user.unit_id, unit_name=user.unit.name,
            region_code=user.unit.region.code, is_service=user.is_service, csrf_token=csrf_token,
            must_change_password=user.must_change_password or expired, password_expired=expired,
            sector_category_ids=sector_category_ids,
        )

    @property
    def region_prefix(self) -> str:
        return region_prefix(self.region_code)

    @property
    def is_province_wide(self) -> bool:
        return len(self.region_prefix) == 2

    def can(self, cap: Cap) -> bool:
        return can(self.role, cap)

    @property
    def sees_pii(self) -> bool:
        return sees_pii(self.role)
