"""Pages, health, metrics, logs and the OpenAPI document."""

import logging

import pytest

from tests.factories import PASSWORD

PAGES = ["/", "/me", "/org/units", "/admin/regions", "/admin/units", "/admin/units/new", "/admin/categories",
         "/admin/channels", "/admin/users", "/admin/users/new", "/citizens", "/audit"]
ALLOWED = {
    "admin": set(PAGES) - {"/citizens", "/audit"},
    "city_admin": set(PAGES) - {"/citizens", "/audit", "/admin/categories", "/admin/channels"},
    "agent": {"/", "/me", "/org/units", "/citizens"},
    "manager": {"/", "/me", "/org/units", "/admin/users", "/admin/users/new"},
    "auditor": {"/", "/me", "/org/units", "/audit"},
}


def browser_login(client, username):
    page = client.get("/login")
    token = page.text.split('name="login_csrf" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": username, "password": PASSWORD, "login_csrf": token,
                                           "next": "/"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client


def test_pages_need_a_login(client, world):
    response = client.get("/admin/units", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/admin/units"


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_each_role_opens_exactly_its_pages(client, world, username):
    browser_login(client, username)
    for path in PAGES:
        status = client.get(path).status_code
        assert status == (200 if path in ALLOWED[username] else 403), (path, status)


def test_the_navigation_shows_only_what_the_role_may_open(client, world):
    html = browser_login(client, "agent").get("/").text
    assert "诉求人档案" in html and "单位管理" not in html and "审计日志" not in html


def test_login_without_the_form_token_is_refused(client, world):
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 403


def test_next_cannot_redirect_off_site(client, world):
    page = client.get("/login")
    token = page.text.split('name="login_csrf" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "admin", "password": PASSWORD, "login_csrf": token,
                                           "next": "//evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_a_form_error_rerenders_with_the_field_message_and_writes_nothing(client, world, db):
    from sqlalchemy import func, select

    from hotline.org.models import Region

    browser_login(client, "admin")
    csrf = client.get("/admin/regions").text.split('name="csrf_token" value="')[1].split('"')[0]
    before = db.scalar(select(func.count()).select_from(Region))
    response = client.post("/admin/regions", data={"code": "12", "name": "坏", "csrf_token": csrf})
    assert response.status_code == 422 and "区划代码应为" in response.text
    assert db.scalar(select(func.count()).select_from(Region)) == before
    ok = client.post("/admin/regions", data={"code": "990103", "name": "西城区", "csrf_token": csrf},
                     follow_redirects=False)
    assert ok.status_code == 303


def test_page_forms_need_the_csrf_token(client, world):
    browser_login(client, "admin")
    assert client.post("/admin/regions", data={"code": "990103", "name": "西城区"}).status_code == 403


def test_an_agent_sees_the_caller_unmasked_and_a_dispatcher_masked(client, world):
    browser_login(client, "agent")
    assert "13812348000" in client.get("/citizens", params={"phone": "13812348000"}).text
    client.cookies.clear()
    browser_login(client, "dispatcher")
    html = client.get(f"/citizens/{world.citizen_ref}").text
    assert "138****8000" in html and "13812348000" not in html


def test_health_metrics_and_openapi(client, world):
    assert client.get("/healthz").json() == {"status": "ok"}
    client.get("/api/v1/units")
    metrics = client.get("/metrics").text
    assert "hotline_http_requests_total" in metrics and 'route="/api/v1/units"' in metrics
    spec = client.get("/openapi.json").json()
    assert "/api/v1/units" in spec["paths"] and "/api/v1/auth/login" in spec["paths"]


def test_logs_never_carry_a_phone_number(client, world, caplog):
    browser_login(client, "agent")
    with caplog.at_level(logging.INFO):
        client.get("/citizens", params={"phone": "13812348000"})
        logging.getLogger("hotline.test").info("caller 13812348000 with id 11010519491231002X")
    from hotline.kit.logging import JsonFormatter, ScrubFilter

    formatter, scrub = JsonFormatter(), ScrubFilter()
    lines = []
    for record in caplog.records:
        scrub.filter(record)
        lines.append(formatter.format(record))
    joined = "\n".join(lines)
    assert "/citizens" in joined
    assert "13812348000" not in joined and "11010519491231002X" not in joined


def test_pages_survive_hostile_numbers(client, world):
    browser_login(client, "admin")
    assert client.get("/admin/users/99999999999999999999").status_code == 422
    assert client.get("/admin/units?offset=99999999999999999999").status_code == 200
    assert client.get("/admin/users?offset=²").status_code == 200
    csrf = client.get("/admin/users/new").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/admin/users/new", data={"csrf_token": csrf, "username": "x1x", "display_name": "x",
                                                     "role": "agent", "unit_id": "九"})
    assert response.status_code == 422 and "单位不存在" in response.text


def test_every_route_commits_in_the_endpoint_thread(app):
    from fastapi.routing import APIRoute

    from hotline.web.routing import TransactionalRoute

    def walk(routes):
        for r in routes:
            inner = getattr(r, "original_router", None)
            yield from walk(inner.routes) if inner is not None else [r]

    api_routes = [r for r in walk(app.routes) if isinstance(r, APIRoute)]
    assert api_routes
    assert [r.path for r in api_routes if not isinstance(r, TransactionalRoute)] == []


def test_the_api_docs_load_only_same_origin_assets_under_the_pages_security_policy(client):
    import re

    page = client.get("/api/docs")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls)
    assert "<script>" not in page.text  # no inline script: the policy allows none
    assert client.get("/api/docs?urls.primaryName=x").status_code == 200
    for url in urls:
        assert client.get(url).status_code == 200, url
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert not re.search(r"https?:", policy)
    assert page.headers["x-frame-options"] == "DENY"


def test_an_unknown_query_parameter_on_the_api_is_refused_naming_it(api, world):
    agent = api("agent")
    response = agent.get("/api/v1/work-orders?channel=hotline")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid" and body["field"] == "channel" and "查询参数" in body["reason"]
    assert agent.get("/api/v1/work-orders?limit=5").status_code == 200
    assert agent.get("/api/v1/me?x=1").json()["field"] == "x"


def test_pages_stay_tolerant_of_query_parameters_they_do_not_use(client, world):
    browser_login(client, "admin")
    assert client.get("/admin/users?utm_source=mail").status_code == 200
