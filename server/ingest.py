"""Posting a batch of floor events to the ledger, as a set.

Each event's shape is checked first (server.eventcheck): a malformed one is rejected on its
own, with its reason, and the rest of the batch goes on. One transaction per batch: the
already-seen event ids in one query, the master data in three (four when events name dispatch
orders), the warehouse's ledger head locked once, the stock the batch takes from read once.
The events are then decided in order against that stock in memory (server.floor.plan,
pure), each wholly accepted or wholly rejected, and everything is written in bulk: event
rows, hash-chained postings, each changed stock line moved by its net change, the new head.
An event id seen before, in the database or earlier in the same batch, is a duplicate
carrying the first verdict; an event that would take a stock line past MAX_STOCK is
rejected (`stock_limit`) when the database's CHECK has said so (see `ingest`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from server.bounds import shown
from server.eventcheck import check, event_id_of, stored
from server.floor import Change, Refs, Rejection, StockKey, counted, plan, stacks_lowered
from server.ledger import hash_fields, lock_head, stamp
from server.refs import LOCATION_FIELDS, load_refs
from server.results import Caller, EventResult
from server.tables import (
    batches,
    dispatch_lines,
    dispatch_orders,
    events,
    ledger_heads,
    pick_lines,
    postings,
    stock,
    stocktake_counts,
    stocktakes,
)

CHUNK = 500


def ingest(engine: Engine, caller: Caller, batch: list[Any]) -> list[EventResult]:
    """Decide and post a batch. Most batches are new and add to lines far below their
    limit: the first try takes every event id as unseen and reads only the stacks the events
    take from, and lets the database say otherwise (the events table's primary key; the stock
    table's CHECK on a line's most, MAX_STOCK), in which case nothing is written. The second
    try looks the ids up and answers those seen as duplicates, and reads every stack the events
    name, so that an event that would take a line past its limit is rejected on its own."""
    try:
        return _ingest(engine, caller, batch, look_up=False)
    except IntegrityError:
        return _ingest(engine, caller, batch, look_up=True)


def _seen(conn: Connection, ids: list[str]) -> dict[str, tuple[str, str | None]]:
    found: dict[str, tuple[str, str | None]] = {}
    for i in range(0, len(ids), CHUNK):
        rows = conn.execute(
            select(events.c.event_id, events.c.status, events.c.reason).where(
                events.c.event_id.in_(ids[i : i + CHUNK])
            )
        )
        found.update({r.event_id: (r.status, r.reason) for r in rows})
    return found


def _stacks(refs: Refs, events: list[dict[str, Any]], added_to: bool) -> set[tuple[int, int]]:
    """(location, batch) of the stacks the events may lower (server.floor.stacks_lowered):
    the only stacks whose quantity a decision to take depends on; with `added_to`, also those
    they add to (a line holds at most MAX_STOCK)."""
    found: set[tuple[int, int]] = set()
    for e in events:
        item = refs.items.get(str(e.get("gtin")), "")
        named = [(e.get(f), e.get("batch")) for f in LOCATION_FIELDS] if added_to else []
        for code, number in [*stacks_lowered(e), *named]:
            if code is None:
                continue
            location_id = refs.locations.get(str(code))
            batch_id = refs.batches.get((item, number)) if isinstance(number, str) else None
            if location_id is not None and batch_id is not None:
                found.add((location_id, batch_id))
    return found


def _stock(conn: Connection, warehouse: str, stacks: set[tuple[int, int]]) -> dict[StockKey, int]:
    """The stock lines of the given stacks, locked for the rest of the transaction (with any
    other line of those batches at those locations: two index lists plan better than a list
    of pairs, and an extra line read is harmless)."""
    if not stacks:
        return {}
    rows = conn.execute(
        select(stock.c.location_id, stock.c.batch_id, stock.c.status, stock.c.qty)
        .where(
            (stock.c.warehouse == warehouse)
            & stock.c.location_id.in_({loc for loc, _ in stacks})
            & stock.c.batch_id.in_({b for _, b in stacks})
        )
        .with_for_update()
    )
    return {(r.location_id, r.batch_id, r.status): r.qty for r in rows}


def _ingest(engine: Engine, caller: Caller, batch: list[Any], look_up: bool) -> list[EventResult]:
    now = datetime.now(UTC)
    results: list[EventResult | None] = [None] * len(batch)
    wanted: list[tuple[int, dict[str, Any]]] = []
    malformed: dict[str, Rejection] = {}
    payloads: dict[str, str] = {}  # event id -> the event as stored
    for i, event in enumerate(batch):
        event_id = event_id_of(event)
        if event_id is None:
            given = event.get("event_id") if isinstance(event, dict) else event
            results[i] = EventResult(
                shown(given, 64),
                "rejected",
                "bad_event_id: an event is an object whose event_id is a UUID",
            )
            continue
        try:
            payloads[event_id] = check(event)
        except Rejection as exc:
            malformed[event_id] = exc
            payloads[event_id] = stored(event)
        wanted.append((i, event))
    warehouse = caller.warehouse
    with engine.begin() as conn:
        seen = _seen(conn, [e["event_id"] for _, e in wanted]) if look_up else {}
        fresh = [
            e for _, e in wanted if e["event_id"] not in seen and e["event_id"] not in malformed
        ]
        refs = load_refs(conn, warehouse, fresh)
        _, prev_hash = lock_head(conn, warehouse)
        # Quantities of the stacks the events take from (and, on the second try, of those
        # they add to); elsewhere only the batch's own changes are known, which is all a
        # decision that adds needs. The stock lines then move by the net change of each,
        # under the lock of the ledger head.
        held = _stock(conn, warehouse, _stacks(refs, fresh, added_to=look_up))
        net: dict[StockKey, int] = {}
        event_rows: list[dict[str, Any]] = []
        count_rows: list[dict[str, Any]] = []
        loads: list[Load] = []
        open_takes = _open_stocktakes(conn, warehouse, fresh)
        posting_rows: list[dict[str, Any]] = []

        def view(key: StockKey) -> int:
            return held.get(key, 0) + net.get(key, 0)

        for i, event in wanted:
            event_id = event["event_id"]
            if event_id in seen:
                status, reason = seen[event_id]
                results[i] = EventResult(event_id, "duplicate", reason, original=status)
                continue
            author = str(event.get("operator") or event.get("device") or caller.client_id)[:64]
            try:
                if event_id in malformed:
                    raise malformed[event_id]
                if event.get("type") == "stock_taking":
                    count = counted(event, warehouse, refs, open_takes)
                    count_rows.append(
                        {
                            **asdict(count),
                            "counted_by": author,
                            "counted_at": now,
                            "event_id": event_id,
                        }
                    )
                    changes = []
                else:
                    changes = plan(event, warehouse, refs, view)
            except Rejection as exc:
                verdict, reason = "rejected", str(exc)
                changes = []
            else:
                verdict, reason = "accepted", None
            for change in changes:
                net[change.key] = net.get(change.key, 0) + change.delta
                prev_hash = _posting(
                    posting_rows, warehouse, change, author, event_id, prev_hash, now
                )
            if changes and event.get("type") == "loading" and event.get("order"):
                loads.append(
                    Load(
                        str(event["order"]),
                        changes[0].location_id,
                        changes[0].batch_id,
                        -changes[0].delta,
                        (changes[1].location_id, changes[1].batch_id) if len(changes) > 1 else None,
                    )
                )
            seen[event_id] = (verdict, reason)
            event_rows.append(_event_row(caller, event, payloads[event_id], verdict, reason, now))
            results[i] = EventResult(event_id, verdict, reason)
        _write(conn, warehouse, event_rows, posting_rows, held, net, prev_hash)
        if count_rows:
            conn.execute(stocktake_counts.insert(), count_rows)
        if loads:
            _count_loads(conn, warehouse, loads)
    return [r for r in results if r is not None]


class Load(NamedTuple):
    order: str
    location_id: int
    batch_id: int
    qty: int
    replaced: tuple[int, int] | None  # (location, batch) of the reservation it replaced


def _count_loads(conn: Connection, warehouse: str, loads: list[Load]) -> None:
    """Loading events that name their dispatch order count against its pick lines. A unit a
    supervisor let replace a reserved one moves that much of the order's list from the
    replaced stack to the stack it came from, so the handover note lists what went."""
    numbers = {load.order for load in loads}
    orders = {
        r.number: r.id
        for r in conn.execute(
            select(dispatch_orders.c.number, dispatch_orders.c.id).where(
                dispatch_orders.c.number.in_(numbers)
            )
        )
    }
    totals: dict[tuple[int, int, int, tuple[int, int] | None], int] = {}
    for load in loads:
        if load.order in orders:
            key = (orders[load.order], load.location_id, load.batch_id, load.replaced)
            totals[key] = totals.get(key, 0) + load.qty
    listed = [
        {"o": o, "l": loc, "b": b, "q": q}
        for (o, loc, b, replaced), q in totals.items()
        if replaced is None
    ]
    if listed:
        conn.execute(
            _line_update(warehouse).values(loaded=pick_lines.c.loaded + bindparam("q")),
            listed,
        )
    for (o, loc, b, replaced), q in totals.items():
        if replaced is not None:
            _replace(conn, warehouse, {"o": o, "l": loc, "b": b, "q": q}, replaced)


def _line_update(warehouse: str) -> Any:
    return (
        update(pick_lines)
        .where(
            (pick_lines.c.order_id == bindparam("o"))
            & (pick_lines.c.warehouse == warehouse)
            & (pick_lines.c.location_id == bindparam("l"))
            & (pick_lines.c.batch_id == bindparam("b"))
        )
        .execution_options(synchronize_session=False)
    )


def _replace(
    conn: Connection, warehouse: str, row: dict[str, int], replaced: tuple[int, int]
) -> None:
    """Move `q` of the order's list from the replaced stack to the one loaded from."""
    conn.execute(
        _line_update(warehouse).values(qty=pick_lines.c.qty - bindparam("q")),
        {**row, "l": replaced[0], "b": replaced[1]},
    )
    grown = conn.execute(
        _line_update(warehouse).values(
            qty=pick_lines.c.qty + bindparam("q"), loaded=pick_lines.c.loaded + bindparam("q")
        ),
        row,
    )
    if grown.rowcount:
        return
    found = conn.execute(
        select(dispatch_lines.c.id)
        .join(batches, batches.c.item_code == dispatch_lines.c.item_code)
        .where((dispatch_lines.c.order_id == row["o"]) & (batches.c.id == row["b"]))
    ).first()
    if found is None:
        return
    seq = conn.execute(
        select(func.coalesce(func.max(pick_lines.c.seq), 0)).where(
            pick_lines.c.order_id == row["o"]
        )
    ).scalar_one()
    conn.execute(
        pick_lines.insert().values(
            order_id=row["o"],
            line_id=found.id,
            warehouse=warehouse,
            location_id=row["l"],
            batch_id=row["b"],
            qty=row["q"],
            loaded=row["q"],
            seq=seq + 1,
        )
    )


