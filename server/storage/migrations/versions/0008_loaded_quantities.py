"""loaded quantities

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 23:32:21.475087
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pick_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("loaded", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("pick_lines", schema=None) as batch_op:
        batch_op.drop_column("loaded")
