"""Unit tests for turning a keyboard-wedge scanner's key events back into text
(edge.decode.keymap)."""

from __future__ import annotations

import pytest

from demo.exampledata import gs1_check_digit
from edge.decode.keymap import EV_KEY, EVENT, KEY_ENTER, KEY_KPENTER, KeyDecoder, press, type_text

GS = "\x1d"
GTIN = "0690123456789" + gs1_check_digit("0690123456789")
GS1_TEXT = f"]C101{GTIN}10LOT-2024A1{GS}1124030130120"

KEY_LEFTSHIFT, KEY_RIGHTSHIFT = 42, 54
KEY_LEFTCTRL, KEY_RIGHTCTRL = 29, 97
KEY_RIGHTBRACE = 27
KEY_A, KEY_7, KEY_8 = 30, 8, 9
EV_SYN, EV_MSC = 0, 4


def _event(code: int, value: int, kind: int = EV_KEY) -> bytes:
    return EVENT.pack(0, 0, kind, code, value)


def _decode(data: bytes, decoder: KeyDecoder | None = None) -> list[bytes]:
    return (decoder or KeyDecoder()).events(data)


def test_event_record_is_a_64_bit_input_event() -> None:
    assert EVENT.size == 24


@pytest.mark.parametrize(
    "text",
    [
        GS1_TEXT,
        f"01{GTIN}21SERIAL-0001{GS}10B7",
        "LOC:A-03-02",
        "EMP:ZHANG-WEI-07",
        "Hello, World!",
        "lower and UPPER case 0123456789",
        "`~!@#$%^&*()_+-=[]{}\\|;:'\",<.>/?",
        GS + GS,
        "",
    ],
)
def test_type_text_round_trip(text: str) -> None:
    assert _decode(type_text(text)) == [text.encode("ascii")]


def test_gs_separator_is_ctrl_right_brace() -> None:
    data = (
        _event(KEY_LEFTCTRL, 1)
        + press(KEY_RIGHTBRACE)
        + _event(KEY_LEFTCTRL, 0)
        + press(KEY_RIGHTBRACE)
        + press(KEY_ENTER)
    )
    assert _decode(data) == [b"\x1d]"]


def test_right_ctrl_also_gives_gs() -> None:
    data = _event(KEY_RIGHTCTRL, 1) + press(KEY_RIGHTBRACE) + _event(KEY_RIGHTCTRL, 0)
    assert _decode(data + press(KEY_ENTER)) == [b"\x1d"]


def test_ctrl_with_another_key_types_nothing() -> None:
    data = _event(KEY_LEFTCTRL, 1) + press(KEY_A) + _event(KEY_LEFTCTRL, 0) + press(KEY_A)
    assert _decode(data + press(KEY_ENTER)) == [b"a"]


def test_upper_case_with_either_shift() -> None:
    data = (
        _event(KEY_LEFTSHIFT, 1)
        + press(KEY_A)
        + _event(KEY_LEFTSHIFT, 0)
        + _event(KEY_RIGHTSHIFT, 1)
        + press(KEY_A)
        + _event(KEY_RIGHTSHIFT, 0)
        + press(KEY_A)
        + press(KEY_ENTER)
    )
    assert _decode(data) == [b"AAa"]


def test_shift_held_on_both_sides_until_both_are_released() -> None:
    data = (
        _event(KEY_LEFTSHIFT, 1)
        + _event(KEY_RIGHTSHIFT, 1)
        + _event(KEY_LEFTSHIFT, 0)
        + press(KEY_A)
        + _event(KEY_RIGHTSHIFT, 0)
        + press(KEY_A)
        + press(KEY_ENTER)
    )
    assert _decode(data) == [b"Aa"]


def test_punctuation_needing_shift_on_the_main_row() -> None:
    data = (
        _event(KEY_LEFTSHIFT, 1)
        + press(KEY_7)  # '&'
        + press(KEY_8)  # '*'
        + press(12)  # '_'
        + press(39)  # ':'
        + press(40)  # '"'
        + _event(KEY_LEFTSHIFT, 0)
        + press(KEY_7)
        + press(12)
        + press(KEY_ENTER)
    )
    assert _decode(data) == [b'&*_:"7-']


def test_keypad_digits_and_symbols() -> None:
    keypad = [82, 79, 80, 81, 75, 76, 77, 71, 72, 73, 83, 74, 78, 55, 98]
    data = b"".join(press(code) for code in keypad) + press(KEY_KPENTER)
    assert _decode(data) == [b"0123456789.-+*/"]


