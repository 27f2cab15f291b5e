"""reserve levels (art. 17) and agency storage points' contracts (art. 9)

- `batches.owner_level`: the level of government that owns the batch (central, province,
  city, county); for the batches there are, the level of the depot that holds them (the first
  by code, if several; an agency point holds the city's, art. 9), else the city's
  (server.domain.levels.BUREAU_LEVEL).
- `inbound_notices.owner_level`: the level that owns what comes against the notice; for the
  notices there are, the level their depot holds for.
- `dispatch_orders.requesting_level`: the level that asks, whose own reserve goes first; for
  the orders there are, the level their depot holds for for a depot's own order, else the
  city's.
- `agency_contracts`, `agency_contract_lines`: an agency storage point's contract (number,
  period, fees) and the quantities of each item it must hold.

The three columns are NOT NULL. SQLite cannot rebuild a table other tables' rows point at,
nor add a NOT NULL column without a default: there each comes with the default '' (never a
level; every writer names one), filled at once; PostgreSQL adds it empty, fills it and then
refuses NULL, with no default.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

BUREAU_LEVEL = "city"  # server.domain.levels.BUREAU_LEVEL when this was written

# the level a depot holds for (server.domain.levels.held_for): an agency point the bureau's,
# `CASE WHEN w.kind = 'agency' THEN :bureau ELSE w.level END`
FILL = {
    "batches": (
        "owner_level",
        "COALESCE((SELECT CASE WHEN w.kind = 'agency' THEN :bureau ELSE w.level END "
        "FROM stock s JOIN warehouses w ON w.code = s.warehouse "
        "WHERE s.batch_id = batches.id ORDER BY s.warehouse LIMIT 1), :bureau)",
    ),
    "inbound_notices": (
        "owner_level",
        "COALESCE((SELECT CASE WHEN w.kind = 'agency' THEN :bureau ELSE w.level END "
        "FROM warehouses w WHERE w.code = inbound_notices.warehouse), :bureau)",
    ),
    "dispatch_orders": (
        "requesting_level",
        "COALESCE((SELECT CASE WHEN w.kind = 'agency' THEN :bureau ELSE w.level END "
        "FROM warehouses w WHERE w.code = dispatch_orders.warehouse), :bureau)",
    ),
}


def _add_level(table: str, column: str, value: str) -> None:
    """A NOT NULL level column, filled for the rows there are by `value` (SQL)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(
            sa.text(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(16) NOT NULL DEFAULT ''")
        )
    else:
        op.add_column(table, sa.Column(column, sa.String(16), nullable=True))
    op.execute(
        sa.text(f"UPDATE {table} SET {column} = {value}").bindparams(bureau=BUREAU_LEVEL)  # noqa: S608 - fixed SQL
    )
    if not sqlite:
        op.alter_column(table, column, existing_type=sa.String(16), nullable=False)


def upgrade() -> None:
    for table, (column, value) in FILL.items():
        _add_level(table, column, value)
    op.create_table(
        "agency_contracts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("yearly_fee_cents", sa.BigInteger(), nullable=False),
        sa.Column("unit_fee_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse"],
            ["warehouses.code"],
            name=op.f("fk_agency_contracts_warehouse_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_contracts")),
        sa.UniqueConstraint("number", name=op.f("uq_agency_contracts_number")),
    )
    op.create_table(
        "agency_contract_lines",
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(32), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["agency_contracts.id"],
            name=op.f("fk_agency_contract_lines_contract_id_agency_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["item_code"], ["items.code"], name=op.f("fk_agency_contract_lines_item_code_items")
        ),
        sa.PrimaryKeyConstraint("contract_id", "item_code", name=op.f("pk_agency_contract_lines")),
    )


def downgrade() -> None:
    op.drop_table("agency_contract_lines")
    op.drop_table("agency_contracts")
    for table, (column, _) in FILL.items():
        if op.get_bind().dialect.name == "sqlite":
            op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        else:
            op.drop_column(table, column)
