"""dispatch orders

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:24:39.329961
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Longer than 80 lines for a reason: a migration is history, the schema as it was
    created then, written once and never edited."""
    op.create_table(
        "dispatch_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("dest_lat", sa.Float(), nullable=False),
        sa.Column("dest_lon", sa.Float(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("written_order_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("written_order", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approval_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approval_id"], ["approvals.id"], name=op.f("fk_dispatch_orders_approval_id_approvals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_dispatch_orders_number")),
    )
    op.create_table(
        "dispatch_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("shortfall", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_code"], ["items.code"], name=op.f("fk_dispatch_lines_item_code_items")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["dispatch_orders.id"],
            name=op.f("fk_dispatch_lines_order_id_dispatch_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_lines")),
    )
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("carrier", sa.String(length=200), nullable=False),
        sa.Column("driver", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("receiver", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["dispatch_orders.id"], name=op.f("fk_handovers_order_id_dispatch_orders")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_handovers_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
        sa.UniqueConstraint("number", name=op.f("uq_handovers_number")),
    )
    op.create_table(
        "pick_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_pick_lines_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["dispatch_lines.id"], name=op.f("fk_pick_lines_line_id_dispatch_lines")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_pick_lines_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["dispatch_orders.id"],
            name=op.f("fk_pick_lines_order_id_dispatch_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_pick_lines_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pick_lines")),
    )
    with op.batch_alter_table("pick_lines", schema=None) as batch_op:
        batch_op.create_index("ix_pick_lines_warehouse", ["warehouse", "order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pick_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_pick_lines_warehouse")

    op.drop_table("pick_lines")
    op.drop_table("handovers")
    op.drop_table("dispatch_lines")
    op.drop_table("dispatch_orders")
