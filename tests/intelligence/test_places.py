"""Jurisdiction from text: the place finder on hand-written appeals (pure), and through the
service and the API with the place names a region registers."""

import pytest

from hotline.intelligence import places
from hotline.intelligence import service as intel
from hotline.intelligence.models import PlaceKind
from hotline.kit.errors import Conflict, Forbidden, InvalidInput
from hotline.org import repository as org_repository

REGIONS = [
    ("990000", "示范省", "示范"), ("990100", "青川市", "青川"), ("990102", "东城区", None),
    ("990102001", "东华街道", None), ("990102002", "朝阳街道", None), ("990121", "安平县", None),
    ("990121001", "安平镇", None), ("990200", "云岭市", "云岭"), ("990202", "东城区", None),
    ("990202001", "望江街道", None),
]
PLACES = [("幸福路", "990102001"), ("滨江公园", "990202001"), ("青川市第一人民医院", "990102002")]
G = places.build(REGIONS, PLACES)


@pytest.mark.parametrize(("text", "address", "expected", "read"), [
    ("青川市东城区幸福路的路灯坏了一个月", None, "990102001", ["青川市", "东城区", "幸福路"]),
    ("幸福路上井盖丢了", None, "990102001", ["幸福路"]),  # a registered street alone
    ("云岭市东城区有个工地晚上施工", None, "990202", ["云岭市", "东城区"]),  # the city settles which 东城区
    ("滨江公园的厕所太脏", None, "990202001", ["滨江公园"]),
    ("青川市第一人民医院排队太久", None, "990102002", ["青川市第一人民医院"]),  # the longest name wins
    ("东华那边的菜市场乱收费", None, "990102001", ["东华"]),  # a short form without its suffix
    ("安平这边的公交太少", None, "990121", ["安平"]),  # shared by the county and its seat: the county
    ("路灯坏了", "示范省青川市东城区东华街道幸福路8号", "990102001",
     ["示范省", "青川市", "东城区", "东华街道", "幸福路"]),
    ("云岭市的公交车太少", "青川市东城区幸福路8号", "990102001",
     ["青川市", "东城区", "幸福路"]),  # the address counts more than the text
])
def test_the_place_named_in_an_appeal_is_found(text, address, expected, read):
    found = places.locate(G, text, address)
    assert found is not None and found.region_code == expected
    assert [m.text for m in found.matches] == read
    assert not found.ambiguous


def test_a_name_two_places_share_is_ambiguous_unless_the_centre_settles_it():
    found = places.locate(G, "东城区晚上施工噪音太大")
    assert found is not None and found.ambiguous
    assert {found.region_code, *found.alternatives} == {"990102", "990202"}
    settled = places.locate(G, "东城区晚上施工噪音太大", within="990200")
    assert settled is not None and settled.region_code == "990202" and not settled.ambiguous


def test_a_text_without_known_places_names_none():
    assert places.locate(G, "我的工资被拖欠了三个月") is None
    assert places.locate(G, "") is None


def test_short_forms_drop_the_administrative_suffix():
    assert places.short_form("东华街道") == "东华"
    assert places.short_form("安平县") == "安平"
    assert places.short_form("和县") is None  # one character left is no name


def test_the_service_reads_registered_places_and_suggests_the_territorial_units(db, world):
    admin = world.p("admin")
    intel.add_place(db, admin, name="幸福路", region_code="990102001", kind=PlaceKind.street)
    db.commit()  # the gazetteer is rebuilt once the change commits
    found = intel.locate(db, "幸福路12号门口的路灯坏了")
    assert found is not None and found.region.code == "990102001"
    assert found.matched == ["幸福路"]
    assert found.path == "示范省 / 青川市 / 东城区 / 东华街道"
    assert [u.id for u in found.units] == [world.units["G-990102"]]  # the district government answers for it
    within = org_repository.region_by_code(db, "990200")
    assert intel.locate(db, "没有地名的一句话", within=within) is None


def test_place_names_are_checked_and_kept_to_the_administrators_region(db, world):
    with pytest.raises(InvalidInput) as err:
        intel.add_place(db, world.p("admin"), name="路", region_code="990102001", kind=PlaceKind.street)
    assert err.value.detail["field"] == "name"
    with pytest.raises(InvalidInput):
        intel.add_place(db, world.p("admin"), name="幸福路", region_code="99010200", kind=PlaceKind.street)
    with pytest.raises(Forbidden):
        intel.add_place(db, world.p("other_admin"), name="幸福路", region_code="990102001", kind=PlaceKind.street)
    with pytest.raises(Forbidden):
        intel.add_place(db, world.p("dispatcher"), name="幸福路", region_code="990102001", kind=PlaceKind.street)
    row = intel.add_place(db, world.p("city_admin"), name="幸福路", region_code="990102001", kind=PlaceKind.street)
    with pytest.raises(Conflict):
        intel.add_place(db, world.p("admin"), name="幸福路", region_code="990102001", kind=PlaceKind.street)
    rows, total = intel.list_places(db, world.p("other_admin"))
    assert total == 0 and rows == []  # another city's administrator does not see them
    intel.remove_place(db, world.p("city_admin"), row.id)
    assert intel.list_places(db, world.p("city_admin"))[1] == 0


def test_the_api_locates_and_manages_place_names(api, world):
    admin = api("city_admin")
    r = admin.post("/api/v1/places", json={"name": "滨江公园", "region_code": "990102001", "kind": "landmark"})
    assert r.status_code == 201, r.text
    assert r.json()["region"]["path"] == "示范省 / 青川市 / 东城区 / 东华街道"
    assert admin.post("/api/v1/places", json={"name": "滨江公园", "region_code": "9901020",
                                              "kind": "landmark"}).status_code == 422
    agent = api("agent")
    r = agent.post("/api/v1/intelligence/place", json={"text": "滨江公园晚上有人放音乐扰民"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["region"]["code"] == "990102001" and body["matched"] == ["滨江公园"]
    assert body["units"] == [{"id": world.units["G-990102"], "name": "东城区人民政府"}]
    assert agent.post("/api/v1/intelligence/place", json={"text": "没有地名"}).json() is None
    assert api("handler").post("/api/v1/intelligence/place", json={"text": "滨江公园"}).status_code == 403
    place_id = admin.get("/api/v1/places").json()[0]["id"]
    assert api("other_admin").delete(f"/api/v1/places/{place_id}").status_code == 404
    assert admin.delete(f"/api/v1/places/{place_id}").status_code == 204
