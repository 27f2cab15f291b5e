"""stocktake progress: each round's figures by zone, kept as counts are written

`stocktake_progress` holds per round and zone the lines to count, the lines counted, and after
a close the variances, the recounts asked and the variances without a reason; the open, the
count writers (the API's and the floor's, in the ingest's transaction), the close and each
reason keep it (server.storage.stocktake_progress). `stocktake_counted` holds each line counted
at least once, so that a line is counted once however many counts it has. Filled here from the
rounds there are: a round with computed lines from its lines, one still counting from the stock
in its scope and its counts.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

FILL_COUNTED = """
INSERT INTO stocktake_counted (stocktake_id, location_id, batch_id)
SELECT DISTINCT stocktake_id, location_id, batch_id FROM stocktake_counts
"""
# rounds whose lines were computed (a close, or a close that asked for recounts)
FILL_FROM_LINES = """
INSERT INTO stocktake_progress
    (stocktake_id, zone, lines, counted, variances, recounts, open_reasons)
SELECT sl.stocktake_id, l.zone, COUNT(*),
       SUM(CASE WHEN sl.counted IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN sl.state = 'variance' THEN 1 ELSE 0 END),
       SUM(CASE WHEN sl.state = 'recount' THEN 1 ELSE 0 END),
       SUM(CASE WHEN sl.state = 'variance' AND sl.reason IS NULL THEN 1 ELSE 0 END)
FROM stocktake_lines sl JOIN locations l ON l.id = sl.location_id
GROUP BY sl.stocktake_id, l.zone
"""
# rounds still counting without computed lines: the stacks in scope now, and their counts
FILL_TO_COUNT = """
INSERT INTO stocktake_progress
    (stocktake_id, zone, lines, counted, variances, recounts, open_reasons)
SELECT t.id, l.zone, COUNT(DISTINCT l.id * 2147483648 + s.batch_id), 0, 0, 0, 0
FROM stocktakes t
JOIN locations l ON l.warehouse = t.warehouse AND (t.zone IS NULL OR l.zone = t.zone)
JOIN stock s ON s.location_id = l.id AND s.warehouse = t.warehouse AND s.qty > 0
WHERE NOT EXISTS (SELECT 1 FROM stocktake_progress p WHERE p.stocktake_id = t.id)
GROUP BY t.id, l.zone
"""
COUNTED_WHILE_COUNTING = """
SELECT c.stocktake_id, l.zone, COUNT(*)
FROM stocktake_counted c JOIN locations l ON l.id = c.location_id
WHERE NOT EXISTS (SELECT 1 FROM stocktake_lines sl WHERE sl.stocktake_id = c.stocktake_id)
GROUP BY c.stocktake_id, l.zone
"""

progress = sa.table(
    "stocktake_progress", sa.column("stocktake_id", sa.Integer), sa.column("zone", sa.String),
    sa.column("lines", sa.Integer), sa.column("counted", sa.Integer),
    sa.column("variances", sa.Integer), sa.column("recounts", sa.Integer),
    sa.column("open_reasons", sa.Integer),
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "stocktake_progress",
        sa.Column("stocktake_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(32), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("variances", sa.Integer(), nullable=False),
        sa.Column("recounts", sa.Integer(), nullable=False),
        sa.Column("open_reasons", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stocktake_id"],
            ["stocktakes.id"],
            name="fk_stocktake_progress_stocktake_id_stocktakes",
        ),
        sa.PrimaryKeyConstraint("stocktake_id", "zone", name="pk_stocktake_progress"),
    )
    op.create_table(
        "stocktake_counted",
        sa.Column("stocktake_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stocktake_id"],
            ["stocktakes.id"],
            name="fk_stocktake_counted_stocktake_id_stocktakes",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name="fk_stocktake_counted_location_id_locations"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name="fk_stocktake_counted_batch_id_batches"
        ),
        sa.PrimaryKeyConstraint(
            "stocktake_id", "location_id", "batch_id", name="pk_stocktake_counted"
        ),
    )
    conn = op.get_bind()
    conn.execute(sa.text(FILL_COUNTED))
    conn.execute(sa.text(FILL_FROM_LINES))
    conn.execute(sa.text(FILL_TO_COUNT))
    for take, zone, n in conn.execute(sa.text(COUNTED_WHILE_COUNTING)).all():
        where = (progress.c.stocktake_id == take) & (progress.c.zone == zone)
        if conn.execute(sa.update(progress).where(where).values(counted=n)).rowcount == 0:
            conn.execute(
                sa.insert(progress).values(
                    stocktake_id=take, zone=zone, lines=0, counted=n, variances=0, recounts=0,
                    open_reasons=0,
                )
            )  # fmt: skip


def downgrade() -> None:
    op.drop_table("stocktake_counted")
    op.drop_table("stocktake_progress")
