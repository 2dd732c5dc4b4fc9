"""Every role against the analysis reports: centre supervisors draft, edit, issue and discard
the reports of their region; dispatchers read and download the issued ones (a draft does not
exist for them: 404); another region's report is 404; every other role 403. The daily
emergency and stability ledger: centre staff and the provincial sector departments."""

import pytest

from hotline.analytics.reports import service
from tests.auth.test_access_matrix import expect

API = "/api/v1/reports"
ISSUERS = {"supervisor": 200}
READERS = {"supervisor": 200, "dispatcher": 200}


@pytest.fixture
def draft(api):
    r = api("supervisor").post(API, json={"kind": "daily_ledger", "period": "2026-11-09"})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def issued(api, draft):
    r = api("supervisor").post(f"{API}/{draft['ref']}/issue", json={"version": draft["version"]})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def elsewhere(db, world):
    """A report of 云岭市, drafted by the system (as the scheduled job does)."""
    report = service.draft(db, None, service.DraftRequest(kind="daily_ledger", period="2026-11-09",
                                                          region_code="990200"))
    db.commit()
    return report.ref


@pytest.mark.parametrize(("role", "status"), expect(READERS, 403))
def test_who_lists_the_archive(api, issued, role, status):
    listed = api(role).get(API)
    assert listed.status_code == status
    if status == 200:
        assert [r["ref"] for r in listed.json()] == [issued["ref"]]
    assert api(role).get("/reports").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 201}, 403))
def test_who_drafts_a_report(api, role, status):
    assert api(role).post(API, json={"kind": "daily_ledger", "period": "2026-11-10"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 200, "dispatcher": 404}, 403))
def test_who_reads_a_draft(api, draft, role, status):
    assert api(role).get(f"{API}/{draft['ref']}").status_code == status
    assert api(role).get(f"{API}/{draft['ref']}/docx").status_code == status
    assert api(role).get(f"/reports/{draft['ref']}").status_code == status


@pytest.mark.parametrize(("role", "status"), expect(READERS, 403))
def test_who_reads_and_downloads_an_issued_report(api, issued, role, status):
    assert api(role).get(f"{API}/{issued['ref']}").status_code == status
    assert api(role).get(f"{API}/{issued['ref']}/docx").status_code == status
    assert api(role).get(f"{API}/{issued['ref']}/xlsx").status_code == status
    assert api(role).get(f"/reports/{issued['ref']}").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 404, "dispatcher": 404}, 403))
def test_another_regions_report_is_not_found(api, elsewhere, role, status):
    assert api(role).get(f"{API}/{elsewhere}").status_code == status
    assert api(role).patch(f"{API}/{elsewhere}", json={"sections": {}, "version": 1}).status_code == \
        (403 if role == "dispatcher" else status)


@pytest.mark.parametrize(("role", "status"), expect(ISSUERS, 403))
def test_who_edits_refreshes_and_issues_a_draft(api, draft, role, status):
    client = api(role)
    assert client.patch(f"{API}/{draft['ref']}", json={"sections": {"entries": "无新增。"},
                                                       "version": draft["version"]}).status_code == status
    version = draft["version"] + (1 if status == 200 else 0)
    assert client.post(f"{API}/{draft['ref']}/regenerate", json={"version": version}).status_code == status
    version += 1 if status == 200 else 0
    assert client.post(f"{API}/{draft['ref']}/issue", json={"version": version}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 204}, 403))
def test_who_discards_a_draft(api, draft, role, status):
    assert api(role).delete(f"{API}/{draft['ref']}").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "dispatcher": 200, "supervisor": 200,
                                                     "sector": 200}, 403))
def test_who_reads_the_daily_ledger(api, role, status):
    assert api(role).get(f"{API}/daily-ledger", params={"day": "2026-11-09"}).status_code == status
    assert api(role).get(f"{API}/daily-ledger/docx", params={"day": "2026-11-09"}).status_code == status
    assert api(role).get("/daily-ledger", params={"day": "2026-11-09"}).status_code == status


def test_a_guessed_report_ref_is_404(api, issued):
    for ref in ("0" * 32, "1", "x" * 64):
        assert api("supervisor").get(f"{API}/{ref}").status_code == 404
