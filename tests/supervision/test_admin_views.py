"""The supervision administration pages (escalation rules, letter templates, authorities) and
the referral form on the order page: each goes through the same service as the JSON API, so
what a form saves is what the service returns, and what the service refuses changes nothing."""

import pytest
from sqlalchemy import select

from hotline.org import service as org
from hotline.org.models import UnitKind
from hotline.supervision import service
from hotline.supervision.models import AuthorityKind, EscalationKind, LedgerEntry, LedgerKind, LetterKind
from tests.supervision.helpers import dispatched

PAGES = {
    "/admin/escalation-rules": "提级督办规则",
    "/admin/letter-templates": "督办文书模板",
    "/admin/supervision-authorities": "督办联动单位",
}
ALLOWED = {
    "admin": set(PAGES),
    "city_admin": {"/admin/supervision-authorities"},
    "supervisor": set(),
    "handler": set(),
    "auditor": set(),
}


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_each_page_opens_for_the_roles_the_service_allows_and_only_they_see_its_link(api, world, username):
    client = api(username)
    home = client.get("/").text
    for path, label in PAGES.items():
        allowed = path in ALLOWED[username]
        r = client.get(path)
        assert r.status_code == (200 if allowed else 403), (path, r.status_code)
        assert (f'href="{path}"' in home) == allowed, path
        if allowed:
            assert f"<h1>{label}</h1>" in r.text


def _rules(db, world):
    db.expire_all()
    return {r.kind: r for r in service.escalation_rules(db, world.p("admin"))}


def test_the_province_admin_adds_and_edits_escalation_rules_through_the_form(api, db, world):
    admin = api("admin")
    added = admin.post("/admin/escalation-rules", follow_redirects=False,
                       data={"kind": "many_to_one", "threshold": "8", "window_days": "7", "active": "1"})
    assert added.status_code == 303 and added.headers["location"].startswith("/admin/escalation-rules?done=created")
    rules = [r for r in service.escalation_rules(db, world.p("admin")) if r.kind == EscalationKind.many_to_one]
    assert [(r.threshold, r.window_days, r.active) for r in rules][-1] == (8, 7, True)

    long_open = _rules(db, world)[EscalationKind.long_open]
    saved = admin.post(f"/admin/escalation-rules/{long_open.id}", follow_redirects=False,
                       data={"threshold": "20", "window_days": "", "active": "0"})
    assert saved.status_code == 303
    changed = _rules(db, world)[EscalationKind.long_open]
    assert (changed.threshold, changed.window_days, changed.active) == (20, None, False)
    page = admin.get(saved.headers["location"]).text
    assert "已保存提级督办规则" in page and "长期未解决" in page and "多人一诉" in page


def test_a_rule_the_service_refuses_gives_422_with_the_field_error_and_changes_nothing(api, db, world):
    admin = api("admin")
    long_open = _rules(db, world)[EscalationKind.long_open]
    before = (long_open.threshold, long_open.window_days, long_open.active)
    r = admin.post(f"/admin/escalation-rules/{long_open.id}", data={"threshold": "9", "window_days": "5",
                                                                    "active": "1"})
    assert r.status_code == 422 and "该规则不使用统计窗口" in r.text and 'value="9"' in r.text
    r = admin.post(f"/admin/escalation-rules/{long_open.id}", data={"threshold": "九", "active": "1"})
    assert r.status_code == 422 and "阈值应为整数" in r.text
    r = admin.post("/admin/escalation-rules", data={"kind": "one_to_many", "threshold": "5", "active": "1"})
    assert r.status_code == 422 and "统计窗口应为 1 到 366 天" in r.text
    r = admin.post("/admin/escalation-rules", data={"kind": "nonsense", "threshold": "5"})
    assert r.status_code == 422 and "请选择规则类型" in r.text
    after = _rules(db, world)
    assert (after[EscalationKind.long_open].threshold, after[EscalationKind.long_open].window_days,
            after[EscalationKind.long_open].active) == before
    assert len(service.escalation_rules(db, world.p("admin"))) == 4  # the defaults, nothing added
    assert admin.post("/admin/escalation-rules/999999", data={"threshold": "1"}).status_code == 404


def test_a_city_admin_cannot_change_escalation_rules_or_templates(api, db, world):
    city = api("city_admin")
    long_open = _rules(db, world)[EscalationKind.long_open]
    assert city.post(f"/admin/escalation-rules/{long_open.id}", data={"threshold": "1"}).status_code == 403
    assert city.post("/admin/escalation-rules", data={"kind": "long_open", "threshold": "1"}).status_code == 403
    assert city.post("/admin/letter-templates/reminder", data={"title": "x", "body": "y"}).status_code == 403
    assert _rules(db, world)[EscalationKind.long_open].threshold == long_open.threshold


