"""stock by status: what waits for acceptance at a depot

The index on `stock` (status, warehouse) finds what waits for acceptance at a depot (the
acceptance screen) without reading the depot's stock. (The quality report's file kept with an
acceptance decision is kept in `decision_files`, migration 0023, as every decision's is.)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 21:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stock_status_warehouse", "stock", ["status", "warehouse"])


def downgrade() -> None:
    op.drop_index("ix_stock_status_warehouse", table_name="stock")
