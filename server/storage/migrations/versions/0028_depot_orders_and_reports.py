"""emergency dispatches made at a depot on a phone order while it was cut off, and the
report of every emergency dispatch (art. 14)

`depot_phone_orders`: the call as the depot recorded it (caller, unit, telephone, notice),
who recorded it and when, the gateway that sent it and the fingerprint of what it sent (the
same order sent again is a duplicate; another under the same number is refused).
`emergency_reports`: when the report of an emergency dispatch was drafted; the emergency
orders there are get theirs as drafted when they were made.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "depot_phone_orders",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("gateway", sa.String(64), nullable=False),
        sa.Column("caller_name", sa.String(200), nullable=False),
        sa.Column("caller_unit", sa.String(200), nullable=False),
        sa.Column("caller_phone", sa.String(40), nullable=False),
        sa.Column("notice", sa.String(64)),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["dispatch_orders.id"],
            name=op.f("fk_depot_phone_orders_order_id_dispatch_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"],
            ["warehouses.code"],
            name=op.f("fk_depot_phone_orders_warehouse_warehouses"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_depot_phone_orders")),
    )

    op.create_table(
        "emergency_reports",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["dispatch_orders.id"],
            name=op.f("fk_emergency_reports_order_id_dispatch_orders"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_emergency_reports")),
    )
    op.execute(
        "INSERT INTO emergency_reports (order_id, drafted_at) "
        "SELECT id, created_at FROM dispatch_orders WHERE kind = 'emergency'"
    )


def downgrade() -> None:
    op.drop_table("emergency_reports")
    op.drop_table("depot_phone_orders")