def _template(db, world, kind):
    db.expire_all()
    return next(t for t in service.letter_templates(db, world.p("admin")) if t.kind == kind)


def test_the_province_admin_edits_a_letter_template_through_the_form(api, db, world):
    admin = api("admin")
    page = admin.get("/admin/letter-templates").text
    for field, meaning in (("{reply_by}", "回复期限"), ("{unit}", "承办单位"), ("{number}", "工单编号")):
        assert field in page and meaning in page
    assert page.count('<textarea id="f-') == 3  # 提示函、督办函、整改函
    body = "{unit}：\r\n请于{reply_by}前办理工单{number}。\r\n\r\n{centre}\r\n{today}"
    r = admin.post("/admin/letter-templates/supervision", follow_redirects=False,
                   data={"title": "督办通知", "body": body})
    assert r.status_code == 303, r.text
    saved = _template(db, world, LetterKind.supervision)
    assert saved.title == "督办通知" and saved.body == body.replace("\r\n", "\n")
    assert "已保存督办函模板" in admin.get(r.headers["location"]).text


def test_an_invalid_placeholder_gives_422_keeps_the_text_and_saves_nothing(api, db, world):
    admin = api("admin")
    before = _template(db, world, LetterKind.reminder)
    title, body = before.title, before.body
    r = admin.post("/admin/letter-templates/reminder",
                   data={"title": "新提示函", "body": "诉求人电话：{phone}，请回电"})
    assert r.status_code == 422
    assert "模板中有不能填写的字段：phone" in r.text
    assert "诉求人电话：{phone}，请回电</textarea>" in r.text and 'value="新提示函"' in r.text
    broken = admin.post("/admin/letter-templates/reminder", data={"title": "提示函", "body": "请于{reply_by前办理"})
    assert broken.status_code == 422 and "花括号不成对" in broken.text
    after = _template(db, world, LetterKind.reminder)
    assert (after.title, after.body) == (title, body)
    assert admin.post("/admin/letter-templates/nonsense", data={"title": "x", "body": "y"}).status_code == 404


def _units(db, world):
    admin = world.p("admin")
    zw = org.create_unit(db, admin, code="990100-zw", name="青川市政务服务管理局", kind=UnitKind.department,
                         region_code="990100")
    jw = org.create_unit(db, admin, code="990100-jw", name="青川市纪委监委", kind=UnitKind.department,
                         region_code="990100", contact_phone="01066669999")
    db.commit()
    return zw, jw


def _authorities(db, world, username="city_admin"):
    db.expire_all()
    return {(a.region_id, a.kind): a.unit.name for a in service.authorities(db, world.p(username))}


def test_a_city_admin_names_the_authorities_of_the_city_through_the_form(api, db, world):
    zw, jw = _units(db, world)
    city = api("city_admin")
    page = city.get("/admin/supervision-authorities").text
    assert "尚未设置任何联动单位" in page and "青川市纪委监委（990100-jw）" in page
    assert "云岭市" not in page  # another city's regions and units are not offered
    for kind, unit in (("business_environment", zw), ("discipline", jw)):
        r = city.post("/admin/supervision-authorities", follow_redirects=False,
                      data={"region_code": "990100", "kind": kind, "unit_id": str(unit.id)})
        assert r.status_code == 303, r.text
    region_id = jw.region_id
    assert _authorities(db, world) == {(region_id, AuthorityKind.business_environment): "青川市政务服务管理局",
                                       (region_id, AuthorityKind.discipline): "青川市纪委监委"}
    page = city.get("/admin/supervision-authorities?done=discipline").text
    assert "已设置纪检监察机关" in page and 'id="a-990100"' in page and "青川市政务服务管理局" in page


def test_an_authority_outside_its_region_or_scope_is_refused_and_nothing_changes(api, db, world):
    _units(db, world)
    city = api("city_admin")
    outside = city.post("/admin/supervision-authorities",
                        data={"region_code": "990100", "kind": "discipline", "unit_id": str(world.units["990200-zj"])})
    assert outside.status_code == 422 and "不在青川市" in outside.text
    assert '<div class="hint" style="color:#c0392b">云岭市住建局 不在青川市</div>' in outside.text  # under the unit
    bad = city.post("/admin/supervision-authorities", data={"region_code": "12", "kind": "discipline",
                                                           "unit_id": str(world.units["990100-zj"])})
    assert bad.status_code == 422 and "区划代码" in bad.text
    nothing = city.post("/admin/supervision-authorities", data={"region_code": "990100", "kind": "discipline"})
    assert nothing.status_code == 422 and "请选择单位" in nothing.text
    other = api("other_admin").post("/admin/supervision-authorities", data={
        "region_code": "990100", "kind": "discipline", "unit_id": str(world.units["990100-zj"])})
    assert other.status_code == 403
    assert api("supervisor").post("/admin/supervision-authorities", data={
        "region_code": "990100", "kind": "discipline", "unit_id": str(world.units["990100-zj"])}).status_code == 403
    assert _authorities(db, world) == {}


