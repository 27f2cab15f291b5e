"""the stock lines waiting for acceptance, indexed by batch

A partial index on `stock` (batch_id) of the lines in `pending_acceptance` with a quantity:
the acceptance list (server.storage.acceptance_views) walks the batches oldest first and
looks each one up here, a small index, instead of every stock line of the batch.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

WAITING_SQL = "status = 'pending_acceptance' AND qty > 0"  # as in server.storage.tables


def upgrade() -> None:
    op.create_index(
        "ix_stock_waiting",
        "stock",
        ["batch_id"],
        sqlite_where=sa.text(WAITING_SQL),
        postgresql_where=sa.text(WAITING_SQL),
    )


def downgrade() -> None:
    op.drop_index("ix_stock_waiting", table_name="stock")
