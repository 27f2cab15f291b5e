"""The SSCC serials a depot's gateway has used, as it reports them to the server with each
sync and the server gives them back (stdlib only).

GS1 forbids using an SSCC again. A gateway numbers the units it labels under the depot's GS1
company prefix and extension digit, in its own book; a gateway rebuilt from nothing (its disk
lost) would start again at 1. So each sync names the highest serial the gateway has used
under each prefix and extension (`PREFIX.EXTENSION.HIGH`, e.g. `6901234.0.1520`), the server
keeps the highest it has heard per depot, and the sync's answer gives it back: a gateway
goes on after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PATTERN = r"^[0-9]{6,12}\.[0-9]\.[0-9]{1,11}$"
_FORM = re.compile(PATTERN)
SSCC_DIGITS = 17  # before the check digit: the extension, the company prefix, the serial


@dataclass(frozen=True, slots=True)
class UsedSerials:
    prefix: str  # the GS1 company prefix, 6 to 12 digits
    extension: int  # 0-9
    high: int  # the highest serial used

    def to_param(self) -> str:
        return f"{self.prefix}.{self.extension}.{self.high}"


def most(prefix: str) -> int:
    """The highest serial an SSCC under `prefix` can carry."""
    return int(10 ** (SSCC_DIGITS - 1 - len(prefix))) - 1


def parse(text: str) -> UsedSerials:
    """`PREFIX.EXTENSION.HIGH`, its serial within what an SSCC under the prefix holds;
    ValueError says why not."""
    if not _FORM.fullmatch(text):
        raise ValueError("must be PREFIX.EXTENSION.HIGH: a 6-12 digit GS1 company prefix, a digit")
    prefix, extension, high = text.split(".")
    if int(high) > most(prefix):
        raise ValueError(f"serial {high} does not fit an SSCC under prefix {prefix}")
    return UsedSerials(prefix, int(extension), int(high))


def from_answer(rows: object) -> list[UsedSerials]:
    """The `sscc_serials` of a sync answer: [{prefix, extension, high}, ...]."""
    if not isinstance(rows, list):
        raise ValueError("sscc_serials must be a list")
    return [parse(f"{r['prefix']}.{r['extension']}.{r['high']}") for r in rows]
