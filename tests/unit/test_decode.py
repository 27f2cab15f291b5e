"""Unit tests for barcode decoding at the station (edge.decode)."""

from __future__ import annotations

import pytest

from demo.exampledata import gs1_check_digit
from edge.decode import DEFAULT_LOCATION_PATTERN, decode_barcode, split_symbology
from kernel.contract import ScanData

GS = "\x1d"


def _with_check_digit(body: str) -> str:
    return body + gs1_check_digit(body)


# Real, valid keys under the China GS1 prefix 690.
GTIN = _with_check_digit("0690123456789")  # 06901234567892
GTIN_2 = _with_check_digit("0693456789012")
SSCC = _with_check_digit("06901234" + "000000042")
WRONG_GTIN = GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)
WRONG_SSCC = SSCC[:-1] + str((int(SSCC[-1]) + 3) % 10)


def _label(*, aim: str = "]C1", gtin: str = GTIN) -> bytes:
    # The batch is variable length: a GS ends it before the next element string.
    return f"{aim}01{gtin}10LOT-2024A1{GS}1124030130120".encode("ascii")


def test_keys_used_here_are_valid() -> None:
    assert GTIN == "06901234567892"
    assert len(GTIN_2) == 14
    assert len(SSCC) == 18
    assert WRONG_GTIN != GTIN


def test_gs1_128_read_with_aim_identifier() -> None:
    decoded = decode_barcode(_label())
    assert decoded.valid is True
    assert decoded.error is None
    assert decoded.symbology == "]C1"
    assert decoded.data == ScanData(
        kind="gs1",
        gtin=GTIN,
        batch="LOT-2024A1",
        prod_date="2024-03-01",
        qty=120,
    )


def test_gs1_128_read_without_aim_identifier() -> None:
    decoded = decode_barcode(_label(aim=""))
    assert decoded.valid is True
    assert decoded.symbology is None
    assert decoded.data.gtin == GTIN
    assert decoded.data.batch == "LOT-2024A1"
    assert decoded.data.prod_date == "2024-03-01"
    assert decoded.data.qty == 120


def test_gs1_datamatrix_read() -> None:
    raw = f"]d201{GTIN_2}17270630{GS}10B7".encode()
    decoded = decode_barcode(raw)
    assert decoded.valid is True
    assert decoded.symbology == "]d2"
    assert decoded.data.gtin == GTIN_2
    assert decoded.data.expiry == "2027-06-30"
    assert decoded.data.batch == "B7"


def test_batch_ending_the_code_needs_no_separator() -> None:
    decoded = decode_barcode(f"]C101{GTIN}112501153025{GS}10LOT9".encode())
    assert decoded.valid is True
    assert decoded.data.prod_date == "2025-01-15"
    assert decoded.data.qty == 25
    assert decoded.data.batch == "LOT9"


def test_bad_gtin_check_digit_is_refused() -> None:
    decoded = decode_barcode(_label(gtin=WRONG_GTIN))
    assert decoded.valid is False
    assert decoded.error == "gs1_check_digit"
    assert decoded.data.gtin is None


def test_bad_gtin_check_digit_without_aim_identifier() -> None:
    decoded = decode_barcode(_label(aim="", gtin=WRONG_GTIN))
    assert decoded.valid is False
    assert decoded.error == "gs1_check_digit"


def test_bad_sscc_check_digit_is_refused() -> None:
    decoded = decode_barcode(f"]C100{WRONG_SSCC}".encode())
    assert decoded.valid is False
    assert decoded.error == "gs1_check_digit"


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00", "条码".encode(), b"01\xe9"])
def test_bytes_that_are_not_text(raw: bytes) -> None:
    decoded = decode_barcode(raw)
    assert decoded.valid is False
    assert decoded.error == "not_text"
    assert decoded.data == ScanData()


def test_empty_read() -> None:
    decoded = decode_barcode(b"")
    assert decoded.valid is False
    assert decoded.error == "empty"


@pytest.mark.parametrize("raw", [b"LOC:A-03-02\r", b"01\n", b"\x00", b"LOC:\tA"])
def test_control_characters_other_than_gs_are_refused(raw: bytes) -> None:
    decoded = decode_barcode(raw)
    assert decoded.valid is False
    assert decoded.error == "control_characters"


def test_location_label() -> None:
    decoded = decode_barcode(b"LOC:A-03-02")
    assert decoded.valid is True
    assert decoded.error is None
    assert decoded.data == ScanData(kind="location", location="A-03-02")


def test_location_label_with_aim_identifier() -> None:
    decoded = decode_barcode(b"]C0LOC:D03")
    assert decoded.valid is True
    assert decoded.symbology == "]C0"
    assert decoded.data.kind == "location"
    assert decoded.data.location == "D03"


@pytest.mark.parametrize("raw", [b"LOC:", b"LOC:a-03-02", b"LOC:A 03", b"LOC:" + b"A" * 33])
def test_malformed_location_labels_are_not_locations(raw: bytes) -> None:
    decoded = decode_barcode(raw)
    assert decoded.valid is False
    assert decoded.data.kind != "location"


def test_custom_location_pattern() -> None:
    pattern = r"^KW-(?P<code>\d{2}-\d{2}-\d{2})$"
    decoded = decode_barcode(b"KW-03-02-01", location_pattern=pattern)
    assert decoded.valid is True
    assert decoded.data == ScanData(kind="location", location="03-02-01")
    # The default prefix means nothing under a site's own pattern.
    assert decode_barcode(b"LOC:A-03-02", location_pattern=pattern).valid is False
    # And the site's labels mean nothing under the default.
    assert decode_barcode(b"KW-03-02-01").data.kind != "location"


