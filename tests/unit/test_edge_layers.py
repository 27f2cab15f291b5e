"""The station's layers (edge/): decoding is pure, the readers do not know the station.

edge/decode/    bytes, key events, tag reads and frames -> what they mean; no devices,
                files, network, clock or threads
edge/readers/   devices -> raw reads; one module per kind of reader
edge/station/   raw reads -> spool -> broker, answers back
edge/cli.py, config.py, clock.py
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_layers import imports

ROOT = Path(__file__).resolve().parents[2]
IO = (
    "os", "io", "time", "socket", "sqlite3", "subprocess", "threading", "asyncio",
    "selectors", "fcntl", "logging", "paho", "serial", "sllurp", "uuid6",
)  # fmt: skip
# What each layer may not import (beyond the lines between parts, tests/unit/test_layers.py).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "decode": (*IO, "edge.readers", "edge.station", "edge.config", "edge.clock", "edge.cli"),
    "readers": ("edge.station", "edge.config", "edge.cli"),
    "station": ("edge.cli",),
}


def forbidden(layer: str, source: str) -> list[str]:
    return [
        f"{line}: {module}"
        for line, module in imports(source)
        if any(module == f or module.startswith(f + ".") for f in FORBIDDEN[layer])
    ]


def test_the_checker_sees_io_in_decoding() -> None:
    source = "import re\nfrom time import monotonic\ndef f():\n    import edge.station.spool\n"
    assert forbidden("decode", source) == ["2: time.monotonic", "4: edge.station.spool"]
    assert forbidden("readers", source) == ["4: edge.station.spool"]


@pytest.mark.parametrize("layer", FORBIDDEN)
def test_each_layer_keeps_to_its_own(layer: str) -> None:
    found = {
        str(path.relative_to(ROOT)): crossed
        for path in sorted((ROOT / "edge" / layer).rglob("*.py"))
        if (crossed := forbidden(layer, path.read_text(encoding="utf-8")))
    }
    assert found == {}
