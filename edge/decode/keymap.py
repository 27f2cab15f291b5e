"""Key events of a keyboard-wedge scanner turned back into the characters it typed (pure).

Linux evdev key codes with a US layout, which is what scanners emulate by default. Ctrl+]
gives the GS separator (0x1D) for the few scanners that can send it; most scanners in keyboard
mode cannot, so GS1 labels with variable-length fields lose their separator (see docs/edge.md).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

EVENT = struct.Struct("llHHi")  # struct input_event on 64-bit Linux: time, type, code, value
EV_KEY = 1
KEY_ENTER, KEY_KPENTER = 28, 96
SHIFTS = {42, 54}
CTRLS = {29, 97}
KEY_RIGHTBRACE = 27

_ROWS = {
    2: "1234567890-=",
    16: "qwertyuiop[]",
    30: "asdfghjkl;'`",
    44: "zxcvbnm,./",
}
_SHIFTED = {
    "1": "!",
    "2": "@",
    "3": "#",
    "4": "$",
    "5": "%",
    "6": "^",
    "7": "&",
    "8": "*",
    "9": "(",
    "0": ")",
    "-": "_",
    "=": "+",
    "[": "{",
    "]": "}",
    ";": ":",
    "'": '"',
    "`": "~",
    ",": "<",
    ".": ">",
    "/": "?",
    "\\": "|",
}
KEYS: dict[int, str] = {code + i: ch for code, row in _ROWS.items() for i, ch in enumerate(row)}
KEYS.update(
    {
        43: "\\",
        57: " ",
        71: "7",
        72: "8",
        73: "9",
        74: "-",
        75: "4",
        76: "5",
        77: "6",
        78: "+",
        79: "1",
        80: "2",
        81: "3",
        82: "0",
        83: ".",
        98: "/",
        55: "*",
    }
)


def character(code: int, shift: bool) -> str | None:
    ch = KEYS.get(code)
    if ch is None:
        return None
    if shift:
        return ch.upper() if ch.isalpha() else _SHIFTED.get(ch, ch)
    return ch


@dataclass(slots=True)
class KeyDecoder:
    """Feed key events; get back each line typed (the scanner's Enter ends a read)."""

    max_line: int = 4096
    _shift: set[int] = field(default_factory=set)
    _ctrl: set[int] = field(default_factory=set)
    _line: bytearray = field(default_factory=bytearray)

    def key(self, code: int, value: int) -> bytes | None:
        """One EV_KEY event (value 1 press, 0 release, 2 repeat); a finished line or None."""
        for held, codes in ((self._shift, SHIFTS), (self._ctrl, CTRLS)):
            if code in codes:
                (held.add if value else held.discard)(code)
                return None
        if value == 0:
            return None
        if code in (KEY_ENTER, KEY_KPENTER):
            line = bytes(self._line)
            self._line.clear()
            return line
        if self._ctrl:
            if code == KEY_RIGHTBRACE and len(self._line) < self.max_line:
                self._line.append(0x1D)
            return None
        ch = character(code, bool(self._shift))
        if ch is not None and len(self._line) < self.max_line:
            self._line.extend(ch.encode("ascii"))
        return None

    def events(self, data: bytes) -> list[bytes]:
        """Whole input_event records (a multiple of EVENT.size bytes); the lines they end."""
        lines = []
        for offset in range(0, len(data) - EVENT.size + 1, EVENT.size):
            _, _, kind, code, value = EVENT.unpack_from(data, offset)
            if kind == EV_KEY:
                line = self.key(code, value)
                if line is not None:
                    lines.append(line)
        return lines


def press(code: int) -> bytes:
    return EVENT.pack(0, 0, EV_KEY, code, 1) + EVENT.pack(0, 0, EV_KEY, code, 0)


def type_text(text: str) -> bytes:
    """The events a US keyboard (or a scanner emulating one) sends to type `text` + Enter."""
    reverse: dict[str, tuple[int, bool]] = {}
    for code in sorted(KEYS, reverse=True):
        for shift in (False, True):
            ch = character(code, shift)
            if ch is not None:
                reverse.setdefault(ch, (code, shift))
    out = bytearray()
    for ch in text:
        if ch == "\x1d":
            out += EVENT.pack(0, 0, EV_KEY, 29, 1) + press(KEY_RIGHTBRACE)
            out += EVENT.pack(0, 0, EV_KEY, 29, 0)
            continue
        code, shift = reverse[ch]
        if shift:
            out += EVENT.pack(0, 0, EV_KEY, 42, 1)
        out += press(code)
        if shift:
            out += EVENT.pack(0, 0, EV_KEY, 42, 0)
    return bytes(out + press(KEY_ENTER))
