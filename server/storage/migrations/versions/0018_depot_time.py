"""depot time: monthly reports counted in the depots' time zone, kept per zone; handover
note numbers as long as an order's number makes them

Reports were counted in UTC months (November ran to 1 December 08:00 Beijing time); they are
now counted in the depots' zone (server.domain.depot_time, China Standard Time unless set
otherwise) and kept with the zone they were counted in. The reports kept so far are kept as
what they are, zone "UTC": none of them is ever served for another zone, and the report
keeper makes last month's in the depots' zone within the hour (any other month is made when
it is first asked for, from the ledger, which is unchanged). A handover note's number is
JJ-<order's number>-<depot>-<n>: up to 111 characters for an order number of 64.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BEFORE = "UTC"  # the zone of every report kept before this revision


def _reports_table(with_zone: bool) -> None:
    zone = [sa.Column("zone", sa.String(64), nullable=False)] if with_zone else []
    key = ["month", "scope", "zone"] if with_zone else ["month", "scope"]
    op.create_table(
        "monthly_reports",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        *zone,
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_monthly_reports")),
    )


def _rebuild_reports(with_zone: bool) -> None:
    """The table again with or without the zone in its key, keeping its rows (a few per
    month and depot: read whole) that fit the new key."""
    old = sa.table(
        "monthly_reports",
        sa.column("month", sa.String),
        sa.column("scope", sa.String),
        sa.column("made_at", sa.DateTime(timezone=True)),
        sa.column("rows", sa.Text),
        *([] if with_zone else [sa.column("zone", sa.String)]),
    )
    query = sa.select(old.c.month, old.c.scope, old.c.made_at, old.c.rows)
    if not with_zone:
        query = query.where(old.c.zone == BEFORE)
    kept = [dict(r) for r in op.get_bind().execute(query).mappings()]
    op.drop_table("monthly_reports")
    _reports_table(with_zone)
    new = sa.table(
        "monthly_reports",
        sa.column("month", sa.String),
        sa.column("scope", sa.String),
        sa.column("made_at", sa.DateTime(timezone=True)),
        sa.column("rows", sa.Text),
        *([sa.column("zone", sa.String)] if with_zone else []),
    )
    if kept:
        op.bulk_insert(new, [{**r, "zone": BEFORE} if with_zone else r for r in kept])


def _number_length(length: int, was: int) -> None:
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.alter_column(
            "number", existing_type=sa.String(was), type_=sa.String(length), existing_nullable=False
        )


def upgrade() -> None:
    _rebuild_reports(with_zone=True)
    _number_length(128, 64)


def downgrade() -> None:
    _number_length(64, 128)
    _rebuild_reports(with_zone=False)
