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


@pytest.mark.parametrize(("role", "status"), expect({}, 404))
def test_no_role_reads_an_internal_file_through_the_citizens_link_route(api, order, db, role, status):
    """The citizen's route serves public files through a signed link only: a staff file, even
    with a link signed for it, and any file without a valid signature are 404 for every role."""
    from sqlalchemy import select

    from hotline.attachments import service
    from hotline.attachments.models import Attachment

    _, url = order
    ref = url.rstrip("/").rsplit("/", 1)[-1]
    assert db.scalar(select(Attachment.public).where(Attachment.ref == ref)) is False
    client = api(role)
    assert client.get(service.public_link(ref)).status_code == status
    assert client.get(f"/public/attachments/{ref}").status_code == status
    db.execute(Attachment.__table__.update().where(Attachment.ref == ref).values(public=True))
    assert client.get(service.public_link(ref)).status_code == 200  # shown to the citizen: a link opens it
    assert client.get(f"/public/attachments/{ref}?e=9999999999&s=0").status_code == 404
