"""suppliers, places, road distances, arrival

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 23:29:07.566170
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_places")),
    )
    op.create_table(
        "suppliers",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_suppliers")),
    )
    op.create_table(
        "road_distances",
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("place", sa.String(length=32), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["place"], ["places.code"], name=op.f("fk_road_distances_place_places")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_road_distances_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("warehouse", "place", name=op.f("pk_road_distances")),
    )
    with op.batch_alter_table("dispatch_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_arrival_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("dispatch_orders", schema=None) as batch_op:
        batch_op.drop_column("first_arrival_at")

    op.drop_table("road_distances")
    op.drop_table("suppliers")
    op.drop_table("places")
