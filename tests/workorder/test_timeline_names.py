"""The order's timeline names people by their display names, not their login names."""

import re


def test_the_timeline_shows_display_names_not_login_names(api, db, world):
    from hotline.auth.models import User
    from tests.supervision.helpers import dispatched

    db.get(User, world.user_ids["dispatcher"]).display_name = "派单员小李"
    db.get(User, world.user_ids["agent"]).display_name = "话务员小王"
    order = dispatched(db, world)
    db.commit()
    html = api("dispatcher").get(f"/orders/{order.number}").text
    timeline = re.sub(r"<[^>]+>", " ", html.split("<h2>办理过程</h2>")[1].split("</ol>")[0])
    assert "派单员小李" in timeline and "话务员小王" in timeline
    assert "dispatcher" not in timeline and "agent" not in timeline
