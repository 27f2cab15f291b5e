"""The tagged units a supplier says it is sending against an inbound notice (its dispatch
advice): each unit's tag as an EPC pure-identity URI, checked (pure, no IO).

Suppliers encode their own tags; the depot takes them as they are: an SSCC
(`urn:epc:id:sscc:CompanyPrefix.SerialReference`, 17 digits in all) or an SGTIN with its
serial (`urn:epc:id:sgtin:CompanyPrefix.IndicatorItemReference.Serial`, 13 digits before the
serial). The company prefix is 6 to 12 digits. Each unit's GS1 key follows from its URI: the
18-digit SSCC of its logistic label, or the GTIN-14 and serial (AI 01 and 21), so that the
unit's label read at the door is known as the same unit as its tag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kernel.epc_keys import MAX_EPC_URI, TagKey, tag_key
from server.domain.errors import Rejection

__all__ = ["MAX_EPC_URI", "MAX_UNITS", "LineOf", "TagKey", "TaggedUnit", "check_units", "tag_key"]

MAX_UNITS = 2000  # tagged units on one notice (a few trucks of pallets)


@dataclass(frozen=True, slots=True)
class TaggedUnit:
    """One unit of a dispatch advice: its tag, goods and the notice line (1-based) it is on."""

    epc: str
    line: int
    item: str
    batch: str
    qty: int
    prod_date: date | None = None
    expiry: date | None = None


@dataclass(frozen=True, slots=True)
class LineOf:
    """What a notice line expects, for checking its units."""

    item: str
    batch: str | None
    qty: int


def check_units(lines: Sequence[LineOf], units: Sequence[TaggedUnit]) -> list[TagKey]:
    """Each unit's tag key, or a Rejection for the first unit that cannot be on the notice:
    a tag that is not a supplier's SSCC or serialised SGTIN, the same tag twice, a line the
    notice does not have, an item or batch not its line's, an expiry before production, or
    more units on a line than it expects."""
    if len(units) > MAX_UNITS:
        raise Rejection("too_many_units", f"a notice lists at most {MAX_UNITS} tagged units")
    keys: list[TagKey] = []
    seen: set[TagKey] = set()
    on_line = [0] * len(lines)
    for k, unit in enumerate(units, start=1):
        key = tag_key(unit.epc)
        if key is None:
            raise Rejection("bad_epc", f"unit {k}: {unit.epc[:80]} is not an SSCC or SGTIN tag URI")
        if key in seen:  # the same unit, perhaps under another company-prefix split
            raise Rejection("duplicate_epc", f"unit {k}: tag {unit.epc} is listed twice")
        seen.add(key)
        if not 1 <= unit.line <= len(lines):
            raise Rejection("unit_line", f"unit {k}: the notice has no line {unit.line}")
        line = lines[unit.line - 1]
        if unit.item != line.item or (line.batch is not None and unit.batch != line.batch):
            raise Rejection(
                "unit_not_line",
                f"unit {k}: {unit.item} batch {unit.batch} is not what line {unit.line} expects",
            )
        if unit.qty <= 0:
            raise Rejection("bad_quantity", f"unit {k}: its quantity must be above zero")
        if unit.prod_date and unit.expiry and unit.expiry < unit.prod_date:
            raise Rejection("bad_dates", f"unit {k}: expiry before production")
        on_line[unit.line - 1] += unit.qty
        if on_line[unit.line - 1] > line.qty:
            raise Rejection(
                "units_over_line",
                f"line {unit.line}: its units come to more than the {line.qty} it expects",
            )
        keys.append(key)
    return keys
