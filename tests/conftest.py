"""Fixtures that start real parts on free ports and stop them afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.depot import (
    Depot,
    EdgeProcess,
    GatewayProcess,
    PtyScanner,
    ServerProcess,
    prepare_database,
)
from harness.floor import Floor
from harness.mosquitto import Mosquitto
from harness.postgres import PostgresCluster
from harness.zpl_printer import ZplPrinter


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The server's database: an SQLite file, or a fresh database on the test cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.new_database()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    mosquitto = Mosquitto(tmp_path / "broker").start()
    yield mosquitto
    mosquitto.stop()


@pytest.fixture
def depot(db_url: str) -> Depot:
    return prepare_database(db_url)


@pytest.fixture
def server(depot: Depot, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(depot.db_url, tmp_path).start()
    yield process
    process.stop()


@pytest.fixture
def gateway(
    tmp_path: Path, broker: Mosquitto, server: ServerProcess, depot: Depot
) -> Iterator[GatewayProcess]:
    process = GatewayProcess(
        tmp_path / "gateway", broker.port, server.url, depot.gateway_token
    ).start()
    yield process
    process.stop()


@pytest.fixture
def floor(broker: Mosquitto, depot: Depot) -> Iterator[Floor]:
    """The depot's devices on the broker, played by the test."""
    floor = Floor(broker, depot)
    yield floor
    floor.client.close()


@pytest.fixture
def scanner() -> Iterator[PtyScanner]:
    pty = PtyScanner()
    yield pty
    pty.close()


@pytest.fixture
def edge(tmp_path: Path, broker: Mosquitto, scanner: PtyScanner) -> Iterator[EdgeProcess]:
    process = EdgeProcess(tmp_path / "edge", broker.port, scanner).start()
    yield process
    process.stop()


@pytest.fixture
def zebra() -> Iterator[ZplPrinter]:
    """A simulated Zebra printer-encoder on TCP (tests/harness/zpl_printer.py)."""
    with ZplPrinter(rfid=True) as printer:
        yield printer
