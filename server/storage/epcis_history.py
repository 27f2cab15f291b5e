"""The EPCIS events of what a ledger recorded before it kept them (migration 0031): each
depot's accepted floor events, decisions' postings and handover notes, in the order they
were recorded, each with its own time as its record time. Written by the migration in its
own transaction, once: afterwards every writer appends its own (server.services.epcis_capture).
It reads only the columns it names, so that later migrations' columns do not matter."""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, select

from kernel.floor_events import Malformed, parse
from server.domain import depot_time, epcis
from server.domain.basis import RULES
from server.storage import epcis_capture, epcis_log
from server.storage.tables import events, handover_lines, handovers, postings, warehouses

# Records of one moment, as a writer recorded them: (time, source, rank, what to append)
Record = tuple[datetime, int, int, Any]


def _floor(conn: Connection, depot: str) -> Iterator[Record]:
    rows = conn.execute(
        select(events.c.payload, events.c.received_at)
        .where((events.c.warehouse == depot) & (events.c.status == "accepted"))
        .order_by(events.c.received_at, events.c.event_id)
    )
    for n, r in enumerate(rows):
        try:
            event = parse(json.loads(r.payload))
        except (Malformed, ValueError):
            continue
        yield depot_time.utc(r.received_at), 0, n, event


def _decided(conn: Connection, depot: str) -> Iterator[Record]:
    by_event = [str(k) for k, rule in RULES.items() if rule.needs == "event"]
    rows = conn.execute(
        select(
            postings.c.id, postings.c.location_id, postings.c.batch_id, postings.c.status,
            postings.c.qty, postings.c.approval_id, postings.c.basis_kind,
            postings.c.basis_ref, postings.c.hash, postings.c.posted_at,
        )
        .where(
            (postings.c.warehouse == depot)
            & postings.c.basis_kind.is_not(None)
            & postings.c.basis_kind.not_in(by_event)
        )
        .order_by(postings.c.id)
    )  # fmt: skip
    # one writer's postings: consecutive in the depot's chain, made at one moment
    for n, (at, written) in enumerate(groupby(rows, key=lambda r: r.posted_at)):
        yield depot_time.utc(at), 1, n, [dict(r._mapping) for r in written]


def _notes(conn: Connection, depot: str) -> Iterator[Record]:
    notes = conn.execute(
        select(handovers.c.id, handovers.c.number, handovers.c.order_id, handovers.c.created_at)
        .where(handovers.c.warehouse == depot)
        .order_by(handovers.c.created_at, handovers.c.id)
    ).all()
    for n, note in enumerate(notes):
        lines = conn.execute(
            select(handover_lines.c.pick_line_id, handover_lines.c.qty).where(
                handover_lines.c.handover_id == note.id
            )
        ).all()
        yield (
            depot_time.utc(note.created_at),
            2,
            n,
            (note.number, note.order_id, [tuple(x) for x in lines]),
        )


CHUNK = 1000


def record_history(conn: Connection) -> int:
    """Append the events of every depot's history (in the migration's transaction); how
    many it appended."""
    count = 0
    depots = list(conn.execute(select(warehouses.c.code).order_by(warehouses.c.code)).scalars())
    for depot in depots:
        merged = heapq.merge(
            _floor(conn, depot), _decided(conn, depot), _notes(conn, depot),
            key=lambda r: (r[0], r[1], r[2]),
        )  # fmt: skip
        captured: list[epcis.Captured] = []
        times: list[datetime] = []
        for at, source, _, what in merged:
            if source == 0:
                made = epcis_capture.of_floor([what], at)
            elif source == 1:
                made = epcis_capture.of_decisions(conn, depot, what, at)
            else:
                number, order_id, lines = what
                made = epcis_capture.of_handover(conn, depot, number, order_id, lines, at)
            captured += made
            times += [at] * len(made)
            if len(captured) >= CHUNK:
                epcis_log.append(conn, depot, captured, at, times)
                count, captured, times = count + len(captured), [], []
        if captured:
            epcis_log.append(conn, depot, captured, times[-1], times)
            count += len(captured)
    return count
