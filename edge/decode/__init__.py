"""What reads mean: pure functions and small state machines over bytes, key events, tag
reads and camera frames. No devices, files, network or clock here (time is passed in); every
input yields a result, a readable one or an error code, never an exception.

    framing.py   a serial byte stream -> frames (suffix, prefix, too_long)
    barcode.py   a frame -> ScanData: GS1 element strings and GTINs (biip), the depot's own
                 labels (locations, badges, commands)
    epc.py       an RFID tag's EPC -> GS1 keys (epcpy)
    rfid.py      RFID text lines -> tag reads; tag reads -> one message per tag and window
    keymap.py    keyboard-wedge key events -> text
    vision.py    camera frames -> codes (zxing-cpp, zbar; needs depot-floor[camera])

The gateway may read labels with this package too (tests/unit/test_layers.py).
"""

from edge.decode.barcode import (
    COMMAND_PATTERN,
    DEFAULT_BADGE_PATTERN,
    DEFAULT_LOCATION_PATTERN,
    Decoded,
    decode_barcode,
    split_symbology,
)

__all__ = [
    "COMMAND_PATTERN",
    "DEFAULT_BADGE_PATTERN",
    "DEFAULT_LOCATION_PATTERN",
    "Decoded",
    "decode_barcode",
    "split_symbology",
]
