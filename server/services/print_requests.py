"""Labels and bin cards asked for at the centre, printed at the depot (标签打印).

`ask` keeps a person's request for their depot's gateway (the rules: server/domain/
print_requests.py; the GTIN must be in the catalogue, the location one of the depot's) and
writes the audit entry `print_request` in the same transaction. The gateway takes the depot's
requests still asked with its sync (server/services/sync.py) and reports what came of each
(server/services/gateways.py), which `take_outcomes` writes: only to the reporting depot's own
requests, never again to one printed or refused, and only what changed, so the same report
twice changes nothing more.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from kernel.print_outcomes import FINAL, PrintOutcome
from server.domain.errors import Rejection
from server.domain.print_requests import Asked, Cards, checked, kind_of
from server.services.audit import record
from server.services.refs import known_warehouse, location_id
from server.storage.print_requests import as_json
from server.storage.tables import item_gtins, locations, print_requests

OUTCOME_COLUMNS = ("state", "jobs", "printed", "first_sscc", "last_sscc", "reason_zh", "reason_en")


def ask(
    engine: Engine, username: str, role: str, depot: str, asked: Asked, now: datetime
) -> dict[str, Any]:
    """Keep a request for `depot`'s gateway; the request as the API answers it."""
    asked = checked(asked, role)
    with engine.begin() as conn:
        known_warehouse(conn, depot)
        if isinstance(asked, Cards):
            location_id(conn, depot, asked.location)
            kind = conn.execute(
                select(locations.c.kind).where(
                    (locations.c.warehouse == depot) & (locations.c.code == asked.location)
                )
            ).scalar_one()
            if kind != "storage":  # annex 3's cards stand by the stacks in storage
                raise Rejection(
                    "unknown_location", f"{asked.location} is a {kind}, not a storage location"
                )
        else:
            found = conn.execute(
                select(item_gtins.c.item_code).where(item_gtins.c.gtin == asked.gtin)
            ).first()
            if found is None:
                raise Rejection("unknown_gtin", f"GTIN {asked.gtin} is not in the catalogue")
        body = asked.body()
        new_id = conn.execute(
            insert(print_requests)
            .values(
                warehouse=depot,
                kind=kind_of(asked),
                printer=asked.printer,
                body=json.dumps(body, ensure_ascii=False),
                asked_by=username,
                asked_role=role,
                asked_at=now,
            )
            .returning(print_requests.c.id)
        ).scalar_one()
        record(conn, username, "print_request", str(new_id), depot=depot, now=now,
               kind=kind_of(asked), printer=asked.printer, **body)  # fmt: skip
        row = conn.execute(select(print_requests).where(print_requests.c.id == new_id)).one()
    return as_json(row)


def take_outcomes(
    conn: Connection, warehouse: str, outcomes: list[PrintOutcome], now: datetime
) -> int:
    """Write what `warehouse`'s gateway reported of its requests; how many changed. A request
    of another depot, or none by that id, is left alone; so is one printed or refused."""
    if not outcomes:
        return 0
    by_id = {o.id: o for o in outcomes}
    rows = conn.execute(
        select(print_requests.c.id, *(print_requests.c[k] for k in OUTCOME_COLUMNS)).where(
            (print_requests.c.warehouse == warehouse) & print_requests.c.id.in_(list(by_id))
        )
    ).all()
    changed = 0
    for row in rows:
        if row.state in FINAL:
            continue
        said = by_id[row.id]
        values = {k: getattr(said, k) for k in OUTCOME_COLUMNS}
        if all(getattr(row, k) == v for k, v in values.items()):
            continue
        conn.execute(
            update(print_requests)
            .where(
                (print_requests.c.id == row.id)
                & (print_requests.c.warehouse == warehouse)
                & print_requests.c.state.not_in(FINAL)
            )
            .values(**values, updated_at=now)
        )
        changed += 1
    return changed
