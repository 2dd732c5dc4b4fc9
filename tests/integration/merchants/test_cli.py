"""``hotline merchants``: register, list and run the rule from the command line — the same
rules as the API (refusals exit 2 with the reason)."""

from __future__ import annotations

import json

from tests.integration.merchants.conftest import GOOD, USCC

ADD = ["merchants", "add", "--name", GOOD["name"], "--uscc", USCC[0], "--services", "appliance_repair,moving",
       "--areas", "990102", "--phone", GOOD["business_phone"], "--contact", "李师傅",
       "--contact-phone", "13912345678", "--as", "supervisor"]


def test_a_merchant_is_registered_and_listed(hotline, capsys):
    assert hotline(ADD) == 0
    assert "待审核" in capsys.readouterr().out
    assert hotline(ADD) == 2  # the same USCC again
    assert hotline([*ADD[:5], "91110108MA0100000X", *ADD[6:]]) == 2
    assert "统一社会信用代码" in capsys.readouterr().err
    assert hotline(["merchants", "list", "--json", "--as", "supervisor"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["status"] == "applied" and row["service_types"] == ["appliance_repair", "moving"]
    assert "13912345678" not in json.dumps(row)
    assert hotline(["merchants", "run-rule", "--as", "supervisor"]) == 0
    assert "0 条" in capsys.readouterr().out
    assert hotline(["merchants", "run-rule", "--as", "agent"]) != 0
