"""The feed's delivery against a real HTTP platform, on SQLite and PostgreSQL: content the
platform refuses is set aside without holding up the reports, and sent again once it is put
right; a capture job is asked about, never sent twice; a process that lost the lease marks
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine, func, select, update

from harness.depot import ADMIN, Depot, prepare_database
from harness.platform import Platform
from harness.procs import wait_until
from server.domain.feed import Endpoint, FeedConfig
from server.services import dispatch, feed
from server.services.feed_delivery import deliver, resend_refused
from server.storage.db import make_engine
from server.storage.tables import epcis_events, feed_leases, feed_outbox


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[Depot, Engine, Platform, httpx.Client]]:
    depot = prepare_database(db_url, with_stock=True)
    engine = make_engine(db_url)
    platform = Platform().start()
    with httpx.Client(timeout=10) as client:
        yield depot, engine, platform, client
    platform.stop()
    engine.dispose()


def clock() -> datetime:
    return datetime.now(UTC)


def emergency(depot: Depot, engine: Engine) -> str:
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    item = next(b for b in depot.example.batches if b.warehouse == "LC01").item_code
    request = dispatch.OrderRequest(
        "急-1", "emergency", "紧急调拨通知", "安置点", lc01.lat, lc01.lon,
        (dispatch.OrderLine(item, 2),),
    )  # fmt: skip
    dispatch.create_order(engine, ADMIN[0], request, now=clock())
    return request.number


def rows(engine: Engine, **where: object) -> int:
    query = select(func.count()).select_from(feed_outbox)
    for column, value in where.items():
        c = feed_outbox.c[column.removesuffix("_set")]
        query = query.where(c.is_not(None) if value else c.is_(None))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def fill(engine: Engine, endpoint: Endpoint) -> None:
    assert feed.take_lease(engine, endpoint.name, clock())
    feed.fill_events(engine, endpoint, clock())
    feed.fill_reports(engine, endpoint, clock())


def test_refused_content_is_set_aside_and_sent_again_once_put_right(
    world: tuple[Depot, Engine, Platform, httpx.Client],
) -> None:
    depot, engine, platform, client = world
    number = emergency(depot, engine)
    sends = frozenset({"events", "monthly_report", "emergency_report"})
    endpoint = Endpoint("province", "webhook", f"{platform.url}/feed", sends=sends)
    config = FeedConfig((endpoint,), retry_max=0.1)
    fill(engine, endpoint)
    platform.refusing = {"events"}  # the platform cannot take the events as sent

    def work() -> bool:
        deliver(engine, client, endpoint, config, clock, feed.HOLDER)
        return rows(engine, delivered_at_set=False, refused_at_set=False) == 0

    wait_until(work, 60, "every row delivered or set aside")
    reports = [b for b in platform.to("/feed") if b["kind"] == "emergency_report"]
    assert [b["order"] for b in reports] == [number]  # the report went on regardless
    events_rows = rows(engine, refused_at_set=True)
    assert events_rows > 0 and rows(engine, delivered_at_set=True) == 1
    with engine.connect() as conn:
        assert set(conn.execute(select(feed_outbox.c.refusals)).scalars()) <= {0, 3}

    platform.refusing = set()  # put right; the centre sends them again
    assert resend_refused(engine, "province", clock()) == events_rows
    wait_until(work, 60, "the events delivered")
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(epcis_events)).scalar_one()
    sent = [e["eventID"] for b in platform.to("/feed") if b["kind"] == "events"
            for e in b["document"]["epcisBody"]["eventList"]]  # fmt: skip
    assert len(sent) == len(set(sent)) == stored


def test_a_capture_job_is_asked_about_and_the_events_sent_once(
    world: tuple[Depot, Engine, Platform, httpx.Client],
) -> None:
    _, engine, platform, client = world
    endpoint = Endpoint("gs1", "epcis", f"{platform.url}/capture", depots=("LC01",))
    config = FeedConfig((endpoint,), retry_max=0.1)
    fill(engine, endpoint)
    waiting = rows(engine, delivered_at_set=False)
    assert waiting > 0
    deliver(engine, client, endpoint, config, clock, feed.HOLDER)
    with engine.connect() as conn:  # the job runs: the row waits for it
        job = conn.execute(select(feed_outbox.c.job).order_by(feed_outbox.c.id)).scalars().first()
    assert job is not None and job.startswith(f"{platform.url}/capture/jobs/")

    def work() -> bool:
        deliver(engine, client, endpoint, config, clock, feed.HOLDER)
        return rows(engine, delivered_at_set=False) == 0

    wait_until(work, 60, "the jobs to succeed")
    assert len(platform.to("/capture")) == waiting  # each document once
    assert all(asked >= 1 for asked in platform.jobs.values())


def test_a_process_that_lost_the_lease_marks_nothing(
    world: tuple[Depot, Engine, Platform, httpx.Client],
) -> None:
    _, engine, platform, client = world
    endpoint = Endpoint("province", "webhook", f"{platform.url}/feed")
    config = FeedConfig((endpoint,), retry_max=0.1)
    fill(engine, endpoint)
    with engine.begin() as conn:  # another process took the lease meanwhile
        conn.execute(update(feed_leases).values(holder="another-process"))
    assert feed.fill_events(engine, endpoint, clock()) == 0
    deliver(engine, client, endpoint, config, clock, feed.HOLDER)
    assert rows(engine, delivered_at_set=True) == 0
    assert len(platform.to("/feed")) <= 1  # at most the one under way when it was lost
