"""the SSCC serials a depot's gateway has used

`sscc_serials`: per depot, GS1 company prefix and extension digit, the highest serial its
gateway reported using (each sync names it), given back in the sync so that a gateway rebuilt
from nothing does not number a unit with an SSCC already printed.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-02 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sscc_serials",
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("extension", sa.Integer(), nullable=False),
        sa.Column("high", sa.BigInteger(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_sscc_serials_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("warehouse", "prefix", "extension", name=op.f("pk_sscc_serials")),
    )


def downgrade() -> None:
    op.drop_table("sscc_serials")
