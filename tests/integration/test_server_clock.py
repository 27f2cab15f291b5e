"""The server built with a clock it is given (server/web/app.py create_app, kernel/clock.py):
every answer that depends on the time of day follows that clock, so a test sets the moment it
means instead of waiting for it or patching the system's clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from demo.exampledata import generate
from demo.load import load_example
from kernel.clock import FixedClock
from server.services.accounts import create_user
from server.storage.db import make_engine, migrate
from server.storage.tables import monthly_reports
from server.web.app import create_app

PASSWORD = "clock-test-password"
# 23:59 on 30 November in Beijing (the depots' time): November is not over yet.
LAST_MINUTE_OF_NOVEMBER = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    migrate(engine)
    opened = FixedClock(datetime(2026, 11, 20, 2, tzinfo=UTC))
    load_example(engine, generate(), clock=opened)  # the opening stock is November's
    create_user(engine, "chen", PASSWORD, role="admin", now=opened())
    yield engine
    engine.dispose()


def kept(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(monthly_reports)).scalar_one())


def test_the_monthly_report_follows_the_clock_the_app_was_built_with(engine: Engine) -> None:
    clock = FixedClock(LAST_MINUTE_OF_NOVEMBER)
    client = TestClient(create_app(engine, clock))
    session = client.post("/api/v1/sessions", json={"username": "chen", "password": PASSWORD})
    assert session.status_code == 200
    answer = session.json()
    assert answer["expires_at"] == "2026-12-01T03:59:00+00:00"  # 12 hours by the same clock
    me = {"Authorization": f"Bearer {answer['token']}"}

    early = client.get("/api/v1/reports/monthly", params={"month": "2026-11"}, headers=me)
    assert early.status_code == 422
    assert "available from 2026-12-01" in early.text

    clock.advance(timedelta(minutes=1))  # midnight in Beijing: November is over
    shown = client.get("/api/v1/reports/monthly", params={"month": "2026-11"}, headers=me)
    assert shown.status_code == 200
    rows = shown.json()["rows"]
    assert rows and all(r[0] for r in rows)  # the opening stock, posted in November
    assert kept(engine) == 0  # shown, but a month just over is kept only an hour later

    clock.advance(timedelta(hours=1))
    again = client.get("/api/v1/reports/monthly", params={"month": "2026-11"}, headers=me)
    assert again.json()["rows"] == rows
    assert kept(engine) == 1

    clock.set(datetime(2026, 12, 1, 3, 59, tzinfo=UTC))  # the session's last moment
    assert client.get("/api/v1/stock", headers=me).status_code == 200
    clock.advance(timedelta(seconds=1))  # past its end, by the app's clock
    assert client.get("/api/v1/stock", headers=me).status_code == 401


def test_two_apps_on_one_database_each_keep_their_own_time(engine: Engine) -> None:
    """Nothing of the time is global: an app built with another clock answers by its own."""
    before = TestClient(create_app(engine, FixedClock(LAST_MINUTE_OF_NOVEMBER)))
    after = TestClient(create_app(engine, FixedClock(datetime(2026, 12, 2, tzinfo=UTC))))
    tokens = [
        c.post("/api/v1/sessions", json={"username": "chen", "password": PASSWORD}).json()["token"]
        for c in (before, after)
    ]
    asked = [
        c.get(
            "/api/v1/reports/monthly",
            params={"month": "2026-11"},
            headers={"Authorization": f"Bearer {t}"},
        ).status_code
        for c, t in zip((before, after), tokens, strict=True)
    ]
    assert asked == [422, 200]
