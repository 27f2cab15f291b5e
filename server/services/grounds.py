"""What the ledger's writer checks in the database before it posts: that each posting's basis
(server.domain.basis) is there and allows it. Called by server.services.ledger.write, inside the
writer's transaction and under the warehouse's head lock; one query per kind of record named, for
the whole set of postings.

- an event basis: the event is written in the same transaction, accepted, of the right type;
- a decision: the approval exists, is this warehouse's, of a kind and decision that allows
  the basis (server.domain.basis.RULES);
- a pick line: it is this warehouse's, of an open order;
- an adjustment: each stack posted is a line of the named stocktake of this warehouse,
  posted by exactly its variance;
- a restock: the order loaded that much of the batch, less what was restocked from it before;
- a release: the order has a pick line at each stack released;
- an opening balance: the warehouse's chain is empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, func, select

from server.domain.basis import Basis, Kind
from server.domain.errors import BasisError
from server.storage.tables import (
    approvals,
    dispatch_orders,
    pick_lines,
    postings,
    stocktake_lines,
    stocktakes,
)

CHUNK = 500


class Entry(Protocol):
    @property
    def location_id(self) -> int: ...
    @property
    def batch_id(self) -> int: ...
    @property
    def qty(self) -> int: ...
    @property
    def basis(self) -> Basis: ...


def confirm(
    conn: Connection,
    warehouse: str,
    empty: bool,
    entries: Sequence[Entry],
    nets: Mapping[Basis, int],
    events: Mapping[str, str],
) -> None:
    """BasisError for the first basis that the database does not bear out."""
    by_kind: dict[Kind, list[Basis]] = {}
    for b in nets:
        by_kind.setdefault(b.kind, []).append(b)
        if b.event_id is not None and events.get(b.event_id) not in b.rule.events:
            raise BasisError(
                "no_basis", f"a {b.kind} stands on its {'/'.join(b.rule.events)} event"
            )
    if Kind.OPENING in by_kind and not empty:
        raise BasisError("not_allowed", f"an opening balance only starts {warehouse}'s ledger")
    decided = [b for b in nets if b.approval_id is not None]
    if decided:
        _decisions(conn, warehouse, decided)
    if Kind.PICK_LINE in by_kind:
        _pick_lines(conn, warehouse, by_kind[Kind.PICK_LINE])
    if Kind.ADJUSTMENT in by_kind:
        _adjustments(conn, warehouse, entries, by_kind[Kind.ADJUSTMENT])
    if Kind.RESTOCK in by_kind:
        _restocks(conn, entries, by_kind[Kind.RESTOCK])
    if Kind.RELEASE in by_kind:
        _releases(conn, warehouse, entries, by_kind[Kind.RELEASE])


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def _decisions(conn: Connection, warehouse: str, decided: list[Basis]) -> None:
    ids = sorted({b.approval_id for b in decided if b.approval_id is not None})
    found: dict[int, Any] = {}
    for part in _chunks(ids):
        rows = conn.execute(
            select(approvals.c.id, approvals.c.kind, approvals.c.warehouse, approvals.c.decision)
            .where(approvals.c.id.in_(part))
        )  # fmt: skip
        found.update({r.id: r for r in rows})
    for b in decided:
        row = found.get(b.approval_id or 0)
        if row is None or row.warehouse != warehouse:
            raise BasisError("no_basis", f"a {b.kind} needs a decision of {warehouse}")
        if row.decision not in b.rule.approvals.get(row.kind, frozenset()):
            raise BasisError(
                "no_basis", f"a {row.kind} decided {row.decision} does not allow a {b.kind}"
            )


def _ids(found: list[Basis], what: str) -> dict[int, Basis]:
    ids: dict[int, Basis] = {}
    for b in found:
        if not (b.ref or "").isdigit():
            raise BasisError("bad_basis", f"a {b.kind} names its {what} by number")
        ids[int(b.ref or 0)] = b
    return ids


def _pick_lines(conn: Connection, warehouse: str, found: list[Basis]) -> None:
    ids = _ids(found, "pick line")
    rows = {
        r.id: r
        for part in _chunks(sorted(ids))
        for r in conn.execute(
            select(pick_lines.c.id, pick_lines.c.warehouse, dispatch_orders.c.status)
            .join(dispatch_orders, dispatch_orders.c.id == pick_lines.c.order_id)
            .where(pick_lines.c.id.in_(part))
        )
    }
    for line_id in ids:
        row = rows.get(line_id)
        if row is None or row.warehouse != warehouse:
            raise BasisError("no_basis", f"pick line {line_id} is not one of {warehouse}")
        if row.status != "open":
            raise BasisError("not_open", f"the order of pick line {line_id} is {row.status}")


def _by_stack(entries: Sequence[Entry], b: Basis) -> dict[tuple[int, int], int]:
    nets: dict[tuple[int, int], int] = {}
    for e in entries:
        if e.basis == b:
            stack = (e.location_id, e.batch_id)
            nets[stack] = nets.get(stack, 0) + e.qty
    return nets


def _adjustments(
    conn: Connection, warehouse: str, entries: Sequence[Entry], found: list[Basis]
) -> None:
    for take_id, b in _ids(found, "stocktake").items():
        owner = conn.execute(
            select(stocktakes.c.warehouse).where(stocktakes.c.id == take_id)
        ).scalar_one_or_none()
        if owner != warehouse:
            raise BasisError("no_basis", f"stocktake {take_id} is not one of {warehouse}")
        posted = _by_stack(entries, b)
        lines: dict[tuple[int, int], Any] = {}
        for part in _chunks(sorted({loc for loc, _ in posted})):
            rows = conn.execute(
                select(
                    stocktake_lines.c.location_id,
                    stocktake_lines.c.batch_id,
                    stocktake_lines.c.variance,
                ).where(
                    (stocktake_lines.c.stocktake_id == take_id)
                    & stocktake_lines.c.location_id.in_(part)
                )
            )
            lines.update({(r.location_id, r.batch_id): r.variance for r in rows})
        for stack, qty in posted.items():
            if stack not in lines:
                raise BasisError(
                    "no_basis", f"location {stack[0]} batch {stack[1]} is no line of {take_id}"
                )
            if lines[stack] != qty:
                raise BasisError(
                    "not_allowed",
                    f"stocktake {take_id} found {lines[stack]} at location {stack[0]} batch "
                    f"{stack[1]}; {qty:+d} posted",
                )


def _order_id(conn: Connection, number: str) -> int:
    found = conn.execute(
        select(dispatch_orders.c.id).where(dispatch_orders.c.number == number)
    ).scalar_one_or_none()
    if found is None:
        raise BasisError("no_basis", f"there is no dispatch order {number}")
    return int(found)


def _restocks(conn: Connection, entries: Sequence[Entry], found: list[Basis]) -> None:
    """Goods restocked from a dispatch never exceed what it loaded of the batch."""
    for b in found:
        number = b.ref or ""
        order_id = _order_id(conn, number)
        back: dict[int, int] = {}
        for e in entries:
            if e.basis == b and e.qty > 0:
                back[e.batch_id] = back.get(e.batch_id, 0) + e.qty
        for batch_id, qty in back.items():
            loaded = conn.execute(
                select(func.coalesce(func.sum(pick_lines.c.loaded), 0)).where(
                    (pick_lines.c.order_id == order_id) & (pick_lines.c.batch_id == batch_id)
                )
            ).scalar_one()
            before = conn.execute(
                select(func.coalesce(func.sum(postings.c.qty), 0)).where(
                    (postings.c.basis_kind == Kind.RESTOCK.value)
                    & (postings.c.basis_ref == number)
                    & (postings.c.batch_id == batch_id)
                    & (postings.c.qty > 0)
                )
            ).scalar_one()
            if before + qty > loaded:
                raise BasisError(
                    "not_allowed",
                    f"order {number} loaded {loaded} of batch {batch_id}, {before} of them "
                    f"restocked already; {qty} more cannot have come back from it",
                )


def _releases(
    conn: Connection, warehouse: str, entries: Sequence[Entry], found: list[Basis]
) -> None:
    for b in found:
        order_id = _order_id(conn, b.ref or "")
        listed = {
            (r.location_id, r.batch_id)
            for r in conn.execute(
                select(pick_lines.c.location_id, pick_lines.c.batch_id).where(
                    (pick_lines.c.order_id == order_id) & (pick_lines.c.warehouse == warehouse)
                )
            )
        }
        for stack in _by_stack(entries, b):
            if stack not in listed:
                raise BasisError(
                    "no_basis", f"order {b.ref} reserved nothing at location {stack[0]}"
                )
