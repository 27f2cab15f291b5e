"""The feed to the provincial platform: for each configured endpoint (server.domain.feed) a
durable outbox on the server, filled from what the ledger keeps and delivered in order.

- **Filling.** A depot's EPCIS events are put in the outbox in its ledger's order
  (server.storage.epcis_log), up to 500 to a row, in one transaction with the endpoint's
  position in that depot: every event is put in once, whatever stops the server between.
  Each finished month's report (server.services.report_keeper keeps them) and each
  emergency dispatch's report (drafted when the centre learns of the order) is put in once
  (the row's key: endpoint, kind and reference).
- **Delivering** (server.services.feed_delivery): in order, the reports and the events in
  lanes of their own, each row until the endpoint took it, with retries and backoff. A row
  whose answer was lost is sent again under the same `Idempotency-Key` (and its events under
  their own eventIDs), so the platform can tell.
- **One process.** A lease (`feed_leases`, five minutes, renewed as it works) lets one server
  process feed an endpoint at a time; a process that lost it marks and fills nothing.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, select, update

from kernel.clock import Clock
from server.domain import depot_time, epcis, feed
from server.domain.feed import Endpoint, FeedConfig
from server.services.feed_delivery import deliver, holds
from server.services.ledger import insert_ignore
from server.services.order_view import order_view
from server.services.periodic import Periodic
from server.services.reports import HEADER
from server.storage import epcis_log
from server.storage.tables import (
    dispatch_orders,
    emergency_reports,
    feed_leases,
    feed_outbox,
    feed_positions,
    monthly_reports,
    warehouses,
)

log = logging.getLogger(__name__)
HOLDER = f"{socket.gethostname()}:{os.getpid()}"[:64]
LEASE = timedelta(minutes=5)  # far longer than a request may take (TIMEOUT per step)
BATCH = 500
TIMEOUT = 30.0


def load_config(path: Path) -> FeedConfig:
    """The feed's configuration file, its token files readable by their owner alone."""
    try:
        config = feed.parse_config(tomllib.loads(path.read_text(encoding="utf-8")), path.parent)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise feed.FeedConfigError(f"cannot read the feed's configuration {path}: {exc}") from exc
    for endpoint in config.endpoints:
        token = endpoint.token_file
        if token is None:
            continue
        try:
            mode = token.stat().st_mode
        except OSError as exc:
            raise feed.FeedConfigError(f"{endpoint.name}: cannot read {token}: {exc}") from exc
        if mode & 0o077:
            raise feed.FeedConfigError(
                f"{endpoint.name}: {token} is readable by others; chmod 600 it"
            )
    return config


def take_lease(engine: Engine, endpoint: str, now: datetime, holder: str = HOLDER) -> bool:
    """Whether this process may feed `endpoint` for the next minute (it holds the lease, or
    the lease ran out); if so the lease is renewed."""
    with engine.begin() as conn:
        query = select(feed_leases).where(feed_leases.c.endpoint == endpoint).with_for_update()
        row = conn.execute(query).first()
        if row is None:
            start = {"endpoint": endpoint, "holder": holder, "until": now}
            insert_ignore(conn, feed_leases, start)
            row = conn.execute(query).one()
        if row.holder != holder and depot_time.utc(row.until) > now:
            return False
        conn.execute(
            update(feed_leases)
            .where(feed_leases.c.endpoint == endpoint)
            .values(holder=holder, until=(now + LEASE).astimezone(UTC))
        )
    return True


def _renew(conn: Connection, endpoint: str, now: datetime) -> bool:
    """Whether this process still holds the lease (the lease row locked, so that nobody
    takes it during the transaction), and if so a new lease from `now`."""
    if not holds(conn, endpoint, HOLDER, now):
        return False
    until = (now + LEASE).astimezone(UTC)
    conn.execute(update(feed_leases).where(feed_leases.c.endpoint == endpoint).values(until=until))
    return True


def _put(conn: Connection, endpoint: Endpoint, kind: str, ref: str, depot: str | None,
         body: dict[str, Any], now: datetime) -> None:  # fmt: skip
    insert_ignore(
        conn,
        feed_outbox,
        {
            "endpoint": endpoint.name, "kind": kind, "ref": ref, "warehouse": depot,
            "body": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            "created_at": now.astimezone(UTC), "attempts": 0,
            "next_try_at": now.astimezone(UTC),
        },
    )  # fmt: skip


def _position(conn: Connection, endpoint: str, depot: str) -> int:
    last = conn.execute(
        select(feed_positions.c.last_seq).where(
            (feed_positions.c.endpoint == endpoint) & (feed_positions.c.warehouse == depot)
        )
    ).scalar()
    return int(last or 0)


