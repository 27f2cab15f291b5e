"""Unit tests for the pure parts of camera reading (edge.decode.vision): scale, dedupe, raw
reads."""

from __future__ import annotations

import pytest

from edge.decode.vision import ZBAR_AIM, Code, Deduper, effective_scale

GS = b"\x1d"
LABEL = b"0106901234567892102024A1" + GS + b"112403013020"


def _code(data: bytes = LABEL, symbology: str | None = "]C1") -> Code:
    return Code(data, symbology, "Code128", "zxing")


# -- effective_scale ------------------------------------------------------------------------


def test_asked_scale_kept_when_modules_stay_wide_enough() -> None:
    assert effective_scale(0.5, 4.0) == 0.5  # 4 px modules become 2 px
    assert effective_scale(0.75, 4.0) == 0.75
    assert effective_scale(0.25, 10.0) == 0.25


def test_never_below_two_pixels_per_module() -> None:
    assert effective_scale(0.25, 4.0) == 0.5
    assert effective_scale(0.1, 5.0) == pytest.approx(0.4)
    assert effective_scale(0.01, 8.0) == 0.25


@pytest.mark.parametrize("min_module_px", [0.5, 1.0, 1.5, 2.0])
def test_modules_already_narrow_means_full_resolution(min_module_px: float) -> None:
    assert effective_scale(0.25, min_module_px) == 1.0


@pytest.mark.parametrize("scale", [1.0, 1.5, 3.0])
def test_capped_at_one(scale: float) -> None:
    assert effective_scale(scale, 4.0) == 1.0
    assert effective_scale(scale, 100.0) == 1.0


@pytest.mark.parametrize("min_module_px", [0.0, -1.0])
def test_unknown_module_width_means_full_resolution(min_module_px: float) -> None:
    assert effective_scale(0.3, min_module_px) == 1.0


@pytest.mark.parametrize("scale", [0.05, 0.2, 0.33, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("min_module_px", [1.0, 2.5, 3.0, 4.0, 7.0, 12.0, 40.0])
def test_result_is_in_range_and_keeps_two_pixels(scale: float, min_module_px: float) -> None:
    result = effective_scale(scale, min_module_px)
    assert 0 < result <= 1.0
    assert result >= min(scale, 1.0)
    assert result * min_module_px >= 2.0 - 1e-9 or result == 1.0


# -- Deduper --------------------------------------------------------------------------------


def test_first_sighting_is_reported() -> None:
    code = _code()
    assert Deduper(2.0).fresh([code], 100.0) == [code]


def test_same_code_in_every_frame_for_a_long_time_is_reported_once() -> None:
    deduper = Deduper(2.0)
    code = _code()
    reported = []
    for frame in range(30 * 60):  # one minute at 30 frames a second
        reported += deduper.fresh([code], 1000.0 + frame / 30)
    assert reported == [code]


def test_seen_within_seconds_is_the_same_read() -> None:
    deduper = Deduper(2.0)
    code = _code()
    assert deduper.fresh([code], 0.0) == [code]
    assert deduper.fresh([code], 1.9) == []
    assert deduper.fresh([code], 3.8) == []  # 1.9 s after the last sighting
    assert deduper.fresh([code], 5.8) == []  # exactly `seconds`: still the same read


def test_reported_again_after_a_gap_longer_than_seconds() -> None:
    deduper = Deduper(2.0)
    code = _code()
    assert deduper.fresh([code], 0.0) == [code]
    assert deduper.fresh([code], 1.0) == []
    assert deduper.fresh([], 2.5) == []
    assert deduper.fresh([code], 3.01) == [code]
    assert deduper.fresh([code], 3.5) == []


def test_different_codes_are_independent() -> None:
    deduper = Deduper(2.0)
    a, b = _code(b"LOC:A-01-01", None), _code(b"LOC:A-01-02", None)
    assert deduper.fresh([a], 0.0) == [a]
    assert deduper.fresh([a, b], 0.5) == [b]
    assert deduper.fresh([a, b], 1.0) == []
    assert deduper.fresh([b], 2.9) == []  # b last seen 1.9 s ago
    assert deduper.fresh([a], 3.1) == [a]  # a last seen 2.1 s ago: b's sighting kept no a
    assert deduper.fresh([a, b], 3.2) == []


def test_codes_are_the_same_read_by_data_whatever_the_decoder() -> None:
    deduper = Deduper(2.0)
    zxing = Code(LABEL, "]C1", "Code128", "zxing")
    zbar = Code(LABEL, None, "CODE128", "zbar")
    assert deduper.fresh([zxing], 0.0) == [zxing]
    assert deduper.fresh([zbar], 0.1) == []


def test_the_same_code_twice_in_one_frame_is_one_read() -> None:
    deduper = Deduper(2.0)
    code = _code()
    assert deduper.fresh([code, code], 0.0) == [code]


def test_many_codes_then_one_still_in_view_is_not_repeated() -> None:
    # More than 1000 remembered codes makes the deduper forget the old ones; a code still in
    # view must not come back.
    deduper = Deduper(2.0)
    kept = _code(b"KEPT")
    assert deduper.fresh([kept], 0.0) == [kept]
    for i in range(1200):  # 100 new codes a second for 12 s
        codes = [_code(f"C{i}".encode()), kept]
        assert deduper.fresh(codes, i / 100) == [codes[0]]
    assert deduper.fresh([kept], 12.5) == []
    assert deduper.fresh([_code(b"C1100")], 12.5) == []  # seen 1.5 s ago
    # an old code seen again after its time is a new read
    assert deduper.fresh([_code(b"C0")], 20.0) == [_code(b"C0")]


# -- Code.raw -------------------------------------------------------------------------------


def test_raw_is_aim_identifier_and_data() -> None:
    assert _code().raw == b"]C1" + LABEL
    assert Code(b"01069012345678921724", "]d2", "DataMatrix", "zxing").raw.startswith(b"]d201")


def test_raw_without_identifier_is_the_data() -> None:
    assert Code(b"LOC:A-03-02", None, "CODE128", "zbar").raw == b"LOC:A-03-02"


def test_raw_keeps_gs_separators_and_bytes() -> None:
    data = b"\x00\xff" + GS + b"x"
    assert Code(data, "]Q1", "QRCode", "zxing").raw == b"]Q1" + data


def test_zbar_types_have_aim_identifiers() -> None:
    assert ZBAR_AIM["EAN13"] == "]E0"
    assert ZBAR_AIM["QRCODE"] == "]Q1"
    assert "CODE128" not in ZBAR_AIM  # zbar drops FNC1: GS1-128 or not is unknown
    for aim in ZBAR_AIM.values():
        assert len(aim) == 3
        assert aim[0] == "]"
