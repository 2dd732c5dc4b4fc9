"""The categories page with the demo's full taxonomy: a small, collapsible tree whose edit
forms are fetched on demand and still save."""

import pytest

from hotline.demo import data


@pytest.fixture
def taxonomy(db, world):
    """The demo's 650-odd categories, beside the test world's (renamed out of their way)."""
    from hotline.org import repository

    for key in ("urban", "env"):
        category = repository.category_by_code(db, world.categories[key])
        category.name = "测试" + category.name
    codes = data.load_categories(db, world.p("admin"))
    db.commit()
    return codes


def test_the_page_stays_under_300_kb_with_the_demo_taxonomy(api, taxonomy):
    assert len(taxonomy) > 600
    page = api("admin").get("/admin/categories")
    assert page.status_code == 200
    assert len(page.content) < 300_000, len(page.content)
    assert page.text.count("<form") < 10  # the edit forms are not inlined
    code = taxonomy[("城乡建设", "城市建设和市政管理", "自来水供应")]
    assert f'id="c-{code}"' in page.text and f'hx-get="/admin/categories/{code}/form"' in page.text


def test_a_category_form_loads_on_demand_and_saves(api, db, taxonomy):
    admin = api("admin")
    code = taxonomy[("城乡建设", "城市建设和市政管理", "自来水供应")]
    fragment = admin.get(f"/admin/categories/{code}/form", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'action="/admin/categories/{code}"' in fragment.text and 'value="自来水供应"' in fragment.text
    parent = taxonomy[("城乡建设", "城市建设和市政管理")]
    assert f'<option value="{parent}" selected>' in fragment.text
    saved = admin.post(f"/admin/categories/{code}", data={"name": "自来水供应与水质", "parent_code": parent,
                                                        "active": "1"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"#c-{code}")
    assert "自来水供应与水质" in admin.get("/admin/categories").text


def test_an_unknown_category_form_is_not_found(api, world):
    assert api("admin").get("/admin/categories/99999999/form").status_code == 404
    assert api("agent").get("/admin/categories/01/form").status_code == 403