def fill_events(engine: Engine, endpoint: Endpoint, now: datetime) -> int:
    """Put each depot's events after the endpoint's position in its outbox; how many."""
    with engine.connect() as conn:
        depots = [d for d in conn.execute(select(warehouses.c.code)).scalars()]
    put = 0
    for depot in sorted(d for d in depots if endpoint.takes(d)):
        while True:
            with engine.begin() as conn:
                if not _renew(conn, endpoint.name, now):
                    return put  # another process feeds it now
                last = _position(conn, endpoint.name, depot)
                found = epcis_log.after(conn, depot, last, BATCH)
                if not found:
                    break
                first, end = found[0].seq, found[-1].seq
                events = [{**f.event, "recordTime": f.record_time.isoformat()} for f in found]
                body = feed.events_body(endpoint, depot, first, end, epcis.document(events, now))
                _put(conn, endpoint, feed.EVENTS, f"{depot}:{first}-{end}", depot, body, now)
                values = {"endpoint": endpoint.name, "warehouse": depot, "last_seq": end}
                if last:
                    conn.execute(
                        update(feed_positions)
                        .where(
                            (feed_positions.c.endpoint == endpoint.name)
                            & (feed_positions.c.warehouse == depot)
                        )
                        .values(last_seq=end)
                    )
                else:
                    conn.execute(feed_positions.insert().values(**values))
            put += len(found)
            if len(found) < BATCH:
                break
    return put


def _queued(conn: Connection, endpoint: str, kind: str) -> set[str]:
    return set(
        conn.execute(
            select(feed_outbox.c.ref).where(
                (feed_outbox.c.endpoint == endpoint) & (feed_outbox.c.kind == kind)
            )
        ).scalars()
    )


def fill_reports(engine: Engine, endpoint: Endpoint, now: datetime) -> int:
    """Put the kept monthly reports and the emergency dispatches' reports not yet in the
    endpoint's outbox there; how many."""
    put = 0
    if feed.MONTHLY in endpoint.sends:
        m = monthly_reports.c
        with engine.connect() as conn:  # the keys first: the rows only of those to send
            queued = _queued(conn, endpoint.name, feed.MONTHLY)
            keys = conn.execute(  # those counted in the depots' time zone as it is set
                select(m.month, m.scope, m.zone)
                .where(m.zone == depot_time.zone().key)
                .order_by(m.month, m.scope)
            ).all()
        for month, report_scope, zone in keys:
            scope = None if report_scope == "*" else report_scope
            ref = f"{month}/{report_scope}"
            if ref in queued or not endpoint.takes(scope):
                continue
            with engine.connect() as conn:
                r = conn.execute(
                    select(monthly_reports).where(
                        (m.month == month) & (m.scope == report_scope) & (m.zone == zone)
                    )
                ).one()
            body = {
                "kind": feed.MONTHLY, "month": r.month, "scope": r.scope, "zone": r.zone,
                "due": feed.monthly_due(r.month).isoformat(),
                "made_at": depot_time.utc(r.made_at).isoformat(), "header": list(HEADER),
                "rows": json.loads(r.rows),
            }  # fmt: skip
            with engine.begin() as conn:
                _put(conn, endpoint, feed.MONTHLY, ref, scope, body, now)
            put += 1
    if feed.EMERGENCY in endpoint.sends:
        with engine.connect() as conn:
            queued = _queued(conn, endpoint.name, feed.EMERGENCY)
            drafted = conn.execute(
                select(dispatch_orders.c.id, dispatch_orders.c.number, dispatch_orders.c.warehouse)
                .join(emergency_reports, emergency_reports.c.order_id == dispatch_orders.c.id)
                .order_by(emergency_reports.c.drafted_at, dispatch_orders.c.id)
            ).all()
        for order in drafted:
            if order.number in queued or not endpoint.takes(order.warehouse):
                continue
            report = order_view(engine, order.id, now, None)["report"]
            body = {"kind": feed.EMERGENCY, "order": order.number, **report}
            with engine.begin() as conn:
                _put(conn, endpoint, feed.EMERGENCY, order.number, order.warehouse, body, now)
            put += 1
    return put


class Feeder(Periodic):
    """Fills and delivers every endpoint's outbox every few seconds."""

    name = "feed"
    failure = "the feed to the platform failed a round"

    def __init__(
        self,
        engine: Engine,
        config: FeedConfig,
        clock: Clock,
        client: Callable[[], httpx.Client] | None = None,
    ) -> None:
        super().__init__(config.every, log, clock)
        self.engine, self.config = engine, config
        self.client = (client or (lambda: httpx.Client(timeout=httpx.Timeout(TIMEOUT))))()

    def round(self, now: datetime) -> None:
        for endpoint in self.config.endpoints:  # one endpoint's trouble never holds another
            try:
                self.feed(endpoint, now)
            except Exception:
                log.exception("feed %s: the round failed", endpoint.name)

    def feed(self, endpoint: Endpoint, now: datetime) -> None:
        if not take_lease(self.engine, endpoint.name, now):
            return
        fills = [fill_reports] + ([fill_events] if feed.EVENTS in endpoint.sends else [])
        for fill in fills:  # a fill that fails never holds up what is there to deliver
            try:
                fill(self.engine, endpoint, now)
            except Exception:
                log.exception("feed %s: %s failed", endpoint.name, fill.__name__)
        deliver(self.engine, self.client, endpoint, self.config, self.clock, HOLDER)
