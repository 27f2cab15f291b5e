"""Migration 0031 on a ledger with history: the EPCIS events of everything it recorded before
are made, the same as those recorded as it happens, in the order it recorded them."""

from __future__ import annotations

import json

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select

from harness.scope_world import world_of
from server.storage.db import alembic_config, migrate
from server.storage.tables import epcis_events


def kept(world_engine: object) -> list[tuple[str, int, str, object, dict[str, object]]]:
    with world_engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            select(
                epcis_events.c.warehouse, epcis_events.c.seq, epcis_events.c.event_id,
                epcis_events.c.record_time, epcis_events.c.body,
            ).order_by(epcis_events.c.warehouse, epcis_events.c.seq)
        ).all()  # fmt: skip
    return [(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]


def test_the_history_before_0031_is_made_as_it_would_have_been(db_url: str) -> None:
    world = world_of(db_url)  # every kind of record, each event kept as it was recorded
    live = kept(world.engine)
    assert len(live) > 100
    config = alembic_config()
    before = ScriptDirectory.from_config(config).get_revision("0031").down_revision
    with world.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, str(before))
    migrate(world.engine)
    remade = kept(world.engine)
    assert {(w, i, json.dumps(b, sort_keys=True)) for w, _, i, _, b in remade} == {
        (w, i, json.dumps(b, sort_keys=True)) for w, _, i, _, b in live
    }
    for depot in {w for w, *_ in remade}:
        mine = [r for r in remade if r[0] == depot]
        assert [r[1] for r in mine] == list(range(1, len(mine) + 1))  # no gap
        times = [r[3] for r in mine]
        assert times == sorted(times)  # in the order recorded
    world.engine.dispose()
