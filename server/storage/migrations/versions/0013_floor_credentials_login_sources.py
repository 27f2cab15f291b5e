"""floor credentials and login sources: a floor PIN hash per person and floor grants (the
gateway gets these, never the password hashes); failed logins by address, and the
addresses each person signed on from

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("floor_hash", sa.String(length=256), nullable=True))
    op.create_table(
        "floor_grants",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("granted_by", sa.String(64), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name=op.f("fk_floor_grants_username_users")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_floor_grants_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("username", "warehouse", name=op.f("pk_floor_grants")),
    )
    op.create_table(
        "known_sources",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("last_login", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name=op.f("fk_known_sources_username_users")
        ),
        sa.PrimaryKeyConstraint("username", "source", name=op.f("pk_known_sources")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_index("ix_login_failures_source_at", ["source", "at"], unique=False)
        batch_op.create_index("ix_login_failures_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_at")
        batch_op.drop_index("ix_login_failures_source_at")
        batch_op.drop_column("source")
    op.drop_table("known_sources")
    op.drop_table("floor_grants")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("floor_hash")
