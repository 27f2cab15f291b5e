"""the tagged units an inbound notice lists

`inbound_units`: per unit the supplier says it is sending (its dispatch advice), its tag as
the supplier encoded it (an SSCC or serialised SGTIN URI), its GS1 key (a unit is listed once
among a depot's open notices: checked by the server under the depot's lock), item, batch,
dates, quantity and the notice line it is on, and the receiving event that received it at a
door (`received_event`, `received_at`): a second receipt of the unit is refused.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_units",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("epc", sa.String(128), nullable=False),
        sa.Column("sscc", sa.String(18)),
        sa.Column("gtin", sa.String(14)),
        sa.Column("serial", sa.String(64)),
        sa.Column("item_code", sa.String(32), nullable=False),
        sa.Column("batch_no", sa.String(32), nullable=False),
        sa.Column("prod_date", sa.Date()),
        sa.Column("expiry", sa.Date()),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("received_event", sa.String(36)),
        sa.Column("received_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["inbound_notices.id"],
            name=op.f("fk_inbound_units_notice_id_inbound_notices"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["inbound_lines.id"], name=op.f("fk_inbound_units_line_id_inbound_lines")
        ),
        sa.ForeignKeyConstraint(
            ["item_code"], ["items.code"], name=op.f("fk_inbound_units_item_code_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_units")),
    )
    op.create_index("ix_inbound_units_notice", "inbound_units", ["notice_id"])
    op.create_index("ix_inbound_units_line", "inbound_units", ["line_id"])
    op.create_index("ix_inbound_units_sscc", "inbound_units", ["sscc"])
    op.create_index("ix_inbound_units_gtin", "inbound_units", ["gtin", "serial"])


def downgrade() -> None:
    for index in ("gtin", "sscc", "line", "notice"):
        op.drop_index(f"ix_inbound_units_{index}", table_name="inbound_units")
    op.drop_table("inbound_units")
