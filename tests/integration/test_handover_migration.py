"""Migration 0021 on notes issued before it: each note gets the lines its paper showed (every
pick line of its order and depot with something loaded, as loaded), and is `issued`."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select, update

from harness.depot import ADMIN, prepare_database
from server.services import dispatch, handover
from server.storage.db import alembic_config, make_engine, migrate
from server.storage.tables import handover_lines, handovers, pick_lines


def test_notes_issued_before_0024_keep_the_lines_their_paper_showed(db_url: str) -> None:
    depot = prepare_database(db_url, with_stock=True)
    engine = make_engine(db_url)
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    item = next(b for b in depot.example.batches if b.warehouse == "LC01").item_code
    now = datetime.now(UTC)
    order = dispatch.create_order(
        engine,
        ADMIN[0],
        dispatch.OrderRequest(
            number="迁移-1", kind="request", basis="basis", destination="安置点",
            lat=lc01.lat, lon=lc01.lon, lines=(dispatch.OrderLine(item, 30),),
        ),
        now=now,
    )  # fmt: skip
    with engine.begin() as conn:  # what the floor loaded (the gateway's loading events)
        picked = conn.execute(
            select(pick_lines.c.id, pick_lines.c.qty, pick_lines.c.warehouse)
            .where(pick_lines.c.order_id == order)
            .order_by(pick_lines.c.seq)
        ).all()
        conn.execute(update(pick_lines).where(pick_lines.c.order_id == order).values(loaded=2))
    depot_of = picked[0].warehouse
    number = handover.create_handover(
        engine, ADMIN[0], order, depot_of, handover.Handover("c", "d", "13800000000", "p", "r"), now
    )
    with engine.connect() as conn:
        issued = conn.execute(select(handover_lines.c.pick_line_id, handover_lines.c.qty)).all()
    expected = [(p.id, 2) for p in picked if p.warehouse == depot_of]
    assert sorted(issued) == sorted(expected)

    config = alembic_config()  # back to 0023, as the note was kept before...
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0023")
    migrate(engine)  # ...and forward: its lines made again from what was loaded
    with engine.connect() as conn:
        lines = conn.execute(select(handover_lines.c.pick_line_id, handover_lines.c.qty)).all()
        state = conn.execute(
            select(handovers.c.state).where(handovers.c.number == number)
        ).scalar_one()
    assert sorted(lines) == sorted(expected) and state == "issued"
    engine.dispose()
