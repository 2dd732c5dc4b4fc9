"""Open311 fixtures: coordinates on the test world's regions and a place, two categories
opened as services (one with extra questions), a key, and the published JSON Schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from sqlalchemy import update

from hotline.channels.open311 import service
from hotline.intelligence.models import PlaceKind, PlaceName
from hotline.kit import clock
from hotline.org import repository as org_repository
from hotline.org.models import Region

SCHEMAS = Path(__file__).with_name("schemas")
#: The test world's regions as points (WGS-84): 青川市 around 30.6 N 104.0 E, 云岭市 300 km east.
SEATS = {"990000": (30.60, 104.00), "990100": (30.57, 104.06), "990102": (30.66, 104.08),
         "990102001": (30.662, 104.071), "990200": (29.56, 106.55), "990202": (29.57, 106.58)}
LAMP_ATTRIBUTES = [
    {"code": "LAMP_STATE", "datatype": "singlevaluelist", "required": True, "description": "路灯状态",
     "values": [{"key": "off", "name": "完全不亮"}, {"key": "flicker", "name": "闪烁"}]},
    {"code": "POLE_NO", "datatype": "string", "required": False, "description": "灯杆编号"},
    {"code": "SINCE", "datatype": "datetime", "required": False, "description": "发现时间"},
]


def validator(name: str) -> Draft7Validator:
    """A validator for one of the published schemas, ``$ref`` resolved among the copies."""
    registry: Registry = Registry()
    for path in SCHEMAS.glob("*.json"):
        registry = registry.with_resource(path.name, Resource.from_contents(
            json.loads(path.read_text(encoding="utf-8")), default_specification=_draft7()))
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return Draft7Validator(schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)


def _draft7():  # type: ignore[no-untyped-def]
    from referencing.jsonschema import DRAFT7

    return DRAFT7


def valid(name: str, body: object) -> object:
    errors = sorted(validator(name).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    return body


def xml(response) -> ET.Element:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("text/xml"), response.headers["content-type"]
    return ET.fromstring(response.content)  # noqa: S314 - the server under test answered it


@dataclass
class Open311:
    key: str
    key_id: int
    lamp: str  # the service with extra questions
    noise: str  # one without


@pytest.fixture
def o311(db, world) -> Open311:
    for code, (lat, lon) in SEATS.items():
        db.execute(update(Region).where(Region.code == code).values(latitude=lat, longitude=lon))
    town = org_repository.region_by_code(db, "990102001")
    assert town is not None
    db.add(PlaceName(name="幸福路", region_id=town.id, kind=PlaceKind.street, latitude=30.671, longitude=104.069,
                     created_at=clock.now()))
    admin = world.p("admin")
    service.save_service(db, admin, world.categories["lamp"], enabled=True, description="路灯不亮、闪烁、倒伏",
                         keywords="路灯,照明", attributes=LAMP_ATTRIBUTES)
    service.save_service(db, admin, world.categories["noise"], enabled=True)
    key, row = service.issue_key(db, admin, name="青川市民通 App")
    db.commit()
    return Open311(key=key, key_id=row.id, lamp=world.categories["lamp"], noise=world.categories["noise"])
