"""The feed to the provincial platform across an outage: a second HTTP server plays the
platform (a JSON webhook and an EPCIS capture interface), is stopped while the depots go on
working, and started again; everything arrives, once, in each depot's order; on SQLite and
PostgreSQL."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import func, select

from harness.depot import ADMIN, ServerProcess, write_secret
from harness.platform import Platform
from harness.procs import wait_until
from harness.scope_world import HERE, PLANNER, THERE, World, world_of
from server.services import dispatch
from server.storage.tables import emergency_reports, epcis_events, feed_outbox, monthly_reports

SCHEMA = Path(__file__).resolve().parents[3] / "shared/standards/epcis/EPCIS-JSON-Schema.json"
TOKEN = "platform-token-for-the-test"


def feed_file(folder: Path, platform: Platform) -> Path:
    token = write_secret(folder / "province.token", TOKEN)
    config = folder / "feed.toml"
    config.write_text(
        "every_seconds = 0.2\n"
        "retry_max_seconds = 0.5\n\n"
        "[[endpoint]]\n"
        'name = "province"\n'
        'kind = "webhook"\n'
        f'url = "{platform.url}/feed"\n'
        f'token_file = "{token.name}"\n\n'
        "[[endpoint]]\n"
        'name = "gs1"\n'
        'kind = "epcis"\n'
        f'url = "{platform.url}/capture"\n'
        f'depots = ["{HERE}"]\n'
    )
    return config


@pytest.fixture
def running(db_url: str, tmp_path: Path) -> Iterator[tuple[World, Platform, ServerProcess]]:
    world = world_of(db_url)
    platform = Platform().start()
    server = ServerProcess(
        world.depot.db_url, tmp_path, args=("--feed", str(feed_file(tmp_path, platform)))
    ).start()
    yield world, platform, server
    server.stop()
    platform.stop()
    world.engine.dispose()


def counted(world: World) -> dict[str, int]:
    """What the platform should have: the depots' events, kept reports, emergency reports."""
    with world.engine.connect() as conn:

        def count(query: Any) -> int:
            return int(conn.execute(query).scalar_one())

        return {
            "events": count(select(func.count()).select_from(epcis_events)),
            "events_here": count(select(func.count()).where(epcis_events.c.warehouse == HERE)),
            "monthly": count(select(func.count()).select_from(monthly_reports)),
            "emergency": count(select(func.count()).select_from(emergency_reports)),
        }


def webhook_events(platform: Platform) -> list[dict[str, Any]]:
    return [
        e
        for b in platform.to("/feed")
        if b["kind"] == "events"
        for e in b["document"]["epcisBody"]["eventList"]
    ]


def captured_events(platform: Platform) -> list[dict[str, Any]]:
    return [e for b in platform.to("/capture") for e in b["epcisBody"]["eventList"]]


def kinds(platform: Platform, kind: str) -> list[dict[str, Any]]:
    return [b for b in platform.to("/feed") if b["kind"] == kind]


def all_arrived(world: World, platform: Platform) -> bool:
    """Everything there is arrived, and the centre knows it (capture jobs included)."""
    want = counted(world)
    with world.engine.connect() as conn:
        waiting = conn.execute(
            select(func.count()).where(feed_outbox.c.delivered_at.is_(None))
        ).scalar_one()
    return (
        waiting == 0
        and len(webhook_events(platform)) >= want["events"]
        and len(captured_events(platform)) >= want["events_here"]
        and len(kinds(platform, "monthly_report")) >= want["monthly"]
        and len(kinds(platform, "emergency_report")) >= want["emergency"]
    )


def tried_and_failed(world: World) -> bool:
    with world.engine.connect() as conn:
        return bool(
            conn.execute(
                select(func.count()).where(
                    feed_outbox.c.delivered_at.is_(None)
                    & (feed_outbox.c.attempts >= 2)
                    & feed_outbox.c.last_error.is_not(None)
                )
            ).scalar_one()
        )


def emergency_order(world: World) -> None:
    """An emergency dispatch from LC01 on the bureau's notice."""
    dispatch.create_order(
        world.engine,
        PLANNER,
        dispatch.OrderRequest(
            "EM-断线-1", "emergency", "紧急调拨通知", "北川县安置点", world.lc01.lat,
            world.lc01.lon, (dispatch.OrderLine(world.item.code, 3),),
        ),
        now=datetime.now(UTC),
    )  # fmt: skip


