"""The channels page reads in Chinese: rows are headed by names, not codes."""

import re


def test_the_channels_page_heads_rows_by_chinese_names_not_codes(api, world):
    html = api("admin").get("/admin/channels").text
    text = re.sub(r"<[^>]+>", " ", html)
    assert "投诉" in text and "电话" in text
    for code in ("complaint", "consultation", "suggestion", "mayor_mailbox"):
        assert code not in text, code
    assert 'name="code" value="phone"' in html  # the code still travels with the form
