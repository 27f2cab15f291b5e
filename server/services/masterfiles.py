"""Master data in and out as CSV and XLSX: items (with GTINs), locations, warehouses,
suppliers, places and road distances.

An import is checked whole before anything is written: every bad row is reported with its
line number (the header is line 1) and what is wrong, and a file with any error imports
nothing. A good file inserts new rows and updates existing ones (by item code, or by
warehouse and location code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, delete, select, update

from kernel.gs1 import is_valid_gtin
from server.domain.bounds import MAX_CENTS, MAX_ID, shown, unprintable
from server.domain.catalogue import CATEGORY_CODES
from server.domain.errors import ImportRefused, RowError
from server.services.audit import record
from server.storage import stock_bands
from server.storage.tables import (
    item_gtins,
    items,
    locations,
    places,
    road_distances,
    suppliers,
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
LOCATION_COLUMNS = ("warehouse", "code", "zone", "walk_order", "kind")
TRUE, FALSE = {"yes", "true", "1", "是", "y"}, {"no", "false", "0", "否", "n"}
# What is wrong with a line: (column, Chinese, English); column "" for the line as a whole
Problem = tuple[str, str, str]


def _errors(line: int, problems: list[Problem]) -> list[RowError]:
    return [RowError(line, en, column, zh) for column, zh, en in problems]


def _missing(columns: list[str]) -> RowError:
    names = ", ".join(columns)
    return RowError(1, f"missing columns: {names}", "", f"缺少列: {names}")


def _empty(name: str) -> Problem:
    return (name, "不能为空", f"{name} is empty")


def _int(
    value: str, name: str, minimum: int, problems: list[Problem], maximum: int = MAX_ID
) -> int:
    try:
        number = int(value)
    except ValueError:
        problems.append(
            (name, "须为整数", f"{name} must be a whole number, not {shown(value, 40)!r}")
        )
        return 0
    if not minimum <= number <= maximum:
        problems.append(
            (
                name,
                f"须在 {minimum} 到 {maximum:,} 之间",
                f"{name} must be from {minimum} to {maximum:,}",
            )
        )
    return number


def _cells(row: dict[str, str], table: Table, problems: list[Problem]) -> None:
    """Every cell printable (line breaks allowed) and no longer than its column."""
    for name, value in row.items():
        problem = unprintable(value, free=True)
        if problem:
            problems.append(
                (shown(name, 32), "含有不能使用的字符", f"{shown(name, 32)} holds {problem}")
            )
        column = table.c.get(name)
        length = getattr(column.type, "length", None) if column is not None else None
        if length is not None and len(value) > length:
            problems.append(
                (name, f"最多 {length} 个字符", f"{name} is longer than {length} characters")
            )


def check_items(rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Pure: the items of a file, or the errors of each bad line."""
    errors: list[RowError] = []
    out: list[dict[str, Any]] = []
    seen_codes: dict[str, int] = {}
    seen_gtins: dict[str, int] = {}
    if rows and (missing := [c for c in ITEM_COLUMNS if c not in rows[0]]):
        return [], [_missing(missing)]
    categories = ", ".join(sorted(CATEGORY_CODES))
    for line, row in enumerate(rows, start=2):
        problems: list[Problem] = []
        for name in ("code", "name_zh", "name_en", "spec", "unit_zh", "unit_en"):
            if not row.get(name):
                problems.append(_empty(name))
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
        _cells(row, items, problems)
        years = _int(row.get("storage_years", ""), "storage_years", 1, problems, 100)
        price = _int(row.get("unit_price_cents", ""), "unit_price_cents", 0, problems, MAX_CENTS)
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
        if problems:
            errors.extend(_errors(line, problems))
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
            }
        )
    return out, errors


def import_items(engine: Engine, username: str, rows: list[dict[str, str]], now: datetime) -> int:
    checked, errors = check_items(rows)
    with engine.begin() as conn:
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
        raise ImportRefused([_missing(missing)])
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
                problems.append(_empty("code"))
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
            _cells(row, locations, problems)
            order = _int(row.get("walk_order", ""), "walk_order", 0, problems)
            errors.extend(_errors(line, problems))
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


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str = "text"  # text, float, choice
    choices: tuple[str, ...] = ()
    required: bool = True


