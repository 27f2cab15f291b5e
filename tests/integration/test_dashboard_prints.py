"""Labels and bin cards asked for on the central dashboard, at the gateway: the requests a
sync brings are queued once each, across a restart too, by the floor's own rules; refused
ones say why and never stop the others; and what came of each (queued, printed, waiting for a
supervisor) goes back with the status report until the server has it final. The printer is a
simulated Zebra on TCP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.config import ServerLink
from gateway.domain.zpl import ZplSetup
from gateway.services.dashboard_prints import DashboardPrints
from gateway.services.label_queue import LabelDesk, Numbering
from gateway.services.print_worker import PrintWorker, ZplDevice
from gateway.services.printing import ZplPrinter
from gateway.storage import print_queue
from gateway.storage.disk import DiskGuard
from gateway.storage.store import GatewayStore
from gateway.upstream.report import Reporter
from harness.floor_book import GTIN, quilt_book
from harness.zpl_printer import ZplPrinter as Simulator

pytestmark = pytest.mark.timeout(60)
DESK = LabelDesk(Numbering("6901234", 3), {"D01": True}, supervisor_over=5)


def labels(rid: int, **changes: Any) -> dict[str, Any]:
    return {"id": rid, "kind": "labels", "printer": "D01", "asked_by": "zhang", "role": "keeper",
            "gtin": GTIN, "batch": "Q2026A", "qty": 40, "units": 3, "prod_date": "2026-03-01",
            "expiry": None, **changes}  # fmt: skip


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "gateway.db"
    quilt_book(path).close()
    yield path


def prints_at(store: GatewayStore, worker: PrintWorker | None = None) -> DashboardPrints:
    return DashboardPrints(store, DESK, "LC01", {"D01": "zpl"}, worker.problems if worker else dict)


def worker_for(store: GatewayStore, zebra: Simulator) -> PrintWorker:
    printer = ZplPrinter(zebra.host, zebra.port, timeout=1, settle=0.3, poll=0.05)
    return PrintWorker(store, {"D01": ZplDevice(printer, ZplSetup(rfid=True))})


def outcomes(prints: DashboardPrints) -> dict[int, dict[str, Any]]:
    report, _ = prints.report()
    return {o["id"]: o for o in report["print_requests"]}


def test_a_request_is_queued_once_across_a_restart_and_printed(
    book: Path, zebra: Simulator
) -> None:
    store = GatewayStore(book, lambda: 1_000.0)
    prints = prints_at(store)
    assert prints.take([labels(7)]) == 1
    assert prints.take([labels(7)]) == 0  # the next sync brings it again: nothing more
    store.close()
    store = GatewayStore(book, lambda: 2_000.0)  # the gateway restarted
    worker = worker_for(store, zebra)
    prints = prints_at(store, worker)
    assert prints.take([labels(7)]) == 0
    with store.reading() as db:
        assert len(print_queue.jobs(db)) == 3
    assert outcomes(prints)[7]["state"] == "queued"
    worker.run_once()
    assert len(zebra.good) == 3 and len(set(zebra.state.tags)) == 3
    report, carried = prints.report()
    (done,) = report["print_requests"]
    assert (done["state"], done["jobs"], done["printed"]) == ("printed", 3, 3)
    printed_ssccs = [p.format.scans[1].sscc for p in zebra.good]
    assert (done["first_sscc"], done["last_sscc"]) == (printed_ssccs[0], printed_ssccs[-1])
    assert report["printers"] == [
        {"printer": "D01", "kind": "zpl", "rfid": True, "queued": 0, "held": 0, "trouble": None}
    ]
    prints.reported(carried)  # the server has it final: not sent again
    assert prints.report()[0]["print_requests"] == []
    store.close()


def test_refused_and_malformed_requests_say_why_and_stop_none_of_the_others(
    book: Path,
) -> None:
    store = GatewayStore(book, lambda: 1_000.0)
    prints = prints_at(store)
    sync = [
        "not an object",
        {"id": "x", "kind": "labels"},
        labels(1, gtin="06901234567885"),
        labels(2, printer="D09"),
        labels(3, units=6),  # over supervisor_over: a keeper may not
        {"id": 4, "kind": "cards", "printer": "D01", "asked_by": "zhang", "location": "A-01-02"},
        {"id": 5, "kind": "posters", "printer": "D01"},
        labels(6, batch="x" * 300),
        labels(8, units=6, role="supervisor"),
        {
            "id": 9,
            "kind": "cards",
            "printer": "D01",
            "asked_by": "Zhang Min",
            "role": "keeper",
            "location": "A-01-01",
        },
    ]
    assert prints.take(sync) == 2
    seen = outcomes(prints)
    assert {rid: o["state"] for rid, o in seen.items()} == {
        1: "refused", 2: "refused", 3: "refused", 4: "refused", 5: "refused", 6: "refused",
        8: "queued", 9: "queued",
    }  # fmt: skip
    assert "no item has this GTIN" in seen[1]["reason_en"]
    assert "choose a printer" in seen[2]["reason_en"] and "请选择打印机" in seen[2]["reason_zh"]
    assert "a supervisor asks" in seen[3]["reason_en"]
    assert "nothing is stored there" in seen[4]["reason_en"]
    assert "kind is neither labels nor cards" in seen[5]["reason_en"]
    assert "batch is too long" in seen[6]["reason_en"]
    with store.reading() as db:
        jobs = print_queue.jobs(db)
    cards = [j.label for j in jobs if not hasattr(j.label, "sscc")]
    assert len(jobs) == 6 + 2 and [c.keeper for c in cards] == ["Zhang Min"] * 2
    store.close()


def test_a_printer_out_of_paper_is_reported_and_a_label_in_doubt_needs_attention(
    book: Path, zebra: Simulator
) -> None:
    store = GatewayStore(book, lambda: 1_000.0)
    worker = worker_for(store, zebra)
    prints = prints_at(store, worker)
    zebra.run_out_of_paper()
    prints.take([labels(11, units=2)])
    worker.run_once()
    report, _ = prints.report()
    assert report["printers"][0]["trouble"] == "paper_out"
    assert report["printers"][0]["queued"] == 2
    waiting = report["print_requests"][0]
    assert (waiting["state"], waiting["reason_zh"]) == ("queued", "打印机缺纸，请装纸")
    zebra.refill()
    with Simulator(rfid=True, print_seconds=5) as slow:  # takes a label, prints it late
        worker = worker_for(store, slow)
        prints = prints_at(store, worker)
        worker.run_once()  # past the settle time: whether it printed is for a supervisor
    doubt = outcomes(prints)[11]
    assert doubt["state"] == "attention"
    assert doubt["reason_en"] == "the printer did not finish the label in time"
    store.close()


def test_the_report_carries_an_outcome_until_the_server_has_taken_it(
    book: Path, zebra: Simulator
) -> None:
    """The status report names the printer and the request; one the server did not take (it
    answered 503) is sent again; once taken, a final outcome is not sent again."""
    store = GatewayStore(book, lambda: 1_000.0)
    worker = worker_for(store, zebra)
    prints = prints_at(store, worker)
    prints.take([labels(21, units=1)])
    worker.run_once()
    token = book.parent / "token"
    token.write_text("gateway-token")
    disk = DiskGuard(book.parent, 1, 1)
    reporter = Reporter(ServerLink("http://central", token), store, disk, {}, 30.0,
                        clock=lambda: datetime(2026, 12, 3, tzinfo=UTC), prints=prints)  # fmt: skip
    heard: list[dict[str, Any]] = []
    answers = iter([503, 200, 200])

    def server(request: httpx.Request) -> httpx.Response:
        heard.append(json.loads(request.content))
        return httpx.Response(next(answers), json={})

    with httpx.Client(base_url="http://central", transport=httpx.MockTransport(server)) as http:
        for _ in range(3):
            reporter.once(http)
    sent = [[r["id"] for r in body["print_requests"]] for body in heard]
    assert sent == [[21], [21], []]  # refused once, taken once, then no more
    assert heard[0]["print_requests"][0]["state"] == "printed"
    assert heard[0]["printers"][0]["printer"] == "D01"
    store.close()
