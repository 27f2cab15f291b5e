"""Papers that print anywhere: every kind of PDF the project makes (the acceptance record of
annex 1, the handover note of annex 2, the bin cards of annex 3, the enrolment sheets)
carries its font. `pdffonts` finds every font embedded, `pdftotext` reads the Chinese and the
English, and a rendering on a machine with no fonts and no language pack draws every word."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import reportlab

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


VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"  # Latin letters only


@pytest.mark.parametrize(
    ("font", "said"),
    [
        ("gone.ttf", "names {path}, which is not a file"),
        ("not-a-font.ttf", "cannot be embedded"),
        (str(VERA), "has no glyphs for"),
    ],
)
def test_a_font_that_cannot_serve_stops_the_build_saying_why(
    tmp_path: Path, font: str, said: str
) -> None:
    (tmp_path / "not-a-font.ttf").write_bytes(b"not a font" * 100)
    path = font if font.startswith("/") else str(tmp_path / font)
    built = subprocess.run(
        [DEPOT, "config", "build", str(EXAMPLE_SITE), str(tmp_path / "built")],
        capture_output=True, text=True, env={**os.environ, "DEPOT_PDF_FONT": path},
    )  # fmt: skip
    assert built.returncode != 0 and said.format(path=path) in built.stderr
    assert "Traceback" not in built.stderr and "nothing was built" in built.stderr
    if "names" not in said:
        assert "install fonts-wqy-zenhei" in built.stderr
    assert not (tmp_path / "built" / "sheets").exists()


@ON_SQLITE
def test_without_its_font_the_server_serves_on_and_the_papers_say_what_to_install(
    depot: Depot, tmp_path: Path
) -> None:
    (tmp_path / "not-a-font.ttc").write_bytes(b"not a font" * 100)
    env = {"DEPOT_PDF_FONT": str(tmp_path / "not-a-font.ttc")}
    server = ServerProcess(depot.db_url, tmp_path, env=env).start()
    try:
        decided = receive_and_accept(server, depot, depot.example.items[0], "PF1", 4)
        with server.login(ADMIN) as admin:
            form = admin.get(f"/api/v1/acceptances/{decided['approval_id']}/form.pdf")
            assert form.status_code == 503 and "fonts-wqy-zenhei" in form.json()["detail"]
            assert admin.get("/api/v1/stock", params={"warehouse": "LC01"}).status_code == 200
    finally:
        server.stop()
    assert "cannot be embedded" in server.proc.log()
