"""The tables of reporting upward: each depot's EPCIS events in its ledger's order
(server.storage.epcis_log)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from server.storage.tables.ledger import metadata

# One row per EPCIS event (server.domain.epcis), appended under the depot's lock in the
# transaction of what it records; `seq` counts the depot's events from 1 (migration 0032).
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
    Column("read_point", String(300), nullable=False),
    Column("epc_classes", Text, nullable=False),  # " class class ... " (matched whole)
    Column("body", Text, nullable=False),  # the event as EPCIS JSON
    UniqueConstraint("warehouse", "seq", name="uq_epcis_events_warehouse_seq"),
    UniqueConstraint("event_id", name="uq_epcis_events_event_id"),
)
