"""Agency storage points as their page shows them (server/dash/agency.py): each point, its
contracts with their items and contracted quantities, and what it holds of each item by
status, from the stock summary the ledger writer keeps (`stock_summary`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from server.storage.tables import (
    agency_contract_lines,
    agency_contracts,
    items,
    stock_summary,
    warehouses,
)


def points(engine: Engine, depot: str | None) -> list[dict[str, Any]]:
    """The agency storage points (one, when `depot` is given), each with `contracts` (newest
    first, each with its `lines` and the items' names and units) and `held`: (item, status)
    -> the quantity it holds."""
    where = warehouses.c.kind == "agency"
    if depot is not None:
        where = where & (warehouses.c.code == depot)
    with engine.connect() as conn:
        found = [
            {**r, "contracts": [], "held": {}}
            for r in conn.execute(
                select(
                    warehouses.c.code, warehouses.c.name_zh, warehouses.c.name_en,
                    warehouses.c.level,
                ).where(where).order_by(warehouses.c.code)
            ).mappings()
        ]  # fmt: skip
        by_code = {p["code"]: p for p in found}
        if not by_code:
            return []
        contracts = conn.execute(
            select(agency_contracts)
            .where(agency_contracts.c.warehouse.in_(by_code))
            .order_by(agency_contracts.c.warehouse, agency_contracts.c.ends_on.desc())
        ).mappings()
        by_id: dict[int, dict[str, Any]] = {}
        for c in contracts:
            by_id[c["id"]] = {**c, "lines": []}
            by_code[c["warehouse"]]["contracts"].append(by_id[c["id"]])
        if by_id:
            lines = conn.execute(
                select(
                    agency_contract_lines.c.contract_id, agency_contract_lines.c.item_code,
                    agency_contract_lines.c.qty, items.c.name_zh, items.c.name_en,
                    items.c.unit_zh, items.c.unit_en,
                )
                .join(items, items.c.code == agency_contract_lines.c.item_code)
                .where(agency_contract_lines.c.contract_id.in_(by_id))
                .order_by(agency_contract_lines.c.contract_id, agency_contract_lines.c.item_code)
            ).mappings()  # fmt: skip
            for line in lines:
                by_id[line["contract_id"]]["lines"].append(dict(line))
        held = conn.execute(
            select(
                stock_summary.c.warehouse, stock_summary.c.item_code, stock_summary.c.status,
                func.sum(stock_summary.c.qty).label("qty"),
            )
            .where(stock_summary.c.warehouse.in_(by_code) & (stock_summary.c.qty > 0))
            .group_by(stock_summary.c.warehouse, stock_summary.c.item_code, stock_summary.c.status)
        )  # fmt: skip
        for r in held:
            by_code[r.warehouse]["held"][(r.item_code, r.status)] = int(r.qty)
    return found
