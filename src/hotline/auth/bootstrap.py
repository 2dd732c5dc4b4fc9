"""Setting up an empty database: the province, its hotline centre and the first administrator.

Everything after that goes through the services, as that administrator."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.models import Role, User
from hotline.auth.principal import Principal
from hotline.auth.service import check_password_policy, hash_password
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, InvalidInput
from hotline.org.models import Region, RegionLevel, Unit, UnitKind


def is_empty(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def initialise(
    session: Session, *, province_code: str, province_name: str, centre_name: str,
    admin_username: str, admin_password: str, admin_name: str = "系统管理员",
) -> Principal:
    if not is_empty(session):
        raise Conflict("数据库已初始化")
    code = validate.region_code(province_code, "province_code")
    if validate.region_level_of(code) != "province":
        raise InvalidInput("province_code", "省级区划代码应形如 XX0000")
    check_password_policy(admin_password, "admin_password", username=admin_username, display_name=admin_name)
    region = Region(code=code, name=province_name, level=RegionLevel.province, active=True)
    session.add(region)
    session.flush()
    centre = Unit(code=f"C-{code}", name=centre_name, kind=UnitKind.hotline_centre,
                  level=RegionLevel.province, region_id=region.id, active=True)
    session.add(centre)
    session.flush()
    admin = User(username=admin_username, display_name=admin_name, role=Role.admin, unit_id=centre.id,
                 password_hash=hash_password(admin_password), is_service=False, active=True,
                 must_change_password=False, created_at=clock.now(), password_changed_at=clock.now())
    session.add(admin)
    session.flush()
    session.refresh(admin)
    principal = Principal.of(admin)
    audit.record(session, principal, "platform.initialised", object_type="region", object_id=code)
    return principal
