"""Bad input gets 422 naming the field, and nothing is written."""

import pytest
from sqlalchemy import func, select

from hotline.org.models import Category, Region, Unit


def counts(db):
    return tuple(db.scalar(select(func.count()).select_from(t)) for t in (Region, Unit, Category))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "12345", "name": "坏代码"}, "code"),
        ({"code": "99010３", "name": "全角数字"}, "code"),
        ({"code": "990102", "name": "重复"}, "code"),
        ({"code": "990301", "name": "上级不存在"}, "parent_code"),
        ({"code": "990103", "name": "错上级", "parent_code": "990200"}, "parent_code"),
        ({"code": "990103", "name": "x" * 51}, "name"),
        ({"code": "990103", "name": "   "}, "name"),
        ({"code": "990103"}, "name"),
        ({"code": "9" * 400, "name": "超长"}, "code"),
        ({"code": "980000", "name": "外省"}, "code"),
    ],
)
def test_invalid_regions_are_refused_with_the_field(api, db, body, field):
    before = counts(db)
    response = api("admin").post("/api/v1/regions", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert response.json()["reason"]
    assert counts(db) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "bad code!"}, "code"),
        ({"code": "990100-zj"}, "code"),
        ({"region_code": "990999"}, "region_code"),
        ({"region_code": "990200"}, "region_code"),  # outside the city admin's scope
        ({"parent_code": "no-such-unit"}, "parent_code"),
        ({"parent_code": "990200-zj"}, "parent_code"),  # a parent whose region does not contain the unit
        ({"kind": "utility"}, "utility_type"),
        ({"utility_type": "water"}, "utility_type"),
        ({"kind": "workstation"}, "kind"),  # workstations sit at county level
        ({"uscc": "91110000600037341X"}, "uscc"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"category_codes": ["99"]}, "category_codes"),
        ({"kind": "spaceship"}, "kind"),
    ],
)
def test_invalid_units_are_refused_with_the_field(api, db, change, field):
    body = {"code": "990100-new", "name": "新单位", "kind": "department", "region_code": "990100", **change}
    before = counts(db)
    response = api("city_admin").post("/api/v1/units", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert counts(db) == before


def test_a_unit_cannot_become_its_own_ancestor(api, world, db):
    admin = api("admin")
    city = admin.post("/api/v1/units", json={"code": "A1", "name": "甲", "kind": "department",
                                             "region_code": "990100"}).json()
    county = admin.post("/api/v1/units", json={"code": "A2", "name": "乙", "kind": "department",
                                               "region_code": "990102", "parent_code": "A1"}).json()
    assert county["parent_code"] == "A1"
    response = admin.patch(f"/api/v1/units/{city['id']}", json={"parent_code": "A2"})
    assert response.status_code == 422 and response.json()["field"] == "parent_code"
    self_parent = admin.patch(f"/api/v1/units/{city['id']}", json={"parent_code": "A1"})
    assert self_parent.status_code == 422
    assert db.get(Unit, city["id"]).parent_id is None


def test_categories_refuse_cycles_a_fourth_level_and_duplicate_siblings(api, world, db):
    admin = api("admin")
    cycle = admin.patch(f"/api/v1/categories/{world.categories['urban']}",
                        json={"parent_code": world.categories["lamp"]})
    assert cycle.status_code == 422 and cycle.json()["field"] == "parent_code"
    fourth = admin.post("/api/v1/categories", json={"name": "四级", "parent_code": world.categories["lamp"]})
    assert fourth.status_code == 422 and fourth.json()["field"] == "parent_code"
    too_deep = admin.patch(f"/api/v1/categories/{world.categories['street']}",
                           json={"parent_code": world.categories["noise"]})
    assert too_deep.status_code == 422
    duplicate = admin.post("/api/v1/categories", json={"name": "城市建设和市政管理",
                                                       "parent_code": world.categories["urban"]})
    assert duplicate.status_code == 422 and duplicate.json()["field"] == "name"
    unknown = admin.post("/api/v1/categories", json={"name": "x", "parent_code": "77"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "parent_code"
    assert db.scalar(select(Category.parent_id).where(Category.code == world.categories["urban"])) is None


def test_moving_a_category_relevels_its_subtree(api, world, db):
    admin = api("admin")
    moved = admin.patch(f"/api/v1/categories/{world.categories['noise']}", json={"parent_code": "01"})
    assert moved.status_code == 200 and moved.json()["level"] == 2
    root = admin.patch(f"/api/v1/categories/{world.categories['street']}", json={"make_root": True})
    assert root.json()["level"] == 1
    lamp = db.scalar(select(Category).where(Category.code == world.categories["lamp"]))
    db.refresh(lamp)
    assert lamp.level == 2


def test_new_categories_get_the_next_code_under_their_parent(api, world):
    created = api("admin").post("/api/v1/categories", json={"name": "物业管理", "parent_code": "01"})
    assert created.status_code == 201 and created.json()["code"] == "0102"


def test_a_region_with_active_units_cannot_be_deactivated(api, db):
    response = api("admin").patch("/api/v1/regions/990102", json={"active": False})
    assert response.status_code == 422 and response.json()["field"] == "active"


def test_pydantic_errors_use_the_same_shape(api):
    response = api("admin").post("/api/v1/units", json={"code": "x"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid" and body["field"] in {"name", "kind", "region_code"}


@pytest.mark.parametrize("payload", ["not json", "[]", "{\"code\": 1"])
def test_malformed_bodies_get_422_not_500(api, payload):
    response = api("admin").post("/api/v1/regions", content=payload, headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_unknown_objects_are_404(api):
    admin = api("admin")
    assert admin.get("/api/v1/regions/990999").status_code == 404
    assert admin.get("/api/v1/units/424242").status_code == 404
    assert admin.patch("/api/v1/categories/88", json={"name": "x"}).status_code == 404
    assert admin.patch("/api/v1/channels/nope", json={"name": "x"}).status_code == 404
    assert admin.patch("/api/v1/appeal-types/nope", json={"name": "x"}).status_code == 404


def test_channels_and_appeal_types_are_maintained(api):
    admin = api("admin")
    created = admin.post("/api/v1/channels", json={"code": "wechat", "name": "微信公众号", "kind": "mobile"})
    assert created.status_code == 201
    assert admin.post("/api/v1/channels", json={"code": "wechat", "name": "重复", "kind": "mobile"}).status_code == 422
    assert admin.patch("/api/v1/channels/wechat", json={"active": False}).json()["active"] is False
    renamed = admin.patch("/api/v1/appeal-types/praise", json={"name": "表扬感谢", "sort": 9})
    assert renamed.json() == {"code": "praise", "name": "表扬感谢", "sort": 9, "active": True}
    codes = [a["code"] for a in admin.get("/api/v1/appeal-types").json()]
    assert codes[-1] == "praise"