SIMPLE: dict[str, tuple[Any, tuple[Column, ...], tuple[str, ...]]] = {
    # table, columns, key
    "warehouses": (
        warehouses,
        (
            Column("code"),
            Column("name_zh"),
            Column("name_en"),
            Column("level", "choice", ("province", "city", "county")),
            Column("kind", "choice", ("depot", "agency")),
            Column("lat", "float"),
            Column("lon", "float"),
        ),
        ("code",),
    ),
    "suppliers": (
        suppliers,
        (Column("code"), Column("name"), Column("contact"), Column("phone")),
        ("code",),
    ),
    "places": (
        places,
        (Column("code"), Column("name"), Column("lat", "float"), Column("lon", "float")),
        ("code",),
    ),
    "road_distances": (
        road_distances,
        (Column("warehouse"), Column("place"), Column("km", "float")),
        ("warehouse", "place"),
    ),
}


def check_simple(
    kind: str, rows: list[dict[str, str]]
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Pure: typed rows of a simple master-data file, or every error by line."""
    table, columns, key = SIMPLE[kind]
    if rows and (missing := [c.name for c in columns if c.name not in rows[0]]):
        return [], [_missing(missing)]
    good: list[dict[str, Any]] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, ...], int] = {}
    for line, row in enumerate(rows, start=2):
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        _cells(row, table, problems)
        for column in columns:
            name, raw = column.name, row.get(column.name, "")
            if not raw:
                problems.append(_empty(name))
            elif column.kind == "float":
                try:
                    values[name] = float(raw)
                except ValueError:
                    problems.append(
                        (name, "须为数字", f"{name} must be a number, not {shown(raw, 40)!r}")
                    )
            elif column.kind == "choice" and raw not in column.choices:
                choices = ", ".join(column.choices)
                problems.append((name, f"须为 {choices} 之一", f"{name} must be one of {choices}"))
            else:
                values[name] = raw
        ident = tuple(row.get(k, "") for k in key)
        if ident in seen:
            both, again = "/".join(ident), seen[ident]
            problems.append(
                (key[0], f"{both} 与第 {again} 行重复", f"{both} is also on line {again}")
            )
        seen.setdefault(ident, line)
        if kind == "road_distances" and values.get("km", 0) <= 0 and "km" in values:
            problems.append(("km", "须大于 0", "km must be more than 0"))
        if (
            kind in ("warehouses", "places")
            and not problems
            and not (-90 <= values["lat"] <= 90 and -180 <= values["lon"] <= 180)
        ):
            problems.append(("lat", "经纬度超出范围", "lat/lon out of range"))
        errors.extend(_errors(line, problems))
        if not problems:
            good.append(values)
    return good, errors


def import_simple(
    engine: Engine, username: str, kind: str, rows: list[dict[str, str]], now: datetime
) -> int:
    table, _, key = SIMPLE[kind]
    good, errors = check_simple(kind, rows)
    with engine.begin() as conn:
        if kind == "road_distances" and good:
            known_w = set(conn.execute(select(warehouses.c.code)).scalars())
            known_p = set(conn.execute(select(places.c.code)).scalars())
            for n, row in enumerate(good):
                if row["warehouse"] not in known_w or row["place"] not in known_p:
                    errors.append(
                        RowError(n + 2, "unknown warehouse or place", "", "仓库或地点不存在")
                    )
        if errors:
            raise ImportRefused(sorted(errors, key=lambda e: e.line))
        for row in good:
            where = [table.c[k] == row[k] for k in key]
            found = conn.execute(select(table.c[key[0]]).where(*where)).first()
            if found is None:
                conn.execute(table.insert().values(**row))
            else:
                conn.execute(update(table).where(*where).values(**row))
        record(conn, username, f"import_{kind}", None, depot=None, now=now, rows=len(good))
    return len(good)


def export_simple(engine: Engine, kind: str) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    table, columns, key = SIMPLE[kind]
    names = tuple(c.name for c in columns)
    with engine.connect() as conn:
        rows = conn.execute(
            select(*(table.c[n] for n in names)).order_by(*(table.c[k] for k in key))
        ).all()
    return names, [tuple(r) for r in rows]
