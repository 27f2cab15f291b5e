"""monthly reports kept: a finished month's report never changes (the ledger only grows, and
every posting is dated when it is made), so it is made once and kept

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 04:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monthly_reports",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("scope", sa.String(32), primary_key=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("monthly_reports")
