"""The name every download goes by (server/web/downloads.py): the name as it is for a client that
reads RFC 6266's `filename*`, an ASCII stand-in for one that does not, and a header that is
plain ASCII whatever the name holds."""

from __future__ import annotations

from werkzeug.http import parse_options_header

from server.web.downloads import disposition, file_name

NAMES = {
    "monthly-2026-11-全网": "monthly-2026-11-_.csv",
    'a"b;c%d\\e/f': "a_b_c_d_e_f.csv",
    "bin cards (A区) #1": "bin cards (A_) #1.csv",
    "\u200b零宽": "_.csv",
}


def test_any_name_goes_whole_with_an_ascii_stand_in() -> None:
    for stem, stand_in in NAMES.items():
        name = file_name(stem, "csv")
        header = disposition(name, inline=False)
        assert header.isascii()
        kind, params = parse_options_header(header)
        assert (kind, params["filename"]) == ("attachment", name)
        assert header.startswith(f'attachment; filename="{stand_in}"; '), header


def test_no_name_holds_a_path() -> None:
    assert file_name("../../etc/passwd", "pdf") == ".._.._etc_passwd.pdf"
    assert file_name("a\\b\x00c\x85d", "pdf") == "a_b_c_d.pdf"
    assert disposition("x.pdf", inline=True).startswith('inline; filename="x.pdf"')
