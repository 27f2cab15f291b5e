"""Every file the server gives is named safely for any order number: a Content-Disposition
with the name as it is (RFC 6266 `filename*`, UTF-8) and an ASCII stand-in (`filename`),
whatever the name holds: Chinese, quotes, semicolons, percent signs, slashes. The handover note
of such an order opens from the API's link and from the dashboard's."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import httpx
import pytest
from werkzeug.http import parse_options_header

from harness.depot import ADMIN, Depot, ServerProcess
from harness.dispatching import floor_event, hand_over, receive_and_accept

CHINESE = "绵应急调〔2026〕12号"
ODD = "A\"1;2/3\\4%5 #6?'7"  # a quote, a semicolon, a slash, a backslash, %, #, ?
FALLBACK = re.compile(r'filename="([^"]*)"')


def saved_as(answer: httpx.Response) -> tuple[str, str, str]:
    """(inline or attachment, the name a browser saves the file under, the ASCII stand-in)."""
    header = answer.headers["content-disposition"]
    assert header.isascii()
    kind, params = parse_options_header(header)  # filename* over filename, as RFC 6266 says
    assert "filename*=UTF-8''" in header
    fallback = FALLBACK.search(header)
    assert fallback is not None and re.fullmatch(r"[ -~]+", fallback[1])
    assert not set(fallback[1]) & set('"\\;%/')
    return kind, params["filename"], fallback[1]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # no database matter
def test_every_download_is_named_by_its_own_name(server: ServerProcess, depot: Depot) -> None:
    item = depot.example.items[0]
    decided = receive_and_accept(server, depot, item, "DL1", 30)
    floor_event(server, depot, type="storing", from_location="D01", to_location="A-01-01",
                gtin=item.gtin, batch="DL1", qty=10)  # fmt: skip
    files = [
        (f"/api/v1/acceptances/{decided['approval_id']}/form.pdf", {},
         "inline", f"acceptance-{decided['approval_id']}.pdf"),
        ("/api/v1/bin-cards.pdf", {"warehouse": "LC01"}, "inline", "bin-cards-LC01.pdf"),
    ]  # fmt: skip
    for kind in ("csv", "xlsx"):
        files.append(("/api/v1/reports/monthly", {"month": "2026-10", "format": kind},
                      "attachment", f"monthly-2026-10-all.{kind}"))  # fmt: skip
        for table in ("items", "locations", "warehouses", "suppliers", "places", "road_distances"):
            files.append((f"/api/v1/master/{table}", {"format": kind}, "attachment",
                          f"{table}.{kind}"))  # fmt: skip
    with server.login(ADMIN) as admin:
        for path, params, kind, name in files:
            answer = admin.get(path, params=params)
            assert answer.status_code == 200, (path, answer.text)
            assert saved_as(answer)[:2] == (kind, name), path


@pytest.mark.parametrize(
    ("number", "saved", "stand_in"),
    [
        (CHINESE, f"JJ-{CHINESE}-LC01-1.pdf", "JJ-_2026_12_-LC01-1.pdf"),
        (ODD, "JJ-A\"1;2_3_4%5 #6?'7-LC01-1.pdf", "JJ-A_1_2_3_4_5 #6?'7-LC01-1.pdf"),
        ("9" * 64, f"JJ-{'9' * 64}-LC01-1.pdf", f"JJ-{'9' * 64}-LC01-1.pdf"),
    ],
)
def test_the_handover_note_of_any_order_number(
    server: ServerProcess, depot: Depot, number: str, saved: str, stand_in: str
) -> None:
    item = depot.example.items[0]
    receive_and_accept(server, depot, item, "DL2", 5)
    note = hand_over(server, depot, item, "DL2", number, 5)
    assert note.note == f"JJ-{number}-LC01-1"
    with server.login(ADMIN) as admin:
        pdf = admin.get(note.pdf)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert saved_as(pdf) == ("inline", saved, stand_in)
        # the dashboard: the order's page links the note's page, which links its PDF
        order_page = admin.get(f"/orders/{note.order_id}").text
        link = re.search(r'href="(/handovers/[^"]+)"', order_page)
        assert link is not None
        page = admin.get(link[1])
        assert page.status_code == 200 and number in html.unescape(page.text)
        printed = re.search(r'href="(/api/v1/dispatch/handovers/[^"]+\.pdf)"', page.text)
        assert printed is not None and unquote(printed[1]).endswith(f"JJ-{number}-LC01-1.pdf")
        again = admin.get(printed[1])
        assert again.status_code == 200 and saved_as(again) == ("inline", saved, stand_in)
