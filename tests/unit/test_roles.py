import pytest

from hotline.auth.models import Role
from hotline.auth.roles import PII_ROLES, ROLE_CAPS, Cap, in_region, region_prefix


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("990000", "99"), ("990100", "9901"), ("990102", "990102"), ("990102001", "990102001")],
)
def test_region_prefix(code, prefix):
    assert region_prefix(code) == prefix


def test_a_city_scope_covers_its_counties_but_not_a_sibling_city():
    assert in_region("990100", "990102001")
    assert not in_region("990100", "990202")
    assert in_region("990000", "990202")


def test_every_role_has_capabilities_and_only_auditors_read_the_audit_log():
    assert set(ROLE_CAPS) == set(Role)
    assert [r for r in Role if Cap.view_audit in ROLE_CAPS[r]] == [Role.auditor]


def test_only_call_takers_see_personal_data_unmasked():
    assert {Role.agent, Role.centre_supervisor} == PII_ROLES
