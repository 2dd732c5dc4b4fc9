"""A small, complete organisation for tests: two cities, units of every kind, one account
per role (plus a second city's admin and handler, to prove scopes), and one citizen."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.auth import bootstrap
from hotline.auth import service as auth_service
from hotline.auth.models import Role, User
from hotline.auth.principal import Principal
from hotline.citizen import service as citizen_service
from hotline.org import service as org
from hotline.org.models import Unit, UnitKind, UtilityType

PASSWORD = "test-pass-123"

USERS = [
    # username, role, unit code
    ("city_admin", Role.admin, "C-990100"),
    ("other_admin", Role.admin, "C-990200"),
    ("agent", Role.agent, "C-990100"),
    ("dispatcher", Role.dispatcher, "C-990100"),
    ("supervisor", Role.centre_supervisor, "C-990100"),
    ("handler", Role.unit_handler, "990100-zj"),
    ("manager", Role.unit_manager, "990100-zj"),
    ("other_handler", Role.unit_handler, "990200-zj"),
    ("sector", Role.sector_viewer, "990000-sthj"),
    ("auditor", Role.auditor, "C-990000"),
    ("kb_editor", Role.knowledge_editor, "C-990000"),
    ("kb_reviewer", Role.knowledge_reviewer, "C-990000"),
]


@dataclass
class World:
    principals: dict[str, Principal] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    citizen_id: int = 0
    citizen_ref: str = ""
    tokens: dict[str, str] = field(default_factory=dict)

    def p(self, username: str) -> Principal:
        return self.principals[username]


def build_world(db: Session) -> World:
    w = World()
    admin = bootstrap.initialise(db, province_code="990000", province_name="示范省", centre_name="省热线中心",
                                 admin_username="admin", admin_password=PASSWORD)
    w.principals["admin"], w.user_ids["admin"] = admin, admin.user_id
    for code, name in (("990100", "青川市"), ("990102", "东城区"), ("990102001", "东华街道"),
                       ("990200", "云岭市"), ("990202", "云中区")):
        org.create_region(db, admin, code=code, name=name)
    urban = org.create_category(db, admin, name="城乡建设", code="01")
    w.categories["urban"] = urban.code
    w.categories["street"] = org.create_category(db, admin, name="城市建设和市政管理", parent_code="01").code
    w.categories["lamp"] = org.create_category(db, admin, name="路灯", parent_code=w.categories["street"]).code
    env = org.create_category(db, admin, name="环境保护", code="02")
    w.categories["env"] = env.code
    w.categories["noise"] = org.create_category(db, admin, name="噪声污染", parent_code="02").code

    def unit(code: str, name: str, kind: UnitKind, region: str, **kw: object) -> Unit:
        u = org.create_unit(db, admin, code=code, name=name, kind=kind, region_code=region, **kw)  # type: ignore[arg-type]
        w.units[code] = u.id
        return u

    w.units["C-990000"] = admin.unit_id
    unit("C-990100", "青川市热线中心", UnitKind.hotline_centre, "990100", parent_code="C-990000")
    unit("C-990200", "云岭市热线中心", UnitKind.hotline_centre, "990200", parent_code="C-990000")
    unit("W-990102", "东城区工作站", UnitKind.workstation, "990102", parent_code="C-990100")
    unit("990000-sthj", "示范省生态环境厅", UnitKind.department, "990000", category_codes=["02"])
    unit("990100-zj", "青川市住建局", UnitKind.department, "990100", category_codes=["01"])
    unit("990200-zj", "云岭市住建局", UnitKind.department, "990200", category_codes=["01"])
    unit("990100-wat", "青川市自来水公司", UnitKind.utility, "990100", utility_type=UtilityType.water)
    unit("G-990102", "东城区人民政府", UnitKind.government, "990102")
    for username, role, unit_code in USERS:
        user = auth_service.create_user(db, admin, username=username, display_name=username, role=role,
                                        unit_id=w.units[unit_code], password=PASSWORD, phone="13700000000")
        user.must_change_password = False
        db.flush()
        w.user_ids[username] = user.id
        w.principals[username] = auth_service._principal(db, user, "csrf-" + username)
    ivr = auth_service.create_user(db, admin, username="ivr", display_name="IVR", role=Role.integration,
                                   unit_id=admin.unit_id, password=None, is_service=True)
    w.user_ids["ivr"] = ivr.id
    w.tokens["ivr"], _ = auth_service.issue_api_token(db, admin, ivr, name="test", days=None)
    w.principals["ivr"] = Principal.of(ivr)
    pbx = auth_service.create_user(db, admin, username="pbx", display_name="PBX", role=Role.cti,
                                   unit_id=w.units["C-990100"], password=None, is_service=True)
    w.user_ids["pbx"] = pbx.id
    w.tokens["pbx"], _ = auth_service.issue_api_token(db, admin, pbx, name="test", days=None)
    w.principals["pbx"] = Principal.of(pbx)
    citizen = citizen_service.register(db, w.p("agent"), phone="13812348000", name="张三丰",
                                       id_number="11010519491231002X", address="示范省青川市东城区幸福路1号")
    w.citizen_id, w.citizen_ref = citizen.id, citizen.ref
    return w


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    """Log ``client`` in through the API and arm it with the CSRF header."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def user_of(db: Session, username: str) -> User:
    from sqlalchemy import select

    return db.execute(select(User).where(User.username == username)).scalar_one()
