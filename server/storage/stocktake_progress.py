"""A stocktake round's progress by zone, kept as it changes (migration 0021), so that the
stocktakes page and a round's page read a few rows per round instead of counting its lines.

Each write that moves a figure keeps it in its own transaction: the open counts the ledger's
stacks in scope (`start`), every count written through the API or from the floor adds the
lines counted for the first time (`add_counted`, exact under concurrent writers: a line is
counted once by the key of `stocktake_counted`), and the close and each reason given sort the
round's lines into variances, recounts and variances without a reason (`tally`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.storage.tables import (
    locations,
    stock,
    stocktake_counted,
    stocktake_lines,
    stocktake_progress,
)

progress = stocktake_progress
FIGURES = ("lines", "counted", "variances", "recounts", "open_reasons")
CHUNK = 500  # rows per statement (three parameters each)


def _dialect(conn: Connection) -> Any:
    return postgresql if conn.dialect.name == "postgresql" else sqlite


def _upsert(conn: Connection, rows: list[dict[str, Any]], add: tuple[str, ...]) -> None:
    """Write zone rows: the figures in `add` added to a row already there, the others set."""
    if not rows:
        return
    statement = _dialect(conn).insert(progress)
    statement = statement.on_conflict_do_update(
        index_elements=["stocktake_id", "zone"],
        set_={
            name: (progress.c[name] + statement.excluded[name])
            if name in add
            else statement.excluded[name]
            for name in FIGURES
            if name in rows[0]
        },
    )
    for row in sorted(rows, key=lambda r: str(r["zone"])):  # one lock order for every writer
        conn.execute(statement, [{name: 0 for name in FIGURES} | row])


def start(conn: Connection, stocktake_id: int, warehouse: str, zone: str | None) -> None:
    """The lines to count of a round just opened: the stacks holding stock in its scope."""
    scope = select(locations.c.id).where(locations.c.warehouse == warehouse)
    if zone is not None:
        scope = scope.where(locations.c.zone == zone)
    stacks = (
        select(stock.c.location_id, stock.c.batch_id)
        .distinct()
        .where((stock.c.warehouse == warehouse) & (stock.c.qty > 0))
        .where(stock.c.location_id.in_(scope))
        .subquery("stacks")
    )
    query = (
        select(locations.c.zone, func.count())
        .select_from(stacks)
        .join(locations, locations.c.id == stacks.c.location_id)
        .group_by(locations.c.zone)
    )
    found: dict[str, int] = {str(z): int(n) for z, n in conn.execute(query)}
    if zone is not None:
        found.setdefault(zone, 0)
    rows = [{"stocktake_id": stocktake_id, "zone": z, "lines": int(n)} for z, n in found.items()]
    _upsert(conn, rows, add=())


def add_counted(conn: Connection, counts: Iterable[Mapping[str, Any]]) -> None:
    """Count rows just written (stocktake_id, location_id, batch_id): the lines among them
    counted for the first time move their zone's `counted`."""
    keys = sorted(
        {(int(c["stocktake_id"]), int(c["location_id"]), int(c["batch_id"])) for c in counts}
    )
    if not keys:
        return
    new: list[tuple[int, int]] = []  # (stocktake, location) of each line counted first now
    for start_at in range(0, len(keys), CHUNK):
        chunk = keys[start_at : start_at + CHUNK]
        statement = (
            _dialect(conn)
            .insert(stocktake_counted)
            .values([{"stocktake_id": s, "location_id": lo, "batch_id": b} for s, lo, b in chunk])
            .on_conflict_do_nothing()
            .returning(stocktake_counted.c.stocktake_id, stocktake_counted.c.location_id)
        )
        new.extend((int(s), int(lo)) for s, lo in conn.execute(statement))
    if not new:
        return
    ids = {lo for _, lo in new}
    places = select(locations.c.id, locations.c.zone).where(locations.c.id.in_(ids))
    zones = {int(lo): str(z) for lo, z in conn.execute(places)}
    per_zone = Counter((s, zones[lo]) for s, lo in new)
    rows = [{"stocktake_id": s, "zone": z, "counted": n} for (s, z), n in per_zone.items()]
    _upsert(conn, rows, add=("counted",))


def tally(conn: Connection, stocktake_id: int) -> None:
    """Sort a round's computed lines (its close) into each zone's figures."""
    lines = stocktake_lines.c
    variance = lines.state == "variance"
    query = (
        select(
            locations.c.zone,
            func.count().label("lines"),
            func.sum(case((lines.counted.is_not(None), 1), else_=0)).label("counted"),
            func.sum(case((variance, 1), else_=0)).label("variances"),
            func.sum(case((lines.state == "recount", 1), else_=0)).label("recounts"),
            func.sum(case((variance & lines.reason.is_(None), 1), else_=0)).label("open_reasons"),
        )
        .join(locations, locations.c.id == lines.location_id)
        .where(lines.stocktake_id == stocktake_id)
        .group_by(locations.c.zone)
    )
    found = [
        {"stocktake_id": stocktake_id, **{k: (v or 0) for k, v in r.items()}}
        for r in conn.execute(query).mappings()
    ]
    conn.execute(
        update(progress)
        .where(progress.c.stocktake_id == stocktake_id)
        .values(**{name: 0 for name in FIGURES})
    )
    _upsert(conn, found, add=())


# The readers' statements, built once (the pages read them on every live refresh).
ZONES = (
    select(progress.c.zone, *(progress.c[name] for name in FIGURES))
    .where(progress.c.stocktake_id == bindparam("take"))
    .order_by(progress.c.zone)
)
TOTALS = (
    select(progress.c.stocktake_id, *(func.sum(progress.c[n]) for n in FIGURES))
    .where(progress.c.stocktake_id.in_(bindparam("ids", expanding=True)))
    .group_by(progress.c.stocktake_id)
)


def zones(conn: Connection, stocktake_id: int) -> list[dict[str, Any]]:
    """A round's figures by zone, in zone order."""
    return [dict(r) for r in conn.execute(ZONES, {"take": stocktake_id}).mappings()]


def totals(conn: Connection, stocktake_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Each round's figures summed over its zones."""
    ids = list(stocktake_ids)
    if not ids:
        return {}
    return {
        int(take): dict(zip(FIGURES, (int(v or 0) for v in sums), strict=True))
        for take, *sums in conn.execute(TOTALS, {"ids": ids})
    }
