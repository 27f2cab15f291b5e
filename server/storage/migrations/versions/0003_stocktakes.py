"""stocktakes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 23:15:33.808399
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stocktake_lines",
        sa.Column("stocktake_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("expected", sa.BigInteger(), nullable=False),
        sa.Column("counted", sa.BigInteger(), nullable=True),
        sa.Column("card", sa.BigInteger(), nullable=True),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("variance", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint(
            "stocktake_id", "location_id", "batch_id", name=op.f("pk_stocktake_lines")
        ),
    )
    op.create_table(
        "stocktakes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tolerance", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approval_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approval_id"], ["approvals.id"], name=op.f("fk_stocktakes_approval_id_approvals")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_stocktakes_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktakes")),
    )
    op.create_table(
        "stocktake_counts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stocktake_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("counted", sa.BigInteger(), nullable=False),
        sa.Column("card", sa.BigInteger(), nullable=True),
        sa.Column("counted_by", sa.String(length=64), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_stocktake_counts_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_stocktake_counts_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["stocktake_id"],
            ["stocktakes.id"],
            name=op.f("fk_stocktake_counts_stocktake_id_stocktakes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktake_counts")),
    )
    with op.batch_alter_table("stocktake_counts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stocktake_counts_line", ["stocktake_id", "location_id", "batch_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stocktake_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_stocktake_counts_line")

    op.drop_table("stocktake_counts")
    op.drop_table("stocktakes")
    op.drop_table("stocktake_lines")
