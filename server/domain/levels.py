"""The levels of government that own reserves (art. 17: 中央、省级、市级、县级), and the order in
which a dispatch takes them: each level uses its own reserve first, and only then asks for the
reserve of another level.

A batch is bought by one level (`batches.owner_level`); a depot has a level of its own
(`warehouses.level`), and holds its own level's batches and, under arrangement, another's (a
provincial reserve kept at a city depot). A dispatch order names the level that asks
(`dispatch_orders.requesting_level`).
"""

from __future__ import annotations

from server.domain.errors import Rejection

LEVELS = ("central", "province", "city", "county")  # highest first
LABELS = {
    "central": ("中央", "central"),
    "province": ("省级", "provincial"),
    "city": ("市级", "city"),
    "county": ("县级", "county"),
}
# The level whose orders the bureau places when an order names none: the emergency-management
# bureau of the city the central server serves (a depot's own order: the depot's level).
BUREAU_LEVEL = "city"


def held_for(level: str, kind: str) -> str:
    """The level that owns what a depot receives when no notice names another: a depot's own
    level, but an agency storage point (代储点, kind "agency") holds the bureau's reserve under
    its contract (art. 9), whatever the level of the place it stands in."""
    return BUREAU_LEVEL if kind == "agency" else level


def check_level(value: str, what: str = "level") -> str:
    """`value` if it is one of the levels, else a refusal (bad_level) naming them."""
    if value not in LEVELS:
        raise Rejection("bad_level", f"{what} is one of {', '.join(LEVELS)}, not {value[:40]!r}")
    return value


def label(level: str | None) -> tuple[str, str]:
    """The level's name in Chinese and English (an unknown one as it is)."""
    if level is None:
        return ("—", "—")
    return LABELS.get(level, (level, level))
