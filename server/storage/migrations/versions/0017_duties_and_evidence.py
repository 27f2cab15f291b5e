"""duties and evidence: decisions that complete others, re-inspections that expire, lines
marked not counted, notifications

- `approvals.parent_id`: the decision an approval completes (the proposal it approves, the
  acceptance whose report it files, the rejection whose goods it sends back);
- `batches.reinspection_valid_until`: how long a passed re-inspection counts; a batch
  re-inspected before gets the default period (365 days from its re-inspection);
- `stocktake_skips`: lines marked not counted, with the reason, before a stocktake closes;
- `notifications`: what a person is told about a record of theirs.

Goods rejected at acceptance before this revision stay `on_hold` (the ledger is append-only:
no migration moves stock); they are sent back to the supplier like any rejected goods.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

DEFAULT_VALID_DAYS = 365


def _add_parent() -> None:
    """approvals.parent_id, referring to approvals. SQLite adds it with its reference in
    place (a rebuilt table could not be dropped while postings point at its rows)."""
    name = "fk_approvals_parent_id_approvals"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            sa.text(
                f"ALTER TABLE approvals ADD COLUMN parent_id INTEGER CONSTRAINT {name} "
                "REFERENCES approvals (id)"
            )
        )
    else:
        op.add_column("approvals", sa.Column("parent_id", sa.Integer(), nullable=True))
        op.create_foreign_key(name, "approvals", "approvals", ["parent_id"], ["id"])
    op.create_index("ix_approvals_parent", "approvals", ["parent_id"])


def _valid_until() -> None:
    op.add_column("batches", sa.Column("reinspection_valid_until", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        until = f"date(reinspected_on, '+{DEFAULT_VALID_DAYS} days')"
    else:
        until = f"reinspected_on + {DEFAULT_VALID_DAYS}"
    op.execute(
        f"UPDATE batches SET reinspection_valid_until = {until} "  # noqa: S608 - fixed SQL
        "WHERE reinspected_on IS NOT NULL"
    )


def upgrade() -> None:
    _add_parent()
    _valid_until()
    op.create_table(
        "stocktake_skips",
        sa.Column("stocktake_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("marked_by", sa.String(64), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stocktake_id"], ["stocktakes.id"], name="fk_stocktake_skips_stocktake_id_stocktakes"
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name="fk_stocktake_skips_location_id_locations"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name="fk_stocktake_skips_batch_id_batches"
        ),
        sa.PrimaryKeyConstraint(
            "stocktake_id", "location_id", "batch_id", name="pk_stocktake_skips"
        ),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient"], ["users.username"], name="fk_notifications_recipient_users"
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name="fk_notifications_warehouse_warehouses"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["dispatch_orders.id"], name="fk_notifications_order_id_dispatch_orders"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_recipient", "notifications", ["recipient", "id"])
    op.create_index("ix_notifications_order", "notifications", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_order", table_name="notifications")
    op.drop_index("ix_notifications_recipient", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("stocktake_skips")
    op.drop_index("ix_approvals_parent", table_name="approvals")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("reinspection_valid_until")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("approvals") as batch:
            batch.drop_column("parent_id")
        return
    op.drop_constraint("fk_approvals_parent_id_approvals", "approvals", type_="foreignkey")
    op.drop_column("approvals", "parent_id")
