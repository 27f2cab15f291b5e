"""the feed to the provincial platform

`feed_outbox`: what is to be sent to each configured endpoint (a depot's events in its
ledger's order, the monthly reports, the reports of emergency dispatches), in order, each
row until the endpoint took it; `feed_positions`: how far each depot's events have been put
in each endpoint's outbox; `feed_leases`: which server process feeds an endpoint, until when.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("warehouse", sa.String(32)),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("refusals", sa.Integer(), server_default="0", nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True)),
        sa.Column("job", sa.Text()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_outbox")),
        sa.UniqueConstraint("endpoint", "kind", "ref", name="uq_feed_outbox_endpoint_kind_ref"),
    )
    op.create_index("ix_feed_outbox_waiting", "feed_outbox", ["endpoint", "delivered_at", "id"])
    op.create_table(
        "feed_positions",
        sa.Column("endpoint", sa.String(64), nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_feed_positions_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("endpoint", "warehouse", name=op.f("pk_feed_positions")),
    )
    op.create_table(
        "feed_leases",
        sa.Column("endpoint", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("endpoint", name=op.f("pk_feed_leases")),
    )


def downgrade() -> None:
    op.drop_table("feed_leases")
    op.drop_table("feed_positions")
    op.drop_index("ix_feed_outbox_waiting", table_name="feed_outbox")
    op.drop_table("feed_outbox")
