"""EPCs read from UHF RFID tags, decoded to GS1 keys with epcpy (pure, no IO).

SGTIN-96 gives a GTIN and a serial (one case or item), SSCC-96 a logistic unit (a pallet),
SGLN-96 a location (a tag on a stack position or a door). Anything else is reported as an
invalid read with a reason, never dropped.
"""

from __future__ import annotations

import re

from epcpy.epc_schemes.sgln import SGLN
from epcpy.epc_schemes.sgtin import SGTIN
from epcpy.epc_schemes.sscc import SSCC
from epcpy.utils.parsers import hex_to_tag_encodable

from edge.decode.barcode import Decoded
from kernel.contract import ScanData

_HEX = re.compile(r"[0-9A-Fa-f]+")


def decode_epc(epc_hex: str) -> Decoded:
    """Decode the EPC bank of a tag, given as hexadecimal text."""
    text = epc_hex.strip()
    if not text or not _HEX.fullmatch(text) or len(text) % 4:
        return Decoded(False, ScanData(kind="epc"), None, "epc_not_hex")
    try:
        tag = hex_to_tag_encodable(text.upper())
    except Exception:  # epcpy raises several kinds for unknown headers and bad partitions
        return Decoded(False, ScanData(kind="epc"), None, "epc_unknown_scheme")
    uri = tag.epc_uri
    if isinstance(tag, SGTIN):
        serial = uri.rsplit(".", 1)[-1]
        return Decoded(
            True, ScanData(kind="epc", epc_uri=uri, gtin=tag.gtin(), serial=serial), None, None
        )
    if isinstance(tag, SSCC):
        sscc = tag.gs1_key()
        return Decoded(True, ScanData(kind="epc", epc_uri=uri, sscc=sscc), None, None)
    if isinstance(tag, SGLN):
        element = tag.gs1_element_string()  # (414)GLN or (414)GLN(254)extension
        gln = element[5:18]
        extension = element.split("(254)")[1] if "(254)" in element else ""
        location = f"{gln}.{extension}" if extension and extension != "0" else gln
        return Decoded(True, ScanData(kind="epc", epc_uri=uri, location=location), None, None)
    return Decoded(False, ScanData(kind="epc", epc_uri=uri), None, "epc_unsupported_scheme")
