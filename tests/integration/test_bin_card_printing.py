"""Bin cards (annex 3) on the depot's printers: a keeper asks on the floor page for the cards
of a location's stacks; a ZPL printer (a simulated Zebra on TCP) prints one card per batch
there, and a PDF printer spools one whose QR code a scanner reads as the batch."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
import zxingcpp
from test_label_pages import floor

from edge.decode import decode_barcode
from gateway.domain.zpl import ZplSetup
from gateway.services.label_queue import LabelDesk, Numbering
from gateway.services.print_worker import PdfDevice, PrintWorker, ZplDevice
from gateway.services.printing import PdfSpool, ZplPrinter
from gateway.storage import print_queue
from gateway.storage.store import GatewayStore
from harness.floor_book import GTIN, quilt_book
from harness.forms import submit
from harness.pdfcheck import text
from harness.zpl_printer import ZplPrinter as Simulator

pytestmark = pytest.mark.timeout(60)
DEPOT = Numbering("6901234", 3)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GatewayStore]:
    book = quilt_book(tmp_path / "gateway.db")
    yield book
    book.close()


def test_a_keeper_prints_a_locations_bin_cards_one_per_batch(
    store: GatewayStore, zebra: Simulator
) -> None:
    woken: list[bool] = []
    client = floor(store, LabelDesk(DEPOT, {"D01": False}, lambda: woken.append(True)))
    assert 'href="/floor/cards/new"' in client.get("/floor").text
    form = {"printer": "D01", "location": "A-01-01"}
    sent = submit(client, "/floor/cards/new", "/floor/cards", form, follow_redirects=False)
    assert sent.status_code == 303 and woken == [True]
    printer = ZplPrinter(zebra.host, zebra.port, timeout=1, settle=0.3, poll=0.05)
    PrintWorker(store, {"D01": ZplDevice(printer, ZplSetup())}).run_once()
    first, second = (p.format for p in zebra.good)
    assert "市级救灾储备物资标识牌" in first.texts
    for words in ("棉被", "A-01-01", "江苏某被服厂", "2 x 1.5 m", "120 床", "2026-03-01",
                  "2026-04-02", "5", "Li Na"):  # fmt: skip
        assert words in first.texts, words
    assert "40 床" in second.texts and "—" in second.texts  # no maker known: a dash
    scanned = [decode_barcode(f.qr[0].encode()) for f in (first, second)]
    assert [(s.data.gtin, s.data.batch, s.data.prod_date) for s in scanned] == [
        (GTIN, "Q2026A", "2026-03-01"),
        (GTIN, "Q2026B", "2026-05-01"),
    ]
    with store.reading() as db:
        assert [j.state for j in print_queue.jobs(db)] == ["printed", "printed"]


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"printer": "D01", "location": "A-01-02"}, "nothing is stored there"),
        ({"printer": "D01", "location": "Z-99"}, "no such storage location"),
        ({"printer": "D01", "location": "D01"}, "no such storage location"),  # a dock
        ({"printer": "D09", "location": "A-01-01"}, "choose a printer"),
    ],
)
def test_a_card_asked_for_nothing_is_refused_with_why(
    store: GatewayStore, form: dict[str, str], says: str
) -> None:
    client = floor(store, LabelDesk(DEPOT, {"D01": False}))
    answer = submit(client, "/floor/cards/new", "/floor/cards", form)
    assert answer.status_code == 422 and says in answer.text
    with store.reading() as db:
        assert print_queue.jobs(db) == []


def test_a_pdf_printer_spools_the_card_and_its_qr_reads_as_the_batch(
    store: GatewayStore, tmp_path: Path
) -> None:
    client = floor(store, LabelDesk(DEPOT, {"PDF": False}))
    form = {"printer": "PDF", "location": "A-01-01"}
    assert submit(client, "/floor/cards/new", "/floor/cards", form).status_code == 200
    spool = tmp_path / "spool"
    PrintWorker(store, {"PDF": PdfDevice(PdfSpool(spool))}).run_once()
    pdfs = {path: text(path) for path in spool.glob("card-*.pdf")}
    assert len(pdfs) == 2
    (first,) = [path for path, words in pdfs.items() if "江苏某被服厂" in words]
    assert "120 床" in pdfs[first]
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(first),
                    str(tmp_path / "card")], check=True)  # fmt: skip
    image = cv2.imread(str(next(tmp_path.glob("card*.png"))), cv2.IMREAD_GRAYSCALE)
    (code,) = zxingcpp.read_barcodes(image)
    read = decode_barcode(code.bytes)
    assert read.valid and (read.data.gtin, read.data.batch) == (GTIN, "Q2026A")
