"""Unit tests for decoding the EPC bank of UHF tags to GS1 keys (edge.decode.epc)."""

from __future__ import annotations

import pytest
from epcpy.epc_schemes.sgln import SGLN, SGLNFilterValue
from epcpy.epc_schemes.sgtin import SGTIN, SGTINFilterValue
from epcpy.epc_schemes.sscc import SSCC, SSCCFilterValue

from demo.exampledata import gs1_check_digit, is_valid_gtin
from edge.decode.epc import decode_epc
from kernel.contract import ScanData

TID_LIKE = "E2801160600002054CC2096F"  # an Impinj TID read as if it were the EPC


def _sgtin(uri: str, filter_value: SGTINFilterValue = SGTINFilterValue.POS_ITEM) -> str:
    return str(
        SGTIN(uri).hex(
            filter_value=filter_value, binary_coding_scheme=SGTIN.BinaryCodingScheme.SGTIN_96
        )
    )


def _sscc(uri: str) -> str:
    return str(
        SSCC(uri).hex(
            filter_value=SSCCFilterValue.ALL_OTHERS,
            binary_coding_scheme=SSCC.BinaryCodingScheme.SSCC_96,
        )
    )


def _sgln(uri: str) -> str:
    return str(
        SGLN(uri).hex(
            filter_value=SGLNFilterValue.ALL_OTHERS,
            binary_coding_scheme=SGLN.BinaryCodingScheme.SGLN_96,
        )
    )


# -- SGTIN-96 -------------------------------------------------------------------------------


def test_sgtin_96_gives_gtin_and_serial() -> None:
    uri = "urn:epc:id:sgtin:6901234.056789.1001"
    epc = _sgtin(uri)
    assert len(epc) == 24
    decoded = decode_epc(epc)
    assert decoded.valid is True
    assert decoded.error is None
    assert decoded.symbology is None
    # indicator 0 + 6901234 + 56789, check digit over the 13 digits
    body = "0690123456789"
    assert decoded.data == ScanData(
        kind="epc", epc_uri=uri, gtin=body + gs1_check_digit(body), serial="1001"
    )
    assert decoded.data.gtin is not None
    assert is_valid_gtin(decoded.data.gtin)


@pytest.mark.parametrize(
    ("uri", "gtin_body", "serial"),
    [
        ("urn:epc:id:sgtin:6901234.156789.1", "1690123456789", "1"),  # indicator 1: a case
        ("urn:epc:id:sgtin:690123456.0789.274877906943", "0690123456789", "274877906943"),
        ("urn:epc:id:sgtin:6934567.000001.0", "0693456700001", "0"),
        ("urn:epc:id:sgtin:693456789012.0.42", "0693456789012", "42"),
    ],
)
def test_sgtin_96_other_partitions_and_serials(uri: str, gtin_body: str, serial: str) -> None:
    decoded = decode_epc(_sgtin(uri))
    assert decoded.valid is True
    assert decoded.data.kind == "epc"
    assert decoded.data.epc_uri == uri
    assert decoded.data.gtin == gtin_body + gs1_check_digit(gtin_body)
    assert is_valid_gtin(decoded.data.gtin)
    assert decoded.data.serial == serial
    assert decoded.data.sscc is None
    assert decoded.data.location is None


def test_sgtin_filter_value_does_not_change_the_gtin() -> None:
    uri = "urn:epc:id:sgtin:6901234.056789.1001"
    a = decode_epc(_sgtin(uri, SGTINFilterValue.POS_ITEM))
    b = decode_epc(_sgtin(uri, SGTINFilterValue.FULL_CASE))
    assert a.data.gtin == b.data.gtin
    assert a.data.serial == b.data.serial == "1001"


def test_lower_case_hex_and_whitespace_are_accepted() -> None:
    epc = _sgtin("urn:epc:id:sgtin:6901234.056789.1001")
    decoded = decode_epc(f"  {epc.lower()}\r\n")
    assert decoded.valid is True
    assert decoded.data.serial == "1001"


