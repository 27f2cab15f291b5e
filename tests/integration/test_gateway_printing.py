"""The real gateway process with a printer-encoder in its gateway.toml: the print worker in
the process prints what is queued in its book to the simulated Zebra on TCP, keeps the jobs
while the printer is out of paper, prints them after the refill, and numbers SSCCs on from
where it stopped after a restart."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import pytest

from gateway.domain.labels import UnitsToLabel, label_to_dict, unit_labels
from harness.depot import GatewayProcess
from harness.mosquitto import Mosquitto
from harness.procs import free_port, wait_until
from harness.zpl import sample_label
from harness.zpl_printer import ZplPrinter as Simulator

pytestmark = pytest.mark.timeout(120)
PREFIX, EXTENSION = "6901234", 3


def queue(gateway: GatewayProcess, printer: str, units: int) -> None:
    """What receiving will do: take the serials and queue the labels in one transaction."""
    with contextlib.closing(sqlite3.connect(gateway.database, isolation_level=None)) as db:
        db.execute("BEGIN IMMEDIATE")
        row = db.execute(
            "SELECT next_serial FROM sscc_serials WHERE prefix = ? AND extension = ?",
            (PREFIX, EXTENSION),
        ).fetchone()
        first = row[0] if row else 1
        db.execute(
            "INSERT OR REPLACE INTO sscc_serials VALUES (?,?,?)", (PREFIX, EXTENSION, first + units)
        )
        request = UnitsToLabel(units, sample_label(0), encode=True)
        for label in unit_labels(request, PREFIX, EXTENSION, first):
            db.execute(
                "INSERT INTO print_jobs (printer, sscc, label, created_at) VALUES (?,?,?,0)",
                (printer, label.sscc, json.dumps(label_to_dict(label), ensure_ascii=False)),
            )
        db.execute("COMMIT")


def test_the_gateway_prints_its_queue_keeps_it_through_no_paper_and_a_restart(
    broker: Mosquitto, tmp_path: Path
) -> None:
    door = Simulator(rfid=True).start()
    settings = (
        f'\n[labels]\ncompany_prefix = "{PREFIX}"\nextension = {EXTENSION}\n'
        f'\n[printers.D01]\nkind = "zpl"\nhost = "{door.host}"\nport = {door.port}\n'
        "rfid = true\ntimeout = 2\n"
    )
    server = f"http://127.0.0.1:{free_port()}"  # no server: labels print all the same
    gateway = GatewayProcess(tmp_path / "gw", broker.port, server, "token", settings=settings)
    try:
        gateway.start()
        door.run_out_of_paper()
        queue(gateway, "D01", 3)
        wait_until(
            lambda: gateway.book("SELECT reason FROM print_jobs ORDER BY id LIMIT 1")
            == [("paper_out",)],
            15, "the first job kept with the printer's trouble",
        )  # fmt: skip
        assert door.printed == []
        assert gateway.book("SELECT DISTINCT state FROM print_jobs") == [("queued",)]
        door.refill()
        wait_until(lambda: len(door.good) == 3, 30, "the labels after the refill")
        gateway.stop()
        gateway.start()  # restarted: the serials go on from where they were
        queue(gateway, "D01", 2)
        wait_until(lambda: len(door.good) == 5, 30, "the labels after the restart")
    finally:
        gateway.stop()
        door.stop()
    ssccs = [p.format.scans[-1].sscc or "" for p in door.good]
    assert [int(code[8:17]) for code in ssccs] == [1, 2, 3, 4, 5]
    assert len(set(door.state.tags)) == 5
    assert gateway.book("SELECT count(*) FROM print_jobs WHERE state = 'printed'") == [(5,)]
