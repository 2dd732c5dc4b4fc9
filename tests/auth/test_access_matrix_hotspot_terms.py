"""Every role against the hotspot term dictionary: administrators (manage_org) keep the terms
of their region (404 for another region's term; a term of the region above is read only, 403
to change); the centre's dispatchers and supervisors, who read the hotspots, read the terms of
their region; everyone else 403."""

import pytest

from tests.auth.test_access_matrix import ROLES, expect

API = "/api/v1/hotspot-terms"
KEEPERS = {"admin": 200, "city_admin": 200}
READERS = {**KEEPERS, "other_admin": 200, "dispatcher": 200, "supervisor": 200}


@pytest.fixture
def term(api):
    """A term of the city 990100, kept by its administrator."""
    r = api("city_admin").post(API, json={"term": "A市第一人民医院", "kind": "hospital", "synonyms": ["市一医院"]})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize(("role", "status"), expect(READERS, 403))
def test_who_lists_the_dictionary(api, term, role, status):
    listed = api(role).get(API)
    assert listed.status_code == status
    if status == 200:
        assert (term["ref"] in [t["ref"] for t in listed.json()]) is (role != "other_admin")
    assert api(role).get("/admin/hotspot-terms").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**READERS, "other_admin": 404}, 403))
def test_who_reads_a_term(api, term, role, status):
    response = api(role).get(f"{API}/{term['ref']}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["editable"] is (role in KEEPERS)
    assert api(role).get(f"/admin/hotspot-terms/{term['ref']}").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201, "city_admin": 201, "other_admin": 201}, 403))
def test_who_adds_a_term(api, role, status):
    assert api(role).post(API, json={"term": f"幸福小区{ROLES.index(role)}", "kind": "estate"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**KEEPERS, "other_admin": 404}, 403))
def test_who_changes_and_deactivates_a_term(api, term, role, status):
    client = api(role)
    assert client.patch(f"{API}/{term['ref']}", json={"synonyms": ["一医院"]}).status_code == status
    assert client.post(f"{API}/{term['ref']}/deactivate").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200, "city_admin": 200, "other_admin": 200}, 403))
def test_who_imports(api, role, status):
    upload = {"file": ("t.tsv", f"东风路{ROLES.index(role)}\troad\n".encode(), "text/plain")}
    assert api(role).post(f"{API}/import", files=upload).status_code == status


@pytest.mark.parametrize(("role", "status"), expect(READERS, 403))
def test_who_tries_the_tokenizer(api, role, status):
    assert api(role).post(f"{API}/try", json={"text": "市一医院挂号难"}).status_code == status


def test_a_term_of_the_region_above_is_read_only(api):
    province = api("admin").post(API, json={"term": "鑫融汇通", "kind": "platform", "synonyms": ["鑫融宝"]}).json()
    city = api("city_admin")
    assert city.get(f"{API}/{province['ref']}").json()["editable"] is False
    assert city.patch(f"{API}/{province['ref']}", json={"kind": "company"}).status_code == 403
    assert city.post(f"{API}/{province['ref']}/deactivate").status_code == 403
    assert api("other_admin").get(f"{API}/{province['ref']}").status_code == 200  # every city below reads it


def test_a_guessed_term_ref_is_404(api, term):
    assert api("city_admin").get(f"{API}/{'0' * 32}").status_code == 404
    assert api("city_admin").get(f"{API}/1").status_code == 404
