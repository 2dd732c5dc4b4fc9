"""Typical cases: chosen from a closed order, anonymised automatically, edited, submitted,
approved by a second supervisor (four eyes) and published; sent back; withdrawn. Every step
audited; personal data left in the text blocks submission and approval."""

from sqlalchemy import select

from hotline.audit.models import AuditEvent
from tests.analytics.disclosure.conftest import API, ORDERS, PERSONAL, closed_order, post


def _audited(db, action):
    return db.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars().all()


def test_a_chosen_order_becomes_a_draft_with_its_text_anonymised(api, world):
    number = closed_order(api, world)
    case = post(api("supervisor"), f"{API}/cases", {"order": number}, 201)
    assert case["state"] == "draft" and case["order"] == number
    assert case["residue"] == {}
    assert case["appeal"].startswith("市民欧阳某（身份证[身份证号]，电话[电话]")
    assert case["area_name"] == "东城区"  # the township is not shown
    assert case["result"] == "已解决；回访评价：满意"
    assert PERSONAL["enterprise"] in case["appeal"]  # enterprise names stay unless asked


def test_enterprise_names_are_hidden_when_asked(api, world):
    number = closed_order(api, world)
    case = post(api("supervisor"), f"{API}/cases", {"order": number, "hide_enterprise": True}, 201)
    assert PERSONAL["enterprise"] not in case["appeal"] + case["handling"]
    assert "某有限公司" in case["appeal"]


def test_only_a_closed_order_that_is_not_confidential_and_not_chosen_yet_can_be_chosen(api, world):
    open_number = post(api("agent"), ORDERS, {"channel": "phone", "appeal_type": "help", "title": "路灯",
                                              "content": "路灯不亮", "phone": "13911112222"}, 201)["number"]
    supervisor = api("supervisor")
    assert supervisor.post(f"{API}/cases", json={"order": open_number}).status_code == 409
    number = closed_order(api, world)
    post(supervisor, f"{API}/cases", {"order": number}, 201)
    assert supervisor.post(f"{API}/cases", json={"order": number}).status_code == 409
    secret = closed_order(api, world, is_confidential=True, appeal_type="report")
    assert supervisor.post(f"{API}/cases", json={"order": secret}).status_code == 409


def test_personal_data_typed_back_in_blocks_submission_naming_the_field(api, world):
    supervisor = api("supervisor")
    case = post(supervisor, f"{API}/cases", {"order": closed_order(api, world)}, 201)
    edited = supervisor.put(f"{API}/cases/{case['ref']}", json={
        "title": case["title"], "appeal": case["appeal"], "result": case["result"], "version": case["version"],
        "handling": case["handling"] + "如有疑问请联系欧阳建国，13912345678"})
    assert edited.status_code == 200
    assert set(edited.json()["residue"]["handling"]) == {"name", "phone"}
    refused = supervisor.post(f"{API}/cases/{case['ref']}/submit", json={})
    assert refused.status_code == 422 and refused.json()["field"] == "handling"
    assert "姓名" in refused.json()["reason"] and "电话号码" in refused.json()["reason"]
    fixed = supervisor.put(f"{API}/cases/{case['ref']}", json={**{k: edited.json()[k] for k in (
        "title", "appeal", "result")}, "handling": case["handling"], "version": edited.json()["version"]})
    assert fixed.json()["residue"] == {}
    assert post(supervisor, f"{API}/cases/{case['ref']}/submit")["state"] == "in_review"


def test_the_author_cannot_approve_a_second_supervisor_publishes(api, world, second_supervisor, db):
    supervisor = api("supervisor")
    case = post(supervisor, f"{API}/cases", {"order": closed_order(api, world)}, 201)
    post(supervisor, f"{API}/cases/{case['ref']}/submit")
    own = supervisor.post(f"{API}/cases/{case['ref']}/review", json={"approve": True})
    assert own.status_code == 403
    published = post(api(second_supervisor), f"{API}/cases/{case['ref']}/review", {"approve": True})
    assert published["state"] == "published" and published["published_at"]
    feed = api("agent").get("/api/v1/public/disclosure").json()
    assert [c["ref"] for c in feed["cases"]] == [case["ref"]]
    actions = ["disclosure.case_chosen", "disclosure.case_submitted", "disclosure.case_approved"]
    assert all(len(_audited(db, a)) == 1 for a in actions)


def test_whoever_edited_a_case_cannot_approve_it(api, world, second_supervisor):
    supervisor, second = api("supervisor"), api(second_supervisor)
    case = post(supervisor, f"{API}/cases", {"order": closed_order(api, world)}, 201)
    edited = second.put(f"{API}/cases/{case['ref']}",
                        json={k: case[k] for k in ("title", "appeal", "handling", "result")})
    assert edited.status_code == 200
    post(supervisor, f"{API}/cases/{case['ref']}/submit")
    assert second.post(f"{API}/cases/{case['ref']}/review", json={"approve": True}).status_code == 403
    assert supervisor.post(f"{API}/cases/{case['ref']}/review", json={"approve": True}).status_code == 403


def test_a_case_sent_back_needs_a_reason_and_returns_to_draft(api, world, second_supervisor, db):
    supervisor, second = api("supervisor"), api(second_supervisor)
    case = post(supervisor, f"{API}/cases", {"order": closed_order(api, world)}, 201)
    post(supervisor, f"{API}/cases/{case['ref']}/submit")
    bare = second.post(f"{API}/cases/{case['ref']}/review", json={"approve": False})
    assert bare.status_code == 422 and bare.json()["field"] == "note"
    back = post(second, f"{API}/cases/{case['ref']}/review", {"approve": False, "note": "办理过程写得更具体些"})
    assert back["state"] == "draft" and back["review_note"] == "办理过程写得更具体些"
    assert len(_audited(db, "disclosure.case_rejected")) == 1


