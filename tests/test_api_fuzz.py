"""Property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis):
no 5xx, and every response matches the status codes and schema the operation declares.
Bounded examples per operation; each operation runs against the rolled-back test world."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from sqlalchemy.orm import sessionmaker

from hotline.app import create_app
from hotline.config import get_settings
from tests.factories import login

# The operation list, read once from an app that never touches a database.
_SPEC = create_app(get_settings(), session_factory=sessionmaker()).openapi()
OPERATIONS = [
    (method.upper(), path)
    for path, item in _SPEC["paths"].items()
    for method in item
    if path.startswith("/api/") and path != "/api/v1/auth/logout"
]
_SCHEMAS: dict[int, object] = {}


@pytest.fixture
def admin_headers(client, world):
    login(client, "admin")
    cookie = client.cookies["hotline_session"]
    return {"X-CSRF-Token": client.headers["X-CSRF-Token"], "Cookie": f"hotline_session={cookie}"}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_never_fails_and_keeps_its_own_schema(app, admin_headers, method, path):
    if id(app) not in _SCHEMAS:  # the suite's one application: its document is read once
        _SCHEMAS.clear()
        _SCHEMAS[id(app)] = schemathesis.openapi.from_asgi("/openapi.json", app)
    operation = _SCHEMAS[id(app)][path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        # Business rules (duplicates, parents, scopes) cannot live in a JSON schema, so a
        # schema-valid body may still be refused with 422: that check is left out.
        case.call_and_validate(headers=admin_headers, excluded_checks=[checks.positive_data_acceptance])

    run()