def test_custom_location_pattern_without_a_code_group_keeps_the_whole_label() -> None:
    decoded = decode_barcode(b"A-03-02", location_pattern=r"^[A-Z]-\d{2}-\d{2}$")
    assert decoded.valid is True
    assert decoded.data.location == "A-03-02"


def test_gs1_codes_still_decode_under_a_custom_location_pattern() -> None:
    decoded = decode_barcode(_label(), location_pattern=r"^KW-(?P<code>.+)$")
    assert decoded.valid is True
    assert decoded.data.gtin == GTIN


def test_default_location_pattern_is_exported() -> None:
    assert decode_barcode(b"LOC:Z9", DEFAULT_LOCATION_PATTERN).data.location == "Z9"


@pytest.mark.parametrize("aim", ["]C1", ""])
def test_sscc_read(aim: str) -> None:
    decoded = decode_barcode(f"{aim}00{SSCC}".encode())
    assert decoded.valid is True
    assert decoded.data == ScanData(kind="gs1", sscc=SSCC)


def test_expiry_and_serial() -> None:
    decoded = decode_barcode(f"]C101{GTIN}17261231{GS}21SN-000123".encode())
    assert decoded.valid is True
    assert decoded.data.gtin == GTIN
    assert decoded.data.expiry == "2026-12-31"
    assert decoded.data.serial == "SN-000123"
    assert decoded.data.prod_date is None


def test_expiry_day_zero_means_end_of_month() -> None:
    # GS1: a day of 00 in AI (17) means the last day of that month.
    decoded = decode_barcode(f"]C101{GTIN}17270200".encode())
    assert decoded.valid is True
    assert decoded.data.expiry == "2027-02-28"


@pytest.mark.parametrize("ai", ["11", "17"])
def test_impossible_dates_are_refused(ai: str) -> None:
    decoded = decode_barcode(f"]C101{GTIN}{ai}241332".encode())
    assert decoded.valid is False
    assert decoded.error in ("gs1_bad_date", "gs1_invalid")
    assert decoded.data.gtin is None


def test_gs1_code_without_gtin_or_sscc_has_no_key() -> None:
    decoded = decode_barcode(f"]C110LOT-1{GS}3020".encode())
    assert decoded.valid is False
    assert decoded.error == "gs1_no_key"


def test_truncated_gtin_is_invalid() -> None:
    decoded = decode_barcode(f"]C101{GTIN[:10]}".encode())
    assert decoded.valid is False
    assert decoded.error in ("gs1_invalid", "gs1_check_digit")


@pytest.mark.parametrize("raw", [f"]C101{GTIN}30".encode(), f"01{GTIN}10LOT{GS}30".encode()])
def test_count_cut_off_after_its_ai_is_invalid_not_a_crash(raw: bytes) -> None:
    # "Every input yields a result": a truncated read must come back as an error code.
    decoded = decode_barcode(raw)
    assert decoded.valid is False
    assert decoded.error is not None
    assert decoded.error.startswith("gs1_")


@pytest.mark.parametrize("raw", [b"hello", b"12345", b"https://example.org/x", b"]A0ABC"])
def test_unknown_format(raw: bytes) -> None:
    decoded = decode_barcode(raw)
    assert decoded.valid is False
    assert decoded.error == "unknown_format"
    assert decoded.data == ScanData()


def test_gs1_symbology_with_garbage_is_invalid() -> None:
    decoded = decode_barcode(b"]C1hello")
    assert decoded.valid is False
    assert decoded.symbology == "]C1"
    assert decoded.error == "gs1_invalid"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("]C1010690", ("]C1", "010690")),
        ("]d2ABC", ("]d2", "ABC")),
        ("]Q3X", ("]Q3", "X")),
        ("LOC:A", (None, "LOC:A")),
        ("]1AB", (None, "]1AB")),
        ("]C", (None, "]C")),
    ],
)
def test_split_symbology(text: str, expected: tuple[str | None, str]) -> None:
    assert split_symbology(text) == expected


def test_a_location_gln_with_its_extension() -> None:
    from demo.exampledata import gs1_check_digit

    gln = "690123400001" + gs1_check_digit("690123400001")
    gtin = "0690123456789" + gs1_check_digit("0690123456789")
    decoded = decode_barcode(f"]C101{gtin}414{gln}254A-03-02".encode())
    assert decoded.valid and decoded.data.location == f"{gln}.A-03-02"


@pytest.mark.parametrize(
    ("raw", "command"),
    [(b"CMD:PICK:101", "PICK:101"), (b"]C0CMD:DONE", "DONE"), (b"CMD:COUNT:7", "COUNT:7")],
)
def test_task_cards_and_command_labels(raw: bytes, command: str) -> None:
    decoded = decode_barcode(raw)
    assert decoded.valid is True
    assert decoded.data == ScanData(kind="command", command=command)


@pytest.mark.parametrize("raw", [b"CMD:", b"CMD:pick", b"CMD:PICK 1", b"CMD:" + b"A" * 65])
def test_malformed_command_labels_are_refused(raw: bytes) -> None:
    decoded = decode_barcode(raw)
    assert decoded.valid is False
    assert decoded.data.kind == "unknown"
