"""quality reports: the testing agency's report kept with its acceptance decision

`quality_reports` holds the file the inspection group uploaded with a decision (art. 8: the
report is the basis for accepting goods), a PDF or an image, one per decision, with its size
and SHA-256. The index on `stock` (status, warehouse) finds what waits for acceptance at a
depot (the acceptance screen) without reading the depot's stock.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "approval_id", sa.Integer(), sa.ForeignKey("approvals.id"), nullable=False, unique=True
        ),
        sa.Column("warehouse", sa.String(32), sa.ForeignKey("warehouses.code"), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_stock_status_warehouse", "stock", ["status", "warehouse"])


def downgrade() -> None:
    op.drop_index("ix_stock_status_warehouse", table_name="stock")
    op.drop_table("quality_reports")
