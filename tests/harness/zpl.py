"""ZPL read back as a printer reads it, for tests to check what the gateway printed: each
format's text fields by position, its GS1-128 barcodes as element strings and as the station's
decoder reads them, its QR codes, and the EPC it writes to the tag."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from edge.decode.barcode import decode_barcode
from gateway.domain.labels import LogisticLabel, sscc
from kernel.contract import ScanData

_COMMAND = re.compile(r"[\^~]([A-Z@][A-Z0-9@])")
GS = "\x1d"
_AI = re.compile(r"\((\d{2,4})\)([^(]*)")
FIXED = {"00": 18, "01": 14, "02": 14, "11": 6, "13": 6, "15": 6, "17": 6, "20": 2}


@dataclass
class Field:
    x: int
    y: int
    data: str
    kind: str = "text"  # text | gs1-128 | code128 | qr | rfid-write | rfid-read
    params: str = ""


@dataclass
class Format:
    """One ^XA ... ^XZ format."""

    fields: list[Field] = field(default_factory=list)
    commands: list[tuple[str, str]] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [f.data for f in self.fields if f.kind == "text"]

    @property
    def barcodes(self) -> list[str]:
        """Each GS1-128 symbol's element string, FNC1 as GS, as a scanner sends it."""
        return [element_string(f) for f in self.fields if f.kind in ("gs1-128", "code128")]

    @property
    def scans(self) -> list[ScanData]:
        """Each GS1-128 symbol as the station's decoder reads it."""
        out = []
        for text in self.barcodes:
            decoded = decode_barcode(("]C1" + text).encode("ascii"))
            assert decoded.valid, (text, decoded.error)
            out.append(decoded.data)
        return out

    @property
    def epc_written(self) -> str | None:
        return next((f.data for f in self.fields if f.kind == "rfid-write"), None)

    @property
    def qr(self) -> list[str]:
        return [f.data.split(",", 1)[1] for f in self.fields if f.kind == "qr"]

    def has(self, command: str) -> bool:
        return any(name == command for name, _ in self.commands)

    def params(self, command: str) -> str | None:
        return next((p for name, p in self.commands if name == command), None)


def element_string(f: Field) -> str:
    """A ^BC field's data as an element string: mode D '(AI)value' or '>;>8' FNC1 form."""
    if f.kind == "gs1-128":
        pairs = _AI.findall(f.data)
        out = []
        for index, (ai, value) in enumerate(pairs):
            out.append(ai + value)
            if ai not in FIXED and index < len(pairs) - 1:
                out.append(GS)
        return "".join(out)
    data = re.sub(r">[;59:6]", "", f.data.replace(">8", GS))  # subset switches dropped
    return data.removeprefix(GS)


def parse(zpl: str) -> list[Format]:
    """The formats of a ZPL stream, in order."""
    formats: list[Format] = []
    current: Format | None = None
    x = y = 0
    pending: tuple[str, str] | None = None  # a barcode or RFID command awaiting its ^FD
    escape = ""  # ^FH's escape character, for the field's ^FD
    position = 0
    while (match := _COMMAND.search(zpl, position)) is not None:
        name = match.group(1)
        if name in ("FD", "FV"):
            end = zpl.find("^FS", match.end())
            end = len(zpl) if end < 0 else end
            params, position = zpl[match.end() : end], end
        else:
            following = _COMMAND.search(zpl, match.end())
            stop = following.start() if following else len(zpl)
            params, position = zpl[match.end() : stop].strip(), stop
        if name == "XA":
            current = Format()
            formats.append(current)
            continue
        if current is None:
            continue
        current.commands.append((name, params))
        if name == "FO":
            x, y = (int(v or 0) for v in ([*params.split(","), "0", "0"])[:2])
        elif name == "BC":
            pending = ("gs1-128" if params.split(",")[5:6] == ["D"] else "code128", params)
        elif name == "BQ":
            pending = ("qr", params)
        elif name == "RF":
            kind = "rfid-write" if params.startswith("W") else "rfid-read"
            if kind == "rfid-read":
                current.fields.append(Field(x, y, "", kind, params))
            else:
                pending = (kind, params)
        elif name == "FH":
            escape = params[:1] or "_"
        elif name in ("FD", "FV"):
            kind, kind_params = pending or ("text", "")
            data = unescaped(params, escape)
            current.fields.append(Field(x, y, data, kind, kind_params))
            pending = None
        elif name == "FS":
            pending, escape = None, ""
    return formats


def unescaped(data: str, escape: str) -> str:
    """A field's data with its ^FH escapes (`_1D`) read as the bytes they stand for, the whole
    read as UTF-8 (^CI28), as the printer reads it."""
    if not escape:
        return data
    parts = re.split(re.escape(escape) + r"([0-9A-Fa-f]{2})", data)
    raw = b"".join(
        bytes([int(part, 16)]) if n % 2 else part.encode() for n, part in enumerate(parts)
    )
    return raw.decode("utf-8", errors="replace")


def sample_label(serial: int = 42, **changes: object) -> LogisticLabel:
    """A pallet of quilts from the depot's own prefix, as the tests print it."""
    values: dict[str, object] = {
        "sscc": sscc("6901234", 3, serial),
        "gtin": "06901234567892",
        "batch": "LOT-2026A",
        "qty": 40,
        "item_zh": "棉被",
        "item_en": "Cotton quilt",
        "unit_zh": "床",
        "unit_en": "pcs",
        "prod_date": date(2026, 3, 1),
        "expiry": date(2031, 2, 28),
        "depot": "市储备库",
        "door": "D1",
    }
    values.update(changes)
    return LogisticLabel(**values)  # type: ignore[arg-type]
