"""ZPL for Zebra-class printers: the logistic label (with its RFID encoding and read-back), the
bin card of a stack (annex 3), and the printer's `~HS` host status read back into flags (pure
functions; the gateway's printing service sends and reads them, gateway/services/printing.py).

A label is 4 x 6 inches at 203 dpi, its symbols 2 dots a module. Text is UTF-8 (`^CI28`)
in a CJK TrueType font stored on the printer, assigned to font J (`^CWJ,E:SIMSUN.TTF` by
default: the printer's `font` setting). The GS1-128 symbols are `^BC` in GS1 mode D: the
field data is the element string in its human-readable form,
'(02)06901234567892(37)40(10)LOT1', and the printer puts the FNC1 at the start and after
each variable-length field itself.

On a printer with an RFID encoder the same format sets the tag type (`^RS8`, Gen 2, one try
before the label is voided), writes the EPC (`^RFW,H`), reads the tag back into field 1
(`^FN1^RFR,H`) and returns it to the gateway (`^HV1,...`): 'EPC:<hex>' and CR LF. A tag that
did not take its EPC reads back as something else or nothing, and the printer prints VOID over
that label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.domain.labels import LogisticLabel, elements, human_readable, text_block
from kernel.bin_card import TITLE, BinCard, card_rows

DOTS_WIDE = 812  # 4 inches at 203 dpi
DOTS_LONG = 1218  # 6 inches
DEFAULT_FONT = "E:SIMSUN.TTF"
READBACK_HEADER = "EPC:"
_READBACK = re.compile(r"EPC:([0-9A-Fa-f]*)")


@dataclass(frozen=True, slots=True)
class ZplSetup:
    """What the gateway knows of one ZPL printer."""

    font: str = DEFAULT_FONT  # a CJK TrueType font on the printer (E: flash, R: RAM)
    rfid: bool = False  # it has an RFID encoder


def _text(x: int, y: int, size: int, value: str) -> str:
    return f"^FO{x},{y}^AJN,{size},{size}^FD{value}^FS"


def label_zpl(label: LogisticLabel, setup: ZplSetup) -> str:
    """One logistic label, encoding `label.epc_hex` where the printer has an encoder."""
    lines = ["^XA", "^CI28", f"^PW{DOTS_WIDE}", f"^LL{DOTS_LONG}", f"^CWJ,{setup.font}"]
    if setup.rfid and label.epc_hex:
        bytes_back = len(label.epc_hex)
        lines += [
            "^RS8,,,1",
            f"^RFW,H^FD{label.epc_hex}^FS",
            "^FN1^RFR,H^FS",
            f"^FH_^HV1,{bytes_back},{READBACK_HEADER},_0D_0A,L^FS",
        ]
    y = 30
    for points, text in text_block(label):  # points to dots at 203 dpi, and a line's gap
        size = points * 203 // 72
        lines.append(_text(40, y, size, text))
        y += size + 10
    for index, pairs in enumerate(elements(label)):  # 2 dots a module: see labels.MAX_MODULES
        lines.append(f"^FO26,{460 + index * 240}^BY2^BCN,150,Y,N,N,D^FD{human_readable(pairs)}^FS")
    lines += ["^PQ1", "^XZ"]
    return "\n".join(lines) + "\n"


def readback(answer: str) -> list[str]:
    """The EPCs a printer's `^HV` answers carried, in order (empty text: nothing read)."""
    return [found.upper() for found in _READBACK.findall(answer)]


def bin_card_zpl(card: BinCard, setup: ZplSetup) -> str:
    """The bin card of a stack on one 4 x 6 label: annex 3's rows (kernel/bin_card.py) and
    the batch's QR code."""
    lines = ["^XA", "^CI28", f"^PW{DOTS_WIDE}", f"^LL{DOTS_LONG}", f"^CWJ,{setup.font}"]
    lines.append(_text(40, 30, 44, TITLE))
    for index, (name, value) in enumerate(card_rows(card)):
        y = 110 + index * 64
        lines.append(f"^FO30,{y - 8}^GB752,64,2^FS")
        lines.append(_text(40, y, 26, name))
        lines.append(_text(400, y, 26, _field(value)))
    lines.append(f"^FO250,{110 + 10 * 64 + 20}^BQN,2,7^FH_^FDMA,{_hex_escaped(card.code)}^FS")
    lines += ["^PQ1", "^XZ"]
    return "\n".join(lines) + "\n"


def _field(value: str) -> str:
    """Text as a field may hold it: ZPL's command prefixes and line ends taken out."""
    return "".join(" " if c in "^~\r\n\x00" else c for c in value)


def _hex_escaped(code: str) -> str:
    """The QR's data with every character but ASCII letters and digits as `_hh` escapes of its
    UTF-8 bytes (^FH_): the GS before a production date, and a `^` or `~` in a batch, which
    would otherwise end the format or command the printer."""
    return "".join(
        c if c.isascii() and c.isalnum() else "".join(f"_{b:02X}" for b in c.encode()) for c in code
    )