def test_the_forms_carry_their_own_csrf_token(api, db, world):
    admin = api("admin")
    page = admin.get("/admin/letter-templates").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    del admin.headers["X-CSRF-Token"]
    refused = admin.post("/admin/letter-templates/reminder", data={"title": "提示函", "body": "{number}"})
    assert refused.status_code == 403
    r = admin.post("/admin/letter-templates/reminder", follow_redirects=False,
                   data={"title": "提示函", "body": "{number}", "csrf_token": token})
    assert r.status_code == 303
    assert _template(db, world, LetterKind.reminder).body == "{number}"


def _commission(db, world):
    _, jw = _units(db, world)
    service.set_authority(db, world.p("city_admin"), region_code="990100", kind=AuthorityKind.discipline,
                          unit_id=jw.id)
    db.commit()
    return jw


def _referred(db, order):
    db.expire_all()
    return db.scalar(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.referred,
                                               LedgerEntry.work_order_id == order.id))


def test_a_supervisor_refers_an_order_from_its_page_after_a_rectification_letter(api, db, world):
    _commission(db, world)
    order = dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    page = supervisor.get(f"/orders/{order.number}").text
    assert 'id="referral-form"' not in page and 'id="case-file"' in page

    early = supervisor.post(f"/supervision/orders/{order.number}/referral", data={"reason": "整改不到位"})
    assert early.status_code == 409 and "尚未发出整改函，不能移交纪检监察机关" in early.text
    assert f"工单 {order.number}" in early.text  # the order page again, not an error page
    assert _referred(db, order) is None

    sent = supervisor.post(f"/supervision/orders/{order.number}/letters", follow_redirects=False,
                           data={"kind": "rectification", "reason": "推诿扯皮"})
    assert sent.status_code == 303
    page = supervisor.get(f"/orders/{order.number}").text
    assert 'id="referral-form"' in page and "移交至 青川市纪委监委" in page
    assert f'href="/api/v1/work-orders/{order.number}/case-file.docx"' in page

    r = supervisor.post(f"/supervision/orders/{order.number}/referral", follow_redirects=False,
                        data={"reason": "整改不到位"})
    assert r.status_code == 303 and r.headers["location"] == f"/orders/{order.number}?done=referral#letters"
    assert "已移交纪检监察机关" in supervisor.get(r.headers["location"]).text
    entry = _referred(db, order)
    assert entry is not None and entry.reason == "移交青川市纪委监委：整改不到位"
    timeline = supervisor.get(f"/api/v1/work-orders/{order.number}/timeline").json()
    assert "work_order.referred" in {e["event"] for e in timeline}


def test_without_a_commission_the_page_says_so_and_the_referral_is_refused(api, db, world):
    order = dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    supervisor.post(f"/supervision/orders/{order.number}/letters", data={"kind": "rectification"})
    page = supervisor.get(f"/orders/{order.number}").text
    assert 'id="referral-unset"' in page and 'id="referral-form"' not in page
    r = supervisor.post(f"/supervision/orders/{order.number}/referral", data={"reason": "x" * 501})
    assert r.status_code == 409 and "未设置该地的纪检监察机关" in r.text
    assert _referred(db, order) is None


def test_a_unit_sees_no_referral_form_and_may_not_refer(api, db, world):
    _commission(db, world)
    order = dispatched(db, world)
    db.commit()
    api("supervisor").post(f"/supervision/orders/{order.number}/letters", data={"kind": "rectification"})
    handler = api("handler")
    page = handler.get(f"/orders/{order.number}").text
    assert "整改函" in page and 'id="referral-form"' not in page and 'id="case-file"' not in page
    r = handler.post(f"/supervision/orders/{order.number}/referral", data={"reason": "x"})
    assert r.status_code == 403
    assert _referred(db, order) is None
    too_long = api("supervisor").post(f"/supervision/orders/{order.number}/referral", data={"reason": "x" * 501})
    assert too_long.status_code == 422 and "长度不能超过 500 个字符" in too_long.text
    assert _referred(db, order) is None