def test_key_repeat_types_again() -> None:
    data = (
        _event(KEY_A, 1) + _event(KEY_A, 2) + _event(KEY_A, 2) + _event(KEY_A, 0) + press(KEY_ENTER)
    )
    assert _decode(data) == [b"aaa"]


def test_release_of_a_key_types_nothing() -> None:
    data = _event(KEY_A, 0) + _event(KEY_7, 0) + _event(KEY_ENTER, 0)
    assert _decode(data) == []
    assert _decode(data + press(KEY_ENTER)) == [b""]


def test_enter_ends_a_line_and_a_new_one_starts() -> None:
    decoder = KeyDecoder()
    data = type_text("ONE") + type_text("two") + type_text(GS1_TEXT)
    assert decoder.events(data) == [b"ONE", b"two", GS1_TEXT.encode()]


def test_nothing_before_enter() -> None:
    decoder = KeyDecoder()
    assert decoder.events(type_text("ABC")[: -2 * EVENT.size]) == []
    assert decoder.events(press(KEY_ENTER)) == [b"ABC"]


def test_unknown_keys_type_nothing() -> None:
    data = press(1) + press(KEY_A) + press(59) + press(200) + press(KEY_ENTER)  # Esc, F1, ...
    assert _decode(data) == [b"a"]


@pytest.mark.parametrize("step", [1, 2, 3, 5, 7, 64])
def test_events_fed_in_pieces_of_whole_records(step: int) -> None:
    data = type_text(GS1_TEXT) + type_text("LOC:B-01-07") + type_text("Mixed Case!")
    records = len(data) // EVENT.size
    decoder = KeyDecoder()
    lines: list[bytes] = []
    for start in range(0, records, step):
        lines += decoder.events(data[start * EVENT.size : (start + step) * EVENT.size])
    assert lines == [GS1_TEXT.encode(), b"LOC:B-01-07", b"Mixed Case!"]


def test_shift_held_across_pieces() -> None:
    decoder = KeyDecoder()
    assert decoder.events(_event(KEY_LEFTSHIFT, 1)) == []
    assert decoder.events(press(KEY_A)) == []
    assert decoder.events(_event(KEY_LEFTSHIFT, 0) + press(KEY_A) + press(KEY_ENTER)) == [b"Aa"]


def test_a_trailing_partial_record_is_not_read() -> None:
    data = type_text("AB")
    assert _decode(data + _event(KEY_A, 1)[:10]) == [b"AB"]


def test_non_key_events_are_ignored() -> None:
    text = "A1b"
    noisy = bytearray()
    for i in range(0, len(type_text(text)), EVENT.size):
        noisy += _event(4, 0x70004, kind=EV_MSC)  # the scan code sent before each key
        noisy += type_text(text)[i : i + EVENT.size]
        noisy += _event(0, 0, kind=EV_SYN)
    # An EV_MSC / EV_SYN / EV_ABS event with an Enter-like code is not Enter.
    noisy += _event(KEY_ENTER, 1, kind=EV_SYN) + _event(KEY_ENTER, 1, kind=3)
    assert _decode(bytes(noisy)) == [b"A1b"]


def test_an_over_long_line_is_capped_at_max_line() -> None:
    decoder = KeyDecoder(max_line=8)
    assert decoder.events(type_text("ABCDEFGHIJKLMNOP")) == [b"ABCDEFGH"]
    assert decoder.events(type_text("short")) == [b"short"]


def test_the_default_max_line_holds_a_long_line() -> None:
    text = "A" * 4096
    assert _decode(type_text(text)) == [text.encode()]
    assert _decode(type_text(text + "B")) == [text.encode()]


def test_gs_separators_are_capped_at_max_line_too() -> None:
    # A stuck Ctrl with a repeating ']' must not grow a line past the limit either.
    decoder = KeyDecoder(max_line=8)
    data = _event(KEY_LEFTCTRL, 1) + _event(KEY_RIGHTBRACE, 1)
    data += _event(KEY_RIGHTBRACE, 2) * 20 + _event(KEY_RIGHTBRACE, 0) + _event(KEY_LEFTCTRL, 0)
    [line] = decoder.events(data + press(KEY_ENTER))
    assert len(line) <= 8
