"""Papers that print anywhere: every kind of PDF the project makes (the acceptance record of
annex 1, the handover note of annex 2, the bin cards of annex 3, the enrolment sheets)
carries its font. `pdffonts` finds every font embedded, `pdftotext` reads the Chinese and the
English, and a rendering on a machine with no fonts and no language pack draws every word."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness import pdfcheck
from harness.depot import ADMIN, DEPOT, Depot, ServerProcess
from harness.dispatching import floor_event, hand_over, receive_and_accept

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SITE = ROOT / "firmware-config" / "sites" / "LC01.yaml"
ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # no database matter


def prints_anywhere(pdf: bytes, expected: list[str], workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "paper.pdf"
    path.write_bytes(pdf)
    named = pdfcheck.fonts(path)
    assert named and [f for f in named if not f.embedded] == []
    text = pdfcheck.text(path)
    assert [words for words in expected if words not in text] == []
    unseen, words = pdfcheck.unseen_words(path, workdir)
    assert words >= 15 and unseen == []


@ON_SQLITE
def test_the_acceptance_record_and_bin_cards_print_anywhere(
    server: ServerProcess, depot: Depot, tmp_path: Path
) -> None:
    item = depot.example.items[0]
    decided = receive_and_accept(server, depot, item, "PA1", 16)
    floor_event(server, depot, type="storing", from_location="D01", to_location="A-01-01",
                gtin=item.gtin, batch="PA1", qty=16)  # fmt: skip
    with server.login(ADMIN) as admin:
        form = admin.get(f"/api/v1/acceptances/{decided['approval_id']}/form.pdf")
        cards = admin.get(
            "/api/v1/bin-cards.pdf", params={"warehouse": "LC01", "location": "A-01-01"}
        )
    assert form.status_code == 200 and cards.status_code == 200
    prints_anywhere(
        form.content,
        ["市级救灾储备物资入库验收单", "Acceptance record", "四川某帐篷厂 Sichuan Tents",
         "ZJ-PA1", "Storage centre"],
        tmp_path / "acceptance",
    )  # fmt: skip
    prints_anywhere(
        cards.content,
        ["市级救灾储备物资标识牌 Bin card", item.name_zh, "A-01-01", "Manufacturer"],
        tmp_path / "cards",
    )


@ON_SQLITE
def test_the_handover_note_prints_anywhere(
    server: ServerProcess, depot: Depot, tmp_path: Path
) -> None:
    item = depot.example.items[0]
    receive_and_accept(server, depot, item, "PH1", 12)
    note = hand_over(server, depot, item, "PH1", "绵应急调〔2026〕12号", 12)
    with server.login(ADMIN) as admin:
        pdf = admin.get(note.pdf)
    assert pdf.status_code == 200
    prints_anywhere(
        pdf.content,
        ["市级救灾储备物资调用发货（交接）单", "Handover note", note.note,
         "绵阳运输公司 Mianyang Transport", "13800000000", item.name_zh],
        tmp_path / "handover",
    )  # fmt: skip


def test_the_enrolment_sheets_print_anywhere(tmp_path: Path) -> None:
    out = tmp_path / "built"
    subprocess.run([DEPOT, "config", "build", str(EXAMPLE_SITE), str(out)], check=True,
                   capture_output=True)  # fmt: skip
    sheet = out / "sheets" / "LC01-D01-FIX1.pdf"
    prints_anywhere(
        sheet.read_bytes(),
        ["设备入网单 Device enrolment sheet", "绵阳市救灾物资储备库", "LC01-D01-FIX1",
         "sudo depot edge enrol", "This sheet works once and is a key"],
        tmp_path / "sheet",
    )  # fmt: skip
