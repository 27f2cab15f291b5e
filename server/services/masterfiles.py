"""Master data in and out as CSV and XLSX: items (with GTINs), locations, warehouses,
suppliers, places and road distances (those simple kinds: server.services.master_simple).

An import is checked whole before anything is written: every bad row is reported with its
line number (the header is line 1) and what is wrong, and a file with any error imports
nothing. A good file inserts new rows and updates existing ones (by item code, or by
warehouse and location code).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select, update

from kernel.gs1 import is_valid_gtin
from server.domain.bounds import MAX_CENTS, shown
from server.domain.catalogue import CATEGORY_CODES
from server.domain.errors import ImportRefused, RowError
from server.domain.material_codes import problem_of
from server.services import material_codes
from server.services.audit import record
from server.services.master_rows import (
    FALSE,
    TRUE,
    Problem,
    check_cells,
    empty_cell,
    missing_columns,
    row_errors,
    whole_number,
)
from server.storage import stock_bands
from server.storage.tables import (
    item_gtins,
    items,
    locations,
    warehouses,
)

ITEM_COLUMNS = (
    "code",
    "name_zh",
    "name_en",
    "spec",
    "unit_zh",
    "unit_en",
    "category",
    "reusable",
    "storage_years",
    "unit_price_cents",
    "gtins",
)
# optional: a file without it leaves the items' national codes as they are (GB/T 38565)
NATIONAL = "national_code"
ITEM_EXPORT = (*ITEM_COLUMNS, NATIONAL)
LOCATION_COLUMNS = ("warehouse", "code", "zone", "walk_order", "kind")


def check_items(rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Pure: the items of a file, or the errors of each bad line."""
    errors: list[RowError] = []
    out: list[dict[str, Any]] = []
    seen_codes: dict[str, int] = {}
    seen_gtins: dict[str, int] = {}
    if rows and (missing := [c for c in ITEM_COLUMNS if c not in rows[0]]):
        return [], [missing_columns(missing)]
    categories = ", ".join(sorted(CATEGORY_CODES))
    for line, row in enumerate(rows, start=2):
        problems: list[Problem] = []
        for name in ("code", "name_zh", "name_en", "spec", "unit_zh", "unit_en"):
            if not row.get(name):
                problems.append(empty_cell(name))
        code = row.get("code", "")
        if code in seen_codes:
            again = seen_codes[code]
            problems.append(
                ("code", f"编码 {code} 与第 {again} 行重复", f"code {code} is also on line {again}")
            )
        seen_codes.setdefault(code, line)
        if row.get("category") not in CATEGORY_CODES:
            problems.append(
                (
                    "category",
                    f"类别须为 {categories} 之一",
                    f"category must be one of {categories}",
                )
            )
        reusable = row.get("reusable", "").lower()
        if reusable not in TRUE | FALSE:
            problems.append(("reusable", "须为 是 或 否", "reusable must be yes or no (是/否)"))
        check_cells(row, items, problems)
        years = whole_number(row.get("storage_years", ""), "storage_years", 1, problems, 100)
        price = whole_number(
            row.get("unit_price_cents", ""), "unit_price_cents", 0, problems, MAX_CENTS
        )
        gtins = [g.strip() for g in row.get("gtins", "").replace(";", " ").split() if g.strip()]
        for gtin in gtins:
            if not is_valid_gtin(gtin):
                problems.append(
                    (
                        "gtins",
                        f"GTIN {gtin} 无效（位数或校验位）",
                        f"GTIN {gtin} is not valid (length or check digit)",
                    )
                )
            elif gtin.zfill(14) in seen_gtins:
                again = seen_gtins[gtin.zfill(14)]
                problems.append(
                    (
                        "gtins",
                        f"GTIN {gtin} 与第 {again} 行重复",
                        f"GTIN {gtin} is also on line {again}",
                    )
                )
            seen_gtins.setdefault(gtin.zfill(14), line)
        national = (row.get(NATIONAL) or "").strip()
        if national and (bad := problem_of(national)):
            problems.append((NATIONAL, *bad))
        if problems:
            errors.extend(row_errors(line, problems))
            continue
        out.append(
            {
                "code": code,
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "spec": row["spec"],
                "unit_zh": row["unit_zh"],
                "unit_en": row["unit_en"],
                "category": row["category"],
                "reusable": reusable in TRUE,
                "storage_years": years,
                "unit_price_cents": price,
                "gtins": [g.zfill(14) for g in gtins],
                "line": line,
                **({NATIONAL: national or None} if NATIONAL in row else {}),
            }
        )
    return out, errors


