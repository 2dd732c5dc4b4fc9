"""Maintaining the working-day calendar through the API: overrides day by day, a year's
schedule in one go, what the calendar then says about each day, who may write, bad dates,
and the audit trail."""

import datetime as dt

import pytest
from sqlalchemy import func, select
from starlette.routing import NoMatchFound

from hotline.audit.models import AuditEvent
from hotline.kit import calendar_admin, calendar_endpoints, workcalendar
from hotline.kit.calendar_models import CalendarOverride
from hotline.kit.clock import CST
from hotline.kit.errors import Forbidden, InvalidInput
from hotline.kit.workcalendar import end_of_business_day

D = dt.date

# A made-up 2027 schedule shaped like the State Council's (the real one is not published yet):
# New Year 1–3 January; Spring Festival 6–14 February with Sunday 31 January and Saturday
# 20 February worked instead.
HOLIDAYS_2027 = ["2027-01-01", "2027-01-02", "2027-01-03",
                 *[f"2027-02-{d:02d}" for d in range(6, 15)]]
WORKDAYS_2027 = ["2027-01-31", "2027-02-20"]


@pytest.fixture
def app(app):  # type: ignore[no-untyped-def]
    """The application with the calendar API, whether or not create_app mounts it already."""
    try:
        app.url_path_for("calendar_days")
    except NoMatchFound:
        app.include_router(calendar_endpoints.router, prefix="/api/v1")
    return app


@pytest.fixture
def november_2026(time_machine):  # type: ignore[no-untyped-def]
    """Today is 22 November 2026: the package covers 2026, not 2027."""
    time_machine.move_to(dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC), tick=True)


def overrides(db):
    return db.scalar(select(func.count()).select_from(CalendarOverride))


def events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def days(client, start, end):
    response = client.get("/api/v1/calendar/days", params={"start": start, "end": end})
    assert response.status_code == 200, response.text
    return {d["date"]: d for d in response.json()}


# --- overrides day by day ----------------------------------------------------------------------


def test_the_province_admin_sets_an_override_and_the_calendar_follows_it(api, db):
    admin = api("admin")
    response = admin.put("/api/v1/calendar/overrides/2026-02-14", json={"is_workday": False, "note": "本省补休"})
    assert response.status_code == 200, response.text
    assert response.json()["day"] == "2026-02-14"
    assert response.json()["is_workday"] is False
    assert response.json()["note"] == "本省补休"
    day = days(admin, "2026-02-14", "2026-02-14")["2026-02-14"]
    assert day == {"date": "2026-02-14", "is_workday": False, "covered": True, "source": "override"}
    listed = admin.get("/api/v1/calendar/overrides", params={"year": 2026}).json()
    assert [(o["day"], o["is_workday"]) for o in listed] == [("2026-02-14", False)]


def test_setting_an_override_again_replaces_it(api, db):
    admin = api("admin")
    admin.put("/api/v1/calendar/overrides/2027-01-04", json={"is_workday": False})
    response = admin.put("/api/v1/calendar/overrides/2027-01-04", json={"is_workday": True, "note": "改回"})
    assert response.status_code == 200, response.text
    assert overrides(db) == 1
    assert days(admin, "2027-01-04", "2027-01-04")["2027-01-04"]["is_workday"] is True
    assert [e.detail for e in events(db, "calendar_override.set")] == [
        {"is_workday": False, "previous": None}, {"is_workday": True, "previous": False}]


def test_deleting_an_override_gives_the_day_back_to_the_package_or_the_fallback(api, db):
    admin = api("admin")
    admin.put("/api/v1/calendar/overrides/2027-01-04", json={"is_workday": False})
    response = admin.delete("/api/v1/calendar/overrides/2027-01-04")
    assert response.status_code == 204, response.text
    assert overrides(db) == 0
    day = days(admin, "2027-01-04", "2027-01-04")["2027-01-04"]
    assert day == {"date": "2027-01-04", "is_workday": True, "covered": False, "source": "weekend_fallback"}
    assert admin.delete("/api/v1/calendar/overrides/2027-01-04").status_code == 404


