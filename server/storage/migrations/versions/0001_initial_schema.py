"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 22:02:21.790048
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Longer than 80 lines for a reason: a migration is history, the schema as it was
    created then, written once and never edited."""
    op.create_table(
        "events",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_warehouse_received", ["warehouse", "received_at"], unique=False
        )

    op.create_table(
        "items",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.String(length=200), nullable=False),
        sa.Column("unit_zh", sa.String(length=16), nullable=False),
        sa.Column("unit_en", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("reusable", sa.Boolean(), nullable=False),
        sa.Column("storage_years", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_items")),
    )
    op.create_table(
        "warehouses",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_warehouses")),
    )
    op.create_table(
        "api_clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_api_clients_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_clients_token_hash")),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("batch_no", sa.String(length=32), nullable=False),
        sa.Column("manufacturer", sa.String(length=200), nullable=True),
        sa.Column("prod_date", sa.Date(), nullable=True),
        sa.Column("inbound_date", sa.Date(), nullable=True),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_code"], ["items.code"], name=op.f("fk_batches_item_code_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint("item_code", "batch_no", name="uq_batches_item_batch"),
    )
    op.create_table(
        "item_gtins",
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_code"], ["items.code"], name=op.f("fk_item_gtins_item_code_items")
        ),
        sa.PrimaryKeyConstraint("gtin", name=op.f("pk_item_gtins")),
    )
    op.create_table(
        "ledger_heads",
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("last_posting_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_ledger_heads_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("warehouse", name=op.f("pk_ledger_heads")),
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=False),
        sa.Column("walk_order", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_locations_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("warehouse", "code", name="uq_locations_warehouse_code"),
    )
    op.create_table(
        "users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=True),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_users_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_users")),
    )
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_postings_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.event_id"], name=op.f("fk_postings_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_postings_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_postings_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postings")),
    )
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.create_index("ix_postings_batch", ["batch_id"], unique=False)
        batch_op.create_index("ix_postings_event", ["event_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name=op.f("fk_sessions_username_users")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sessions")),
    )
    op.create_table(
        "stock",
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("qty >= 0", name=op.f("ck_stock_qty_not_negative")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_stock_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_stock_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_stock_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint(
            "warehouse", "location_id", "batch_id", "status", name=op.f("pk_stock")
        ),
    )


def downgrade() -> None:
    op.drop_table("stock")
    op.drop_table("sessions")
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_index("ix_postings_event")
        batch_op.drop_index("ix_postings_batch")

    op.drop_table("postings")
    op.drop_table("users")
    op.drop_table("locations")
    op.drop_table("ledger_heads")
    op.drop_table("item_gtins")
    op.drop_table("batches")
    op.drop_table("api_clients")
    op.drop_table("warehouses")
    op.drop_table("items")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_warehouse_received")

    op.drop_table("events")
