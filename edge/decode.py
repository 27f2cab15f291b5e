"""Turn the bytes a reader produced into what they mean (pure functions, no IO).

Every input yields a result: readable codes become ScanData with valid=True, anything else
valid=False with an error code, so that the operator is told and nothing vanishes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from biip import ParseError, parse

from edge.contract import ScanData

GS = "\x1d"
_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
DEFAULT_LOCATION_PATTERN = r"^LOC:(?P<code>[A-Z0-9][A-Z0-9-]{0,31})$"


@dataclass(frozen=True, slots=True)
class Decoded:
    valid: bool
    data: ScanData
    symbology: str | None
    error: str | None


def split_symbology(text: str) -> tuple[str | None, str]:
    """Separate an AIM symbology identifier (']C1', ']d2', ...) from the data."""
    if _AIM.match(text):
        return text[:3], text[3:]
    return None, text


def decode_barcode(raw: bytes, location_pattern: str = DEFAULT_LOCATION_PATTERN) -> Decoded:
    """Decode one barcode read: GS1 element strings, a location label, or an error."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return Decoded(False, ScanData(), None, "not_text")
    if not text or any(ord(c) < 0x20 and c != GS for c in text):
        return Decoded(False, ScanData(), None, "empty" if not text else "control_characters")
    symbology, body = split_symbology(text)
    match = re.match(location_pattern, body)
    if match:
        code = match.groupdict().get("code") or body
        return Decoded(True, ScanData(kind="location", location=code), symbology, None)
    return _decode_gs1(text, body, symbology)


def _decode_gs1(text: str, body: str, symbology: str | None) -> Decoded:
    is_gs1_symbology = symbology in ("]C1", "]d2", "]Q3", "]e0", "]J1")
    candidate = text if symbology else body
    if not is_gs1_symbology and not body.startswith(("00", "01", "02")):
        return Decoded(False, ScanData(), symbology, "unknown_format")
    try:
        result = parse(candidate)
    except ParseError:
        return Decoded(False, ScanData(), symbology, "gs1_invalid")
    message = result.gs1_message
    if message is None:
        return Decoded(False, ScanData(), symbology, "gs1_invalid")
    for element in message.element_strings:
        if element.gtin_error or element.sscc_error:
            return Decoded(False, ScanData(), symbology, "gs1_check_digit")
        if element.ai.ai in ("11", "17") and element.date is None:
            return Decoded(False, ScanData(), symbology, "gs1_bad_date")
        if element.ai.ai in ("30", "37") and not element.value.isdigit():
            return Decoded(False, ScanData(), symbology, "gs1_bad_count")
    data = _gs1_fields(message.element_strings)
    if data.gtin is None and data.sscc is None:
        return Decoded(False, data, symbology, "gs1_no_key")
    return Decoded(True, data, symbology, None)


def _gs1_fields(elements: list) -> ScanData:  # type: ignore[type-arg]
    values: dict[str, object] = {}
    for e in elements:
        ai = e.ai.ai
        if ai == "01" or (ai == "02" and "gtin" not in values):
            values["gtin"] = e.value  # (02): the GTIN of the goods on a logistic unit
        elif ai == "00":
            values["sscc"] = e.value
        elif ai == "10":
            values["batch"] = e.value
        elif ai == "11" and e.date is not None:
            values["prod_date"] = e.date.isoformat()
        elif ai == "17" and e.date is not None:
            values["expiry"] = e.date.isoformat()
        elif ai == "21":
            values["serial"] = e.value
        elif ai in ("30", "37"):
            values["qty"] = int(e.value) if e.value.isdigit() else None
        elif ai == "414":
            values["location"] = e.value
    return ScanData(kind="gs1", **values)  # type: ignore[arg-type]
