"""Master data files through the API: all or nothing, every error with its line."""

from __future__ import annotations

import io
import uuid

import httpx
import openpyxl

from harness.depot import ADMIN, Depot, ServerProcess
from kernel.clock import system_clock
from kernel.gs1 import check_digit
from server.services.accounts import create_user
from server.storage.db import make_engine

HEADER = (
    "code,name_zh,name_en,spec,unit_zh,unit_en,category,reusable,storage_years,"
    "unit_price_cents,gtins\n"
)


def gtin(body: str) -> str:
    return body + check_digit(body)


def upload(client: httpx.Client, path: str, name: str, data: bytes) -> httpx.Response:
    return client.post(path, files={"file": (name, data)})


def test_a_good_file_imports_and_comes_back_out(server: ServerProcess, depot: Depot) -> None:
    new = gtin("0692173499001")
    csv_text = HEADER + (
        f"FX-0001,防汛沙袋,Flood sandbag,50x80 cm,条,bag,gear,no,5,350,{new}\n"
        f"ZS-0001,单帐篷(新),Single-roof tent,12 m²,顶,tent,shelter,是,8,120000,"
        f"{depot.example.items[0].gtin}\n"
    )
    with server.login(ADMIN) as admin:
        answer = upload(admin, "/api/v1/master/items", "items.csv", csv_text.encode())
        assert answer.status_code == 200 and answer.json() == {"imported": 2}
        items = admin.get("/api/v1/master/items").json()["rows"]
        by_code = {row[0]: row for row in items}
        assert by_code["FX-0001"][1] == "防汛沙袋" and by_code["FX-0001"][10] == new
        assert by_code["ZS-0001"][1] == "单帐篷(新)"  # updated in place
        xlsx = admin.get("/api/v1/master/items", params={"format": "xlsx"})
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet is not None and sheet.max_row == len(items) + 1
        # The exported XLSX imports again unchanged.
        again = upload(admin, "/api/v1/master/items", "items.xlsx", xlsx.content)
        assert again.json() == {"imported": len(items)}


def test_a_file_with_errors_imports_nothing_and_says_where(
    server: ServerProcess, depot: Depot
) -> None:
    taken = depot.example.items[1]
    csv_text = HEADER + (
        f"FX-0002,防汛沙袋,Sandbag,50x80,条,bag,gear,no,5,350,{gtin('0692173499002')}\n"
        "FX-0003,,Rope,10 m,根,piece,gear,no,5,80,06921734990031\n"
        "FX-0004,救生衣,Life jacket,L,件,piece,boats,maybe,0,-1,\n"
        f"FX-0005,绳索,Rope,10 m,根,piece,gear,no,5,80,{taken.gtin}\n"
        f"FX-0002,重复,Again,x,个,piece,gear,no,5,1,\n"
    )
    with server.login(ADMIN) as admin:
        answer = upload(admin, "/api/v1/master/items", "items.csv", csv_text.encode())
        assert answer.status_code == 422
        errors = answer.json()["detail"]["errors"]
        by_line: dict[int, list[str]] = {}
        for error in errors:
            by_line.setdefault(error["line"], []).append(error["message"])
        assert sorted(by_line) == [3, 4, 5, 6]
        assert any("name_zh is empty" in m for m in by_line[3])
        assert any("check digit" in m for m in by_line[3])
        assert {m.split()[0] for m in by_line[4]} >= {
            "category",
            "reusable",
            "storage_years",
            "unit_price_cents",
        }
        assert any(f"belongs to item {taken.code}" in m for m in by_line[5])
        assert any("also on line 2" in m for m in by_line[6])
        codes = {row[0] for row in admin.get("/api/v1/master/items").json()["rows"]}
        assert "FX-0002" not in codes  # the good line 2 was not imported either
        assert (
            upload(admin, "/api/v1/master/items", "x.csv", b"\xff\xfe not utf8").status_code == 422
        )


def test_locations_import_and_who_may_import(server: ServerProcess, depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    create_user(
        engine,
        "wang",
        "a-long-enough-password",
        role="supervisor",
        warehouse="LC01",
        now=system_clock(),
    )
    engine.dispose()
    good = b"warehouse,code,zone,walk_order,kind\nLC01,E-01-01,E,900,storage\n"
    with server.login(("wang", "a-long-enough-password")) as wang:
        assert upload(wang, "/api/v1/master/locations", "l.csv", good).status_code == 403
    bad = b"warehouse,code,zone,walk_order,kind\nLC09,E-01-01,E,x,shelf\n"
    with server.login(ADMIN) as admin:
        refused = upload(admin, "/api/v1/master/locations", "l.csv", bad)
        assert refused.status_code == 422 and len(refused.json()["detail"]["errors"]) == 3
        assert upload(admin, "/api/v1/master/locations", "l.csv", good).json() == {"imported": 1}
        rows = admin.get("/api/v1/master/locations", params={"warehouse": "LC01"}).json()
        assert ["LC01", "E-01-01", "E", 900, "storage"] in rows["rows"]


def test_warehouses_suppliers_and_the_value_ledger(server: ServerProcess, depot: Depot) -> None:
    suppliers = "code,name,contact,phone\nSP01,四川某帐篷厂,刘经理,028-80000000\n"
    with server.login(ADMIN) as admin:
        assert upload(admin, "/api/v1/master/suppliers", "s.csv", suppliers.encode()).json() == {
            "imported": 1
        }
        listed = admin.get("/api/v1/master/suppliers").json()["rows"]
        assert listed == [["SP01", "四川某帐篷厂", "刘经理", "028-80000000"]]
        warehouses = admin.get("/api/v1/master/warehouses", params={"format": "csv"})
        again = upload(admin, "/api/v1/master/warehouses", "w.csv", warehouses.content)
        assert again.json() == {"imported": len(depot.example.warehouses)}
        bad = upload(
            admin,
            "/api/v1/master/warehouses",
            "w.csv",
            b"code,name_zh,name_en,level,kind,lat,lon\nLC09,x,x,town,depot,95,0\n",
        )
        messages = [e["message"] for e in bad.json()["detail"]["errors"]]
        assert any("level must be one of" in m for m in messages)
        item = depot.example.items[2]
        event = {
            "event_id": str(uuid.uuid4()),
            "type": "receiving",
            "warehouse": "LC01",
            "occurred_at": "2026-11-23T09:00:00+08:00",
            "location": "D01",
            "gtin": item.gtin,
            "batch": "VL1",
            "qty": 7,
        }
        httpx.post(
            f"{server.url}/api/v1/events",
            json={"events": [event]},
            headers={"Authorization": f"Bearer {depot.gateway_token}"},
        )
        value = admin.get("/api/v1/ledger/value", params={"warehouse": "LC01"}).json()
        assert [
            (r["batch"], r["qty"], r["value_cents"], r["catalogue_price"]) for r in value["rows"]
        ] == [("VL1", 7, 7 * item.unit_price_cents, True)]
        assert value["total_cents"] == 7 * item.unit_price_cents
        assert value["batches_on_catalogue_price"] == 1  # the batch's own price is unknown
