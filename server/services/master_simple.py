"""Master data of the simple kinds in and out: warehouses, suppliers, places and road
distances, each a table of columns checked the same way (server.services.master_rows); a
file with any bad line imports nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from server.domain.bounds import shown
from server.domain.errors import ImportRefused, RowError
from server.domain.levels import LEVELS
from server.services.audit import record
from server.services.master_rows import (
    Problem,
    check_cells,
    empty_cell,
    missing_columns,
    row_errors,
)
from server.storage.tables import places, road_distances, suppliers, warehouses


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
            Column("level", "choice", LEVELS),
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
        return [], [missing_columns(missing)]
    good: list[dict[str, Any]] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, ...], int] = {}
    for line, row in enumerate(rows, start=2):
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        check_cells(row, table, problems)
        for column in columns:
            name, raw = column.name, row.get(column.name, "")
            if not raw:
                problems.append(empty_cell(name))
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
        errors.extend(row_errors(line, problems))
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
