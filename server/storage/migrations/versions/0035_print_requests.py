"""labels and bin cards asked for on the dashboard, printed at the depot

`print_requests`: per request, the depot, what is asked (`labels`: GS1 logistic labels of one
GTIN and batch; `cards`: the bin cards of one storage location's stacks), the printer, the
kind's own fields (`body`, JSON), who asked and as what role, when; and what the depot's
gateway reported of it: its state (asked until the gateway reports it), the jobs and how many
printed, the first and last SSCC, the reason in Chinese and English, when it last changed.
The depot's gateway takes the requests still asked with each sync, oldest first, along the
index (warehouse, state, id).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "print_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("printer", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("asked_by", sa.String(64), nullable=False),
        sa.Column("asked_role", sa.String(16), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), server_default="asked", nullable=False),
        sa.Column("jobs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("printed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_sscc", sa.String(18)),
        sa.Column("last_sscc", sa.String(18)),
        sa.Column("reason_zh", sa.String(200), server_default="", nullable=False),
        sa.Column("reason_en", sa.String(200), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_print_requests_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_requests")),
    )
    op.create_index(
        "ix_print_requests_warehouse_state", "print_requests", ["warehouse", "state", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_print_requests_warehouse_state", table_name="print_requests")
    op.drop_table("print_requests")
