"""The logistic label's rules: SSCCs, GS1-128 element strings, EPCs, ZPL, ~HS host status."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from gateway.domain.labels import (
    GS,
    MAX_MODULES,
    LabelRefused,
    LogisticLabel,
    UnitsToLabel,
    code128_modules,
    elements,
    epc_key,
    human_readable,
    label_from_dict,
    label_to_dict,
    sgtin_epc,
    sscc,
    sscc_epc,
    symbols,
    unit_labels,
)
from gateway.domain.zpl import (
    HostStatus,
    HostStatusError,
    ZplSetup,
    bin_card_zpl,
    heard,
    host_status_answer,
    label_zpl,
    parse_host_status,
    readback,
)
from harness.zpl import parse, sample_label
from kernel.bin_card import BinCard, gs1_batch_code
from kernel.bin_card_paper import bin_cards_pdf
from kernel.gs1 import check_digit

PREFIX = "6901234"
GTIN = "06901234567892"


def a_label(**changes: object) -> LogisticLabel:
    label = sample_label(42)
    return replace(label, **changes)  # type: ignore[arg-type]


def test_an_sscc_is_extension_prefix_serial_and_its_check_digit() -> None:
    code = sscc(PREFIX, 3, 42)
    assert code == "3" + PREFIX + "000000042" + check_digit("3" + PREFIX + "000000042")
    assert len(code) == 18
    assert sscc("123456789012", 0, 9999).startswith("0123456789012" + "9999")


@pytest.mark.parametrize(
    ("prefix", "extension", "serial", "reason"),
    [
        (PREFIX, 0, 10**9, "serial_capacity"),
        (PREFIX, 0, -1, "serial_capacity"),
        ("12345", 0, 1, "company_prefix"),
        ("1234567890123", 0, 1, "company_prefix"),
        ("69O1234", 0, 1, "company_prefix"),
        (PREFIX, 10, 1, "extension"),
    ],
)
def test_an_sscc_beyond_its_rules_is_refused_with_its_reason(
    prefix: str, extension: int, serial: int, reason: str
) -> None:
    with pytest.raises(LabelRefused) as refused:
        sscc(prefix, extension, serial)
    assert refused.value.reason == reason and refused.value.zh and refused.value.en


def test_the_last_serial_a_prefix_can_number_is_taken() -> None:
    assert sscc(PREFIX, 0, 10**9 - 1)[8:17] == "999999999"


def test_the_symbols_carry_content_and_unit_each_with_a_key() -> None:
    content, unit = symbols(a_label())
    assert content == f"02{GTIN}3740{GS}10LOT-2026A"  # FNC1 after the count, none at the end
    assert unit == f"00{a_label().sscc}1126030117310228"  # fixed lengths: no FNC1
    assert human_readable(elements(a_label())[0]) == f"(02){GTIN}(37)40(10)LOT-2026A"


def test_a_trade_item_unit_carries_its_gtin_under_01_and_no_count() -> None:
    content, unit = symbols(a_label(trade_item=True, prod_date=None, expiry=None))
    assert content == f"01{GTIN}10LOT-2026A"
    assert unit == f"00{a_label().sscc}"


def test_a_long_batch_gets_a_symbol_of_its_own_under_the_gtin_again() -> None:
    count, batch, unit = symbols(a_label(batch="B" * 20, qty=1_000_000))
    assert (count, batch) == (f"02{GTIN}371000000", f"02{GTIN}10" + "B" * 20)
    assert unit.startswith("00")
    assert all(code128_modules(s) <= MAX_MODULES for s in (count, batch, unit))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"sscc": "123456789012345678"}, "sscc"),
        ({"gtin": "06901234567893"}, "gtin"),
        ({"batch": "B" * 21}, "batch"),
        ({"batch": "两批"}, "batch"),
        ({"batch": "L(10)1"}, "batch"),
        ({"batch": "L^XZ"}, "batch"),
        ({"batch": "L 1"}, "batch"),
        ({"qty": 0}, "qty"),
        ({"item_zh": "棉被^XZ"}, "text"),
        ({"item_zh": ""}, "item"),
        ({"epc_hex": "xyz"}, "epc"),
        ({"prod_date": date(1999, 12, 31)}, "date"),  # YYMMDD: would read as 2099
        ({"expiry": date(2100, 1, 1)}, "date"),
        ({"serial": "S 1"}, "serial"),
    ],
)
def test_a_label_with_a_bad_field_is_refused(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(LabelRefused) as refused:
        a_label(**changes)
    assert refused.value.reason == reason


def test_an_sscc_encodes_as_sscc96_and_reads_back() -> None:
    code = sscc(PREFIX, 3, 42)
    epc = sscc_epc(code, PREFIX)
    assert len(epc) == 24 and epc.startswith("31")  # SSCC-96 header
    assert epc_key(epc).sscc == code


def test_an_item_encodes_as_sgtin96_and_reads_back() -> None:
    epc = sgtin_epc(GTIN, 1234, 7)
    assert epc.startswith("30")  # SGTIN-96 header
    key = epc_key(epc)
    assert (key.gtin, key.serial) == (GTIN, "1234")


def test_an_sscc_under_another_prefix_and_an_unknown_epc_are_refused() -> None:
    with pytest.raises(LabelRefused):
        sscc_epc(sscc(PREFIX, 3, 42), "6901235")
    with pytest.raises(LabelRefused):
        epc_key("E2801160600002000000ABCD")


def test_the_zpl_carries_text_barcodes_and_the_encoding() -> None:
    label = a_label(epc_hex=sscc_epc(a_label().sscc, PREFIX))
    zpl = label_zpl(label, ZplSetup(rfid=True))
    assert zpl.startswith("^XA\n^CI28") and zpl.rstrip().endswith("^XZ")
    assert "^CWJ,E:SIMSUN.TTF" in zpl and "^FD棉被^FS" in zpl
    assert f"^BY2^BCN,150,Y,N,N,D^FD(02){GTIN}(37)40(10)LOT-2026A^FS" in zpl
    assert f"^RFW,H^FD{label.epc_hex}^FS" in zpl and "^HV1,24,EPC:" in zpl
    plain = label_zpl(label, ZplSetup(rfid=False))
    assert "^RFW" not in plain and "^HV" not in plain


def test_the_readback_gives_each_epc_or_nothing() -> None:
    assert readback("EPC:31d5a537\r\nEPC:\r\n") == ["31D5A537", ""]


def test_a_bin_card_has_annex_3s_rows_and_the_batch_qr() -> None:
    code = gs1_batch_code(GTIN, "LOT_1", date(2026, 3, 1))
    card = BinCard(
        "棉被", "A-03-02", "某厂", "2 x 1.5 m", 120, "床", date(2026, 3, 1), date(2026, 4, 2),
        5, "李保管", code, head="王主任^XZ",
    )  # fmt: skip
    (form,) = parse(bin_card_zpl(card, ZplSetup()))
    texts = form.texts
    for words in ("物资品名 Item", "棉被", "码放位置 Location", "A-03-02", "120 床", "2026-03-01"):
        assert words in texts
    assert "王主任 XZ" in texts  # a caret in the text never ends the format
    (qr,) = form.qr  # the GS before (11) and the batch's underscore, escaped and read back
    assert qr == f"01{GTIN}10LOT_1\x1d11260301"


def test_a_bin_cards_qr_holds_a_caret_or_tilde_without_commanding_the_printer() -> None:
    code = gs1_batch_code(GTIN, "A^XZ~JA批", None)
    card = BinCard("棉被", "A-03-02", "", "", 1, "床", None, None, 5, "", code)
    zpl = bin_card_zpl(card, ZplSetup())
    assert zpl.count("^XZ") == 1 and "~JA" not in zpl  # one format, no command in its data
    (form,) = parse(zpl)
    assert form.qr == [code]


READY = HostStatus(
    paper_out=False, paused=False, label_length=1218, formats_in_buffer=0, buffer_full=False,
    partial_format=False, corrupt_ram=False, under_temperature=False, over_temperature=False,
    head_open=False, ribbon_out=False, thermal_transfer=True, print_mode="tear_off",
    label_waiting=False, labels_remaining=0,
)  # fmt: skip


def test_a_printers_own_host_status_answer_is_read() -> None:
    # As a ZT410 answers: paper out, paused, 5 labels left in the batch, ribbon out.
    answer = (
        b"\x02030,1,1,1218,000,0,0,0,000,0,0,0\x03\r\n"
        b"\x02001,0,0,1,1,2,6,0,00000005,1,000\x03\r\n"
        b"\x021234,0\x03\r\n"
    )
    status = parse_host_status(answer)
    assert status.paper_out and status.paused and status.ribbon_out and not status.head_open
    assert status.labels_remaining == 5 and status.print_mode == "tear_off"
    assert status.problem == "paper_out"


@pytest.mark.parametrize("flag", ["paper_out", "ribbon_out", "head_open", "paused", "buffer_full"])
def test_each_flag_goes_round_and_stops_the_printing(flag: str) -> None:
    status = replace(READY, **{flag: True})
    assert parse_host_status(host_status_answer(status)) == status
    assert status.problem == flag
    assert parse_host_status(host_status_answer(READY)).problem is None


@pytest.mark.parametrize(
    "answer", [b"", b"\x02030,0,0\x03", b"\x02a,b,c,d,e,f,g,h,i,j,k,l\x03\x02x\x03\x02y\x03"]
)
def test_an_answer_that_is_not_host_status_is_refused(answer: bytes) -> None:
    with pytest.raises(HostStatusError):
        parse_host_status(answer)


def test_read_backs_are_picked_out_from_between_status_answers() -> None:
    holding = replace(READY, formats_in_buffer=1, labels_remaining=1)
    epc = "31D5A537C8B2D05E03000000"
    heard_so_far = (
        host_status_answer(holding) + f"EPC:{epc}\r\n".encode() + host_status_answer(READY)
        + b"EPC:31D5"  # a line not whole yet: not taken
    )  # fmt: skip
    statuses, epcs = heard(heard_so_far)
    assert statuses == [holding, READY] and epcs == [epc]
    assert heard(b"EPC:\r\n" + host_status_answer(READY)) == ([READY], [""])  # read nothing


def test_the_harness_reads_the_printed_zpl_back_to_the_label() -> None:
    label = a_label(epc_hex=sscc_epc(a_label().sscc, PREFIX))
    [form] = parse(label_zpl(label, ZplSetup(rfid=True)))
    assert form.barcodes == symbols(label) and form.epc_written == label.epc_hex
    assert [s.sscc for s in form.scans] == [None, label.sscc]
    name = next(f for f in form.fields if f.kind == "text")
    assert (name.data, name.x, name.y) == ("棉被", 40, 30)


def test_the_harness_reads_fnc1_written_as_subset_switches_too() -> None:
    zpl = f"^XA^FO10,10^BCN,100,Y,N,N^FD>;>802{GTIN}37>640>8>510LOT1^FS^XZ"
    [form] = parse(zpl)
    assert form.barcodes == [f"02{GTIN}3740{GS}10LOT1"]
    assert (form.scans[0].qty, form.scans[0].batch) == (40, "LOT1")


def test_a_requests_units_get_consecutive_ssccs_and_their_epcs() -> None:
    labels = unit_labels(UnitsToLabel(3, a_label(), encode=True), PREFIX, 3, 7)
    assert [label.sscc for label in labels] == [sscc(PREFIX, 3, n) for n in (7, 8, 9)]
    assert [epc_key(label.epc_hex or "").sscc for label in labels] == [x.sscc for x in labels]
    assert all(label.batch == "LOT-2026A" for label in labels)
    assert unit_labels(UnitsToLabel(1, a_label()), PREFIX, 3, 1)[0].epc_hex is None
    with pytest.raises(LabelRefused):
        unit_labels(UnitsToLabel(0, a_label()), PREFIX, 3, 1)


def test_a_label_goes_round_the_print_queues_json() -> None:
    for label in (a_label(), a_label(prod_date=None, expiry=None, epc_hex="31D5A537")):
        assert label_from_dict(json.loads(json.dumps(label_to_dict(label)))) == label


def test_a_stack_of_an_item_without_a_gtin_still_gets_its_card() -> None:
    assert gs1_batch_code(None, "B1", date(2026, 3, 1), "棉被") == "棉被 B1"
    card = BinCard("棉被", "A-03-02", "", "", 1, "床", None, None, 5, "", "棉被 B1")
    assert bin_cards_pdf([card]).startswith(b"%PDF")
