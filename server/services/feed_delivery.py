"""Sending an endpoint's outbox (server.services.feed fills it), in two lanes that never hold
each other up: the reports (due at once, or by the 10th), and each depot's events in order.

In each lane the oldest row not delivered is sent, and nothing behind it overtakes it:
- a 2xx answer delivers it; an EPCIS capture interface that answers 202 with a capture job
  (`Location`) delivers it once the job has succeeded, the job being asked again (never the
  events sent again) while it runs;
- no answer, a 5xx, 401, 403, 404, 408, 409 or 429 keeps it, with the error, to be tried
  again after a wait that doubles up to `retry_max_seconds`;
- the platform refusing the content (any other 4xx, or a capture job that failed) three
  times sets it aside (`refused_at`, shown in red on /upward) so that the lane goes on;
  `depot server feed-resend` puts it back once the platform is put right.

Whether this process still holds the endpoint's lease is checked in the transaction that
marks a row: a process that lost the lease during a slow request marks nothing, and the row
is sent again, under the same `Idempotency-Key`, by the process that holds it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urljoin

import httpx
from sqlalchemy import Connection, Engine, select, update

from server.domain import depot_time, feed
from server.domain.bounds import shown
from server.domain.feed import Endpoint, FeedConfig
from server.storage.tables import feed_leases, feed_outbox

log = logging.getLogger(__name__)
LANES = ((feed.MONTHLY, feed.EMERGENCY), (feed.EVENTS,))
RETRIED = frozenset({401, 403, 404, 408, 409, 429})  # the platform, not the content
REFUSALS = 3  # content refusals before a row is set aside
JOB_WAIT = timedelta(seconds=2)  # before asking about a capture job again


def holds(conn: Connection, endpoint: str, holder: str, now: datetime) -> bool:
    """Whether `holder` holds the endpoint's lease at `now` (the lease row locked for the
    rest of the transaction)."""
    row = conn.execute(
        select(feed_leases.c.holder, feed_leases.c.until)
        .where(feed_leases.c.endpoint == endpoint)
        .with_for_update()
    ).first()
    return row is not None and row.holder == holder and depot_time.utc(row.until) > now


def _headers(endpoint: Endpoint, row: Any) -> dict[str, str]:
    headers = {
        "Content-Type": "application/ld+json" if endpoint.kind == "epcis" else "application/json",
        # the same key each time the row is sent (ASCII, as a header must be)
        "Idempotency-Key": quote(f"{endpoint.name}:{row.kind}:{row.ref}", safe=":/-_."),
    }
    if endpoint.kind == "epcis":
        headers["GS1-EPCIS-Version"] = "2.0.0"
    if endpoint.token_file is not None:
        token = endpoint.token_file.read_text(encoding="utf-8").strip()
        headers["Authorization"] = f"Bearer {token}"
    return headers


# What came of a try: delivered, a capture job still running (its URL), or an error that
# is the platform's (tried again) or the content's (counted towards setting it aside).
Outcome = tuple[str, str | None]  # (delivered | running | retry | refused, detail)


def _job(client: httpx.Client, endpoint: Endpoint, row: Any, url: str) -> Outcome:
    """Ask an EPCIS capture job how it went."""
    answer = client.get(url, headers={k: v for k, v in _headers(endpoint, row).items()
                                      if k == "Authorization"})  # fmt: skip
    if answer.status_code != 200:
        return "retry", f"capture job {url}: HTTP {answer.status_code}"
    state = answer.json()
    if state.get("running"):
        return "running", url
    if state.get("success"):
        return "delivered", None
    return "refused", shown(f"capture job failed: {state.get('errors', '')}", 200)


def attempt(client: httpx.Client, endpoint: Endpoint, row: Any) -> Outcome:
    """Send a row (or ask about its capture job); what came of it. The error is the status
    and its reason only, never the platform's body (it may echo what was sent)."""
    try:
        if row.job:
            return _job(client, endpoint, row, row.job)
        answer = client.post(
            endpoint.url, content=row.body.encode(), headers=_headers(endpoint, row)
        )
        status = answer.status_code
        if endpoint.kind == "epcis" and status == 202 and answer.headers.get("Location"):
            return _job(client, endpoint, row, urljoin(endpoint.url, answer.headers["Location"]))
        if 200 <= status < 300:
            return "delivered", None
        error = f"HTTP {status} {answer.reason_phrase}"[:200]
        return ("retry" if status >= 500 or status in RETRIED else "refused"), error
    except (httpx.HTTPError, OSError, ValueError) as exc:
        return "retry", shown(f"{type(exc).__name__}: {exc}", 200)


def _mark(conn: Connection, row: Any, outcome: Outcome, config: FeedConfig, now: datetime) -> None:
    state, detail = outcome
    mark = update(feed_outbox).where(feed_outbox.c.id == row.id)
    if state == "delivered":
        conn.execute(mark.values(delivered_at=now.astimezone(UTC), last_error=None, job=None))
    elif state == "running":
        conn.execute(mark.values(job=detail, next_try_at=(now + JOB_WAIT).astimezone(UTC)))
    else:
        refusals = row.refusals + (state == "refused")
        wait = feed.wait_after(row.attempts + 1, config.retry_max)
        conn.execute(
            mark.values(
                attempts=row.attempts + 1,
                refusals=refusals,
                next_try_at=(now + wait).astimezone(UTC),
                last_error=detail,
                job=None if state == "refused" else row.job,
                refused_at=now.astimezone(UTC) if refusals >= REFUSALS else None,
            )
        )


def _next(conn: Connection, endpoint: str, kinds: tuple[str, ...]) -> Any:
    o = feed_outbox.c
    return conn.execute(
        select(feed_outbox)
        .where(
            (o.endpoint == endpoint)
            & o.kind.in_(kinds)
            & o.delivered_at.is_(None)
            & o.refused_at.is_(None)
        )
        .order_by(o.id)
        .limit(1)
    ).first()


def deliver(
    engine: Engine,
    client: httpx.Client,
    endpoint: Endpoint,
    config: FeedConfig,
    clock: Callable[[], datetime],
    holder: str,
) -> int:
    """Send each lane's rows in order while the endpoint takes them and this process holds
    the lease; how many were delivered."""
    sent = 0
    for kinds in LANES:
        while True:
            with engine.connect() as conn:
                row = _next(conn, endpoint.name, kinds)
            if row is None or depot_time.utc(row.next_try_at) > clock():
                break
            outcome = attempt(client, endpoint, row)
            now = clock()
            with engine.begin() as conn:
                if not holds(conn, endpoint.name, holder, now):
                    return sent  # another process feeds it now: it sends the row again
                _mark(conn, row, outcome, config, now)
            if outcome[0] != "delivered":
                log.warning("feed %s: %s %s: %s %s", endpoint.name, row.kind, row.ref, *outcome)
                break
            sent += 1
    return sent


def resend_refused(engine: Engine, endpoint: str, now: datetime) -> int:
    """Put the rows the platform refused back in their lanes, to be sent at once; how many."""
    o = feed_outbox.c
    with engine.begin() as conn:
        done = conn.execute(
            update(feed_outbox)
            .where((o.endpoint == endpoint) & o.refused_at.is_not(None))
            .values(refused_at=None, refusals=0, attempts=0, next_try_at=now.astimezone(UTC))
        )
    return int(done.rowcount)
