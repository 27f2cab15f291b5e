"""Posting a batch of floor events to the ledger, as a set.

Each event's shape is checked first (server.domain.eventcheck): a malformed one is rejected on its
own, with its reason, and the rest of the batch goes on. One transaction per batch: the
already-seen event ids in one query, the master data in three (four when events name dispatch
orders and their pick lines, read under the lock), the warehouse's ledger head locked once,
the stock the batch takes from read once. The events are then decided in order against that
stock in memory (server.domain.floor.plan, pure), each wholly accepted or wholly rejected, and
everything is written in bulk: the event rows, then the postings through the ledger's one
writer (server.services.ledger.write: each stands on its event, a load on its pick line), which
hashes them, moves each changed stock line by its net change and moves the head.
An event id seen before, in the database or earlier in the same batch, is a duplicate
carrying the first verdict; an event that would take a stock line past MAX_STOCK is
rejected (`stock_limit`) when the database's CHECK has said so (see `ingest`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from kernel.floor_events import FloorEvent, Receiving, StockTaking
from server.domain.basis import Basis
from server.domain.bounds import shown
from server.domain.eventcheck import event_id_of, read, stored
from server.domain.floor import (
    Planned,
    Refs,
    Rejection,
    StockKey,
    counted,
    places_named,
    plan,
    stacks_lowered,
)
from server.domain.receiving import Receipt
from server.domain.results import Caller, EventResult
from server.services import inbound, ledger, listed_units
from server.services.refs import load_refs, with_orders
from server.storage import epcis_capture, stocktake_progress
from server.storage.tables import events, pick_lines, stocktake_counts, stocktakes

CHUNK = 500
NOTHING = Planned([])


def ingest(engine: Engine, caller: Caller, batch: list[Any], now: datetime) -> list[EventResult]:
    """Decide and post a batch, received `now`. Most batches are new and add to lines far below
    their limit: the first try takes every event id as unseen and reads only the stacks the
    events take from, and lets the database say otherwise (the events table's primary key; the
    stock table's CHECK on a line's most, MAX_STOCK), in which case nothing is written. The
    second try looks the ids up and answers those seen as duplicates (once more under the
    ledger head's lock: the same batch resent through another server instance may have been
    written meanwhile), and reads every stack the events name, so that an event that would take
    a line past its limit is rejected on its own."""
    try:
        return _ingest(engine, caller, batch, now, look_up=False)
    except IntegrityError:
        return _ingest(engine, caller, batch, now, look_up=True)


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


def _stacks(refs: Refs, events: list[FloorEvent], added_to: bool) -> set[tuple[int, int]]:
    """(location, batch) of the stacks the events may lower (server.domain.floor.stacks_lowered):
    the only stacks whose quantity a decision to take depends on; with `added_to`, also those
    they add to (a line holds at most MAX_STOCK)."""
    found: set[tuple[int, int]] = set()
    for e in events:
        item = refs.items.get(str(e.gtin), "")
        named = [(code, e.batch) for code in places_named(e)] if added_to else []
        for code, number in [*stacks_lowered(e), *named]:
            if code is None:
                continue
            location_id = refs.locations.get(code)
            batch_id = refs.batches.get((item, number))
            if location_id is not None and batch_id is not None:
                found.add((location_id, batch_id))
    return found


def _ingest(
    engine: Engine, caller: Caller, batch: list[Any], now: datetime, look_up: bool
) -> list[EventResult]:
    """The batch in one transaction under the depot's lock: looked up, decided in order
    against the stock as it stands plus the batch's own changes, and written set-wise.

    Longer than 80 lines for a reason: its parts share the lock's window and eight
    accumulators of the batch (its view of the stock, the postings, the event rows, the counts,
    the loads); split, they would pass all of them between each other on the hot path that
    tests/benchmarks/bench_ingest.py times."""
    results, wanted, malformed, payloads = _screen(batch)
    warehouse = caller.warehouse
    with engine.begin() as conn:
        seen = _seen(conn, [raw["event_id"] for _, raw, _ in wanted]) if look_up else {}
        fresh = [
            e
            for _, _, e in wanted
            if e is not None and e.event_id not in seen and e.event_id not in malformed
        ]
        refs = load_refs(conn, warehouse, fresh)
        head = ledger.lock(conn, warehouse)
        if look_up:  # the same events sent through another instance, committed meanwhile
            seen.update(_seen(conn, [e.event_id for e in fresh]))
            fresh = [e for e in fresh if e.event_id not in seen]
        refs = with_orders(conn, warehouse, refs, fresh)
        # Quantities of the stacks the events take from (and, on the second try, of those
        # they add to); elsewhere only the batch's own changes are known, which is all a
        # decision that adds needs. The stock lines then move by the net change of each,
        # under the lock of the ledger head.
        held = ledger.held(conn, warehouse, _stacks(refs, fresh, added_to=look_up))
        net: dict[StockKey, int] = {}
        loaded: dict[int, int] = {}  # pick line id -> loaded by this batch
        event_rows: list[dict[str, Any]] = []
        count_rows: list[dict[str, Any]] = []
        loads: list[Load] = []
        open_takes = _open_stocktakes(conn, warehouse, fresh)
        entries: list[ledger.Posting] = []
        accepted: dict[str, str] = {}  # event id -> type, of the events postings stand on
        received: dict[str, list[Receipt]] = {}  # notice number -> units received against it
        taken: dict[int, str] = {}  # listed unit id -> the event of this batch receiving it

        def view(key: StockKey) -> int:
            return held.get(key, 0) + net.get(key, 0)

        for i, raw, event in wanted:
            event_id = raw["event_id"]
            if event_id in seen:
                status, reason = seen[event_id]
                results[i] = EventResult(event_id, "duplicate", reason, original=status)
                continue
            author = str(raw.get("operator") or raw.get("device") or caller.client_id)[:64]
            planned, listed = NOTHING, None
            try:
                if event is None or event_id in malformed:
                    raise malformed[event_id]
                if isinstance(event, StockTaking):
                    count = counted(event, warehouse, refs, open_takes)
                    count_rows.append(
                        {
                            **asdict(count),
                            "counted_by": author,
                            "counted_at": now,
                            "event_id": event_id,
                        }
                    )
                else:
                    if isinstance(event, Receiving):  # a notice's listed unit: received once
                        listed = listed_units.listed_of(conn, warehouse, event, taken)
                    planned = plan(event, warehouse, refs, view, lambda n: loaded.get(n, 0))
            except Rejection as exc:
                verdict, reason = "rejected", str(exc)
            else:
                verdict, reason = "accepted", None
            if planned.kind is not None and planned.changes:
                basis = Basis(planned.kind, event_id=event_id, ref=planned.ref)
                accepted[event_id] = raw["type"]
                if isinstance(event, Receiving) and event.notice:
                    line = listed.line if listed else None
                    unit = Receipt(refs.items[str(event.gtin)], event.batch, event.qty, line)
                    received.setdefault(event.notice, []).append(unit)
                    if listed is not None:
                        taken[listed.id] = event_id
                for change in planned.changes:
                    net[change.key] = net.get(change.key, 0) + change.delta
                    entries.append(
                        ledger.Posting(
                            warehouse, change.location_id, change.batch_id, change.status,
                            change.delta, author, basis,
                        )
                    )  # fmt: skip
            if planned.line is not None:
                changes = planned.changes
                qty = -changes[0].delta
                loaded[planned.line.id] = loaded.get(planned.line.id, 0) + qty
                replaced = changes[1].key[:2] if len(changes) > 1 else None
                loads.append(Load(planned.line.id, changes[0].key[:2], qty, replaced))
            seen[event_id] = (verdict, reason)
            event_rows.append(_event_row(caller, raw, payloads[event_id], verdict, reason, now))
            results[i] = EventResult(event_id, verdict, reason)
        if event_rows:
            conn.execute(events.insert(), event_rows)
        ledger.write(conn, head, entries, held, events=accepted, now=now)
        epcis_capture.floor(
            conn,
            warehouse,
            (e for i, _, e in wanted if e is not None and _accepted(results[i])),
            now,
        )
        if count_rows:
            conn.execute(stocktake_counts.insert(), count_rows)
            stocktake_progress.add_counted(conn, count_rows)
        if loads:
            _count_loads(conn, warehouse, loads)
        inbound.count_received(conn, warehouse, received)
        listed_units.mark_received(conn, taken, now)
    return [r for r in results if r is not None]


def _accepted(result: EventResult | None) -> bool:
    return result is not None and result.result == "accepted"


# An event kept for deciding: its place in the batch, the JSON object as posted, and its
# typed form (None when it is malformed).
Wanted = tuple[int, dict[str, Any], FloorEvent | None]


def _screen(
    batch: list[Any],
) -> tuple[list[EventResult | None], list[Wanted], dict[str, Rejection], dict[str, str]]:
    """Each event's place in the answer, before the database: one without a usable id is
    answered at once; the others are kept in order, read into their typed form once (a
    malformed one is rejected in its turn) and the text stored for each."""
    results: list[EventResult | None] = [None] * len(batch)
    wanted: list[Wanted] = []
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
        typed: FloorEvent | None = None
        try:
            payloads[event_id], typed = read(event)
        except Rejection as exc:
            malformed[event_id] = exc
            payloads[event_id] = stored(event)
        wanted.append((i, event, typed))
    return results, wanted, malformed, payloads


class Load(NamedTuple):
    line: int  # the pick line it counts against
    stack: tuple[int, int]  # (location, batch) it was loaded from
    qty: int
    replaced: tuple[int, int] | None  # (location, batch) of the reservation it replaced


def _count_loads(conn: Connection, warehouse: str, loads: list[Load]) -> None:
    """Loads count against their pick lines. A unit a supervisor let replace a reserved one
    moves that much of the order's list from the replaced stack's line to the stack it came
    from, so the handover note lists what went."""
    totals: dict[tuple[int, tuple[int, int] | None, tuple[int, int]], int] = {}
    for load in loads:
        key = (load.line, load.replaced, load.stack)
        totals[key] = totals.get(key, 0) + load.qty
    listed = [{"i": line, "q": q} for (line, replaced, _), q in totals.items() if replaced is None]
    if listed:
        conn.execute(
            update(pick_lines)
            .where(pick_lines.c.id == bindparam("i"))
            .values(loaded=pick_lines.c.loaded + bindparam("q"))
            .execution_options(synchronize_session=False),
            listed,
        )
    for (line, replaced, stack), q in totals.items():
        if replaced is not None:
            _replace(conn, warehouse, line, stack, q)


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
    conn: Connection, warehouse: str, line_id: int, stack: tuple[int, int], qty: int
) -> None:
    """Move `qty` of the order's list from the replaced stack's line to the one loaded from."""
    line = conn.execute(
        select(pick_lines.c.order_id, pick_lines.c.line_id).where(pick_lines.c.id == line_id)
    ).one()
    conn.execute(
        update(pick_lines).where(pick_lines.c.id == line_id).values(qty=pick_lines.c.qty - qty)
    )
    row = {"o": line.order_id, "l": stack[0], "b": stack[1], "q": qty}
    grown = conn.execute(
        _line_update(warehouse).values(
            qty=pick_lines.c.qty + bindparam("q"), loaded=pick_lines.c.loaded + bindparam("q")
        ),
        row,
    )
    if grown.rowcount:
        return
    seq = conn.execute(
        select(func.coalesce(func.max(pick_lines.c.seq), 0)).where(
            pick_lines.c.order_id == line.order_id
        )
    ).scalar_one()
    conn.execute(
        pick_lines.insert().values(
            order_id=line.order_id,
            line_id=line.line_id,
            warehouse=warehouse,
            location_id=stack[0],
            batch_id=stack[1],
            qty=qty,
            loaded=qty,
            seq=seq + 1,
        )
    )


def _open_stocktakes(conn: Connection, warehouse: str, events: list[FloorEvent]) -> set[int]:
    if not any(isinstance(e, StockTaking) for e in events):
        return set()
    return set(
        conn.execute(
            select(stocktakes.c.id).where(
                (stocktakes.c.warehouse == warehouse) & (stocktakes.c.status == "counting")
            )
        ).scalars()
    )


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
