"""What the server keeps of a depot's labels: the highest SSCC serial its gateway reported
using under each GS1 company prefix and extension digit (kernel/sscc_serials.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, String, Table

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
