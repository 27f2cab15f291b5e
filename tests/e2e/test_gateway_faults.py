"""The gateway under faults: nothing lost, nothing twice.

Real Mosquitto, the server process and the gateway process; the test plays four dock-door
stations that keep every read until it is answered and send it again otherwise (as the edge
agent does from its spool).

1. 20,000 reads stream in while the gateway is killed with SIGKILL ten times, the server is
   stopped for a while, and the broker is killed with SIGKILL and restarted: afterwards every
   read has exactly one effect in the central ledger.
2. The gateway is away while 50,000 reads arrive at the broker as fast as it takes them, and
   the stations never send a read twice: the depot broker's configuration keeps every one
   for the gateway's session (design section 7), and the gateway takes them all.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select

from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.mosquitto import Mosquitto
from harness.procs import wait_until
from harness.stations import Stations, receiving_reads
from server.storage.db import make_engine
from server.storage.tables import batches, events, postings

SITE = "LC01"


def gateway_reads(gateway: GatewayProcess) -> int:
    with sqlite3.connect(gateway.database) as db:
        return int(db.execute("SELECT count(*) FROM reads").fetchone()[0])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_read_has_one_effect_through_gateway_server_and_broker_faults(
    depot: Depot, broker: Mosquitto, server: ServerProcess, gateway: GatewayProcess
) -> None:
    count, devices = 20_000, 4
    gtins = [i.gtin for i in depot.example.items[:5]]
    reads = receiving_reads(SITE, gtins, count + devices, devices=devices)
    reads, last = reads[:count], reads[count:]  # a last read for each station, below
    stations = Stations(broker.port, SITE)
    faults: list[str] = []

    def inflict() -> None:
        for n in range(10):
            time.sleep(1.5)
            gateway.proc.kill()
            faults.append(f"gateway SIGKILL {n + 1}")
            gateway.start()
            if n == 2:
                server.stop()
                faults.append("server stopped")
            if n == 5:
                server.start()
                faults.append("server started")
            if n == 7:
                broker.proc.kill()
                faults.append("broker SIGKILL")
                time.sleep(1.0)
                broker.start()
                faults.append("broker started")

    troublemaker = threading.Thread(target=inflict)
    troublemaker.start()
    stations.stream(reads, rate=800)
    troublemaker.join()
    assert len(faults) == 14, faults
    try:
        wait_until(
            lambda: stations.unanswered() == 0,
            180,
            f"every read answered ({stations.unanswered()} left; faults: {faults})",
        )
        # Each station's copies of its reads that could still post twice are ahead of its
        # last read now (answered, none is sent again; broker and gateway keep a station's
        # order), and what the gateway made of them is delivered once its outbox is empty.
        for scan in last:
            stations.publish(scan)
        wait_until(lambda: stations.unanswered() == 0, 60, "the last reads answered")
    finally:
        stations.close()
    assert gateway_reads(gateway) == count + devices

    engine = make_engine(depot.db_url)

    def ledger() -> tuple[int, int, int, int]:
        with engine.connect() as conn:
            accepted = conn.execute(
                select(func.count()).where(
                    (events.c.type == "receiving") & (events.c.status == "accepted")
                )
            ).scalar_one()
            total = conn.execute(select(func.coalesce(func.sum(postings.c.qty), 0))).scalar_one()
            lots = conn.execute(
                select(func.count()).where(batches.c.batch_no.like("R%"))
            ).scalar_one()
            others = conn.execute(
                select(func.count()).where(events.c.status != "accepted")
            ).scalar_one()
        return int(accepted), int(total), int(lots), int(others)

    wait_until(lambda: gateway.outbox_pending() == 0, 120, "the gateway's outbox empty")
    assert ledger() == (count + devices,) * 3 + (0,)
    engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_reads_piling_up_while_the_gateway_is_away_are_all_kept(
    depot: Depot, broker: Mosquitto, server: ServerProcess, gateway: GatewayProcess
) -> None:
    count = 50_000
    gateway.stop()  # its persistent session stays with the broker
    stations = Stations(broker.port, SITE, resend=False)
    reads = receiving_reads(SITE, [i.gtin for i in depot.example.items[:5]], count, devices=4)
    for scan in reads:
        stations.publish(scan)
    wait_until(lambda: stations.acknowledged() == count, 60, "the broker to take every read")
    gateway.start()
    try:
        wait_until(
            lambda: gateway_reads(gateway) == count,
            180,
            f"the gateway to take all {count} reads (has {gateway_reads(gateway)})",
        )
        wait_until(lambda: stations.unanswered() == 0, 60, "every read answered")
    finally:
        stations.close()
    with sqlite3.connect(gateway.database) as db:
        assert db.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == count
