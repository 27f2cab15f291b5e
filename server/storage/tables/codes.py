"""The national classification codes of emergency materials (GB/T 38565, migration 0029): the
code table a depot imports (server.services.material_codes); items point at it by
`items.national_code`."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from server.storage.tables.ledger import metadata

material_codes = Table(
    "material_codes",
    metadata,
    Column("code", String(7), primary_key=True),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("level", Integer, nullable=False),  # 1 major, 2 middle, 3 minor, 4 detail class
)