def test_a_published_case_is_withdrawn_with_a_reason_and_leaves_the_public_page(api, world, second_supervisor, db):
    from tests.analytics.disclosure.conftest import published_case

    case = published_case(api, world, second_supervisor)
    supervisor = api("supervisor")
    assert supervisor.get(f"/public/disclosure/cases/{case['ref']}").status_code == 200
    bare = supervisor.post(f"{API}/cases/{case['ref']}/withdraw", json={"reason": " "})
    assert bare.status_code == 422 and bare.json()["field"] == "reason"
    out = post(supervisor, f"{API}/cases/{case['ref']}/withdraw", {"reason": "当事人提出异议"})
    assert out["state"] == "withdrawn" and out["withdraw_reason"] == "当事人提出异议"
    assert supervisor.get(f"/public/disclosure/cases/{case['ref']}").status_code == 404
    assert supervisor.get(f"/api/v1/public/disclosure/cases/{case['ref']}").status_code == 404
    assert api("agent").get("/api/v1/public/disclosure").json()["cases"] == []
    assert supervisor.post(f"{API}/cases/{case['ref']}/withdraw", json={"reason": "再撤"}).status_code == 409
    assert len(_audited(db, "disclosure.case_withdrawn")) == 1


def test_a_stale_version_is_409(api, world):
    supervisor = api("supervisor")
    case = post(supervisor, f"{API}/cases", {"order": closed_order(api, world)}, 201)
    post(supervisor, f"{API}/cases/{case['ref']}/submit", {"version": case["version"]})
    again = supervisor.post(f"{API}/cases/{case['ref']}/discard", json={"version": case["version"]})
    assert again.status_code == 409


def test_only_a_draft_is_edited_and_discarded(api, world):
    supervisor = api("supervisor")
    case = post(supervisor, f"{API}/cases", {"order": closed_order(api, world)}, 201)
    post(supervisor, f"{API}/cases/{case['ref']}/submit")
    body = {k: case[k] for k in ("title", "appeal", "handling", "result")}
    assert supervisor.put(f"{API}/cases/{case['ref']}", json=body).status_code == 409
    assert supervisor.post(f"{API}/cases/{case['ref']}/discard", json={}).status_code == 409


def test_a_discarded_case_frees_its_order(api, world):
    supervisor = api("supervisor")
    number = closed_order(api, world)
    case = post(supervisor, f"{API}/cases", {"order": number}, 201)
    assert post(supervisor, f"{API}/cases/{case['ref']}/discard")["state"] == "discarded"
    post(supervisor, f"{API}/cases", {"order": number}, 201)


# --- pages --------------------------------------------------------------------------------------


def test_the_order_page_offers_the_choice_and_the_button_makes_the_case(api, world):
    number = closed_order(api, world)
    supervisor = api("supervisor")
    page = supervisor.get(f"/orders/{number}")
    assert "选为典型案例" in page.text and 'id="choose-case"' in page.text
    assert 'id="choose-case"' not in api("agent").get(f"/orders/{number}").text
    made = supervisor.post(f"/orders/{number}/disclosure/choose", data={
        "csrf_token": supervisor.headers["X-CSRF-Token"], "hide_enterprise": "1"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/disclosure/cases/")
    case_page = supervisor.get(made.headers["location"].split("?")[0])
    assert case_page.status_code == 200 and "欧阳某" in case_page.text and PERSONAL["phone"] not in case_page.text
    again = supervisor.get(f"/orders/{number}")
    assert "本工单已选为典型案例" in again.text


def test_the_case_page_walks_the_case_through_review(api, world, second_supervisor):
    supervisor, second = api("supervisor"), api(second_supervisor)
    number = closed_order(api, world)
    made = supervisor.post("/disclosure/cases", data={"csrf_token": supervisor.headers["X-CSRF-Token"],
                                                      "order": number}, follow_redirects=False)
    path = made.headers["location"].split("?")[0]
    form = {"csrf_token": supervisor.headers["X-CSRF-Token"], "version": "1", "title": "路口车辆长期占道",
            "appeal": "群众反映车辆长期占用消防通道，电话13912345678", "handling": "已挪车", "result": "已解决"}
    saved = supervisor.post(f"{path}/edit", data=form, follow_redirects=True)
    assert 'id="residue"' in saved.text and "电话号码" in saved.text
    refused = supervisor.post(f"{path}/submit", data={"csrf_token": supervisor.headers["X-CSRF-Token"]})
    assert refused.status_code == 422 and "仍含有电话号码" in refused.text
    supervisor.post(f"{path}/edit", data={**form, "version": "2", "appeal": "群众反映车辆长期占用消防通道"})
    supervisor.post(f"{path}/submit", data={"csrf_token": supervisor.headers["X-CSRF-Token"]})
    own = supervisor.get(path)
    assert 'id="approve-case"' not in own.text and "须由另一位值班长审核" in own.text
    review = second.get(path)
    assert 'id="approve-case"' in review.text
    done = second.post(f"{path}/approve", data={"csrf_token": second.headers["X-CSRF-Token"]}, follow_redirects=True)
    assert done.status_code == 200 and "已公开" in done.text
    home = supervisor.get("/disclosure")
    assert home.status_code == 200 and "路口车辆长期占道" in home.text