def test_the_platform_gets_everything_once_across_an_outage(
    running: tuple[World, Platform, ServerProcess],
) -> None:
    world, platform, server = running
    wait_until(lambda: all_arrived(world, platform), 120, "the platform to have everything")
    assert counted(world)["monthly"] > 0  # last month's reports, kept at the server's start
    before = counted(world)

    platform.stop()  # the line to the province is down; the depots go on working
    s = world.stack("S")
    world.post_events(
        HERE,
        [world.event(HERE, "storing", from_location="D01", to_location="A-01-01",
                     gtin=s.item.gtin, batch=s.batch, qty=n) for n in (1, 2, 3)],
    )  # fmt: skip
    emergency_order(world)  # its report is due at once
    wait_until(lambda: tried_and_failed(world), 60, "the feed to try and fail")
    with server.login(ADMIN) as admin:  # the centre sees the outage and the clock running
        shown = admin.get("/upward").text
    assert '<tr data-endpoint="province" class="failing">' in shown
    row = re.search(r'<tr data-order="EM-断线-1">.*?</tr>', shown)
    assert row is not None and 'data-state="waiting"' in row.group(0)
    assert counted(world)["events"] > before["events"]
    assert counted(world)["emergency"] == before["emergency"] + 1

    platform.start()  # back on the same address
    wait_until(lambda: all_arrived(world, platform), 120, "the platform to catch up")
    want = counted(world)

    # every event once, to each endpoint it is for, in each depot's order
    with world.engine.connect() as conn:
        stored = {
            d: list(
                conn.execute(
                    select(epcis_events.c.event_id)
                    .where(epcis_events.c.warehouse == d)
                    .order_by(epcis_events.c.seq)
                ).scalars()
            )
            for d in (HERE, THERE)
        }
    sent = [e["eventID"] for e in webhook_events(platform)]
    assert len(sent) == len(set(sent)) == want["events"]
    for depot, ids in stored.items():
        place = f"urn:depot-floor:{depot}"
        arrived = [
            e["eventID"] for e in webhook_events(platform) if e["bizLocation"]["id"] == place
        ]
        assert arrived == ids  # the depot's order
    ranges = {}
    for body in kinds(platform, "events"):
        ranges.setdefault(body["depot"], []).append((body["first"], body["last"]))
    for spans in ranges.values():  # each depot's events from its first, no gap, no overlap
        assert spans[0][0] == 1
        assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(spans)), spans
    assert [e["eventID"] for e in captured_events(platform)] == stored[HERE]  # LC01 only

    # each report once
    monthly = [(b["month"], b["scope"]) for b in kinds(platform, "monthly_report")]
    assert len(monthly) == len(set(monthly)) == want["monthly"]
    assert all(b["due"].endswith("-10") for b in kinds(platform, "monthly_report"))
    emergency = [b["order"] for b in kinds(platform, "emergency_report")]
    assert len(emergency) == len(set(emergency)) == want["emergency"]
    assert all("紧急调运" in b["text"] for b in kinds(platform, "emergency_report"))

    # as the platform reads them: the webhook with its token, the capture as EPCIS 2.0
    assert {r["headers"]["Authorization"] for r in platform.requests("/feed")} == {
        f"Bearer {TOKEN}"
    }
    assert all("Authorization" not in r["headers"] for r in platform.requests("/capture"))
    validator = jsonschema.Draft7Validator(
        json.loads(SCHEMA.read_text()), format_checker=jsonschema.FormatChecker()
    )
    for body in platform.to("/capture")[:3]:
        validator.validate(body)
    keys = [r["headers"]["Idempotency-Key"] for r in platform.requests("/feed")]
    assert len(keys) == len(set(keys))
    with world.engine.connect() as conn:
        waiting = conn.execute(
            select(func.count()).where(feed_outbox.c.delivered_at.is_(None))
        ).scalar_one()
    assert waiting == 0
    with server.login(ADMIN) as admin:  # and every report marked delivered, on time
        shown = admin.get("/upward").text
    states = re.findall(r'data-state="(\w+)"', shown)
    assert len(states) == want["monthly"] + want["emergency"]
    assert set(states) == {"on_time"}, states
    assert 'class="failing"' not in shown
