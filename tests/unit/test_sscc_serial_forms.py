"""The SSCC serials a gateway reports upward and takes back (kernel/sscc_serials.py and the
gateway's book, gateway/storage/print_queue.py)."""

from __future__ import annotations

import sqlite3

import pytest

from gateway.storage.print_queue import SCHEMA, go_on_after, take_serials, used_serials
from kernel.sscc_serials import UsedSerials, from_answer, most, parse


def test_a_report_reads_back_as_it_was_written() -> None:
    used = UsedSerials("6901234", 3, 1520)
    assert used.to_param() == "6901234.3.1520" and parse(used.to_param()) == used
    assert from_answer([{"prefix": "6901234", "extension": 3, "high": 1520}]) == [used]


def test_the_serial_fits_what_an_sscc_under_the_prefix_holds() -> None:
    # 18 digits: extension, prefix, serial, check digit
    assert most("6901234") == 999_999_999 and most("690123456789") == 9_999
    assert parse("690123456789.0.9999").high == 9_999
    with pytest.raises(ValueError, match="does not fit"):
        parse("690123456789.0.10000")


@pytest.mark.parametrize(
    "text", ["", "6901234", "6901234.0", "69012.0.1", "6901234.10.1", "6901234.0.x", "a.0.1"]
)
def test_what_is_no_report_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"PREFIX\.EXTENSION\.HIGH"):
        parse(text)


def test_a_book_goes_on_after_the_server_s_serials_and_never_back() -> None:
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    assert used_serials(db) == []  # nothing used: nothing to report
    go_on_after(db, [UsedSerials("6901234", 0, 41)])  # a new book learns the depot's
    assert take_serials(db, "6901234", 0, 2) == 42
    assert used_serials(db) == [UsedSerials("6901234", 0, 43)]
    go_on_after(db, [UsedSerials("6901234", 0, 10)])  # an older report: no step back
    assert take_serials(db, "6901234", 0, 1) == 44
