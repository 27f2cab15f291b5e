"""Agency storage points' contracts (代储协议, art. 9) in and out as master data: one line of
the file per item of a contract, the contract's own fields repeated on each of its lines.

Columns: number, warehouse, starts_on, ends_on (ISO dates, the last day it runs),
yearly_fee_cents (the storage fee a year), unit_fee_cents (a year per unit held; empty: 0),
item, qty (what the point must hold of the item). Checked whole before anything is written:
every bad line is reported with its line number (the header is line 1) and what is wrong,
and a file with any error imports nothing. A contract in the file is written as the file has
it: its fields updated and its lines replaced.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, delete, select, update

from server.domain.bounds import MAX_CENTS, MAX_STOCK, shown
from server.domain.errors import ImportRefused, RowError
from server.services.audit import record
from server.services.master_rows import (
    Problem,
    check_cells,
    empty_cell,
    missing_columns,
    row_errors,
    whole_number,
)
from server.storage.tables import agency_contract_lines, agency_contracts, items, warehouses

COLUMNS = (
    "number",
    "warehouse",
    "starts_on",
    "ends_on",
    "yearly_fee_cents",
    "unit_fee_cents",
    "item",
    "qty",
)
HEAD = ("warehouse", "starts_on", "ends_on", "yearly_fee_cents", "unit_fee_cents")


def _day(row: dict[str, str], name: str, problems: list[Problem]) -> date | None:
    raw = row.get(name, "")
    if not raw:
        problems.append(empty_cell(name))
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(
            (name, "须为日期，如 2026-01-31", f"{name} must be a date like 2026-01-31, not "
             f"{shown(raw, 40)!r}")
        )  # fmt: skip
        return None


def check_contracts(
    rows: list[dict[str, str]],
) -> tuple[dict[str, dict[str, Any]], list[RowError]]:
    """Pure: the contracts of a file by number (their fields, and `lines`: item -> qty), or
    every error by line."""
    if rows and (missing := [c for c in COLUMNS if c not in rows[0]]):
        return {}, [missing_columns(missing)]
    contracts: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}
    errors: list[RowError] = []
    for line, row in enumerate(rows, start=2):
        problems: list[Problem] = []
        check_cells(row, agency_contracts, problems)
        for name in ("number", "warehouse", "item"):
            if not row.get(name):
                problems.append(empty_cell(name))
        if len(row.get("item", "")) > 32:
            problems.append(("item", "最多 32 个字符", "item is longer than 32 characters"))
        starts, ends = _day(row, "starts_on", problems), _day(row, "ends_on", problems)
        if starts and ends and ends < starts:
            problems.append(("ends_on", "不能早于开始日期", "ends_on is before starts_on"))
        fee = whole_number(
            row.get("yearly_fee_cents", ""), "yearly_fee_cents", 0, problems, MAX_CENTS
        )
        unit = row.get("unit_fee_cents", "") or "0"
        unit_fee = whole_number(unit, "unit_fee_cents", 0, problems, MAX_CENTS)
        qty = whole_number(row.get("qty", ""), "qty", 1, problems, MAX_STOCK)
        number, item = row.get("number", ""), row.get("item", "")
        if (number, item) in seen:
            again = seen[(number, item)]
            problems.append(
                ("item", f"{item} 与第 {again} 行重复", f"{item} is also on line {again}")
            )
        seen.setdefault((number, item), line)
        head = {"warehouse": row.get("warehouse", ""), "starts_on": starts, "ends_on": ends,
                "yearly_fee_cents": fee, "unit_fee_cents": unit_fee}  # fmt: skip
        if not problems and number in contracts:
            earlier = contracts[number]
            for name in HEAD:
                if earlier[name] != head[name]:
                    at = first_line[number]
                    problems.append(
                        (name, f"与第 {at} 行的同一协议不同", f"differs from line {at} of the "
                         "same contract")
                    )  # fmt: skip
        errors.extend(row_errors(line, problems))
        if not problems:
            contract = contracts.setdefault(number, {**head, "lines": {}, "at": {}})
            first_line.setdefault(number, line)
            contract["lines"][item] = qty
            contract["at"][item] = line
    return contracts, errors


def import_contracts(
    engine: Engine, username: str, rows: list[dict[str, str]], now: datetime
) -> int:
    """Import a file of contracts (all or nothing); the lines imported."""
    contracts, errors = check_contracts(rows)
    with engine.begin() as conn:
        kinds = dict(conn.execute(select(warehouses.c.code, warehouses.c.kind)).all())
        known = set(conn.execute(select(items.c.code)).scalars())
        for c in contracts.values():
            first = min(c["at"].values())
            if kinds.get(c["warehouse"]) != "agency":
                named = shown(c["warehouse"], 40)
                errors.append(
                    RowError(first, f"warehouse {named!r} is not an agency storage point",
                             "warehouse", f"仓库 {named} 不是代储点")
                )  # fmt: skip
            for item, line in c["at"].items():
                if item not in known:
                    named = shown(item, 40)
                    errors.append(
                        RowError(line, f"item {named!r} does not exist", "item",
                                 f"物资 {named} 不存在")
                    )  # fmt: skip
        if errors:
            raise ImportRefused(sorted(errors, key=lambda e: e.line))
        for number, c in contracts.items():
            head = {k: c[k] for k in HEAD}
            found = conn.execute(
                select(agency_contracts.c.id).where(agency_contracts.c.number == number)
            ).scalar_one_or_none()
            if found is None:
                found = conn.execute(
                    agency_contracts.insert()
                    .values(number=number, **head)
                    .returning(agency_contracts.c.id)
                ).scalar_one()
            else:
                conn.execute(
                    update(agency_contracts).where(agency_contracts.c.id == found).values(**head)
                )
                conn.execute(
                    delete(agency_contract_lines).where(
                        agency_contract_lines.c.contract_id == found
                    )
                )
            conn.execute(
                agency_contract_lines.insert(),
                [{"contract_id": found, "item_code": i, "qty": q} for i, q in c["lines"].items()],
            )
        lines = sum(len(c["lines"]) for c in contracts.values())
        record(conn, username, "import_agency_contracts", None, depot=None, now=now, rows=lines)
    return lines


def export_contracts(engine: Engine) -> list[tuple[Any, ...]]:
    """Every contract line, in the file's columns, by contract number and item."""
    c, line = agency_contracts, agency_contract_lines
    query = (
        select(
            c.c.number, c.c.warehouse, c.c.starts_on, c.c.ends_on, c.c.yearly_fee_cents,
            c.c.unit_fee_cents, line.c.item_code, line.c.qty,
        )
        .join(line, line.c.contract_id == c.c.id)
        .order_by(c.c.number, line.c.item_code)
    )  # fmt: skip
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]