# -- ~HS host status -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HostStatus:
    """The flags of a `~HS` answer (ZPL manual, ~HS: three strings, each STX ... ETX CR LF).

    String 1  aaa,b,c,dddd,eee,f,g,h,iii,j,k,l: b paper out, c paused, dddd label length,
              eee formats in the receive buffer, f buffer full, h partial format,
              j corrupt RAM, k under temperature, l over temperature.
    String 2  mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www: o head up, p ribbon out, q thermal transfer,
              r print mode, t label waiting, uuuuuuuu labels remaining in the batch.
    String 3  xxxx,y: password, static RAM installed.
    """

    paper_out: bool
    paused: bool
    label_length: int
    formats_in_buffer: int
    buffer_full: bool
    partial_format: bool
    corrupt_ram: bool
    under_temperature: bool
    over_temperature: bool
    head_open: bool
    ribbon_out: bool
    thermal_transfer: bool
    print_mode: str
    label_waiting: bool
    labels_remaining: int

    @property
    def problem(self) -> str | None:
        """The first thing that keeps a label from printing, as a reason code, or None."""
        for reason, flag in (
            ("paper_out", self.paper_out),
            ("ribbon_out", self.ribbon_out),
            ("head_open", self.head_open),
            ("paused", self.paused),
            ("buffer_full", self.buffer_full),
            ("over_temperature", self.over_temperature),
            ("corrupt_ram", self.corrupt_ram),
        ):
            if flag:
                return reason
        return None


PRINT_MODES = {"0": "rewind", "1": "peel_off", "2": "tear_off", "3": "cutter", "4": "applicator"}


class HostStatusError(ValueError):
    """An answer that is not three ~HS strings."""


def _flag(value: str) -> bool:
    return value.strip() == "1"


_STRING = re.compile(r"\x02([^\x02\x03]*)\x03")
_READBACK_LINE = re.compile(r"EPC:([0-9A-Fa-f]*)\r?\n")


def parse_host_status(answer: bytes) -> HostStatus:
    """The three STX ... ETX strings of a `~HS` answer, read into flags."""
    strings = _STRING.findall(answer.decode("ascii", errors="replace"))
    if len(strings) < 3:
        raise HostStatusError(f"~HS answer has {len(strings)} of its 3 strings")
    return _status_of(strings[0], strings[1])


def heard(answer: bytes) -> tuple[list[HostStatus], list[str]]:
    """Everything a printer sent on a connection, in order: its `~HS` answers (three strings
    each; one that does not read is skipped) and the EPCs of its whole `^HV` read-back lines,
    wherever they came between them."""
    text = answer.decode("ascii", errors="replace")
    strings = _STRING.findall(text)
    statuses = []
    for at in range(0, len(strings) - 2, 3):
        try:
            statuses.append(_status_of(strings[at], strings[at + 1]))
        except HostStatusError:
            continue
    rest = _STRING.sub("", text)
    return statuses, [epc.upper() for epc in _READBACK_LINE.findall(rest)]


def _status_of(first: str, second: str) -> HostStatus:
    one, two = first.split(","), second.split(",")
    if len(one) < 12 or len(two) < 11:
        raise HostStatusError("~HS strings 1 and 2 are short of their fields")
    try:
        return HostStatus(
            paper_out=_flag(one[1]),
            paused=_flag(one[2]),
            label_length=int(one[3]),
            formats_in_buffer=int(one[4]),
            buffer_full=_flag(one[5]),
            partial_format=_flag(one[7]),
            corrupt_ram=_flag(one[9]),
            under_temperature=_flag(one[10]),
            over_temperature=_flag(one[11]),
            head_open=_flag(two[2]),
            ribbon_out=_flag(two[3]),
            thermal_transfer=_flag(two[4]),
            print_mode=PRINT_MODES.get(two[5].strip(), "unknown"),
            label_waiting=_flag(two[7]),
            labels_remaining=int(two[8]),
        )
    except ValueError as exc:
        raise HostStatusError(f"~HS field not a number: {exc}") from exc


def host_status_answer(status: HostStatus) -> bytes:
    """The three strings a printer in `status` answers `~HS` with (the harness's simulator)."""

    def b(flag: bool) -> str:
        return "1" if flag else "0"

    mode = {v: k for k, v in PRINT_MODES.items()}.get(status.print_mode, "2")
    one = (
        f"030,{b(status.paper_out)},{b(status.paused)},{status.label_length:04d},"
        f"{status.formats_in_buffer:03d},{b(status.buffer_full)},0,{b(status.partial_format)},"
        f"000,{b(status.corrupt_ram)},{b(status.under_temperature)},{b(status.over_temperature)}"
    )
    two = (
        f"001,0,{b(status.head_open)},{b(status.ribbon_out)},{b(status.thermal_transfer)},"
        f"{mode},0,{b(status.label_waiting)},{status.labels_remaining:08d},1,000"
    )
    return b"".join(b"\x02" + s.encode() + b"\x03\r\n" for s in (one, two, "1234,0"))
