"""stock within limit: no stock line holds more than MAX_STOCK (10^12), so no sum of stock
or postings can leave 64 bits (server.domain.bounds)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# server.domain.bounds.MAX_STOCK, written out: a migration keeps the value it was made with.
LIMIT = 10**12


def upgrade() -> None:
    with op.batch_alter_table("stock", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_stock_qty_within_limit"), f"qty <= {LIMIT}")


def downgrade() -> None:
    with op.batch_alter_table("stock", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_stock_qty_within_limit"), type_="check")
