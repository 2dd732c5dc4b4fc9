"""Quality inspection over the JSON API and the pages: the whole round (checklist, sample,
score, appeal, decision, monthly report and export) as the roles concerned do it."""

import datetime as dt
import io
import re
from urllib.parse import quote

from openpyxl import load_workbook

from hotline.telephony.quality import rules
from tests.telephony.quality_world import ITEMS, OPERATOR, build

API = "/api/v1/cti/quality"


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_the_round_over_the_api(api, db, world):
    q = build(db, world)
    admin, supervisor, agent = api("city_admin"), api("supervisor"), api("agent")
    assert ok(admin.put(f"{API}/checklist", json={"items": ITEMS}))["version"] == 1
    assert ok(agent.get(f"{API}/checklist"))["max_score"] == 100
    period = {"from": q.start.isoformat(), "to": q.end.isoformat()}
    figures = ok(supervisor.get(f"{API}/figures", params=period))
    assert set(figures) >= {"from", "to", "agents", "seats", "teams", "operators"}
    mine = next(f for f in figures["agents"] if f["key"] == str(q.agent.user_id))
    assert (mine["calls_answered"], mine["accuracy"], mine["answered_from_knowledge"]) == (4, 0.5, 1)
    assert next(f for f in figures["operators"] if f["name"] == OPERATOR)["calls_answered"] == 6
    assert supervisor.get(f"{API}/figures", params={"from": "2026-12-01T00:00:00"}).status_code == 422
    sample = ok(supervisor.post(f"{API}/samples", json={**period, "share": 0.25, "seed": 9}), 201)
    assert (sample["seed"], sample["calls"], sample["orders"]) == (9, 3, 2)
    assert all(re.fullmatch(r"[0-9a-f]{32}", ref) for ref in sample["inspections"])
    listed = ok(supervisor.get(f"{API}/inspections", params={"sample": sample["ref"], "status": "pending"}))
    assert listed["total"] == 5
    mine = [i for i in listed["items"] if i["agent_id"] == q.agent.user_id and i["kind"] == "call"]
    ref = mine[0]["ref"]
    assert ok(agent.get(f"{API}/inspections"))["total"] == 0  # pending ones are the inspectors' business
    assert agent.get(f"{API}/inspections/{ref}").status_code == 404
    detail = ok(supervisor.get(f"{API}/inspections/{ref}"))
    assert detail["calls"][0]["recording_url"].startswith("https://") and detail["seat"] in ("QA-S1", "QA-S3")
    too_high = supervisor.post(f"{API}/inspections/{ref}/score",
                               json={"scores": {"greeting": 12, "registration": 30, "attitude": 60}})
    assert too_high.status_code == 422 and too_high.json()["field"] == "scores.greeting"
    unknown = supervisor.post(f"{API}/inspections/{ref}/score",
                              json={"scores": {"greeting": 1, "registration": 1, "attitude": 1, "smile": 1}})
    assert unknown.status_code == 422 and unknown.json()["field"] == "scores.smile"
    scored = ok(supervisor.post(f"{API}/inspections/{ref}/score", json={
        "scores": {"greeting": 8, "registration": 30, "attitude": 42}, "feedback": "结束语不规范"}))
    assert (scored["status"], scored["score"], scored["percent"]) == ("scored", 80, 80.0)
    seen = ok(agent.get(f"{API}/inspections/{ref}"))
    assert seen["feedback"] == "结束语不规范" and [s["points"] for s in seen["scores"]] == [8, 30, 42]
    assert api("dispatcher").get(f"{API}/inspections/{ref}").status_code == 403
    appealed = ok(agent.post(f"{API}/inspections/{ref}/appeal", json={"reason": "已按规范说结束语"}))
    assert appealed["status"] == "appealed"
    second = agent.post(f"{API}/inspections/{ref}/appeal", json={"reason": "再次申诉"})
    assert second.status_code == 409
    decided = ok(supervisor.post(f"{API}/inspections/{ref}/decision", json={
        "upheld": True, "note": "复听录音，结束语规范", "scores": {"greeting": 10, "registration": 30,
                                                                 "attitude": 42}}))
    assert (decided["status"], decided["score"], decided["original_score"]) == ("appeal_upheld", 82, 80)
    assert supervisor.post(f"{API}/inspections/{ref}/decision", json={"upheld": False, "note": "x"}).status_code \
        == 409
    month = rules.month_of(q.calls["agent"][0].answered_at)
    report = ok(supervisor.get(f"{API}/monthly", params={"month": month}))
    row = next(r for r in report["agents"] if r["key"] == str(q.agent.user_id))
    assert (row["inspections"], row["average"]) == (1, 82.0)
    export = admin.get(f"{API}/monthly.xlsx", params={"month": month})
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/vnd.openxml")
    assert f"filename*=UTF-8''{quote(f'质检月报-{month}.xlsx')}" in export.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(export.content))["坐席员"]
    assert ("agent", 1, 82, 100, 82) in list(sheet.iter_rows(values_only=True))
    assert supervisor.get(f"{API}/monthly", params={"month": "2026-13"}).status_code == 422