def _open_stocktakes(conn: Connection, warehouse: str, events: list[dict[str, Any]]) -> set[int]:
    if not any(e.get("type") == "stock_taking" for e in events):
        return set()
    return set(
        conn.execute(
            select(stocktakes.c.id).where(
                (stocktakes.c.warehouse == warehouse) & (stocktakes.c.status == "counting")
            )
        ).scalars()
    )


@lru_cache(maxsize=4)
def _stamp(now: datetime) -> str:
    """One batch, one posting time: its text for the hash is made once."""
    return stamp(now)


def _posting(
    rows: list[dict[str, Any]],
    warehouse: str,
    change: Change,
    author: str,
    event_id: str,
    prev_hash: str,
    now: datetime,
) -> str:
    digest = hash_fields(
        prev_hash,
        warehouse,
        change.location_id,
        change.batch_id,
        change.status,
        change.delta,
        author,
        event_id,
        None,
        _stamp(now),
    )
    rows.append(
        {
            "warehouse": warehouse,
            "location_id": change.location_id,
            "batch_id": change.batch_id,
            "status": change.status,
            "qty": change.delta,
            "event_id": event_id,
            "approval_id": None,
            "author": author,
            "posted_at": now,
            "prev_hash": prev_hash,
            "hash": digest,
        }
    )
    return digest


