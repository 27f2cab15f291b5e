"""Migration 0015 gives the audit entries written before it the depot they are about, where
the record they name says so; an entry about several depots, or none, stays the network's."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from demo.exampledata import generate
from demo.load import load_example
from server.storage.db import make_engine, migrate
from server.storage.tables import (
    audit_log,
    batches,
    dispatch_lines,
    items,
    locations,
    stocktakes,
    users,
)

NOW = datetime(2026, 11, 20, tzinfo=UTC)
# audit_log and dispatch_orders as revision 0012 had them
OLD_AUDIT = sa.table(
    "audit_log",
    sa.column("at"),
    sa.column("actor"),
    sa.column("action"),
    sa.column("target"),
)
OLD_ORDERS = sa.table(
    "dispatch_orders",
    *(
        sa.column(name)
        for name in (
            "id",
            "number",
            "kind",
            "basis",
            "destination",
            "dest_lat",
            "dest_lon",
            "notified_at",
            "status",
            "created_by",
            "created_at",
        )
    ),
)
PICKS = sa.table(
    "pick_lines",
    *(
        sa.column(n)
        for n in ("order_id", "line_id", "warehouse", "location_id", "batch_id", "qty", "seq")
    ),
)


def test_old_entries_get_the_depot_their_record_names(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, "0012")
    load_example(engine, generate(batches_per_warehouse=2), with_stock=False)
    with engine.begin() as conn:
        conn.execute(
            users.insert(),
            [
                {"username": "li", "display_name": "李", "role": "keeper", "warehouse": "LC01",
                 "password_hash": "x", "active": True},
                {"username": "sun", "display_name": "孙", "role": "dispatcher",
                 "warehouse": None, "password_hash": "x", "active": True},
            ],
        )  # fmt: skip
        conn.execute(
            stocktakes.insert().values(
                id=7, warehouse="LC02", status="counting", tolerance=0, opened_by="x", opened_at=NOW
            )
        )
        item = conn.execute(sa.select(sa.func.min(items.c.code))).scalar_one()
        batch = conn.execute(
            batches.insert().values(item_code=item, batch_no="OLD").returning(batches.c.id)
        ).scalar_one()
        docks = dict(
            conn.execute(
                sa.select(locations.c.warehouse, locations.c.id).where(locations.c.code == "D01")
            ).all()
        )
        for order_id, depots in ((1, ("LC01",)), (2, ("LC01", "LC02"))):
            conn.execute(
                OLD_ORDERS.insert().values(
                    id=order_id, number=f"调{order_id}", kind="request", basis="b",
                    destination="d", dest_lat=0.0, dest_lon=0.0, notified_at=NOW,
                    status="open", created_by="sun", created_at=NOW,
                )
            )  # fmt: skip
            line = conn.execute(
                dispatch_lines.insert()
                .values(order_id=order_id, item_code=item, qty=2, shortfall=0)
                .returning(dispatch_lines.c.id)
            ).scalar_one()
            for seq, depot in enumerate(depots):
                conn.execute(
                    PICKS.insert().values(
                        order_id=order_id, line_id=line, warehouse=depot,
                        location_id=docks[depot], batch_id=batch, qty=1, seq=seq,
                    )
                )  # fmt: skip
        entries = [
            ("li", "login", None),
            ("sun", "login", None),
            ("nobody", "login_failed", None),
            ("wang", "stocktake_open", "stocktake 7"),
            ("sun", "dispatch_order", "调1"),
            ("sun", "dispatch_order", "调2"),
            ("sun", "dispatch_arrival", "order 1"),
            ("admin-cli", "create_user", "li"),
            ("root", "import_items", None),
        ]
        conn.execute(
            OLD_AUDIT.insert(),
            [{"at": NOW, "actor": a, "action": b, "target": c} for a, b, c in entries],
        )
    migrate(engine)
    with engine.connect() as conn:
        found = [
            tuple(r)
            for r in conn.execute(
                sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.warehouse).order_by(
                    audit_log.c.id
                )
            )
        ]
    assert found == [
        ("li", "login", "LC01"),
        ("sun", "login", None),
        ("nobody", "login_failed", None),
        ("wang", "stocktake_open", "LC02"),
        ("sun", "dispatch_order", "LC01"),
        ("sun", "dispatch_order", None),  # two depots: the bureau's entry
        ("sun", "dispatch_arrival", "LC01"),
        ("admin-cli", "create_user", "LC01"),
        ("root", "import_items", None),
    ]
    engine.dispose()
