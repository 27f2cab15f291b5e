"""The feed's configuration, its waits between tries and the reports' due days."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.domain import feed
from server.domain.feed import FeedConfigError, parse_config

BASE = Path("/etc/depot")


def one(**endpoint: Any) -> dict[str, Any]:
    return {"endpoint": [{"name": "province", "kind": "webhook", "url": "https://p/x", **endpoint}]}


def test_an_endpoint_as_configured() -> None:
    config = parse_config(
        {**one(token_file="secrets/p.token", depots=["LC01"]), "retry_max_seconds": 60}, BASE
    )
    (endpoint,) = config.endpoints
    assert endpoint.token_file == BASE / "secrets/p.token"
    assert endpoint.sends == {"events", "monthly_report", "emergency_report"}
    assert endpoint.takes("LC01") and not endpoint.takes("LC02") and not endpoint.takes(None)
    assert config.retry_max == 60 and config.every == feed.EVERY
    capture = parse_config(
        {"endpoint": [{"name": "gs1", "kind": "epcis", "url": "http://p/capture"}]}, BASE
    )
    assert capture.endpoints[0].sends == {"events"}
    assert capture.endpoints[0].takes(None)


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"endpoint": []},
        {"endpoint": ["x"]},
        one(name="a b"),
        one(kind="ftp"),
        one(url="file:///etc/passwd"),
        one(depots="LC01"),
        one(sends=["stock"]),
        {
            "endpoint": [
                {"name": "g", "kind": "epcis", "url": "http://p", "sends": ["monthly_report"]}
            ]
        },
        {"endpoint": [one()["endpoint"][0], one()["endpoint"][0]]},
        {**one(), "retry_max_seconds": 0},
        {**one(), "every_seconds": True},
        one(token_file=3),
        one(url="http://platform.example/x", token_file="p.token"),  # a token in clear
    ],
)
def test_a_configuration_it_cannot_use_is_refused(doc: dict[str, Any]) -> None:
    with pytest.raises(FeedConfigError):
        parse_config(doc, BASE)


def test_the_wait_doubles_up_to_the_most_configured() -> None:
    waits = [feed.wait_after(n, 60).total_seconds() for n in range(1, 7)]
    assert waits == [5, 10, 20, 40, 60, 60]
    assert feed.wait_after(1000, 3600) == timedelta(hours=1)


def test_a_month_s_report_is_due_on_the_10th_of_the_next() -> None:
    assert feed.monthly_due("2026-11") == date(2026, 12, 10)
    assert feed.monthly_due("2026-12") == date(2027, 1, 10)


def test_a_token_others_can_read_is_refused(tmp_path: Path) -> None:
    from server.services.feed import load_config

    token = tmp_path / "p.token"
    token.write_text("secret\n")
    config = tmp_path / "feed.toml"
    config.write_text('[[endpoint]]\nname = "p"\nkind = "webhook"\nurl = "https://p"\n'
                      'token_file = "p.token"\n')  # fmt: skip
    token.chmod(0o640)
    with pytest.raises(FeedConfigError, match="chmod 600"):
        load_config(config)
    token.chmod(0o600)
    assert load_config(config).endpoints[0].token_file == token
    config.write_text("[[endpoint]\n")
    with pytest.raises(FeedConfigError, match="cannot read"):
        load_config(config)


def test_a_report_s_clock() -> None:
    from datetime import UTC, datetime

    due = datetime(2026, 12, 10, 16, tzinfo=UTC)
    early, late = due - timedelta(days=2), due + timedelta(hours=3)
    assert feed.clock(due, early, True, late).state == "on_time"
    assert feed.clock(due, late, True, late).state == "late"
    assert feed.clock(due, None, True, early).state == "waiting"
    assert feed.clock(due, None, True, early).minutes == 2 * 24 * 60
    assert feed.clock(due, None, True, late).state == "overdue"
    assert feed.clock(due, None, False, late).state == "unsent"
