"""pages read by index: the ledger's stock lines, a batch by number, the dock doors

The ledger screen and the stock API list a depot's stock lines oldest inbound first, fifty a
page. The index on `batches` (inbound_date, id) lets the page be read batch-first in that
order instead of sorting every line the depot holds (server.storage.queries.stock_rows); the
index on `batches` (batch_no) finds a batch the person types without reading them all. The
index on `locations` (kind, warehouse, walk_order) finds a depot's few dock doors among its
hundred thousand storage places (the doors page, server.storage.queries.depots_and_doors).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_batches_inbound_date", "batches", ["inbound_date", "id"])
    op.create_index("ix_batches_batch_no", "batches", ["batch_no"])
    op.create_index("ix_locations_kind", "locations", ["kind", "warehouse", "walk_order"])


def downgrade() -> None:
    op.drop_index("ix_locations_kind", table_name="locations")
    op.drop_index("ix_batches_batch_no", table_name="batches")
    op.drop_index("ix_batches_inbound_date", table_name="batches")
