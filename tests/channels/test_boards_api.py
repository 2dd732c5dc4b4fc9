"""The boards' API and pages: an upload imports or names every bad row, the reply file
downloads as CSV and Excel, the pages show the board's messages and imports."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.channels.boards_helpers import csv_file

ROWS = [["W1", "u1", "东华街道路灯不亮", "2024-05-01 10:00", "东华街道幸福路路灯不亮好几天了", "3", "0"],
        ["W2", "u2", "噪音扰民", "2024/5/2 22:10", "东城区工地夜间施工噪音太大", "5", "1"]]


def _board(api, code="api_board"):  # type: ignore[no-untyped-def]
    response = api("admin").post("/api/v1/boards", json={"code": code, "name": "接口留言板",
                                                         "centre_unit_code": "C-990100"})
    assert response.status_code == 201, response.text
    assert response.json()["account"] == f"board.{code}"
    return code


def test_an_upload_imports_the_file_and_a_second_upload_only_refreshes(api):
    code = _board(api)
    dispatcher = api("dispatcher")
    first = dispatcher.post(f"/api/v1/boards/{code}/import", files={"file": ("export.csv", csv_file(ROWS))})
    assert first.status_code == 200, first.text
    assert {k: first.json()[k] for k in ("read", "created", "merged", "updated", "rejected")} == \
        {"read": 2, "created": 2, "merged": 0, "updated": 0, "rejected": 0}
    rows = [list(r) for r in ROWS]
    rows[1][5] = "50"
    again = dispatcher.post(f"/api/v1/boards/{code}/import", files={"file": ("export.csv", csv_file(rows))})
    assert (again.json()["created"], again.json()["updated"]) == (0, 1)
    messages = dispatcher.get(f"/api/v1/boards/{code}/messages").json()
    assert messages["total"] == 2 and {m["ref"]: m["likes"] for m in messages["items"]} == {"W1": 3, "W2": 50}
    assert all(m["work_order_number"] for m in messages["items"])
    imports = dispatcher.get(f"/api/v1/boards/{code}/imports").json()
    assert [i["created"] for i in imports] == [0, 2]


def test_a_bad_upload_answers_422_naming_each_bad_row_and_imports_nothing(api):
    code = _board(api)
    rows = [*ROWS, ["W3", "u3", "x", "2024-13-45", "内容", "1", "0"]]
    response = api("dispatcher").post(f"/api/v1/boards/{code}/import", files={"file": ("bad.csv", csv_file(rows))})
    assert response.status_code == 422
    assert response.json()["errors"] == ["第 4 行 留言时间: 无法识别的时间“2024-13-45”"]
    assert api("dispatcher").get(f"/api/v1/boards/{code}/messages").json()["total"] == 0
    missing = api("dispatcher").post(f"/api/v1/boards/{code}/import",
                                     files={"file": ("bad.csv", b"a,b\r\n1,2\r\n")})
    assert missing.status_code == 422 and "缺少列" in missing.json()["reason"]


def test_the_reply_file_downloads_as_csv_and_excel(api):
    code = _board(api)
    csv_response = api("agent").get(f"/api/v1/boards/{code}/replies", params={"since": "2026-01-01"})
    assert csv_response.status_code == 200
    assert csv_response.content.decode("utf-8-sig").splitlines() == ["留言编号,答复意见,答复时间"]
    xlsx = api("agent").get(f"/boards/{code}/replies.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == ["留言编号", "答复意见", "答复时间"]


def test_the_pages_show_boards_messages_and_take_an_upload(api):
    code = _board(api)
    admin_page = api("admin").get("/boards")
    assert admin_page.status_code == 200 and "新增留言板" in admin_page.text and f"board.{code}" in admin_page.text
    assert "leader_board" in admin_page.text  # a message-board channel not yet set up
    channels_page = api("admin").get("/admin/channels")
    assert 'action="/boards"' in channels_page.text
    dispatcher = api("dispatcher")
    listing = dispatcher.get("/boards")
    assert listing.status_code == 200 and f"/boards/{code}" in listing.text and "新增留言板" not in listing.text
    upload = dispatcher.post(f"/boards/{code}/import", files={"file": ("export.csv", csv_file(ROWS))},
                             data={"csrf_token": dispatcher.headers["X-CSRF-Token"]}, follow_redirects=True)
    assert upload.status_code == 200 and "导入完成：读取 2 条，新建 2 件" in upload.text
    assert "W1" in upload.text and "东华街道路灯不亮" in upload.text and "registered" not in upload.text
    bad_file = csv_file([["W9", "", "", "x", "t", "1", "0"]])
    bad = dispatcher.post(f"/boards/{code}/import", files={"file": ("export.csv", bad_file)},
                          data={"csrf_token": dispatcher.headers["X-CSRF-Token"]})
    assert bad.status_code == 422 and "第 2 行 留言时间" in bad.text
    assert api("agent").get(f"/boards/{code}").status_code == 200
    assert "导入留言" not in api("agent").get(f"/boards/{code}").text  # an agent reads, a dispatcher imports


def test_the_administrator_sets_a_pull_adapter_on_the_page(api):
    code = _board(api)
    admin = api("admin")
    response = admin.post(f"/boards/{code}/pull", data={
        "csrf_token": admin.headers["X-CSRF-Token"], "pull_url": "https://board.example/api/messages",
        "interval_seconds": "600", "enabled": "1", "field_map": '{"ref": "msg_id"}'}, follow_redirects=False)
    assert response.status_code == 303
    board = next(b for b in admin.get("/api/v1/boards").json() if b["code"] == code)
    assert board["pull_enabled"] and board["field_map"] == {"ref": "msg_id"} and board["pull_interval_seconds"] == 600
    refused = admin.post(f"/boards/{code}/pull", data={"csrf_token": admin.headers["X-CSRF-Token"],
                                                       "pull_url": "file:///etc/passwd", "enabled": "1"})
    assert refused.status_code == 422 and "http" in refused.text
