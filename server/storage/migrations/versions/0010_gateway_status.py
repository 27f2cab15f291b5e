"""gateway status: what each depot's gateway last reported, and when it last synced

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gateway_status",
        sa.Column("warehouse", sa.String(32), sa.ForeignKey("warehouses.code"), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True)),
        sa.Column("last_sync_at", sa.DateTime(timezone=True)),
        sa.Column("payload", sa.Text()),
    )


def downgrade() -> None:
    op.drop_table("gateway_status")
