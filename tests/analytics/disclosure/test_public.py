"""Nothing personal reaches the public: orders full of personal data go through choose →
anonymise → submit → approve → publish, and the public page, the JSON feed and the RSS feed
hold none of it. The RSS feed is valid RSS 2.0; the public reads are rate-limited."""

import re
from xml.etree import ElementTree as ET

import pytest

from hotline.analytics.disclosure import endpoints
from hotline.kit import ratelimit
from tests.analytics.disclosure.conftest import PERSONAL, published_case


#: Everything of PERSONAL, and the forms it may take in text (digits without separators, the
#: given name alone, the plate without its dot).
def _forbidden() -> list[str]:
    values = list(PERSONAL.values())
    values += [re.sub(r"\D", "", PERSONAL["landline"]), PERSONAL["plate_ev"].replace("·", ""), "建国", "秀英",
               PERSONAL["phone"][-4:] + "</", "幸福路18号"]
    return values


def _clean(text: str) -> list[str]:
    return [v for v in _forbidden() if v in text]


@pytest.fixture
def published(api, world, second_supervisor):
    return [published_case(api, world, second_supervisor, hide_enterprise=True),
            published_case(api, world, second_supervisor, hide_enterprise=True)]


def test_the_public_page_json_and_rss_hold_no_personal_data(client, published):
    pages = [client.get("/public/disclosure"), client.get("/api/v1/public/disclosure"),
             client.get("/public/disclosure/rss.xml")]
    for c in published:
        pages += [client.get(f"/public/disclosure/cases/{c['ref']}"),
                  client.get(f"/api/v1/public/disclosure/cases/{c['ref']}")]
    for page in pages:
        assert page.status_code == 200, page.url
        assert _clean(page.text) == [], page.url
    case_page = pages[3].text
    assert "欧阳某" in case_page and "[车牌号]" in case_page and "某有限公司" in case_page


def test_the_public_sees_no_order_number_nor_any_staff_detail(client, published, api):
    body = client.get("/api/v1/public/disclosure").json()
    order = api("supervisor").get(f"/api/v1/disclosure/cases/{published[0]['ref']}").json()["order"]
    assert order not in str(body)
    assert set(body["cases"][0]) == {"ref", "url", "period", "region_name", "area_name", "category_name", "title",
                                     "appeal", "handling", "result", "published_at"}


def test_a_draft_or_a_case_in_review_is_not_public(api, world, client):
    from tests.analytics.disclosure.conftest import API, closed_order, post

    case = post(api("supervisor"), f"{API}/cases", {"order": closed_order(api, world)}, 201)
    assert client.get(f"/public/disclosure/cases/{case['ref']}").status_code == 404
    post(api("supervisor"), f"{API}/cases/{case['ref']}/submit")
    assert client.get(f"/public/disclosure/cases/{case['ref']}").status_code == 404
    assert client.get("/api/v1/public/disclosure").json()["cases"] == []


def test_the_rss_feed_is_rss_2_with_the_required_elements(client, published):
    response = client.get("/public/disclosure/rss.xml")
    assert response.headers["content-type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), name
    items = channel.findall("item")
    assert len(items) == 2
    for item in items:
        assert item.findtext("title", "").startswith("典型案例：")
        assert item.findtext("link", "").startswith("http")
        assert item.findtext("guid") and item.findtext("pubDate", "").endswith("GMT")
        assert item.findtext("description")


def test_the_public_reads_are_rate_limited_per_address(client, monkeypatch):
    monkeypatch.setattr(endpoints, "PUBLIC_LIMIT", ratelimit.Limit("public.disclosure.test", 3,
                                                                   endpoints.PUBLIC_LIMIT.window))
    codes = [client.get(path).status_code for path in ("/public/disclosure", "/api/v1/public/disclosure",
                                                      "/public/disclosure/rss.xml", "/public/disclosure")]
    assert codes == [200, 200, 200, 429]


def test_a_malformed_region_is_422_on_the_api_and_ignored_on_the_page(client):
    assert client.get("/api/v1/public/disclosure?region=abc").status_code == 422
    page = client.get("/public/disclosure?region=abc")
    assert page.status_code == 200 and "区划代码" in page.text
