"""The hotspot term dictionary (热点词库): kept by administrators through the API and the page,
every write audited, imported from .tsv and .xlsx, applied to the month's hotspots — terms kept
whole and synonyms merged under one label — with no restart."""

import io

from openpyxl import Workbook
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.intelligence import service as intel
from hotline.kit import clock
from hotline.org.models import Unit
from hotline.workorder import service as wo

API = "/api/v1/hotspot-terms"
MONTH = clock.now().astimezone(clock.CST).strftime("%Y-%m")
HOSPITAL = ["A市第一人民医院挂号难，排队三小时", "市一医院挂号排队太久，号贩子猖獗", "市一医院挂号难问题何时解决",
            "A市第一人民医院挂号系统经常崩溃", "市一医院挂号要排一上午", "A市第一人民医院挂号难，老人不会网上预约"]
LOAN = ["58车贷平台逾期无法提现，请求立案", "在58车贷出借的钱逾期无法提现", "58车贷平台爆雷，本金逾期无法提现",
        "58车贷逾期三个月无法提现，平台客服失联", "58车贷平台逾期无法提现，警方是否立案"]


def _audit(db, action):
    return db.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).scalars().all()


def _made(api, term="A市第一人民医院", kind="hospital", synonyms=("市一医院",), role="city_admin"):
    r = api(role).post(API, json={"term": term, "kind": kind, "synonyms": list(synonyms)})
    assert r.status_code == 201, r.text
    return r.json()


def test_an_administrator_keeps_terms_and_every_write_is_audited(api, db):
    admin = api("city_admin")
    made = _made(api)
    assert (made["term"], made["kind"], made["kind_name"], made["synonyms"], made["active"], made["region_code"]) == (
        "A市第一人民医院", "hospital", "医院", ["市一医院"], True, "990100")
    assert len(made["ref"]) == 32 and made["editable"] is True
    changed = admin.patch(f"{API}/{made['ref']}", json={"synonyms": ["市一医院", "一医院"], "version": 1})
    assert changed.status_code == 200 and changed.json()["synonyms"] == ["市一医院", "一医院"]
    assert admin.patch(f"{API}/{made['ref']}", json={"kind": "other", "version": 1}).status_code == 409  # stale
    assert admin.post(f"{API}/{made['ref']}/deactivate").json()["active"] is False
    assert admin.post(f"{API}/{made['ref']}/deactivate").status_code == 409
    assert admin.post(f"{API}/{made['ref']}/activate").json()["active"] is True
    listed = admin.get(API, params={"q": "人民医院"})
    assert [t["ref"] for t in listed.json()] == [made["ref"]] and listed.headers["X-Total-Count"] == "1"
    db.expire_all()
    assert [e.detail["term"] for e in _audit(db, "hotspot_term.created")] == ["A市第一人民医院"]
    [updated] = _audit(db, "hotspot_term.updated")
    assert updated.detail["after"] == {"synonyms": ["市一医院", "一医院"]} and updated.object_id == str(
        updated.object_id)
    assert len(_audit(db, "hotspot_term.deactivated")) == 1 and len(_audit(db, "hotspot_term.activated")) == 1


def test_bad_input_is_refused_with_the_field(api):
    admin = api("city_admin")
    made = _made(api)
    for body, field in [({"term": "x", "kind": "estate"}, "term"), ({"term": "幸福小区", "kind": "火星"}, "kind"),
                        ({"term": "幸福 小区!", "kind": "estate"}, "term"),
                        ({"term": "一医院", "kind": "hospital", "synonyms": ["市一医院"]}, "synonyms"),
                        ({"term": "市一医院", "kind": "hospital"}, "term")]:
        r = admin.post(API, json=body)
        assert r.status_code == 422, (body, r.text)
        assert field in r.text
    assert admin.post(API, json={"term": "A市第一人民医院", "kind": "hospital"}).status_code == 409
    assert admin.patch(f"{API}/{made['ref']}", json={"synonyms": ["x" * 60]}).status_code == 422
    assert admin.get(f"{API}/{'0' * 32}").status_code == 404
    assert admin.get(f"{API}/{'9' * 64}").status_code == 404


def test_a_change_applies_to_the_next_computation_without_a_restart(api, db):
    code = "990100"
    assert "市一医院" not in intel.dictionary_for(db, code).forms  # read (and cached) before the change
    made = _made(api)
    assert intel.dictionary_for(db, code).forms["市一医院"] == "A市第一人民医院"
    tried = api("dispatcher").post(f"{API}/try", json={"text": "市一医院挂号难"}).json()
    assert tried[0] == {"word": "A市第一人民医院", "term": True}  # the synonym reads as its term
    assert intel.dictionary_for(db, "990102001").forms["市一医院"] == "A市第一人民医院"  # a county within
    assert intel.dictionary_for(db, "990000").forms["市一医院"] == "A市第一人民医院"  # the province above
    assert "市一医院" not in intel.dictionary_for(db, "990200").forms  # another city
    api("city_admin").post(f"{API}/{made['ref']}/deactivate")
    assert "市一医院" not in intel.dictionary_for(db, code).forms
    tried = api("dispatcher").post(f"{API}/try", json={"text": "市一医院挂号难"}).json()
    assert not any(t["term"] for t in tried)  # deactivated: no longer applied


