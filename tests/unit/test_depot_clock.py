"""The depots' calendar (server/domain/depot_time.py): days and months in China Standard Time unless
DEPOT_TIMEZONE says otherwise; stored moments are UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from server.domain import depot_time
from server.domain.errors import ReportError, ZoneError
from server.services.reports import month_bounds


@pytest.fixture(autouse=True)
def beijing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(depot_time.ENV, raising=False)


def test_the_depots_day_begins_at_midnight_beijing_time() -> None:
    assert depot_time.zone().key == "Asia/Shanghai"
    assert depot_time.today(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == date(2026, 11, 30)
    assert depot_time.today(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == date(2026, 12, 1)
    naive_utc = datetime(2026, 11, 30, 16, 30)  # as SQLite gives a stored moment back
    assert depot_time.local_date(naive_utc) == date(2026, 12, 1)
    assert depot_time.month_of(naive_utc) == "2026-12"
    tokyo = timezone(timedelta(hours=9))
    assert depot_time.month_of(datetime(2026, 12, 1, 0, 59, tzinfo=tokyo)) == "2026-11"
    assert depot_time.month_of(datetime(2026, 12, 1, 1, 0, tzinfo=tokyo)) == "2026-12"
    assert depot_time.start_of_day(date(2026, 12, 1)) == datetime(2026, 11, 30, 16, tzinfo=UTC)


def test_november_runs_to_the_first_of_december_at_midnight() -> None:
    start, end = month_bounds("2026-11", date(2026, 12, 1))
    assert (start, end) == (
        datetime(2026, 10, 31, 16, tzinfo=UTC),
        datetime(2026, 11, 30, 16, tzinfo=UTC),
    )
    with pytest.raises(ReportError, match="available from 2026-12-01"):
        month_bounds("2026-11", date(2026, 11, 30))


def test_the_setting_changes_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(depot_time.ENV, "Asia/Urumqi")
    assert month_bounds("2026-11", date(2026, 12, 1))[1] == datetime(2026, 11, 30, 18, tzinfo=UTC)
    depot_time.use("UTC")
    assert depot_time.today(datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == date(2026, 11, 30)
    for wrong in ("Asia/Beijing", "../etc/passwd", "CST+8"):
        with pytest.raises(ZoneError, match="is not a time zone"):
            depot_time.use(wrong)
    assert depot_time.zone().key == "UTC"  # a refused name changes nothing