# -- SSCC-96 --------------------------------------------------------------------------------


def test_sscc_96_gives_the_sscc() -> None:
    uri = "urn:epc:id:sscc:6901234.0000000042"
    decoded = decode_epc(_sscc(uri))
    assert decoded.valid is True
    assert decoded.error is None
    body = "0" + "6901234" + "000000042"  # extension digit, company prefix, serial reference
    assert decoded.data == ScanData(kind="epc", epc_uri=uri, sscc=body + gs1_check_digit(body))
    assert decoded.data.sscc is not None
    assert len(decoded.data.sscc) == 18


def test_sscc_96_extension_digit_leads() -> None:
    decoded = decode_epc(_sscc("urn:epc:id:sscc:690123456.30000042"))
    assert decoded.valid is True
    body = "3" + "690123456" + "0000042"
    assert decoded.data.sscc == body + gs1_check_digit(body)
    assert decoded.data.gtin is None


# -- SGLN-96 --------------------------------------------------------------------------------


def test_sgln_96_without_extension_gives_the_gln() -> None:
    uri = "urn:epc:id:sgln:6901234.56789.0"
    decoded = decode_epc(_sgln(uri))
    assert decoded.valid is True
    assert decoded.error is None
    gln = "690123456789" + gs1_check_digit("690123456789")
    assert decoded.data == ScanData(kind="epc", epc_uri=uri, location=gln)
    assert len(gln) == 13


def test_sgln_96_with_extension_gives_gln_dot_extension() -> None:
    uri = "urn:epc:id:sgln:6901234.56789.12345"
    decoded = decode_epc(_sgln(uri))
    assert decoded.valid is True
    gln = "690123456789" + gs1_check_digit("690123456789")
    assert decoded.data.location == f"{gln}.12345"
    assert decoded.data.epc_uri == uri


def test_sgln_96_other_partition() -> None:
    decoded = decode_epc(_sgln("urn:epc:id:sgln:693456789.012.7"))
    gln = "693456789012" + gs1_check_digit("693456789012")
    assert decoded.valid is True
    assert decoded.data.location == f"{gln}.7"


# -- what is not an EPC we use --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "XYZ",
        "3035A537C8377540000003EG",  # one letter outside hex
        "3035-A537-C837-7540-0000-03E9",
        "0x3035A537C8377540000003E9",
        "3035A537C8377540000003E",  # odd length
        "3035A537C8377540000003E9A",  # odd length
        "30",  # not whole 16-bit words
        "3035 A537",
        "３０３５",  # full-width digits
    ],
)
def test_not_hex(text: str) -> None:
    decoded = decode_epc(text)
    assert decoded.valid is False
    assert decoded.error == "epc_not_hex"
    assert decoded.data == ScanData(kind="epc")


@pytest.mark.parametrize(
    "text",
    [
        TID_LIKE,
        "000000000000000000000000",  # header 00: unprogrammed
        "FF0000000000000000000000",
        "3035",  # an SGTIN header with nothing after it
        "3035A537C83775400000",  # an SGTIN-96 cut short (80 bits)
        "E200001D4410013012300A1B",
    ],
)
def test_unknown_or_unusable_headers_are_invalid(text: str) -> None:
    decoded = decode_epc(text)
    assert decoded.valid is False
    assert decoded.error is not None
    assert decoded.error.startswith("epc_")
    assert decoded.error != "epc_not_hex"
    assert decoded.data.kind == "epc"
    assert decoded.data.gtin is None
    assert decoded.data.sscc is None
    assert decoded.data.location is None


def test_a_tid_like_read_is_reported_not_dropped() -> None:
    decoded = decode_epc(TID_LIKE)
    assert decoded.valid is False
    assert decoded.error in ("epc_unknown_scheme", "epc_unsupported_scheme")