def test_import_from_tsv_and_xlsx_all_or_nothing(api, db):
    admin = api("city_admin")
    _made(api)
    tsv = ("词条\t类型\t同义词\t启用\nA市第一人民医院\t医院\t市一医院、一医院\t是\n58车贷平台\t平台\t58车贷\t是\n"
           "幸福小区\t小区楼盘\t\t否\n")
    r = admin.post(f"{API}/import", files={"file": ("terms.tsv", tsv.encode(), "text/tab-separated-values")})
    assert r.status_code == 200 and r.json() == {"created": 2, "updated": 1}, r.text
    terms = {t["term"]: t for t in admin.get(API).json()}
    assert terms["A市第一人民医院"]["synonyms"] == ["市一医院", "一医院"] and terms["幸福小区"]["active"] is False
    book = Workbook()
    sheet = book.active
    sheet.append(["词条", "类型", "同义词"])
    sheet.append(["锦绣家园小区", "estate", "锦绣家园"])
    sheet.append(["东风路", "道路", None])
    buf = io.BytesIO()
    book.save(buf)
    r = admin.post(f"{API}/import", files={"file": ("terms.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.json() == {"created": 2, "updated": 0}
    bad = "词条\t类型\n新词条甲\t平台\n坏\t火星\n"
    r = admin.post(f"{API}/import", files={"file": ("bad.tsv", bad.encode(), "text/plain")})
    assert r.status_code == 422 and "第 3 行" in r.text
    assert "新词条甲" not in {t["term"] for t in admin.get(API).json()}  # nothing of the bad file
    r = admin.post(f"{API}/import", files={"file": ("x.xlsx", b"PK\x03\x04junk", "application/octet-stream")})
    assert r.status_code == 422
    db.expire_all()
    assert [e.detail["created"] for e in _audit(db, "hotspot_term.imported")] == [2, 2]


def test_the_page_adds_edits_deactivates_imports_and_tries(api):
    admin = api("city_admin")
    page = admin.get("/admin/hotspot-terms")
    assert page.status_code == 200 and "热点词库" in page.text and 'id="add-term"' in page.text
    assert 'href="/admin/hotspot-terms"' in page.text  # in the navigation
    body = {"term": "A市第一人民医院", "kind": "hospital", "synonyms": "市一医院、一医院"}
    r = admin.post("/admin/hotspot-terms", data=body, follow_redirects=False)
    assert r.status_code == 303
    page = admin.get(r.headers["location"]).text
    assert "已添加词条“A市第一人民医院”" in page and "一医院" in page
    ref = admin.get(API).json()[0]["ref"]
    edit = admin.get(f"/admin/hotspot-terms/{ref}")
    assert 'id="edit-term"' in edit.text
    body = {"term": "A市第一人民医院", "kind": "hospital", "synonyms": "市一医院", "version": "1"}
    r = admin.post(f"/admin/hotspot-terms/{ref}", data=body, follow_redirects=False)
    assert r.status_code == 303 and admin.get(f"{API}/{ref}").json()["synonyms"] == ["市一医院"]
    refused = admin.post("/admin/hotspot-terms", data={"term": "好", "kind": "estate"})
    assert refused.status_code == 422 and "词条为 2 至 50 个" in refused.text
    assert admin.post(f"/admin/hotspot-terms/{ref}/deactivate", follow_redirects=False).status_code == 303
    assert admin.get(f"{API}/{ref}").json()["active"] is False
    assert admin.post(f"/admin/hotspot-terms/{ref}/deactivate").status_code == 409
    upload = {"file": ("t.tsv", "幸福小区\testate\n".encode(), "text/plain")}
    r = admin.post("/admin/hotspot-terms/import", files=upload, data={}, follow_redirects=False)
    assert r.status_code == 303
    sample = "58车贷平台逾期无法提现，58车贷客服失联，幸福小区停水"
    tried = admin.post("/admin/hotspot-terms/try", data={"text": sample})
    assert tried.status_code == 200
    assert '<span class="tag">58车贷平台</span>' in tried.text and '<span class="tag">幸福小区</span>' in tried.text
    reader = api("dispatcher").get("/admin/hotspot-terms").text
    assert "幸福小区" in reader and 'id="add-term"' not in reader  # the centre reads, administrators keep


def _order(db, world, text, i):
    wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="web", appeal_type="complaint", title=text[:20], content=text, phone=f"1390000{i:04d}",
        category_code=world.categories["noise"], region_code="990102001"))


def test_the_months_hotspots_name_terms_whole_and_merge_synonyms(api, db, world):
    from tests.intelligence.test_hotspots import NOISE

    for i, text in enumerate(HOSPITAL + LOAN + NOISE[:15]):
        _order(db, world, text, i)
    db.commit()
    centre = db.get(Unit, world.units["C-990100"])
    plain = intel.compute_hotspots(db, centre, MONTH).hotspots
    by_label = {h["label"].split()[0]: h for h in plain}
    assert "58车贷平台" in by_label and "58车贷平台" in by_label["58车贷平台"]["terms"]
    assert by_label["58车贷平台"]["count"] == len(LOAN) and "提现" in by_label["58车贷平台"]["label"]
    _made(api)  # 市一医院 is A市第一人民医院
    db.expire_all()
    merged = intel.compute_hotspots(db, centre, MONTH).hotspots
    hospital = next(h for h in merged if "医院" in h["label"])
    assert hospital["label"].startswith("A市第一人民医院 ") and hospital["count"] >= len(HOSPITAL)
    assert hospital["terms"][0] == "A市第一人民医院" and hospital["title"]
    body = api("supervisor").get(f"/api/v1/intelligence/hotspots?month={MONTH}").json()
    assert any(h["label"].startswith("A市第一人民医院") and h["terms"] for h in body["hotspots"])
