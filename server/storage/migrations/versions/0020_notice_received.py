"""notice received: what the doors received against each line of an inbound notice

Kept as the receiving events are written (server.services.inbound.count_received, in the
ingest's transaction), so that a notice's page reads its lines and nothing else. Counted here
once for the notices there are, from the accepted receiving events that name them, by the
door's own rule (server.domain.receiving).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 19:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from server.domain.receiving import Line, Receipt, count

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

events = sa.table(
    "events",
    sa.column("event_id", sa.String),
    sa.column("type", sa.String),
    sa.column("warehouse", sa.String),
    sa.column("status", sa.String),
    sa.column("received_at", sa.DateTime),
    sa.column("payload", sa.Text),
)
notices = sa.table(
    "inbound_notices", sa.column("id", sa.Integer), sa.column("number", sa.String),
    sa.column("warehouse", sa.String),
)  # fmt: skip
lines = sa.table(
    "inbound_lines", sa.column("id", sa.Integer), sa.column("notice_id", sa.Integer),
    sa.column("item_code", sa.String), sa.column("batch_no", sa.String),
    sa.column("qty", sa.BigInteger), sa.column("received", sa.BigInteger),
)  # fmt: skip
gtins = sa.table("item_gtins", sa.column("gtin", sa.String), sa.column("item_code", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("inbound_lines") as batch:
        batch.add_column(sa.Column("received", sa.BigInteger(), nullable=False, server_default="0"))
    conn = op.get_bind()
    known = {(n.warehouse, n.number): n.id for n in conn.execute(sa.select(notices)).all()}
    if not known:
        return
    items = dict(conn.execute(sa.select(gtins.c.gtin, gtins.c.item_code)).all())
    received: dict[int, list[Receipt]] = {}
    payloads = conn.execute(
        sa.select(events.c.warehouse, events.c.payload)
        .where(
            (events.c.type == "receiving")
            & (events.c.status == "accepted")
            & events.c.payload.like('%"notice":"%')
        )
        .order_by(events.c.received_at, events.c.event_id)
    )
    for warehouse, payload in payloads:
        event = json.loads(payload)
        notice_id = known.get((warehouse, event.get("notice")))
        item = items.get(str(event.get("gtin")))
        if notice_id is not None and item is not None:
            unit = Receipt(item, str(event.get("batch")), int(event.get("qty", 0)))
            received.setdefault(notice_id, []).append(unit)
    for notice_id, units in received.items():
        rows = conn.execute(
            sa.select(lines).where(lines.c.notice_id == notice_id).order_by(lines.c.id)
        ).all()
        got = count([Line(r.item_code, r.batch_no, r.qty) for r in rows], units)
        for row, total in zip(rows, got, strict=True):
            if total:
                conn.execute(sa.update(lines).where(lines.c.id == row.id).values(received=total))


def downgrade() -> None:
    with op.batch_alter_table("inbound_lines") as batch:
        batch.drop_column("received")
