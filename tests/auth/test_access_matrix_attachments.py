"""Every role against an order's attachments: whoever may see the order lists and reads them
(others 404); centre staff and the units holding the order upload, in their own contexts."""

import pytest

from tests.auth.test_access_matrix import expect
from tests.workbench.test_workbench import dispatched

PDF = b"%PDF-1.4\n%%EOF"
READERS = {"agent": 200, "dispatcher": 200, "supervisor": 200, "handler": 200, "manager": 200}


@pytest.fixture
def order(api, world):
    number = dispatched(api, world, title="附件权限件")
    made = api("handler").post(f"/api/v1/work-orders/{number}/attachments", files={"file": ("a.pdf", PDF)},
                               data={"context": "handling"})
    assert made.status_code == 201
    return number, made.json()["url"]


@pytest.mark.parametrize(("role", "status"), expect(READERS, 404))
def test_who_reads_an_orders_attachments(api, order, role, status):
    number, url = order
    client = api(role)
    refused = {403, 404}
    got = client.get(f"/api/v1/work-orders/{number}/attachments").status_code
    assert got == status or (status == 404 and got in refused)
    got = client.get(url).status_code
    assert got == status or (status == 404 and got in refused)


@pytest.mark.parametrize(("role", "status"), expect({"agent": 201, "dispatcher": 201, "supervisor": 201,
                                                     "handler": 201, "manager": 201}, 404))
def test_who_uploads(api, order, role, status):
    number, _ = order
    response = api(role).post(f"/api/v1/work-orders/{number}/attachments", files={"file": ("b.pdf", PDF)},
                              data={"context": "handling"})
    assert response.status_code == status or (status == 404 and response.status_code in (403, 404))