def import_items(engine: Engine, username: str, rows: list[dict[str, str]], now: datetime) -> int:
    checked, errors = check_items(rows)
    with engine.begin() as conn:
        stored = material_codes.known(conn, {i[NATIONAL] for i in checked if i.get(NATIONAL)})
        errors += [
            RowError(
                i["line"],
                f"{i[NATIONAL]} is not in the national code table (import that first)",
                NATIONAL,
                f"国家分类代码 {i[NATIONAL]} 不在代码表中（请先导入代码表）",
            )
            for i in checked
            if i.get(NATIONAL) and i[NATIONAL] not in stored
        ]
        owners = dict(conn.execute(select(item_gtins.c.gtin, item_gtins.c.item_code)).all())
        for item in checked:
            for gtin in item["gtins"]:
                owner = owners.get(gtin)
                if owner is not None and owner != item["code"]:
                    errors.append(
                        RowError(
                            item["line"],
                            f"GTIN {gtin} belongs to item {owner}",
                            "gtins",
                            f"GTIN {gtin} 已属于物资 {owner}",
                        )
                    )
        if errors:
            raise ImportRefused(sorted(errors, key=lambda e: e.line))
        existing = set(conn.execute(select(items.c.code)).scalars())
        for item in checked:
            values = {k: v for k, v in item.items() if k not in ("gtins", "line")}
            if item["code"] in existing:
                conn.execute(update(items).where(items.c.code == item["code"]).values(**values))
            else:
                conn.execute(items.insert().values(**values))
            conn.execute(delete(item_gtins).where(item_gtins.c.item_code == item["code"]))
            if item["gtins"]:
                conn.execute(
                    item_gtins.insert(),
                    [{"gtin": g, "item_code": item["code"]} for g in item["gtins"]],
                )
        # Storage years may have changed, and the overview's bands with them: made again when
        # next read. After the items' updates, which wait for a making that read the old ones.
        stock_bands.forget(conn)
        record(conn, username, "import_items", None, depot=None, now=now, rows=len(checked))
    return len(checked)


def import_locations(
    engine: Engine, username: str, rows: list[dict[str, str]], now: datetime
) -> int:
    errors: list[RowError] = []
    if rows and (missing := [c for c in LOCATION_COLUMNS if c not in rows[0]]):
        raise ImportRefused([missing_columns(missing)])
    with engine.begin() as conn:
        known = set(conn.execute(select(warehouses.c.code)).scalars())
        good: list[dict[str, Any]] = []
        seen: dict[tuple[str, str], int] = {}
        for line, row in enumerate(rows, start=2):
            problems: list[Problem] = []
            if row.get("warehouse") not in known:
                named = shown(row.get("warehouse", ""), 40)
                problems.append(
                    ("warehouse", f"仓库 {named} 不存在", f"warehouse {named!r} does not exist")
                )
            if not row.get("code"):
                problems.append(empty_cell("code"))
            key = (row.get("warehouse", ""), row.get("code", ""))
            if key in seen:
                problems.append(
                    (
                        "code",
                        f"货位 {key[1]} 与第 {seen[key]} 行重复",
                        f"location {key[1]} is also on line {seen[key]}",
                    )
                )
            seen.setdefault(key, line)
            if row.get("kind") not in ("storage", "dock"):
                problems.append(("kind", "须为 storage 或 dock", "kind must be storage or dock"))
            check_cells(row, locations, problems)
            order = whole_number(row.get("walk_order", ""), "walk_order", 0, problems)
            errors.extend(row_errors(line, problems))
            if not problems:
                good.append(
                    {
                        "warehouse": key[0],
                        "code": key[1],
                        "zone": row.get("zone") or "",
                        "walk_order": order,
                        "kind": row["kind"],
                    }
                )
        if errors:
            raise ImportRefused(errors)
        existing = {
            (r.warehouse, r.code)
            for r in conn.execute(select(locations.c.warehouse, locations.c.code))
        }
        for loc in good:
            if (loc["warehouse"], loc["code"]) in existing:
                conn.execute(
                    update(locations)
                    .where(
                        (locations.c.warehouse == loc["warehouse"])
                        & (locations.c.code == loc["code"])
                    )
                    .values(**loc)
                )
            else:
                conn.execute(locations.insert().values(**loc))
        record(conn, username, "import_locations", None, depot=None, now=now, rows=len(good))
    return len(good)


def export_items(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        gtins: dict[str, list[str]] = {}
        for gtin, code in conn.execute(select(item_gtins.c.gtin, item_gtins.c.item_code)):
            gtins.setdefault(code, []).append(gtin)
        return [
            (
                r.code,
                r.name_zh,
                r.name_en,
                r.spec,
                r.unit_zh,
                r.unit_en,
                r.category,
                "yes" if r.reusable else "no",
                r.storage_years,
                r.unit_price_cents,
                " ".join(sorted(gtins.get(r.code, []))),
                r.national_code,
            )
            for r in conn.execute(select(items).order_by(items.c.code))
        ]


def export_locations(engine: Engine, warehouse: str | None) -> list[tuple[Any, ...]]:
    query = select(
        locations.c.warehouse,
        locations.c.code,
        locations.c.zone,
        locations.c.walk_order,
        locations.c.kind,
    ).order_by(locations.c.warehouse, locations.c.walk_order)
    if warehouse:
        query = query.where(locations.c.warehouse == warehouse)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]
