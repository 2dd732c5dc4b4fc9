"""Excel import is all or nothing, with row-level errors; export re-imports as is."""

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from hotline.org.models import Region, Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(headers, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, kind, data):
    return client.post(f"/api/v1/import/{kind}", files={"file": (f"{kind}.xlsx", data, XLSX)})


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(api, db):
    before = db.scalar(select(func.count()).select_from(Region))
    data = xlsx(["区划代码", "名称", "简称", "上级区划代码", "启用"], [
        ["990103", "西城区", "西城", "", "是"],
        ["990103001", "西关街道", "", "", "是"],  # refers to the row above: fine
        ["99010", "坏代码", "", "", "是"],  # row 4: bad
        ["990104", "南城区", "", "", "也许"],  # row 5: bad flag
    ])
    response = upload(api("admin"), "regions", data)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(4, "区划代码"), (5, "启用")]
    assert all(e["reason"] for e in errors)
    assert db.scalar(select(func.count()).select_from(Region)) == before


def test_a_good_file_creates_and_updates_by_code(api, db):
    data = xlsx(["区划代码", "名称", "简称", "上级区划代码", "启用"], [
        ["990103", "西城区", "西城", "", "是"],
        ["990102", "东城区（新）", "东城", "", "是"],
    ])
    response = upload(api("admin"), "regions", data)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 1, "updated": 1}
    assert db.scalar(select(Region.name).where(Region.code == "990102")) == "东城区（新）"


def test_units_import_with_categories_and_utilities(api, db, world):
    data = xlsx(
        ["单位编码", "名称", "类型", "区划代码", "上级单位编码", "公共事业类型", "统一社会信用代码", "联系电话",
         "主管分类编码", "启用"],
        [["990100-gas", "青川燃气", "公共事业单位", "990100", "", "燃气", "91110000600037341L", "021-88886666", "",
          "是"],
         ["990102-zj", "东城区住建局", "职能部门", "990102", "990100-zj", "", "", "", "01,0101", "是"]],
    )
    response = upload(api("admin"), "units", data)
    assert response.status_code == 200, response.text
    unit = db.scalar(select(Unit).where(Unit.code == "990102-zj"))
    assert unit.parent.code == "990100-zj"
    assert [c.code for c in unit.categories] == ["01", "0101"]


def test_export_round_trips(api, db):
    admin = api("admin")
    exported = admin.get("/api/v1/export/units.xlsx")
    assert exported.status_code == 200 and exported.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("单位编码", "名称", "类型", "区划代码")
    assert len(rows) - 1 == db.scalar(select(func.count()).select_from(Unit))
    again = upload(admin, "units", exported.content)
    assert again.status_code == 200, again.text
    assert again.json()["created"] == 0


def test_not_an_excel_file_is_a_clear_422(api):
    response = upload(api("admin"), "categories", b"PK\x03\x04 this is not a workbook")
    assert response.status_code == 422 and response.json()["field"] == "file"
    missing = upload(api("admin"), "categories", xlsx(["名字"], [["x"]]))
    assert missing.status_code == 422 and "分类编码" in missing.json()["reason"]


def test_only_admins_import(api):
    data = xlsx(["区划代码", "名称"], [["990103", "西城区"]])
    assert upload(api("agent"), "regions", data).status_code == 403
    assert upload(api("city_admin"), "categories", xlsx(["分类编码", "名称"], [["09", "x"]])).status_code == 403