def _event_row(
    caller: Caller,
    event: dict[str, Any],
    payload: str,
    verdict: str,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "event_id": event["event_id"],
        "type": shown(event.get("type", ""), 32),
        # the sender's depot: an event claiming another depot is refused and kept in the
        # journal of the gateway that sent it, never in the other depot's
        "warehouse": caller.warehouse,
        "source": caller.client_id,
        "occurred_at": shown(event.get("occurred_at", ""), 40),
        "received_at": now,
        "status": verdict,
        "reason": reason,
        "payload": payload,
    }


def _write(
    conn: Connection,
    warehouse: str,
    event_rows: list[dict[str, Any]],
    posting_rows: list[dict[str, Any]],
    held: dict[StockKey, int],
    net: dict[StockKey, int],
    last_hash: str,
) -> None:
    if event_rows:
        conn.execute(events.insert(), event_rows)
    if not posting_rows:
        return
    conn.execute(postings.insert(), posting_rows)
    # The head is locked: the newest posting of this warehouse is the last one just written.
    last_id = conn.execute(
        select(func.max(postings.c.id)).where(postings.c.warehouse == warehouse)
    ).scalar_one()
    _move_stock(conn, warehouse, held, net)
    conn.execute(
        update(ledger_heads)
        .where(ledger_heads.c.warehouse == warehouse)
        .values(last_posting_id=last_id, last_hash=last_hash)
    )


