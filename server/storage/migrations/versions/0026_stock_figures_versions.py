"""a number per depot that moves with the overview's figures

`stock_figures_versions` (warehouse, version): moved by the ledger's writer whenever a
depot's stock summary or bands change, in the same transaction (server.storage.
figures_version). The overview keeps its figures under it between changes
(server/dash/region_cache.py), so that a move of a whole stack between two places, which
leaves them as they were, does not make every viewer's overview be worked out again.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stock_figures_versions",
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse"],
            ["warehouses.code"],
            name=op.f("fk_stock_figures_versions_warehouse_warehouses"),
        ),
        sa.PrimaryKeyConstraint("warehouse", name=op.f("pk_stock_figures_versions")),
    )


def downgrade() -> None:
    op.drop_table("stock_figures_versions")
