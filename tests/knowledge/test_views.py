"""The staff pages of the knowledge base: each form goes through the same service as the JSON
API, so what a page records is what the service keeps; what the service refuses comes back with
its field error and its status, and records nothing."""

import datetime as dt
import re

from hotline.kit import clock
from hotline.kit import excel as xlsx
from hotline.knowledge import excel, repository
from hotline.knowledge import service as kb
from hotline.knowledge.models import KnowledgeItem, VersionStatus
from tests.knowledge.helpers import ANSWER, draft, published

QUESTION = "小微企业如何享受企业所得税减免优惠？"


def _item_form(**kw):
    form = {"question": QUESTION, "answer": ANSWER, "policy_class": "tax_relief", "category_code": "",
            "region_code": "990100", "document_id": "", "effective_on": "", "expires_on": "",
            "keywords": "小微企业、所得税、减免", "collection_id": ""}
    return {**form, **kw}


def _items(db, world, username="handler", **filters):
    db.expire_all()
    rows, _ = kb.items(db, world.p(username), repository.ItemFilter(**filters))
    return rows


def _item(db, item_id):
    db.expire_all()
    item = db.get(KnowledgeItem, item_id)
    assert item is not None
    return item


def _location_id(response, prefix):
    assert response.status_code == 303, response.text
    match = re.fullmatch(re.escape(prefix) + r"(\d+)\?done=\w+", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def test_the_search_page_finds_a_published_item_with_its_source_and_matched_terms(api, db, world):
    item = published(db, world, keywords=["小微企业", "所得税"])
    draft(db, world, question="小微企业房产税如何减免？")  # never answers
    db.commit()
    agent = api("agent")
    page = agent.get("/knowledge").text
    assert 'name="q"' in page and "减税降费" in page and "人才培养" in page  # the seven policy classes
    assert 'href="/knowledge/items"' not in page  # an agent manages nothing

    r = agent.get("/knowledge", params={"q": "小微企业所得税优惠", "policy_class": "tax_relief",
                                        "region_code": "990102"})  # an item of the city applies in its district
    assert r.status_code == 200
    assert f'<a href="/knowledge/items/{item.id}">小型微利企业如何享受企业所得税优惠？</a>' in r.text
    assert "按20%的税率缴纳企业所得税" in r.text and "发布单位：青川市住建局" in r.text and "适用：青川市" in r.text
    assert '<span class="tag kw">所得税</span>' in r.text and "长期有效" in r.text
    assert "房产税" not in r.text
    other_class = agent.get("/knowledge", params={"q": "小微企业所得税优惠", "policy_class": "talent"}).text
    assert f"/knowledge/items/{item.id}" not in other_class and "没有找到" in other_class
    bad_region = agent.get("/knowledge", params={"q": "所得税", "region_code": "12"})
    assert bad_region.status_code == 200 and 'class="field error"' in bad_region.text

    supervisor_page = api("supervisor").get("/knowledge").text
    for href in ("/knowledge/items", "/knowledge/documents", "/knowledge/collections", "/knowledge/usage"):
        assert f'href="{href}"' in supervisor_page

    detail = agent.get(f"/knowledge/items/{item.id}")  # a reader: the published version, no actions, one view
    assert detail.status_code == 200 and "现行发布版本（第 1 版）" in detail.text
    assert f"/knowledge/items/{item.id}/submit" not in detail.text and "版本记录" not in detail.text
    assert _item(db, item.id).views == 1


def test_a_handler_creates_an_item_through_the_form_and_submits_it(api, db, world):
    handler = api("handler")
    form = handler.get("/knowledge/items/new")
    assert form.status_code == 200 and 'action="/knowledge/items/new"' in form.text
    assert '<option value="990100" selected>' in form.text  # the unit's region by default

    short = handler.post("/knowledge/items/new", data=_item_form(question="税"))
    assert short.status_code == 422 and "问题至少 4 个字" in short.text
    assert 'value="税"' in short.text and "小微企业、所得税、减免" in short.text  # what was typed stays
    neither = handler.post("/knowledge/items/new", data=_item_form(policy_class=""))
    assert neither.status_code == 422 and "请选择政策类别或诉求分类" in neither.text
    assert _items(db, world) == []

    r = handler.post("/knowledge/items/new", data=_item_form(), follow_redirects=False)
    item_id = _location_id(r, "/knowledge/items/")
    [item] = _items(db, world)
    assert item.id == item_id and item.latest_version.status == VersionStatus.draft
    assert item.latest_version.keywords == ["小微企业", "所得税", "减免"]
    page = handler.get(r.headers["location"]).text
    assert "知识点草稿已保存" in page and f'action="/knowledge/items/{item_id}/submit"' in page
    assert f'href="/knowledge/items/{item_id}/edit"' in page and "尚无发布版本" in page
    assert f"/knowledge/items/{item_id}/approve" not in page  # a unit never reviews

    listed = handler.get("/knowledge/items?status=draft").text
    assert f'href="/knowledge/items/{item_id}"' in listed and 'href="/api/v1/knowledge/export.xlsx"' in listed
    assert f'href="/knowledge/items/{item_id}"' not in handler.get("/knowledge/items?status=submitted").text

    r = handler.post(f"/knowledge/items/{item_id}/submit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/knowledge/items/{item_id}?done=submit"
    assert _item(db, item_id).latest_version.status == VersionStatus.submitted
    page = handler.get(r.headers["location"]).text
    assert "已提交审核" in page and "/submit" not in page and f"/knowledge/items/{item_id}/edit" not in page
    again = handler.post(f"/knowledge/items/{item_id}/submit")  # twice: a conflict, shown on the page
    assert again.status_code == 409 and "不能提交审核" in again.text
    locked = handler.post(f"/knowledge/items/{item_id}/edit", data=_item_form(answer="改一下"))
    assert locked.status_code == 409 and "正在审核中" in locked.text
    assert _item(db, item_id).latest_version.answer == ANSWER


def test_the_supervisor_rejects_with_a_reason_then_approves_and_publishes_through_the_pages(api, db, world):
    item = draft(db, world)
    kb.submit(db, world.p("handler"), item)
    db.commit()
    supervisor, handler = api("supervisor"), api("handler")
    page = supervisor.get(f"/knowledge/items/{item.id}").text
    for action in ("approve", "reject", "withdraw"):
        assert f'action="/knowledge/items/{item.id}/{action}"' in page
    assert f'action="/knowledge/items/{item.id}/publish"' not in page  # not approved yet

    empty = supervisor.post(f"/knowledge/items/{item.id}/reject", data={"reason": "  "})
    assert empty.status_code == 422 and "退回原因不能为空" in empty.text
    assert _item(db, item.id).latest_version.status == VersionStatus.submitted  # nothing changed

    r = supervisor.post(f"/knowledge/items/{item.id}/reject", data={"reason": "请写明申报期限"},
                        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/knowledge/items/{item.id}?done=reject"
    version = _item(db, item.id).latest_version
    assert version.status == VersionStatus.rejected and version.review_reason == "请写明申报期限"
    page = handler.get(f"/knowledge/items/{item.id}").text
    assert "审核退回：请写明申报期限" in page

    form = handler.get(f"/knowledge/items/{item.id}/edit").text
    assert "退回原因：请写明申报期限" in form and "小型微利企业如何享受企业所得税优惠？" in form
    r = handler.post(f"/knowledge/items/{item.id}/edit", follow_redirects=False,
                     data=_item_form(question="小型微利企业如何享受企业所得税优惠？",
                                     answer=ANSWER + "按季度预缴时即可享受。"))
    assert r.headers["location"] == f"/knowledge/items/{item.id}?done=revised"
    assert _item(db, item.id).latest_version.status == VersionStatus.draft
    assert handler.post(f"/knowledge/items/{item.id}/submit", follow_redirects=False).status_code == 303

    assert supervisor.post(f"/knowledge/items/{item.id}/approve", follow_redirects=False).status_code == 303
    page = supervisor.get(f"/knowledge/items/{item.id}").text
    assert f'action="/knowledge/items/{item.id}/publish"' in page
    r = supervisor.post(f"/knowledge/items/{item.id}/publish", follow_redirects=False)
    assert r.headers["location"] == f"/knowledge/items/{item.id}?done=publish"
    item = _item(db, item.id)
    assert item.published_version_id == item.latest_version_id
    page = supervisor.get(r.headers["location"]).text
    assert "已发布" in page and "现行发布版本（第 1 版）" in page and "按季度预缴时即可享受" in page
    found = api("agent").get("/knowledge", params={"q": "小微企业所得税优惠"}).text
    assert f'href="/knowledge/items/{item.id}"' in found

    # Changing a published item: a new version to review, the published one keeps answering.
    form = handler.get(f"/knowledge/items/{item.id}/edit").text
    assert "保存后将生成第 2 版" in form and "现行版本继续用于检索和答复" in form
    r = handler.post(f"/knowledge/items/{item.id}/edit", follow_redirects=False,
                     data=_item_form(question="小型微利企业如何享受企业所得税优惠？", answer="新的答复口径。"))
    assert r.headers["location"] == f"/knowledge/items/{item.id}?done=new_version"
    page = handler.get(r.headers["location"]).text
    assert "最新版本（第 2 版 · 草稿）" in page and "现行发布版本（第 1 版）" in page
    assert "按季度预缴时即可享受" in page and "新的答复口径。" in page


def test_another_units_handler_gets_404_on_an_unpublished_item_and_403_on_a_published_ones_actions(api, db, world):
    unpublished = draft(db, world)
    live = published(db, world, question="住房公积金提取需要哪些材料？")
    db.commit()
    other = api("other_handler")
    assert other.get(f"/knowledge/items/{unpublished.id}").status_code == 404
    assert other.get(f"/knowledge/items/{unpublished.id}/edit").status_code == 404
    for action in ("submit", "withdraw"):
        assert other.post(f"/knowledge/items/{unpublished.id}/{action}", data={"reason": "x"}).status_code == 404
    assert other.post(f"/knowledge/items/{unpublished.id}/edit", data=_item_form()).status_code == 404
    assert _item(db, unpublished.id).latest_version.status == VersionStatus.draft

    page = other.get(f"/knowledge/items/{live.id}")
    assert page.status_code == 200 and "住房公积金提取需要哪些材料？" in page.text
    assert f"/knowledge/items/{live.id}/withdraw" not in page.text and "/edit" not in page.text
    refused = other.post(f"/knowledge/items/{live.id}/withdraw", data={"reason": "不需要了"})
    assert refused.status_code == 403 and "无权撤回该知识点" in refused.text
    assert other.get(f"/knowledge/items/{live.id}/edit").status_code == 403
    assert other.post(f"/knowledge/items/{live.id}/edit", data=_item_form()).status_code == 403
    assert other.post(f"/knowledge/items/{live.id}/approve").status_code == 403
    assert other.post(f"/knowledge/items/{live.id}/frobnicate").status_code == 404
    assert _item(db, live.id).published_version_id is not None
    assert f'href="/knowledge/items/{live.id}"' not in other.get("/knowledge/items").text  # not its own


def test_the_documents_page_registers_and_lists_a_document_and_its_items(api, db, world):
    handler = api("handler")
    today = clock.today()
    form = {"doc_number": "青住建发[2026]3号", "title": "关于支持小微企业发展的若干措施",
            "issued_on": today.isoformat()}
    bad = handler.post("/knowledge/documents", data={**form, "doc_number": "第三号"})
    assert bad.status_code == 422 and "文号格式应为" in bad.text
    assert 'value="关于支持小微企业发展的若干措施"' in bad.text  # what was typed stays
    r = handler.post("/knowledge/documents", data=form, follow_redirects=False)
    doc_id = _location_id(r, "/knowledge/documents/")
    page = handler.get(r.headers["location"]).text
    assert "政策文件已登记" in page and "青住建发〔2026〕3号" in page  # the number in its standard form
    assert f'href="/knowledge/items/new?document_id={doc_id}"' in page
    duplicate = handler.post("/knowledge/documents", data=form)
    assert duplicate.status_code == 409 and "已登记" in duplicate.text

    listed = handler.get("/knowledge/documents").text
    assert f'<a href="/knowledge/documents/{doc_id}">青住建发〔2026〕3号</a>' in listed
    assert "关于支持小微企业发展的若干措施" in listed and "待发布" in listed and "0 / 0" in listed
    new_form = handler.get(f"/knowledge/items/new?document_id={doc_id}").text
    assert f'<option value="{doc_id}" selected>' in new_form

    item = draft(db, world, document_id=doc_id)
    db.commit()
    supervisor = api("supervisor")
    by_unit = supervisor.get(f"/knowledge/documents?unit_id={world.units['990100-zj']}").text
    assert f'href="/knowledge/documents/{doc_id}"' in by_unit and "1 / 0" in by_unit
    assert f'href="/knowledge/documents/{doc_id}"' not in supervisor.get("/knowledge/documents?late=1").text
    doc_page = supervisor.get(f"/knowledge/documents/{doc_id}").text
    assert f'href="/knowledge/items/{item.id}"' in doc_page and "new?document_id" not in doc_page
    assert api("other_handler").get(f"/knowledge/documents/{doc_id}").status_code == 404


def test_an_excel_import_with_one_bad_row_shows_that_rows_error_and_creates_nothing(api, db, world):
    handler = api("handler")
    assert 'enctype="multipart/form-data"' in handler.get("/knowledge/items/import").text
    headers = list(excel.COLUMNS)
    good = ["小微企业如何享受所得税优惠？", ANSWER, "减税降费", "", "", "", "", "", "小微企业"]
    bad = ["税", ANSWER, "减税降费", "", "", "", "", "", ""]
    data = xlsx.write("知识库", headers, [good, bad])
    r = handler.post("/knowledge/items/import", files={"file": ("k.xlsx", data, xlsx.XLSX_MEDIA_TYPE)})
    assert r.status_code == 422
    assert "<td class=\"wo-nowrap\">第 3 行</td><td>问题</td><td>问题至少 4 个字</td>" in r.text
    assert "第 2 行" not in r.text and "整份文件未导入" in r.text
    assert _items(db, world) == []

    junk = handler.post("/knowledge/items/import", files={"file": ("k.xlsx", b"not a workbook", "text/plain")})
    assert junk.status_code == 422 and "不是有效的 Excel" in junk.text

    data = xlsx.write("知识库", headers, [good, [*good[:1], "另一条答复。", *good[2:]]])
    r = handler.post("/knowledge/items/import", files={"file": ("k.xlsx", data, xlsx.XLSX_MEDIA_TYPE)},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/knowledge/items?status=draft&done=imported&n=2"
    assert "已导入 2 条知识点草稿" in handler.get(r.headers["location"]).text
    assert len(_items(db, world, status=VersionStatus.draft)) == 2


def test_a_supervisor_creates_a_collection_and_follows_the_deliveries(api, db, world):
    supervisor, handler = api("supervisor"), api("handler")
    page = supervisor.get("/knowledge/collections").text
    assert 'name="unit_ids[]"' in page and "青川市住建局" in page and "云岭市住建局" not in page  # its region only
    due = (clock.now().astimezone(clock.CST) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"topic": "强降雨期间停水咨询口径", "description": "请报送停水、供水恢复的答复口径。", "due_at": due}
    none = supervisor.post("/knowledge/collections", data=form)
    assert none.status_code == 422 and "请选择 1 到 200 个单位" in none.text and "强降雨期间停水咨询口径" in none.text
    units = [str(world.units["990100-zj"]), str(world.units["990100-wat"])]
    r = supervisor.post("/knowledge/collections", data={**form, "unit_ids[]": units}, follow_redirects=False)
    collection_id = _location_id(r, "/knowledge/collections/")
    page = supervisor.get(r.headers["location"]).text
    assert "应急征集已发出" in page and "0 / 2 个单位已报送" in page
    assert "青川市住建局" in page and "青川市自来水公司" in page and "尚未提交" in page
    assert f'action="/knowledge/collections/{collection_id}/close"' in page and "new?collection_id" not in page

    assert f'href="/knowledge/collections/{collection_id}"' in handler.get("/knowledge/collections").text
    asked = handler.get(f"/knowledge/collections/{collection_id}").text
    assert f'href="/knowledge/items/new?collection_id={collection_id}"' in asked and "/close" not in asked
    form_page = handler.get(f"/knowledge/items/new?collection_id={collection_id}").text
    assert f'<option value="{collection_id}" selected>' in form_page and "强降雨期间停水咨询口径" in form_page
    r = handler.post("/knowledge/items/new", follow_redirects=False,
                     data=_item_form(question="强降雨停水后多久恢复供水？", policy_class="",
                                     category_code=world.categories["urban"], collection_id=str(collection_id)))
    item_id = _location_id(r, "/knowledge/items/")
    handler.post(f"/knowledge/items/{item_id}/submit")
    assert api("other_handler").get(f"/knowledge/collections/{collection_id}").status_code == 404

    page = supervisor.get(f"/knowledge/collections/{collection_id}").text
    assert "1 / 2 个单位已报送" in page and "按时提交" in page and f'href="/knowledge/items/{item_id}"' in page
    r = supervisor.post(f"/knowledge/collections/{collection_id}/close", follow_redirects=False)
    assert r.headers["location"] == f"/knowledge/collections/{collection_id}?done=closed"
    page = supervisor.get(r.headers["location"]).text
    assert "征集已结束" in page and "/close" not in page
    again = supervisor.post(f"/knowledge/collections/{collection_id}/close")
    assert again.status_code == 409 and "该征集已结束" in again.text
    assert "new?collection_id" not in handler.get(f"/knowledge/collections/{collection_id}").text


def test_the_usage_page_counts_per_unit_and_ranks_the_items_that_answered(api, db, world):
    item = published(db, world)
    kb.answer_rows(db, [(item.id, item.published_version_id, None, "assistant")] * 3)
    kb.vote(db, item.id, helpful=True)
    db.commit()
    page = api("supervisor").get("/knowledge/usage")
    assert page.status_code == 200
    assert re.search(r"青川市住建局</a></td>\s*<td>1</td><td>1</td><td>0</td><td>3</td>\s*<td>1</td><td>0</td>"
                     r"<td>100%</td>", page.text)
    assert f'<a href="/knowledge/items/{item.id}">小型微利企业如何享受企业所得税优惠？</a>' in page.text
    agent_page = api("agent").get("/knowledge/usage").text
    assert "青川市住建局" in agent_page and "答复最多的知识点" not in agent_page
