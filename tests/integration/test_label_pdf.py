"""The PDF logistic label as any office printer prints it: rendered by poppler as a depot PC
would, its barcodes read back by the station's own camera decoders and GS1 reading."""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2

from edge.decode.barcode import decode_barcode
from edge.decode.vision import combined_codes
from gateway.domain.labels import LogisticLabel, sscc
from gateway.services.label_pdf import label_pdf
from harness import pdfcheck
from harness.zpl import sample_label

GTIN = "06901234567892"


def read_back(pdf: bytes, tmp_path: Path, dpi: int = 300) -> list[list[dict[str, object]]]:
    """Each page's decoded barcodes, as the station decodes a camera's frame."""
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", str(path), str(tmp_path / "page")], check=True
    )
    pages = []
    for image in sorted(tmp_path.glob("page-*.pgm")):
        gray = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
        decoded = [decode_barcode(code.raw) for code in combined_codes(gray)]
        assert all(d.valid for d in decoded), [d.error for d in decoded]
        pages.append([{k: v for k, v in vars_of(d.data).items() if v} for d in decoded])
    return pages


def vars_of(data: object) -> dict[str, object]:
    return {name: getattr(data, name) for name in data.__slots__}  # type: ignore[attr-defined]


def test_each_labels_barcodes_read_back_to_its_sscc_gtin_batch_and_count(tmp_path: Path) -> None:
    labels = [
        sample_label(serial, batch=batch, qty=qty)
        for serial, batch, qty in ((1, "LOT-2026A", 40), (2, "B" * 20, 1_000_000))
    ]
    pages = read_back(label_pdf(labels), tmp_path)
    assert len(pages) == 2
    first, second = ({frozenset(d.items()) for d in page} for page in pages)
    assert first == {
        frozenset({"kind": "gs1", "gtin": GTIN, "qty": 40, "batch": "LOT-2026A"}.items()),
        frozenset(
            {
                "kind": "gs1",
                "sscc": labels[0].sscc,
                "prod_date": "2026-03-01",
                "expiry": "2031-02-28",
            }.items()
        ),
    }
    # The long batch took a symbol of its own, under the GTIN again: three symbols, each read.
    assert second == {
        frozenset({"kind": "gs1", "gtin": GTIN, "qty": 1_000_000}.items()),
        frozenset({"kind": "gs1", "gtin": GTIN, "batch": "B" * 20}.items()),
        frozenset(
            {
                "kind": "gs1",
                "sscc": labels[1].sscc,
                "prod_date": "2026-03-01",
                "expiry": "2031-02-28",
            }.items()
        ),
    }


def test_the_label_carries_its_font_and_shows_every_word_without_one(tmp_path: Path) -> None:
    label = LogisticLabel(
        sscc=sscc("6901234", 0, 7),
        gtin=GTIN,
        batch="L1",
        qty=5,
        item_zh="折叠床",
        item_en="Folding bed",
        unit_zh="张",
    )
    path = tmp_path / "label.pdf"
    path.write_bytes(label_pdf([label]))
    assert all(font.embedded for font in pdfcheck.fonts(path))
    assert "折叠床" in pdfcheck.text(path)
    unseen, words = pdfcheck.unseen_words(path, tmp_path / "bare")
    assert words > 5 and unseen == []
