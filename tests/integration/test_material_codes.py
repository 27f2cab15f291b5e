"""The national code table of emergency materials (GB/T 38565) through the API and the master
data page, on SQLite and PostgreSQL: a file with a malformed code imports nothing and names
every bad line; a good one imports, and items then carry codes of the table and no other."""

from __future__ import annotations

import html

import httpx

from harness.depot import ADMIN, Depot, ServerProcess
from harness.forms import origin, signed_in, token_on

CODES = "/api/v1/master/material_codes"
ITEMS = "/api/v1/master/items"
ITEM_HEADER = (
    "code,name_zh,name_en,spec,unit_zh,unit_en,category,reusable,storage_years,"
    "unit_price_cents,gtins,national_code\n"
)
BAD = (
    "code,name_zh,name_en,level\n"
    "2040000,通信设备,Communications,2\n"  # 2: good, but the file is refused
    "20401A0,字母,Letters,3\n"  # 3
    "204010,六位,Six digits,3\n"  # 4
    "20401010,八位,Eight digits,4\n"  # 5
    "4010000,大类四,Major class 4,2\n"  # 6
    "２０４０１００,全角,Full-width,3\n"  # 7
    "2050101,卫星电话,Satellite phones,4\n"  # 8: neither 2050000 nor 2050100 anywhere
    "2040000,又一次,Again,2\n"  # 9: line 2 again
)
GOOD = (
    "code,name_zh,name_en,level\n"
    "2040101,卫星电话,Satellite phones,4\n"  # its classes come after it
    "2040000,通信设备,Communications equipment,2\n"
    "2040100,卫星通信,Satellite communications,3\n"
    "1010101,单帐篷（12㎡）,Single-roof tents (12 m²),4\n"  # stored: renamed
)


def upload(client: httpx.Client, path: str, text: str) -> httpx.Response:
    return client.post(path, files={"file": ("upload.csv", text.encode())})


def codes_of(client: httpx.Client) -> dict[str, list[object]]:
    return {row[0]: row for row in client.get(CODES).json()["rows"]}


def test_a_table_with_malformed_codes_imports_nothing_and_names_each_line(
    server: ServerProcess, depot: Depot
) -> None:
    with server.login(ADMIN) as admin:
        before = codes_of(admin)
        refused = upload(admin, CODES, BAD)
        assert refused.status_code == 422
        errors = refused.json()["detail"]["errors"]
        by_line: dict[int, list[str]] = {}
        for error in errors:
            by_line.setdefault(error["line"], []).append(error["message"])
        assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9]
        assert "digits 0-9 only" in by_line[3][0]
        assert "7 digits, not 6" in by_line[4][0]
        assert "7 digits, not 8" in by_line[5][0]
        assert "1, 2 or 3" in by_line[6][0]
        assert "full-width" in by_line[7][0]
        assert any("2050000" in m for m in by_line[8]) and any("2050100" in m for m in by_line[8])
        assert "also on line 2" in by_line[9][0]
        assert all(e["message_zh"] for e in errors)  # each in Chinese too
        assert codes_of(admin) == before  # not even the good line 2


def test_a_good_table_imports_and_items_take_its_codes_only(
    server: ServerProcess, depot: Depot
) -> None:
    tent, quilt = depot.example.items[0], depot.example.items[5]
    with server.login(ADMIN) as admin:
        assert upload(admin, CODES, GOOD).json() == {"imported": 4}
        codes = codes_of(admin)
        assert codes["2040101"] == ["2040101", "卫星电话", "Satellite phones", 4]
        assert codes["2040000"][3] == 2 and codes["2040100"][3] == 3
        assert codes["1010101"][1] == "单帐篷（12㎡）"
        # the table's CSV export imports again unchanged
        exported = admin.get(CODES, params={"format": "csv"}).content.decode("utf-8-sig")
        assert upload(admin, CODES, exported).json() == {"imported": len(codes)}

        def item(code: str, name: str, national: str) -> str:
            return f"{code},{name},{name},x,个,piece,gear,no,5,100,,{national}\n"

        refused = upload(
            admin,
            ITEMS,
            ITEM_HEADER
            + item("SAT-0001", "卫星电话", "2040101")  # 2: good
            + item("SAT-0002", "对讲机", "2040102")  # 3: well formed, not in the table
            + item("SAT-0003", "电台", "20401")  # 4: malformed
            + item("SAT-0004", "电台", "204O101"),  # 5: a letter O
        )
        assert refused.status_code == 422
        errors = refused.json()["detail"]["errors"]
        assert [(e["line"], e["column"]) for e in errors] == [
            (3, "national_code"),
            (4, "national_code"),
            (5, "national_code"),
        ]
        assert "not in the national code table" in errors[0]["message"]
        assert "7 digits, not 5" in errors[1]["message"]
        rows = {r[0]: r for r in admin.get(ITEMS).json()["rows"]}
        assert "SAT-0001" not in rows
        assert rows[tent.code][11] == tent.national_code == "1010101"
        assert rows[quilt.code][11] == quilt.national_code

        answer = upload(admin, ITEMS, ITEM_HEADER + item("SAT-0001", "卫星电话", "2040101"))
        assert answer.json() == {"imported": 1}
        rows = {r[0]: r for r in admin.get(ITEMS).json()["rows"]}
        assert rows["SAT-0001"][11] == "2040101"
        # a file without the column leaves the codes as they are; an empty cell clears one
        without = ITEM_HEADER.replace(",national_code", "") + item("SAT-0001", "卫星电话", "")
        assert upload(admin, ITEMS, without.rstrip(",\n") + "\n").json() == {"imported": 1}
        assert {r[0]: r for r in admin.get(ITEMS).json()["rows"]}["SAT-0001"][11] == "2040101"
        assert upload(admin, ITEMS, ITEM_HEADER + item("SAT-0001", "卫星电话", "")).json() == {
            "imported": 1
        }
        assert {r[0]: r for r in admin.get(ITEMS).json()["rows"]}["SAT-0001"][11] is None


def test_the_master_data_page_shows_the_table_and_each_bad_line(
    server: ServerProcess, depot: Depot
) -> None:
    browser = signed_in(server.url, *ADMIN)
    page = browser.get("/masterdata", params={"kind": "material_codes"})
    assert page.status_code == 200 and "国家分类代码" in page.text
    assert "1010101" in page.text and "基本生活保障物资" in page.text
    token = token_on(browser, "/masterdata?kind=material_codes")
    refused = browser.post(
        "/masterdata/material_codes",
        data={"csrf_token": token},
        files={"file": ("codes.csv", BAD.encode(), "text/csv")},
        headers={"Origin": origin(browser)},
    )
    assert refused.status_code == 422
    shown = html.unescape(refused.text)
    for line in (3, 4, 5, 6, 7, 8, 9):
        assert f'data-line="{line}" data-column="code"' in shown
    assert "须为 7 位数字，而不是 6 位" in shown and "大类须为 1、2 或 3" in shown
    items = browser.get("/masterdata", params={"kind": "items"})
    assert "national_code" in items.text and depot.example.items[0].national_code in items.text
