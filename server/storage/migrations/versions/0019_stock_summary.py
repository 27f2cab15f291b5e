"""stock summary and bands: the overview's figures kept as postings are written

`stock_summary` holds, per depot, item, status and making day (production date, else inbound
date, else 9999-12-31), the quantity in stock and the number of stock lines holding some; the
ledger's writer moves it with the stock in the same transaction (server.storage.stock_summary).
It is filled here from the stock lines. `stock_bands` holds the same stock sorted into the
overview's age and storage-years bands as of the day in `stock_bands_day`; it starts empty,
without a day, and the first reader makes it (server.storage.stock_bands). Indexes on
`batches`: `reinspection_valid_until` finds the batches whose passed re-inspection still
counts, (item, production date) and (item, inbound date) the batches of an item made on a day
(the overview's batches due soon), each without reading every batch.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

FILL = """
INSERT INTO stock_summary (warehouse, item_code, status, made, lines, qty)
SELECT s.warehouse, b.item_code, s.status,
       COALESCE(b.prod_date, b.inbound_date, DATE '9999-12-31'), COUNT(*), SUM(s.qty)
FROM stock s JOIN batches b ON b.id = s.batch_id
WHERE s.qty > 0
GROUP BY 1, 2, 3, 4
"""


def upgrade() -> None:
    op.create_table(
        "stock_summary",
        sa.Column("warehouse", sa.String(32), sa.ForeignKey("warehouses.code"), nullable=False),
        sa.Column("item_code", sa.String(32), sa.ForeignKey("items.code"), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("made", sa.Date(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "warehouse", "item_code", "status", "made", name=op.f("pk_stock_summary")
        ),
    )
    op.create_index(
        "ix_stock_summary_made", "stock_summary", ["made", "item_code", "status", "warehouse"]
    )
    op.create_index(
        "ix_stock_summary_warehouse_made",
        "stock_summary",
        ["warehouse", "made", "item_code", "status"],
    )
    op.create_table(
        "stock_bands",
        sa.Column("warehouse", sa.String(32), sa.ForeignKey("warehouses.code"), nullable=False),
        sa.Column("item_code", sa.String(32), sa.ForeignKey("items.code"), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("age", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.String(16), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "warehouse", "item_code", "status", "age", "remaining", name=op.f("pk_stock_bands")
        ),
    )
    op.create_table(
        "stock_bands_day",
        sa.Column("warehouse", sa.String(32), sa.ForeignKey("warehouses.code"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("warehouse", name=op.f("pk_stock_bands_day")),
    )
    bind = op.get_bind()
    fill = FILL if bind.dialect.name == "postgresql" else FILL.replace("DATE '", "'")
    bind.execute(sa.text(fill))
    op.create_index("ix_batches_reinspection_valid_until", "batches", ["reinspection_valid_until"])
    op.create_index("ix_batches_item_prod_date", "batches", ["item_code", "prod_date"])
    op.create_index("ix_batches_item_inbound_date", "batches", ["item_code", "inbound_date"])


def downgrade() -> None:
    op.drop_index("ix_batches_item_inbound_date", table_name="batches")
    op.drop_index("ix_batches_item_prod_date", table_name="batches")
    op.drop_index("ix_batches_reinspection_valid_until", table_name="batches")
    op.drop_table("stock_bands_day")
    op.drop_table("stock_bands")
    op.drop_table("stock_summary")
