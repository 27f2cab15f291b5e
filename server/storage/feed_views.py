"""What the dashboard shows of the feed to the provincial platform: each endpoint's outbox,
and each report's delivery (server.services.feed fills and delivers them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select, true

from server.domain import depot_time, feed
from server.storage.tables import (
    dispatch_orders,
    emergency_reports,
    feed_outbox,
    monthly_reports,
    pick_lines,
)

MONTHS_SHOWN = 12
EMERGENCIES_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Outbox:
    endpoint: str
    delivered: int
    waiting: int
    refused: int  # set aside after the platform refused them
    last_delivered: datetime | None
    attempts: int  # of the first row waiting
    next_try: datetime | None
    last_error: str | None


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else depot_time.utc(moment)


def outboxes(conn: Connection, depot: str | None) -> list[Outbox]:
    """Each endpoint's outbox (a depot's people: the rows about their depot)."""
    o = feed_outbox.c
    mine = o.warehouse == depot if depot else None
    mine_only = [mine] if mine is not None else []
    totals = conn.execute(
        select(
            o.endpoint,
            func.count(o.delivered_at),
            func.count() - func.count(o.delivered_at) - func.count(o.refused_at),
            func.count(o.refused_at),
            func.max(o.delivered_at),
        )
        .where(and_(true(), *mine_only))
        .group_by(o.endpoint)
        .order_by(o.endpoint)
    ).all()
    shown = []
    for name, delivered, waiting, refused, last in totals:
        head = conn.execute(  # the row waiting longest (of the depot's, for its people)
            select(o.attempts, o.next_try_at, o.last_error)
            .where((o.endpoint == name) & o.delivered_at.is_(None) & o.refused_at.is_(None))
            .where(and_(true(), *mine_only))
            .order_by(o.id)
            .limit(1)
        ).first()
        shown.append(
            Outbox(
                name, delivered, waiting, refused, _utc(last),
                head.attempts if head else 0,
                _utc(head.next_try_at) if head else None,
                head.last_error if head else None,
            )
        )  # fmt: skip
    return shown


def _delivery(conn: Connection, kind: str, refs: list[str]) -> dict[str, tuple[bool, Any]]:
    """ref -> (queued to any endpoint, when the last endpoint took it, None while any has
    not)."""
    o = feed_outbox.c
    if not refs:
        return {}
    rows = conn.execute(
        select(o.ref, func.count(), func.count(o.delivered_at), func.max(o.delivered_at))
        .where((o.kind == kind) & o.ref.in_(refs))
        .group_by(o.ref)
    ).all()
    return {r[0]: (True, _utc(r[3]) if r[1] == r[2] else None) for r in rows}


def monthly_clocks(conn: Connection, depot: str | None, now: datetime) -> list[dict[str, Any]]:
    """The last kept months' reports (a depot's people: their depot's), each with its clock:
    due by the end of the 10th of the month after, depot time."""
    m = monthly_reports.c
    query = (
        select(m.month, m.scope, m.made_at)
        .where(m.zone == depot_time.zone().key)
        .order_by(m.month.desc(), m.scope)
    )
    if depot:
        query = query.where(m.scope == depot)
    kept = conn.execute(query.limit(MONTHS_SHOWN * (1 if depot else 8))).all()
    delivered = _delivery(conn, feed.MONTHLY, [f"{r.month}/{r.scope}" for r in kept])
    shown = []
    for r in kept:
        due = depot_time.start_of_day(feed.monthly_due(r.month) + timedelta(days=1))
        queued, at = delivered.get(f"{r.month}/{r.scope}", (False, None))
        shown.append(
            {"month": r.month, "scope": r.scope, "clock": feed.clock(due, at, queued, now)}
        )
    return shown


def emergency_clocks(conn: Connection, depot: str | None, now: datetime) -> list[dict[str, Any]]:
    """The latest emergency dispatches' reports (a depot's people: of orders made at or
    taking from their depot), each due at once (within the hour it was drafted)."""
    d, e = dispatch_orders.c, emergency_reports.c
    query = (
        select(d.number, d.destination, e.drafted_at)
        .join(emergency_reports, e.order_id == d.id)
        .order_by(e.drafted_at.desc(), d.id.desc())
        .limit(EMERGENCIES_SHOWN)
    )
    if depot:
        takes = exists().where((pick_lines.c.order_id == d.id) & (pick_lines.c.warehouse == depot))
        query = query.where(or_(d.warehouse == depot, takes))
    drafted = conn.execute(query).all()
    delivered = _delivery(conn, feed.EMERGENCY, [r.number for r in drafted])
    shown = []
    for r in drafted:
        queued, at = delivered.get(r.number, (False, None))
        made = depot_time.utc(r.drafted_at)
        due = made + feed.AT_ONCE
        shown.append(
            {"order": r.number, "destination": r.destination,
             "clock": feed.clock(due, at, queued, now)}
        )  # fmt: skip
    return shown
