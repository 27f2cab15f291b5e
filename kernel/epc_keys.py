"""The GS1 key a supplier-encoded EPC pure-identity URI names (stdlib only, pure).

An SSCC (`urn:epc:id:sscc:CompanyPrefix.SerialReference`, 17 digits in all) names the 18-digit
SSCC of its logistic label; an SGTIN with its serial
(`urn:epc:id:sgtin:CompanyPrefix.IndicatorItemReference.Serial`, 13 digits before the serial)
names a GTIN-14 and serial (AI 01 and 21; the URI's %-escapes decoded). The company prefix
is 6 to 12 digits, so one unit can be written under several URIs: the server and the gateway
compare units by this key, never by the URI's text. `pure_identity` writes a supplier's tag
URI (`urn:epc:tag:sgtin-96:Filter.…`, any case of the scheme, escapes in either case) as the
pure-identity URI kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from kernel.gs1 import check_digit

MAX_EPC_URI = 128  # as the stations send it (kernel/contract.py)

_SSCC = re.compile(r"^urn:epc:id:sscc:(\d{6,12})\.(\d{5,11})$")
# the serial: GS1 AI 21 characters as the tag data standard writes them in a URI (1 to 20)
_SGTIN = re.compile(
    r"^urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})\.((?:[A-Za-z0-9!'()*+,\-.:;=_]|%[0-9A-Fa-f]{2}){1,20})$"
)


@dataclass(frozen=True, slots=True)
class TagKey:
    """A tag's GS1 key: an SSCC, or a GTIN-14 with its serial."""

    sscc: str | None
    gtin: str | None
    serial: str | None


def tag_key(uri: str) -> TagKey | None:
    """The GS1 key a supplier-encoded tag URI names, or None if it is not a valid SSCC or
    serialised SGTIN pure-identity URI."""
    if len(uri) > MAX_EPC_URI:
        return None
    if found := _SSCC.match(uri):
        prefix, ref = found.groups()
        if len(prefix) + len(ref) != 17:
            return None
        body = ref[0] + prefix + ref[1:]
        return TagKey(body + check_digit(body), None, None)
    if found := _SGTIN.match(uri):
        prefix, ref, serial = found.groups()
        if len(prefix) + len(ref) != 13:
            return None
        body = ref[0] + prefix + ref[1:]
        return TagKey(None, body + check_digit(body), unquote(serial))
    return None


_SCHEME = re.compile(r"^urn:epc:(id|tag):(sscc|sgtin)(-96|-198)?:", re.IGNORECASE)
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def pure_identity(uri: str) -> str:
    """The pure-identity URI of an SSCC or SGTIN written as a tag URI (the filter value
    dropped) or with the scheme in upper case, its escapes in upper case; anything else as
    it is (tag_key then tells whether it names a unit)."""
    found = _SCHEME.match(uri)
    if found is None or len(uri) > MAX_EPC_URI:
        return uri
    form, scheme, size = (part.lower() if part else part for part in found.groups())
    rest = uri[found.end() :]
    if form == "tag":
        if size is None or "." not in rest:
            return uri
        rest = rest.split(".", 1)[1]  # the filter value
    elif size is not None:
        return uri
    return f"urn:epc:id:{scheme}:" + _ESCAPE.sub(lambda m: m.group(0).upper(), rest)
