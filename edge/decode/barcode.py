"""Turn the bytes a reader produced into what they mean (pure functions, no IO).

Every input yields a result: readable codes become ScanData with valid=True, anything else
valid=False with an error code, so that the operator is told and nothing vanishes.

Error codes: not_text, empty, control_characters, unknown_format, gs1_invalid (biip could
not parse it: unknown AI, truncated field), gs1_check_digit, gs1_bad_date, gs1_bad_count,
gs1_no_key (no GTIN or SSCC), too_long (from the framer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from biip import ParseError, parse

from kernel import bounds
from kernel.contract import ScanData

GS = "\x1d"
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
GS1_SYMBOLOGIES = ("]C1", "]d2", "]Q3", "]e0", "]J1")
EAN_UPC = ("]E0", "]E3", "]E4")  # EAN-13, UPC-A/E, EAN-8 (and with add-ons): a bare GTIN
_GTIN_DIGITS = re.compile(r"\d{8}|\d{12,14}")
DEFAULT_LOCATION_PATTERN = r"^LOC:(?P<code>[A-Z0-9][A-Z0-9-]{0,31})$"
# A person's badge carries their user name on the central server: a count is credited to it.
DEFAULT_BADGE_PATTERN = r"^EMP:(?P<code>[A-Za-z0-9][A-Za-z0-9._@-]{0,63})$"
# Task cards and command labels printed by the depot: "CMD:PICK:101", "CMD:DONE".
COMMAND_PATTERN = r"^CMD:(?P<code>[A-Z0-9][A-Z0-9:._-]{0,63})$"


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


def _own_label(pattern: str, body: str) -> str | None:
    match = re.match(pattern, body)
    if match is None:
        return None
    return match.groupdict().get("code") or body


def decode_barcode(
    raw: bytes,
    location_pattern: str = DEFAULT_LOCATION_PATTERN,
    badge_pattern: str = DEFAULT_BADGE_PATTERN,
) -> Decoded:
    """Decode one barcode read: the depot's own labels, GS1 element strings, or an error."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return Decoded(False, ScanData(), None, "not_text")
    if not text:
        return Decoded(False, ScanData(), None, "empty")
    if any(ord(c) < 0x20 and c != GS for c in text):
        return Decoded(False, ScanData(), None, "control_characters")
    symbology, body = split_symbology(text)
    location = _own_label(location_pattern, body)
    if location is not None:
        return Decoded(True, ScanData(kind="location", location=location), symbology, None)
    badge = _own_label(badge_pattern, body)
    if badge is not None:
        return Decoded(True, ScanData(kind="badge", badge=badge), symbology, None)
    command = _own_label(COMMAND_PATTERN, body)
    if command is not None:
        return Decoded(True, ScanData(kind="command", command=command), symbology, None)
    return _decode_gs1(text, body, symbology)


def _decode_gtin(body: str, symbology: str | None) -> Decoded:
    """An EAN/UPC symbol (or bare GTIN digits): the item's GTIN and nothing else."""
    result = parse(body)
    if result.gtin is None:
        error = "gs1_check_digit" if "check digit" in str(result.gtin_error) else "gs1_invalid"
        return Decoded(False, ScanData(), symbology, error)
    return Decoded(True, ScanData(kind="gs1", gtin=result.gtin.as_gtin_14()), symbology, None)


def _decode_gs1(text: str, body: str, symbology: str | None) -> Decoded:
    if symbology in EAN_UPC or (symbology is None and _GTIN_DIGITS.fullmatch(body)):
        try:
            return _decode_gtin(body, symbology)
        except ParseError:
            return Decoded(False, ScanData(), symbology, "gs1_invalid")
    if symbology not in GS1_SYMBOLOGIES and not body.startswith(("00", "01", "02")):
        return Decoded(False, ScanData(), symbology, "unknown_format")
    # A GS1 symbology identifier tells biip what it reads; without one (or with a plain one,
    # as some decoders report GS1-128) the body is read as a GS1 element string.
    candidate = text if symbology in GS1_SYMBOLOGIES else body
    try:
        result = parse(candidate)
    except ParseError:
        return Decoded(False, ScanData(), symbology, "gs1_invalid")
    message = result.gs1_message
    if message is None:
        return Decoded(False, ScanData(), symbology, "gs1_invalid")
    for element in message.element_strings:
        error = _element_error(element)
        if error:
            return Decoded(False, ScanData(), symbology, error)
    data = _gs1_fields(message.element_strings)
    if data.gtin is None and data.sscc is None:
        return Decoded(False, data, symbology, "gs1_no_key")
    return Decoded(True, data, symbology, None)


def _element_error(element: Any) -> str | None:
    ai = element.ai.ai
    if element.gtin_error or element.sscc_error or element.gln_error:
        return "gs1_check_digit"
    if ai in ("11", "17") and element.date is None:
        return "gs1_bad_date"
    if ai in ("30", "37") and not (
        element.value.isdigit() and 1 <= int(element.value) <= bounds.MAX_QTY
    ):
        return "gs1_bad_count"  # not a count, none, or more than one read may carry
    return None


def _gs1_fields(elements: list[Any]) -> ScanData:
    values: dict[str, Any] = {}
    extension = None
    for e in elements:
        ai = e.ai.ai
        if ai == "01" or (ai == "02" and "gtin" not in values):
            values["gtin"] = e.value  # (02): the GTIN of the goods on a logistic unit
        elif ai == "00":
            values["sscc"] = e.value
        elif ai == "10":
            values["batch"] = e.value
        elif ai == "11":
            values["prod_date"] = e.date.isoformat()
        elif ai == "17":
            values["expiry"] = e.date.isoformat()
        elif ai == "21":
            values["serial"] = e.value
        elif ai in ("30", "37"):
            values["qty"] = int(e.value)
        elif ai == "414":
            values["location"] = e.value
        elif ai == "254":
            extension = e.value
    if extension and "location" in values:
        values["location"] = f"{values['location']}.{extension}"
    return ScanData(kind="gs1", **values)
