"""What the server keeps of a depot's labels: the highest SSCC serial its gateway reported
using under each GS1 company prefix and extension digit (kernel/sscc_serials.py), and the
labels and bin cards people asked the depot's gateway to print (server/domain/print_requests.py)."""

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
)

from server.storage.tables.ledger import metadata

sscc_serials = Table(
    "sscc_serials",
    metadata,
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("prefix", String(12), primary_key=True),
    Column("extension", Integer, primary_key=True),
    Column("high", BigInteger, nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
)

# Labels or bin cards asked for on the dashboard (migration 0035): kept `asked` until the
# depot's gateway reports what came of them (queued, printed, attention, refused).
print_requests = Table(
    "print_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("kind", String(16), nullable=False),  # labels, cards
    Column("printer", String(40), nullable=False),
    Column("body", Text, nullable=False),  # JSON: the kind's own fields
    Column("asked_by", String(64), nullable=False),
    Column("asked_role", String(16), nullable=False),
    Column("asked_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False, server_default="asked"),
    Column("jobs", Integer, nullable=False, server_default="0"),
    Column("printed", Integer, nullable=False, server_default="0"),
    Column("first_sscc", String(18)),
    Column("last_sscc", String(18)),
    Column("reason_zh", String(200), nullable=False, server_default=""),
    Column("reason_en", String(200), nullable=False, server_default=""),
    Column("updated_at", DateTime(timezone=True)),  # the last report that changed it
    Index("ix_print_requests_warehouse_state", "warehouse", "state", "id"),
)
