"""inbound notices

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 23:31:12.297913
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("supplier", sa.String(length=32), nullable=True),
        sa.Column("expected_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier"], ["suppliers.code"], name=op.f("fk_inbound_notices_supplier_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_inbound_notices_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_notices")),
        sa.UniqueConstraint("number", name=op.f("uq_inbound_notices_number")),
    )
    op.create_table(
        "inbound_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("batch_no", sa.String(length=32), nullable=True),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("rejected", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_code"], ["items.code"], name=op.f("fk_inbound_lines_item_code_items")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["inbound_notices.id"],
            name=op.f("fk_inbound_lines_notice_id_inbound_notices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_lines")),
    )


def downgrade() -> None:
    op.drop_table("inbound_lines")
    op.drop_table("inbound_notices")
