"""The network's master data as its page shows it: one page of one kind's rows at a time, in
the order of the kind's key (read through its primary key or unique index, with a LIMIT)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, select

from server.storage.tables import (
    agency_contracts,
    items,
    locations,
    material_codes,
    places,
    road_distances,
    suppliers,
    warehouses,
)

# each kind: its table, the columns shown, the key it is ordered by
KINDS: dict[str, tuple[Table, tuple[str, ...], tuple[str, ...]]] = {
    "items": (
        items,
        (
            "code",
            "name_zh",
            "name_en",
            "spec",
            "unit_zh",
            "category",
            "reusable",
            "storage_years",
            "unit_price_cents",
            "national_code",
        ),
        ("code",),
    ),
    "locations": (
        locations,
        ("warehouse", "code", "zone", "walk_order", "kind"),
        ("warehouse", "code"),
    ),
    "warehouses": (
        warehouses,
        ("code", "name_zh", "name_en", "level", "kind", "lat", "lon"),
        ("code",),
    ),
    "suppliers": (suppliers, ("code", "name", "contact", "phone"), ("code",)),
    "places": (places, ("code", "name", "lat", "lon"), ("code",)),
    "road_distances": (road_distances, ("warehouse", "place", "km"), ("warehouse", "place")),
    "material_codes": (material_codes, ("code", "name_zh", "name_en", "level"), ("code",)),
    # the contracts themselves; their items and quantities: the agency page (storage.agency)
    "agency_contracts": (
        agency_contracts,
        ("number", "warehouse", "starts_on", "ends_on", "yearly_fee_cents", "unit_fee_cents"),
        ("number",),
    ),
}
PAGE_ROWS = 50
MAX_OFFSET = 10_000_000


@dataclass(frozen=True, slots=True)
class Rows:
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    offset: int
    more: bool  # another page follows


def rows_of(engine: Engine, kind: str, offset: int, limit: int = PAGE_ROWS) -> Rows:
    """Rows `offset` to `offset + limit` of `kind`, in the order of its key."""
    table, names, key = KINDS[kind]
    query = (
        select(*(table.c[n] for n in names))
        .order_by(*(table.c[k] for k in key))
        .offset(offset)
        .limit(limit + 1)
    )
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(query)]
    return Rows(names, found[:limit], offset, len(found) > limit)