def test_an_inspector_of_another_city_gets_404_for_this_citys_inspection(api, db, world):
    from hotline.auth.models import Role
    from tests.telephony.quality_world import add_user

    q = build(db, world)
    ok(api("city_admin").put(f"{API}/checklist", json={"items": ITEMS}))
    ref = ok(api("supervisor").post(f"{API}/inspections", json={"call_ref": q.calls["agent"][0].ref}), 201)["ref"]
    add_user(db, world, "other_supervisor", Role.centre_supervisor, "C-990200")
    db.commit()
    other = api("other_supervisor")
    assert other.get(f"{API}/inspections/{ref}").status_code == 404
    assert other.post(f"{API}/inspections/{ref}/score", json={"scores": {}}).status_code == 404
    assert ok(other.get(f"{API}/inspections"))["total"] == 0
    assert other.post(f"{API}/inspections", json={"call_ref": q.calls["agent"][1].ref}).status_code == 404
    assert other.get(f"{API}/inspections/{'0' * 32}").status_code == 404
    assert other.get(f"{API}/inspections/1").status_code == 404  # sequential ids are not references


def test_the_pages_walk_an_inspection_from_sample_to_appeal(api, db, world):
    q = build(db, world)
    supervisor, agent, admin = api("supervisor"), api("agent"), api("city_admin")
    page = admin.get("/cti/quality/checklist")
    assert page.status_code == 200 and "问候语规范" in page.text  # the default rows to start from
    form = {"csrf_token": admin.headers["X-CSRF-Token"], "code[]": ["greeting", "registration", "attitude", ""],
            "name[]": ["问候语规范", "登记准确", "服务态度", ""], "max_points[]": ["10", "30", "60", ""]}
    saved = admin.post("/cti/quality/checklist", data=form, follow_redirects=False)
    assert saved.status_code == 303
    bad = admin.post("/cti/quality/checklist", data={**form, "max_points[]": ["10", "x", "60", ""]})
    assert bad.status_code == 422 and "分值须为数字" in bad.text
    start = q.start.astimezone(rules.CST).strftime("%Y-%m-%d")
    end = q.end.astimezone(rules.CST).strftime("%Y-%m-%d")
    drawn = supervisor.post("/cti/quality/samples", data={
        "csrf_token": supervisor.headers["X-CSRF-Token"], "from": start, "to": end, "share": "100", "seed": "5"},
        follow_redirects=False)
    assert drawn.status_code == 303 and "sample=" in drawn.headers["location"]
    listing = supervisor.get(drawn.headers["location"])
    assert listing.status_code == 200 and "随机种子 5" in listing.text
    refs = re.findall(r"/cti/quality/inspections/([0-9a-f]{32})", listing.text)
    early = q.start - dt.timedelta(hours=1)  # the call before the period: inside its first whole day?
    same_day = early.astimezone(rules.CST).date() == q.start.astimezone(rules.CST).date()
    assert len(set(refs)) == 12 + same_day  # every answered call and registered order at 100 %
    ref = next(r for r in refs if "QA-S1" in supervisor.get(f"/cti/quality/inspections/{r}").text)
    page = supervisor.get(f"/cti/quality/inspections/{ref}")
    assert 'id="score-form"' in page.text and "收听录音" in page.text
    csrf = supervisor.headers["X-CSRF-Token"]
    too_high = supervisor.post(f"/cti/quality/inspections/{ref}/score", data={
        "csrf_token": csrf, "score_greeting": "11", "score_registration": "30", "score_attitude": "60"})
    assert too_high.status_code == 422 and "0 到 10" in too_high.text
    done = supervisor.post(f"/cti/quality/inspections/{ref}/score", data={
        "csrf_token": csrf, "score_greeting": "9", "score_registration": "30", "score_attitude": "50",
        "feedback": "语速偏快"}, follow_redirects=False)
    assert done.status_code == 303
    mine = agent.get("/cti/quality")
    assert mine.status_code == 200 and ref[:8] in mine.text and "我的质检" in mine.text
    seen = agent.get(f"/cti/quality/inspections/{ref}")
    assert "语速偏快" in seen.text and 'id="appeal-form"' in seen.text and 'id="score-form"' not in seen.text
    appealed = agent.post(f"/cti/quality/inspections/{ref}/appeal", data={
        "csrf_token": agent.headers["X-CSRF-Token"], "reason": "来电人要求快速说明"}, follow_redirects=False)
    assert appealed.status_code == 303
    again = agent.post(f"/cti/quality/inspections/{ref}/appeal", data={
        "csrf_token": agent.headers["X-CSRF-Token"], "reason": "再次"})
    assert again.status_code == 409
    decided = supervisor.post(f"/cti/quality/inspections/{ref}/decision", data={
        "csrf_token": csrf, "upheld": "0", "note": "语速确实偏快"}, follow_redirects=False)
    assert decided.status_code == 303
    assert "申诉驳回" in agent.get(f"/cti/quality/inspections/{ref}").text
    figures = supervisor.get("/cti/quality/figures", params={"from": start, "to": end})
    assert figures.status_code == 200 and OPERATOR in figures.text and "50.0%" in figures.text
    monthly = supervisor.get("/cti/quality/monthly")
    assert monthly.status_code == 200 and 'id="export"' in monthly.text
    assert ("/cti/quality", "质检") in [(a, b) for a, b in _nav(supervisor.get("/").text)]
    assert ("/cti/quality", "我的质检") in _nav(agent.get("/").text)
    assert api("dispatcher").get("/cti/quality").status_code == 403


def _nav(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="(/cti/quality)"[^>]*>([^<]+)</a>', html)
