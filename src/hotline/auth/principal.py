"""Who is calling: the account behind a request, with its role and data scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.auth.models import Role, User
from hotline.auth.roles import Cap, can, region_prefix, sees_pii


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
    sector_category_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(cls, user: User, *, csrf_token: str | None = None,
           sector_category_ids: frozenset[int] = frozenset()) -> Principal:
        return cls(
            user_id=user.id, username=user.username, display_name=user.display_name,
            role=user.role, unit_id=user.unit_id, unit_name=user.unit.name,
            region_code=user.unit.region.code, is_service=user.is_service, csrf_token=csrf_token,
            must_change_password=user.must_change_password,
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