def test_every_write_is_audited(api, db):
    admin = api("admin")
    admin.put("/api/v1/calendar/overrides/2027-01-04", json={"is_workday": False, "note": "x"})
    admin.delete("/api/v1/calendar/overrides/2027-01-04")
    admin.post("/api/v1/calendar/schedule",
               json={"year": 2027, "holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027, "note": "2027 年安排"})
    (set_,) = events(db, "calendar_override.set")
    (deleted,) = events(db, "calendar_override.deleted")
    (imported,) = events(db, "calendar.schedule_imported")
    assert (set_.actor_name, set_.object_type, set_.object_id) == ("admin", "calendar_override", "2027-01-04")
    assert (deleted.object_id, deleted.detail) == ("2027-01-04", {"previous": False})
    assert imported.object_id == "2027"
    assert imported.detail["holidays"] == HOLIDAYS_2027
    assert imported.detail["workdays"] == WORKDAYS_2027


# --- a year's schedule in one go ---------------------------------------------------------------


def test_importing_the_2027_schedule_covers_the_year(api, db, november_2026):
    admin = api("admin")
    assert admin.get("/api/v1/calendar/warnings").json()["uncovered_years"] == [2027]
    response = admin.post("/api/v1/calendar/schedule",
                          json={"year": 2027, "holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027,
                                "note": "国办发明电〔2026〕号"})
    assert response.status_code == 200, response.text
    assert len(response.json()) == len(HOLIDAYS_2027) + len(WORKDAYS_2027)

    seen = days(admin, "2026-12-31", "2027-02-21")
    assert seen["2026-12-31"] == {"date": "2026-12-31", "is_workday": True, "covered": True, "source": "official"}
    for holiday in HOLIDAYS_2027:
        assert seen[holiday] == {"date": holiday, "is_workday": False, "covered": True, "source": "override"}
    for workday in WORKDAYS_2027:
        assert seen[workday] == {"date": workday, "is_workday": True, "covered": True, "source": "override"}
    # The rest of 2027 is Monday to Friday, now vouched for by the entered schedule.
    assert seen["2027-01-04"] == {"date": "2027-01-04", "is_workday": True, "covered": True,
                                  "source": "weekend_fallback"}
    assert seen["2027-01-09"]["is_workday"] is False
    assert admin.get("/api/v1/calendar/warnings").json() == {"uncovered_years": [], "messages": []}


def test_deadlines_follow_the_imported_schedule(api, db):
    api("admin").post("/api/v1/calendar/schedule",
                      json={"year": 2027, "holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027})
    calendar = workcalendar.load_calendar(db)
    deadline = calendar.add_working_days(dt.datetime(2026, 12, 30, 10, tzinfo=CST), 5)
    # 31 Dec, then 1–3 January off: 4, 5, 6, 7 January.
    assert deadline == workcalendar.Deadline(end_of_business_day(D(2027, 1, 7)), covered=True)
    # Friday 5 February: the festival, then Saturday 20 February worked.
    assert calendar.add_working_days(dt.datetime(2027, 2, 5, 10, tzinfo=CST), 1).at == end_of_business_day(
        D(2027, 2, 15))


def test_importing_a_corrected_schedule_leaves_nothing_of_the_first_behind(api, db):
    admin = api("admin")
    admin.put("/api/v1/calendar/overrides/2026-10-09", json={"is_workday": False})  # another year: kept
    admin.post("/api/v1/calendar/schedule", json={"year": 2027, "holidays": ["2027-01-01", "2027-01-04"]})
    response = admin.post("/api/v1/calendar/schedule",
                          json={"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-01-09"]})
    assert response.status_code == 200, response.text
    listed = admin.get("/api/v1/calendar/overrides").json()
    assert [(o["day"], o["is_workday"]) for o in listed] == [
        ("2026-10-09", False), ("2027-01-01", False), ("2027-01-09", True)]
    assert events(db, "calendar.schedule_imported")[-1].detail["removed"] == ["2027-01-04"]


# --- who may write -----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["city_admin", "agent", "supervisor", "auditor"])
def test_only_the_province_admin_may_change_the_calendar(api, db, username):
    client = api(username)
    attempts = [
        client.put("/api/v1/calendar/overrides/2027-01-04", json={"is_workday": False}),
        client.delete("/api/v1/calendar/overrides/2027-01-04"),
        client.post("/api/v1/calendar/schedule", json={"year": 2027, "holidays": HOLIDAYS_2027}),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403]
    assert overrides(db) == 0


def test_all_staff_may_read_the_calendar(api, november_2026):
    api("admin").put("/api/v1/calendar/overrides/2027-01-04", json={"is_workday": False})
    for username in ("agent", "handler", "city_admin"):
        client = api(username)
        assert client.get("/api/v1/calendar/overrides").status_code == 200
        assert days(client, "2027-01-04", "2027-01-04")["2027-01-04"]["source"] == "override"
        assert client.get("/api/v1/calendar/warnings").status_code == 200


def test_the_calendar_needs_a_login(client):
    assert client.get("/api/v1/calendar/days", params={"start": "2026-01-01", "end": "2026-01-02"}).status_code == 401


def test_the_service_refuses_a_city_admin_in_chinese(db, world):
    with pytest.raises(Forbidden, match="工作日历"):
        calendar_admin.set_override(db, world.p("city_admin"), day=D(2027, 1, 4), is_workday=False, note="")


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        ("put", "/calendar/overrides/2027-02-30", {"json": {"is_workday": False}}, "day"),
        ("put", "/calendar/overrides/tomorrow", {"json": {"is_workday": False}}, "day"),
        ("put", "/calendar/overrides/1999-12-31", {"json": {"is_workday": False}}, "day"),
        ("put", "/calendar/overrides/2027-01-04", {"json": {"is_workday": False, "note": "长" * 101}}, "note"),
        ("put", "/calendar/overrides/2027-01-04", {"json": {"note": "no status"}}, "is_workday"),
        ("delete", "/calendar/overrides/2027-13-01", {}, "day"),
        ("get", "/calendar/days", {"params": {"start": "2027-13-01", "end": "2027-12-31"}}, "start"),
        ("get", "/calendar/days", {"params": {"start": "2027-01-01"}}, "end"),
        ("get", "/calendar/days", {"params": {"start": "2027-01-10", "end": "2027-01-09"}}, "end"),
        ("get", "/calendar/days", {"params": {"start": "2027-01-01", "end": "2028-02-05"}}, "end"),  # 401 days
        ("get", "/calendar/days", {"params": {"start": "0001-01-01", "end": "0001-01-02"}}, "start"),
        ("get", "/calendar/overrides", {"params": {"year": 1999}}, "year"),
        ("post", "/calendar/schedule", {"json": {"year": 2027, "holidays": ["2028-01-01"]}}, "holidays"),
        ("post", "/calendar/schedule", {"json": {"year": 2027, "holidays": ["2027-02-29"]}}, "holidays.0"),
        ("post", "/calendar/schedule", {"json": {"year": 2027, "holidays": []}}, "holidays"),
        ("post", "/calendar/schedule",
         {"json": {"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2026-12-27"]}}, "workdays"),
        ("post", "/calendar/schedule",  # a Monday cannot be an adjusted working day
         {"json": {"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-01-04"]}}, "workdays"),
        ("post", "/calendar/schedule",
         {"json": {"year": 2027, "holidays": ["2027-01-02"], "workdays": ["2027-01-02"]}}, "workdays"),
        ("post", "/calendar/schedule", {"json": {"year": 1999, "holidays": ["1999-01-01"]}}, "year"),
    ],
)
def test_bad_dates_are_refused_with_the_field_and_nothing_is_written(api, db, method, path, kwargs, field):
    response = getattr(api("admin"), method)("/api/v1" + path, **kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert response.json()["reason"]
    assert overrides(db) == 0
    assert events(db, "calendar.schedule_imported") == []


def test_a_range_of_400_days_is_answered(api):
    assert len(days(api("agent"), "2027-01-01", "2028-02-04")) == 400


def test_service_reasons_are_in_chinese(db, world):
    with pytest.raises(InvalidInput) as caught:
        calendar_admin.import_schedule(db, world.p("admin"), year=2027, holidays=[D(2028, 1, 1)], workdays=[],
                                       note="")
    assert (caught.value.field, caught.value.reason) == ("holidays", "2028-01-01 不在 2027 年内")


# --- the loader --------------------------------------------------------------------------------


def test_a_transaction_sees_its_own_calendar_change(db, world):
    before = workcalendar.load_calendar(db)
    assert workcalendar.load_calendar(db) is before  # read once per transaction
    assert before.day_status(D(2026, 10, 9)).source == "official"
    calendar_admin.set_override(db, world.p("admin"), day=D(2026, 10, 9), is_workday=False, note="")
    assert workcalendar.load_calendar(db).day_status(D(2026, 10, 9)).source == "override"


def test_the_calendar_is_read_again_after_the_transaction_ends(db, world, factory):
    stale = workcalendar.load_calendar(db)
    with factory() as other:
        calendar_admin.set_override(other, world.p("admin"), day=D(2026, 10, 9), is_workday=False, note="")
        other.commit()
    assert workcalendar.load_calendar(db) is stale  # same transaction: the same calendar
    db.commit()
    assert workcalendar.load_calendar(db).day_status(D(2026, 10, 9)).is_workday is False
