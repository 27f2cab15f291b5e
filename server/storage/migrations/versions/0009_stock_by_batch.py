"""stock by batch: an index for finding a batch's stock lines (dashboard, batch views)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 04:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stock_batch", "stock", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_stock_batch", table_name="stock")
