"""SSCC serials across a gateway rebuilt from nothing: the gateway names the highest serial it
has used with each sync, the server (SQLite and PostgreSQL) keeps the highest it heard, and a
new gateway for the depot, its book empty, numbers its labels after them. GS1 forbids using
an SSCC again."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from integration.test_gateway_printing import EXTENSION, PREFIX, queue

from gateway.config import ServerLink
from gateway.storage import print_queue
from gateway.storage.store import GatewayStore
from gateway.upstream.sync import Syncer
from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.mosquitto import Mosquitto
from harness.procs import wait_until
from kernel.clock import system_clock

pytestmark = pytest.mark.timeout(120)


def settings(spool: Path) -> str:
    return (
        f'\n[labels]\ncompany_prefix = "{PREFIX}"\nextension = {EXTENSION}\n'
        f'\n[printers.D01]\nkind = "pdf"\nspool = "{spool}"\n'
    )


def heard(
    server: ServerProcess, depot: Depot, *reports: str
) -> tuple[int, list[dict[str, object]]]:
    """A sync naming `reports` as the gateway would; the status and the serials it gives back."""
    answer = httpx.get(
        f"{server.url}/api/v1/sync",
        params=[("sscc", r) for r in reports],
        headers={"Authorization": f"Bearer {depot.gateway_token}"},
        timeout=30,
    )
    return answer.status_code, answer.json().get("sscc_serials", [])


def ssccs(gateway: GatewayProcess) -> list[int]:
    rows = gateway.book("SELECT sscc FROM print_jobs ORDER BY id")
    return [int(str(code)[8:17]) for (code,) in rows]


def test_a_gateway_rebuilt_from_nothing_numbers_its_labels_after_the_first_ones(
    tmp_path: Path, broker: Mosquitto, server: ServerProcess, depot: Depot
) -> None:
    first = GatewayProcess(tmp_path / "first", broker.port, server.url, depot.gateway_token,
                           settings=settings(tmp_path / "labels"))  # fmt: skip
    try:
        first.start()
        queue(first, "D01", 3)
        assert ssccs(first) == [1, 2, 3]
        used = {"prefix": PREFIX, "extension": EXTENSION, "high": 3}
        wait_until(lambda: heard(server, depot)[1] == [used], 30, "the serials at the server")
    finally:
        first.stop()
    # The depot's machine is replaced: a new gateway, its book empty.
    second = GatewayProcess(tmp_path / "second", broker.port, server.url, depot.gateway_token,
                            settings=settings(tmp_path / "labels"))  # fmt: skip
    try:
        second.start()
        taken = "SELECT next_serial FROM sscc_serials"
        wait_until(lambda: second.book(taken) == [(4,)], 30, "the serials from the first sync")
        queue(second, "D01", 2)
        assert ssccs(second) == [4, 5]
    finally:
        second.stop()


def test_the_server_keeps_the_highest_serial_and_refuses_what_is_no_serial(
    server: ServerProcess, depot: Depot
) -> None:
    assert heard(server, depot, "6901234.0.41", "6901234567.1.7") == (200, [
        {"prefix": "6901234", "extension": 0, "high": 41},
        {"prefix": "6901234567", "extension": 1, "high": 7},
    ])  # fmt: skip
    status, serials = heard(server, depot, "6901234.0.12")  # an older gateway's: not lower
    assert status == 200 and serials[0]["high"] == 41
    for bad in ("6901234.0", "690.0.1", "6901234.10.1", "6901234.0.-1", "6901234567.0.1000000"):
        assert heard(server, depot, bad)[0] == 422, bad  # the last: too long for an SSCC


def test_a_gateway_reports_its_depots_numbering_only_and_keeps_syncing(
    tmp_path: Path, server: ServerProcess, depot: Depot
) -> None:
    """A book that numbered under ten other extensions and a former prefix over the years
    names only the depot's numbering of today ([labels]); the server takes the sync."""
    token = tmp_path / "gateway.token"
    token.write_text(depot.gateway_token)
    store = GatewayStore(tmp_path / "book.sqlite", time.time)
    with store.transaction() as db:
        for extension in range(10):
            print_queue.take_serials(db, "6901234", extension, 1)
        print_queue.take_serials(db, "6901235", 0, 5)  # the depot's prefix now
    syncer = Syncer(ServerLink(server.url, token), store, 30.0, clock=system_clock,
                    numbering=("6901235", 0))  # fmt: skip
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert syncer.once(http) == 30.0  # synced: no refusal, no backoff
            assert syncer.once(http) == 30.0  # and again, with the cursor
        assert heard(server, depot)[1] == [{"prefix": "6901235", "extension": 0, "high": 5}]
    finally:
        store.close()
