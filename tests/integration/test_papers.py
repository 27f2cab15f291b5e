"""The printed papers: the acceptance record (annex 1) and bin cards (annex 3) whose QR code
a floor scanner reads back as the batch."""

from __future__ import annotations

import io
import subprocess
import uuid
from pathlib import Path

import cv2
import httpx
import pypdf
import zxingcpp

from edge.decode import decode_barcode
from harness.depot import ADMIN, Depot, ServerProcess
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine


def test_the_acceptance_record_and_the_bin_card(
    server: ServerProcess, depot: Depot, tmp_path: Path
) -> None:
    item = depot.example.items[0]
    base = {
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:00:00+08:00",
        "gtin": item.gtin,
        "batch": "PP1",
        "prod_date": "2026-04-02",
    }
    auth = {"Authorization": f"Bearer {depot.gateway_token}"}

    def post(**fields: object) -> None:
        body = {"events": [{"event_id": str(uuid.uuid4()), **base, **fields}]}
        result = httpx.post(f"{server.url}/api/v1/events", json=body, headers=auth).json()
        assert result["results"][0]["result"] == "accepted"

    post(type="receiving", location="D01", qty=16)
    with server.login(ADMIN) as admin:
        decided = admin.post(
            "/api/v1/acceptances",
            json={
                "warehouse": "LC01",
                "item": item.code,
                "batch": "PP1",
                "location": "D01",
                "qty": 16,
                "decision": "accepted",
                "supplier": "四川某帐篷厂",
                "inspection": {
                    "record_no": "YS-2026-301",
                    "sampled": 2,
                    "result": "pass",
                    "quality_report": "ZJ-2026-0999",
                    "inspectors": ["张工"],
                },
            },
        ).json()
        form = admin.get(f"/api/v1/acceptances/{decided['approval_id']}/form.pdf")
        assert form.headers["content-type"] == "application/pdf"
        text = pypdf.PdfReader(io.BytesIO(form.content)).pages[0].extract_text()
        assert "YS-2026-301" in text and "ZJ-2026-0999" in text and "Acceptance record" in text

        post(type="storing", from_location="D01", to_location="A-01-01", qty=16)
        cards = admin.get(
            "/api/v1/bin-cards.pdf", params={"warehouse": "LC01", "location": "A-01-01"}
        )
        assert cards.status_code == 200
        assert (
            admin.get(
                "/api/v1/bin-cards.pdf", params={"warehouse": "LC01", "location": "Z-99"}
            ).status_code
            == 404
        )
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(cards.content)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "card")],
        check=True,
    )
    image = cv2.imread(str(next(tmp_path.glob("card*.png"))), cv2.IMREAD_GRAYSCALE)
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1
    read = decode_barcode(codes[0].bytes)  # what a scanner at the stack would make of it
    assert read.valid and (read.data.gtin, read.data.batch, read.data.prod_date) == (
        item.gtin,
        "PP1",
        "2026-04-02",
    )


def test_papers_of_another_depot_are_not_shown(server: ServerProcess, depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    create_user(
        engine,
        "zhao",
        "a-long-enough-password",
        role="supervisor",
        warehouse="LC02",
        now=system_clock(),
    )
    engine.dispose()
    with server.login(("zhao", "a-long-enough-password")) as zhao:
        assert zhao.get("/api/v1/bin-cards.pdf", params={"warehouse": "LC01"}).status_code == 403
        assert zhao.get("/api/v1/acceptances/1/form.pdf").status_code in (403, 404)
