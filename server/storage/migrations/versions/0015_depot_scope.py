"""depot scope: the depot each audit entry is about; the depot an order was planned from

Existing audit entries get their depot where the record they name says it (a stocktake, an
approval, an inbound notice, a handover note, an order taking from one depot only, a
person's or gateway's account); the others stay without one and show only to people bound
to no depot.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

audit = sa.table(
    "audit_log",
    sa.column("action", sa.String),
    sa.column("target", sa.String),
    sa.column("actor", sa.String),
    sa.column("warehouse", sa.String),
)
stocktakes = sa.table("stocktakes", sa.column("id", sa.Integer), sa.column("warehouse"))
approvals = sa.table(
    "approvals",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("reference", sa.String),
    sa.column("warehouse"),
)
notices = sa.table("inbound_notices", sa.column("number", sa.String), sa.column("warehouse"))
notes = sa.table("handovers", sa.column("number", sa.String), sa.column("warehouse"))
orders = sa.table("dispatch_orders", sa.column("id", sa.Integer), sa.column("number", sa.String))
picks = sa.table("pick_lines", sa.column("order_id", sa.Integer), sa.column("warehouse"))
people = sa.table("users", sa.column("username", sa.String), sa.column("warehouse"))
clients = sa.table("api_clients", sa.column("client_id", sa.String), sa.column("warehouse"))


def _labelled(prefix: str, key: sa.ColumnElement[int]) -> sa.ColumnElement[str]:
    """'stocktake 12' from a prefix and an id, as the entries name their targets."""
    return sa.literal(prefix, sa.String) + sa.cast(key, sa.String(20))


def _one(column: sa.ColumnElement[str], *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[str]:
    """The one depot the rows found name (none when they name several)."""
    return (
        sa.select(sa.func.min(column))
        .where(*where)
        .having(sa.func.count(column.distinct()) == 1)
        .scalar_subquery()
    )


def _by_action() -> dict[str, sa.ScalarSelect[str]]:
    """Per action (a LIKE pattern), the depot of the entry's target."""
    target = audit.c.target
    order_by_number = _one(
        picks.c.warehouse, picks.c.order_id == orders.c.id, orders.c.number == target
    )
    order_by_id = _one(picks.c.warehouse, _labelled("order ", picks.c.order_id) == target)
    approval = _one(approvals.c.warehouse, _labelled("approval ", approvals.c.id) == target)

    def paper(kind: str) -> sa.ScalarSelect[str]:
        return _one(
            approvals.c.warehouse, approvals.c.kind == kind, approvals.c.reference == target
        )

    return {
        "stocktake_%": _one(
            stocktakes.c.warehouse, _labelled("stocktake ", stocktakes.c.id) == target
        ),
        "acceptance_%": approval,
        "scrap_proposal": approval,
        "scrapping": paper("scrapping"),
        "rotation": paper("rotation"),
        "return_inspection": paper("return_inspection"),
        "inbound_notice": _one(notices.c.warehouse, notices.c.number == target),
        "handover": _one(notes.c.warehouse, notes.c.number == target),
        "dispatch_order": order_by_number,
        "dispatch_cancel": order_by_number,
        "dispatch_arrival": order_by_id,
        "dispatch_written_order": order_by_id,
        "create_user": _one(people.c.warehouse, people.c.username == target),
        "create_gateway": _one(clients.c.warehouse, clients.c.client_id == target),
        "login%": _one(people.c.warehouse, people.c.username == audit.c.actor),
    }


def _add_depot(table: str) -> None:
    """A nullable column naming a depot. SQLite adds it with its reference in place (a
    rebuilt table could not be dropped while other tables' rows point at it)."""
    name = f"fk_{table}_warehouse_warehouses"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            sa.text(
                f"ALTER TABLE {table} ADD COLUMN warehouse VARCHAR(32) "
                f"CONSTRAINT {name} REFERENCES warehouses (code)"
            )
        )
        return
    op.add_column(table, sa.Column("warehouse", sa.String(32), nullable=True))
    op.create_foreign_key(name, table, "warehouses", ["warehouse"], ["code"])


def upgrade() -> None:
    _add_depot("audit_log")
    op.create_index("ix_audit_log_warehouse", "audit_log", ["warehouse", "id"])
    _add_depot("dispatch_orders")
    for action, depot in _by_action().items():
        op.execute(audit.update().where(audit.c.action.like(action)).values(warehouse=depot))


def _drop_depot(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(table) as batch:  # the column takes its reference with it
            batch.drop_column("warehouse")
        return
    op.drop_constraint(f"fk_{table}_warehouse_warehouses", table, type_="foreignkey")
    op.drop_column(table, "warehouse")


def downgrade() -> None:
    _drop_depot("dispatch_orders")
    op.drop_index("ix_audit_log_warehouse", table_name="audit_log")
    _drop_depot("audit_log")
