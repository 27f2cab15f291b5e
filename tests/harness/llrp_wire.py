"""The LLRP 1.0.1 binary encoding the reader simulator speaks: message header, TLV and TV
parameters, LLRPStatus.

Message header: 3 reserved bits, 3 version bits, 10 type bits, uint32 length, uint32 id.
TLV parameter: 6 reserved bits, 10 type bits, uint16 length. TV parameter: 1, then 7 type bits.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

VERSION = 1  # LLRP 1.0.1
HEADER = struct.Struct("!HII")
# LLRPStatus codes.
SUCCESS, OVERFLOW_PARAMETER, UNSUPPORTED_MESSAGE, A_INVALID = 0, 105, 109, 300


def tlv(ptype: int, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack("!HH", ptype & 0x3FF, 4 + len(body)) + body


def tv(ptype: int, fmt: str, value: int | bytes) -> bytes:
    return struct.pack("!B" + fmt, 0x80 | ptype, value)


def message(mtype: int, msg_id: int, body: bytes = b"") -> bytes:
    return HEADER.pack((VERSION << 10) | mtype, HEADER.size + len(body), msg_id) + body


def llrp_status(code: int = SUCCESS, description: str = "") -> bytes:
    text = description.encode()
    return tlv(287, struct.pack("!HH", code, len(text)), text)


def iter_tlvs(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(type, body) of the TLV parameters in `data`; stops at the first TV parameter."""
    pos = 0
    while pos + 4 <= len(data) and not data[pos] & 0x80:
        ptype, length = struct.unpack_from("!HH", data, pos)
        if length < 4 or pos + length > len(data):
            return
        yield ptype & 0x3FF, data[pos + 4 : pos + length]
        pos += length


def find_tlv(data: bytes, ptype: int) -> bytes | None:
    return next((body for t, body in iter_tlvs(data) if t == ptype), None)
