"""Agency storage points' contracts (代储协议, art. 9): a depot of kind `agency` holds reserve
stock for the bureau under a contract with a number, a period, the items and quantities it
must hold and its fees. Imported as master data (server/services/agency_contracts.py;
migration 0030). On the ledger's metadata (server.storage.tables.ledger)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Integer, String, Table

from server.storage.tables.ledger import metadata

agency_contracts = Table(
    "agency_contracts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(64), nullable=False, unique=True),  # 代储协议编号
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),  # the last day it runs
    Column("yearly_fee_cents", BigInteger, nullable=False),  # the storage fee a year
    Column("unit_fee_cents", BigInteger, nullable=False),  # a year per unit held, if any
)

agency_contract_lines = Table(
    "agency_contract_lines",
    metadata,
    Column("contract_id", Integer, ForeignKey("agency_contracts.id"), primary_key=True),
    Column("item_code", String(32), ForeignKey("items.code"), primary_key=True),
    Column("qty", BigInteger, nullable=False),  # what the point must hold of the item
)
