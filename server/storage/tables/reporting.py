"""The tables of reporting upward: each depot's EPCIS events in its ledger's order
(server.storage.epcis_log), and the feed to the provincial platform (server.services.feed)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from server.storage.tables.ledger import metadata

# One row per EPCIS event (server.domain.epcis), appended under the depot's lock in the
# transaction of what it records; `seq` counts the depot's events from 1 (migration 0031).
epcis_events = Table(
    "epcis_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("action", String(8), nullable=False),
    Column("biz_step", String(32), nullable=False),
    Column("disposition", String(32), nullable=False),
    Column("event_time", DateTime(timezone=True), nullable=False),
    Column("record_time", DateTime(timezone=True), nullable=False),
    Column("read_point", Text, nullable=False),  # a location's URN, percent-encoded
    Column("epc_classes", Text, nullable=False),  # " class class ... " (matched whole)
    Column("body", Text, nullable=False),  # the event as EPCIS JSON
    UniqueConstraint("warehouse", "seq", name="uq_epcis_events_warehouse_seq"),
    UniqueConstraint("event_id", name="uq_epcis_events_event_id"),
    Index("ix_epcis_events_record_time", "record_time"),  # following a repository by time
)

# The feed to the provincial platform (server.services.feed; migration 0032): what is to be
# sent to each configured endpoint, in order; a row is delivered once the endpoint answered
# 2xx, and tried again after a wait (server.domain.feed.wait_after) until then.
feed_outbox = Table(
    "feed_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("endpoint", String(64), nullable=False),
    Column("kind", String(24), nullable=False),  # events, monthly_report, emergency_report
    Column("ref", String(200), nullable=False),  # LC01:1-500, 2026-11/LC01, the order's number
    Column("warehouse", String(32)),  # the depot it concerns (None: the network)
    Column("body", Text, nullable=False),  # the JSON sent
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_try_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),  # the status and its reason, or the connection's error
    Column("delivered_at", DateTime(timezone=True)),
    # the platform refused its content this many times; set aside at the third (resent by
    # `depot server feed-resend`)
    Column("refusals", Integer, nullable=False, server_default="0"),
    Column("refused_at", DateTime(timezone=True)),
    Column("job", Text),  # an EPCIS capture job still running for it (its URL)
    UniqueConstraint("endpoint", "kind", "ref", name="uq_feed_outbox_endpoint_kind_ref"),
    Index("ix_feed_outbox_waiting", "endpoint", "delivered_at", "id"),
)

# How far each depot's events have been put in each endpoint's outbox (epcis_events.seq).
feed_positions = Table(
    "feed_positions",
    metadata,
    Column("endpoint", String(64), primary_key=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

# Which server process feeds an endpoint, until when: one at a time, so that nothing is sent
# twice by two processes on one database.
feed_leases = Table(
    "feed_leases",
    metadata,
    Column("endpoint", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("until", DateTime(timezone=True), nullable=False),
)
