"""handover confirmation: a handover note's lines as handed over, and the receiver's count

A note keeps what it handed over line by line (`handover_lines`: the pick line and the
quantity loaded when it was issued), so that the paper and the receiver's confirmation read
the same figures after more is loaded; the note keeps who received it, when, and its state
(issued, confirmed, discrepancy). The notes there are get the lines their paper showed: every
pick line of their order and depot with something loaded. Indexes for a depot's list of notes
and an order's.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

FILL = """
INSERT INTO handover_lines (handover_id, pick_line_id, qty)
SELECT h.id, p.id, p.loaded
FROM handovers h JOIN pick_lines p ON p.order_id = h.order_id AND p.warehouse = h.warehouse
WHERE p.loaded > 0
ORDER BY h.id, p.seq
"""


def upgrade() -> None:
    with op.batch_alter_table("handovers") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="issued"))
        batch.add_column(sa.Column("received_by", sa.String(100)))
        batch.add_column(sa.Column("received_phone", sa.String(40)))
        batch.add_column(sa.Column("received_on", sa.Date()))
        batch.add_column(sa.Column("confirmed_by", sa.String(64)))
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True)))
    op.create_index("ix_handovers_warehouse", "handovers", ["warehouse", "id"])
    op.create_index("ix_handovers_order", "handovers", ["order_id", "id"])
    op.create_table(
        "handover_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("pick_line_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger()),
        sa.Column("discrepancy", sa.String(500)),
        sa.ForeignKeyConstraint(
            ["handover_id"], ["handovers.id"], name=op.f("fk_handover_lines_handover_id_handovers")
        ),
        sa.ForeignKeyConstraint(
            ["pick_line_id"],
            ["pick_lines.id"],
            name=op.f("fk_handover_lines_pick_line_id_pick_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_lines")),
    )
    op.create_index("ix_handover_lines_handover", "handover_lines", ["handover_id", "id"])
    op.get_bind().execute(sa.text(FILL))


def downgrade() -> None:
    op.drop_index("ix_handover_lines_handover", table_name="handover_lines")
    op.drop_table("handover_lines")
    op.drop_index("ix_handovers_order", table_name="handovers")
    op.drop_index("ix_handovers_warehouse", table_name="handovers")
    with op.batch_alter_table("handovers") as batch:
        for name in (
            "confirmed_at",
            "confirmed_by",
            "received_on",
            "received_phone",
            "received_by",
            "state",
        ):
            batch.drop_column(name)
