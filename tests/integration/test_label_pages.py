"""The floor pages and the label printers: a keeper asks for a delivery's labels on the page,
sees a printer's trouble on the overview, and prints held labels again once the roll is
checked; the printers are simulated Zebras on TCP."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.domain.labels import UnitsToLabel, epc_uri
from gateway.domain.zpl import ZplSetup
from gateway.entrypoints.floor_web import COOKIE, FloorContext, create_floor_app
from gateway.entrypoints.metrics import Gauges, IntakeMetrics
from gateway.services import floor_pages
from gateway.services.label_queue import LabelDesk, Numbering, queue_labels
from gateway.services.print_worker import PrintWorker, ZplDevice
from gateway.services.printing import ZplPrinter
from gateway.storage import print_queue
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore
from harness.floor_book import GTIN, quilt_book
from harness.forms import submit
from harness.procs import wait_until
from harness.zpl import sample_label
from harness.zpl_printer import ZplPrinter as Simulator
from kernel.clock import system_clock

pytestmark = pytest.mark.timeout(60)
DEPOT = Numbering("6901234", 3)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GatewayStore]:
    book = quilt_book(tmp_path / "gateway.db")
    yield book
    book.close()


def floor(
    store: GatewayStore, desk: LabelDesk | None = None, who: tuple[str, str] = ("li", "1357-2468")
) -> TestClient:
    """The floor pages, signed on (keeper li unless `who`), sending the Origin a browser sends."""
    gauges = Gauges(0, 0, None, None, 10 * 1024**3, False)
    context = FloorContext(
        "LC01", store, IntakeMetrics(), lambda: gauges, system_clock, labels=desk
    )
    client = TestClient(create_floor_app(context), headers={"Origin": "http://testserver"})
    token = floor_pages.sign_on(store, *who, time.time())
    assert token is not None
    client.cookies.set(COOKIE, token)
    return client


def worker_for(store: GatewayStore, zebra: Simulator) -> PrintWorker:
    printer = ZplPrinter(zebra.host, zebra.port, timeout=1, settle=0.3, poll=0.05)
    device = ZplDevice(printer, ZplSetup(rfid=True))
    return PrintWorker(store, {"D01": device})


def test_a_keeper_asks_for_a_deliverys_labels_and_they_print_with_their_tags(
    store: GatewayStore, zebra: Simulator
) -> None:
    worker = worker_for(store, zebra)
    woken: list[bool] = []
    client = floor(store, LabelDesk(DEPOT, {"D01": True}, lambda: woken.append(True)))
    assert 'href="/floor/labels/new"' in client.get("/floor").text
    form = {"printer": "D01", "gtin": GTIN, "batch": "2026C07", "qty": "40", "units": "3",
            "prod_date": "2026-03-01", "expiry": ""}  # fmt: skip
    sent = submit(client, "/floor/labels/new", "/floor/labels", form, follow_redirects=False)
    assert sent.status_code == 303 and woken == [True]
    worker.run_once()
    assert len(zebra.good) == 3 and len(set(zebra.state.tags)) == 3
    content = zebra.good[0].format.scans[0]
    assert (content.gtin, content.batch, content.qty) == (GTIN, "2026C07", 40)
    assert "棉被" in zebra.good[0].format.texts and "LC01 D01" in zebra.good[0].format.texts
    with store.reading() as db:  # each unit's tag stands for it, as a received unit's does
        units = [Book(db).tagged(epc_uri(epc)) for epc in zebra.state.tags]
    assert [(u.item, u.batch) if u else None for u in units] == [("CQ-0001", "2026C07")] * 3


def test_many_labels_at_once_are_a_supervisors_and_a_printers_queue_is_capped(
    store: GatewayStore,
) -> None:
    desk = LabelDesk(DEPOT, {"D01": True}, supervisor_over=3, queue_cap=5)
    keeper, supervisor = floor(store, desk), floor(store, desk, who=("wang", "2468-1357"))
    form = {"printer": "D01", "gtin": GTIN, "batch": "2026C07", "qty": "40", "units": "4",
            "prod_date": "", "expiry": ""}  # fmt: skip
    refused = submit(keeper, "/floor/labels/new", "/floor/labels", form)
    assert refused.status_code == 422 and "a supervisor asks" in refused.text
    asked = submit(supervisor, "/floor/labels/new", "/floor/labels", form, follow_redirects=False)
    assert asked.status_code == 303
    full = submit(keeper, "/floor/labels/new", "/floor/labels", {**form, "units": "2"})
    assert full.status_code == 422 and "the printer has 4 labels waiting, at most 5" in full.text
    assert submit(keeper, "/floor/labels/new", "/floor/labels", {**form, "units": "1"},
                  follow_redirects=False).status_code == 303  # fmt: skip
    with store.reading() as db:
        assert len(print_queue.jobs(db)) == 5


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"gtin": "06901234567885"}, "gtin", "no item has this GTIN"),
        ({"qty": "forty"}, "qty", "a whole number"),
        ({"units": "0"}, "units", "labels at once"),
        ({"batch": "批号"}, "batch", "a batch is 1..20"),
        ({"prod_date": "2026-13-01"}, "prod_date", "not a date"),
        ({"printer": "D09"}, "printer", "choose a printer"),
    ],
)
def test_a_form_with_a_mistake_comes_back_marked_and_takes_no_serial(
    store: GatewayStore, change: dict[str, str], field: str, says: str
) -> None:
    client = floor(store, LabelDesk(DEPOT, {"D01": True}))
    form = {"printer": "D01", "gtin": GTIN, "batch": "2026C07", "qty": "40", "units": "3",
            "prod_date": "", "expiry": "", **change}  # fmt: skip
    answer = submit(client, "/floor/labels/new", "/floor/labels", form)
    assert answer.status_code == 422
    marked = re.search(rf'id="{field}-error">(.*?)</span></span>', answer.text, re.S)
    assert marked and says in marked.group(1)
    with store.reading() as db:
        assert print_queue.jobs(db) == []
    queue_labels(store, "D01", UnitsToLabel(1, sample_label(0)), DEPOT)
    with store.reading() as db:
        assert [job.label.sscc[8:17] for job in print_queue.jobs(db)] == ["000000001"]


def test_a_depot_without_printers_has_no_label_page(store: GatewayStore) -> None:
    client = floor(store)
    assert "/floor/labels/new" not in client.get("/floor").text
    assert client.get("/floor/labels/new").status_code == 404


def test_the_floor_page_shows_a_printers_trouble_and_its_waiting_labels(
    store: GatewayStore, zebra: Simulator
) -> None:
    client = floor(store)
    zebra.run_out_of_paper()
    queue_labels(store, "D01", UnitsToLabel(2, sample_label(0), encode=True), DEPOT)
    worker = worker_for(store, zebra)
    worker.run_once()
    page = client.get("/floor/partials/overview").text
    assert 'id="printers"' in page and "D01" in page
    assert "待打印 2" in page and "打印机缺纸，请装纸" in page and "out of paper" in page
    zebra.refill()
    worker.run_once()
    assert 'id="printers"' not in client.get("/floor/partials/overview").text  # all printed
    zebra.fail_next_encodes(print_queue.MAX_VOIDS)  # a roll of bad tags
    queue_labels(store, "D01", UnitsToLabel(1, sample_label(0), encode=True), DEPOT)
    worker.run_once()
    page = client.get("/floor/partials/overview").text
    assert "待处理 1" in page and "请检查标签卷" in page
    answer = submit(client, "/floor", "/floor/printers/D01/retry", {}, follow_redirects=False)
    assert answer.status_code == 303
    worker.run_once()
    assert len(zebra.good) == 3 and 'id="printers"' not in client.get("/floor").text


def test_a_label_the_printer_held_past_the_wait_is_settled_by_a_supervisor(
    store: GatewayStore, zebra: Simulator
) -> None:
    zebra.run_out_of_paper(after=1)
    [_, held] = queue_labels(store, "D01", UnitsToLabel(2, sample_label(0), encode=True), DEPOT)
    worker_for(store, zebra).run_once()  # the second label is in the printer, out of paper
    keeper, supervisor = floor(store), floor(store, who=("wang", "2468-1357"))
    page = keeper.get("/floor/partials/overview").text
    assert 'id="unconfirmed"' in page and "打印机缺纸，请装纸" in page
    with store.reading() as db:
        job = print_queue.job(db, held)
    assert job is not None and f"SSCC {job.label.sscc}" in page
    action = f"/floor/print-jobs/{held}/printed"
    assert submit(keeper, "/floor", action, {}, follow_redirects=False).status_code == 403
    zebra.refill()  # the printer prints what it held; the supervisor sees it come out
    assert submit(supervisor, "/floor", action, {}, follow_redirects=False).status_code == 303
    with store.reading() as db:
        assert [j.state for j in print_queue.jobs(db)] == ["printed", "printed"]
    assert 'id="unconfirmed"' not in supervisor.get("/floor/partials/overview").text
    wait_until(lambda: len(zebra.printed) == 2, 10, "the held label printed")
    assert [p.void for p in zebra.printed] == [False, False]  # each once, never sent twice


def test_a_supervisor_asks_again_for_a_label_that_did_not_come_out(store: GatewayStore) -> None:
    woken: list[bool] = []
    desk = LabelDesk(DEPOT, {"D01": True}, lambda: woken.append(True))
    [job] = queue_labels(store, "D01", UnitsToLabel(1, sample_label(0), encode=True), DEPOT)
    with store.transaction() as db:
        print_queue.sending(db, job)
        print_queue.unconfirmed(db, job, "not_settled")
    supervisor = floor(store, desk, who=("wang", "2468-1357"))
    assert "打印机未在时限内打完" in supervisor.get("/floor/partials/overview").text
    again = f"/floor/print-jobs/{job}/again"
    assert submit(supervisor, "/floor", again, {}, follow_redirects=False).status_code == 303
    with store.reading() as db:
        assert [(j.state, j.reason) for j in print_queue.jobs(db)] == [("queued", None)]
    assert woken == [True]
    assert submit(supervisor, "/floor", again, {}, follow_redirects=False).status_code == 303
    assert woken == [True]  # settled already: nothing more


def test_items_counted_by_item_get_a_label_and_an_sgtin_tag_each(
    store: GatewayStore, zebra: Simulator
) -> None:
    client = floor(store, LabelDesk(DEPOT, {"D01": True}))
    form = {"printer": "D01", "gtin": GTIN, "batch": "2026C07", "qty": "", "units": "2",
            "prod_date": "", "expiry": "", "by_item": "1"}  # fmt: skip
    assert submit(client, "/floor/labels/new", "/floor/labels", form).status_code == 200
    worker_for(store, zebra).run_once()
    scans = [p.format.scans[0] for p in zebra.good]
    assert [(s.gtin, s.serial, s.qty) for s in scans] == [
        (GTIN, "3000000001", None),
        (GTIN, "3000000002", None),
    ]
    with store.reading() as db:
        units = [Book(db).tagged(epc_uri(epc)) for epc in zebra.state.tags]
    assert [(u.qty, u.epc.split(".")[-1]) if u else None for u in units] == [
        (1, "3000000001"),
        (1, "3000000002"),
    ]
