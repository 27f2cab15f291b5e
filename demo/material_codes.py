"""The example depot's national code table (GB/T 38565 layout: 7 digits, 4 levels) and the
class of each product of the example catalogue.

The table ships as `material_codes.csv` beside this module, a file like the one a depot
imports (POST /api/v1/master/material_codes). It holds the classes the example catalogue's
goods fall under, laid out as the standard lays out its code table; a depot imports the
standard's own table, or the part of it it uses."""

from __future__ import annotations

import csv
from pathlib import Path

TABLE = Path(__file__).with_name("material_codes.csv")

# product (its English name in demo.exampledata) -> its detail class
NATIONAL_CODES: dict[str, str] = {
    "Single-roof tent": "1010101",
    "Padded winter tent": "1010102",
    "Frame tent": "1010103",
    "Inflatable tent": "1010104",
    "Tarpaulin": "1010201",
    "Folding bed": "1020101",
    "Mattress": "1020102",
    "Cotton quilt": "1020201",
    "Blanket": "1020202",
    "Towelling quilt": "1020203",
    "Sleeping bag": "1020301",
    "Moisture-proof mat": "1020302",
    "Padded overcoat": "1030101",
    "Raincoat": "1030102",
    "Padded winter suit": "1030103",
    "Rain boots": "1030201",
    "Padded shoes": "1030202",
    "Toiletry kit": "1040101",
    "Towel": "1040102",
    "Washbasin": "1040103",
    "Soap": "1040104",
    "Sanitary kit": "1040201",
    "Emergency lamp": "2010101",
    "Life jacket": "2020101",
    "Portable generator": "2030101",
}


def table_rows() -> list[dict[str, str]]:
    """The lines of the shipped table, as a master data file's rows."""
    with TABLE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