def _move_stock(
    conn: Connection, warehouse: str, held: dict[StockKey, int], net: dict[StockKey, int]
) -> None:
    """Each changed stock line moves by its net change. Lines read beforehand exist and are
    updated (every line a batch lowers is one of them); the others only grow, and are added
    to or created. The CHECK on quantity stays the last guard against going below zero."""
    rows = [
        {"w": warehouse, "l": key[0], "b": key[1], "s": key[2], "q": delta}
        for key, delta in net.items()
        if delta
    ]
    existing = [r for r in rows if (r["l"], r["b"], r["s"]) in held]
    if existing:
        conn.execute(
            update(stock)
            .where(
                (stock.c.warehouse == bindparam("w"))
                & (stock.c.location_id == bindparam("l"))
                & (stock.c.batch_id == bindparam("b"))
                & (stock.c.status == bindparam("s"))
            )
            .values(qty=stock.c.qty + bindparam("q"))
            .execution_options(synchronize_session=False),
            existing,
        )
    growing = [
        {
            "warehouse": r["w"],
            "location_id": r["l"],
            "batch_id": r["b"],
            "status": r["s"],
            "qty": r["q"],
        }
        for r in rows
        if (r["l"], r["b"], r["s"]) not in held
    ]
    if growing:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        upsert = dialect.insert(stock)
        upsert = upsert.on_conflict_do_update(
            index_elements=["warehouse", "location_id", "batch_id", "status"],
            set_={"qty": stock.c.qty + upsert.excluded.qty},
        )
        conn.execute(upsert, growing)
