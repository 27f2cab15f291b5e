"""each depot's EPCIS events in its ledger's order

`epcis_events`: one row per EPCIS 2.0 event (server.domain.epcis) of what a depot's ledger
records (an accepted floor event, a decision's postings, a handover note), appended in the
same transaction under the depot's lock; `seq` counts a depot's events from 1, so that the
query interface pages on it and the feed to the provincial platform follows it. The events
of what the ledger recorded before are made here, in the order it recorded them
(server.storage.epcis_history).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "epcis_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("warehouse", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("biz_step", sa.String(32), nullable=False),
        sa.Column("disposition", sa.String(32), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_point", sa.Text(), nullable=False),
        sa.Column("epc_classes", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse"], ["warehouses.code"], name=op.f("fk_epcis_events_warehouse_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_events")),
        sa.UniqueConstraint("warehouse", "seq", name="uq_epcis_events_warehouse_seq"),
        sa.UniqueConstraint("event_id", name="uq_epcis_events_event_id"),
    )
    op.create_index("ix_epcis_events_record_time", "epcis_events", ["record_time"])
    # what the ledger recorded before, each depot's in the order it was recorded
    from server.storage.epcis_history import record_history

    record_history(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_epcis_events_record_time", table_name="epcis_events")
    op.drop_table("epcis_events")
