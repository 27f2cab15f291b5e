"""The monthly report by national class (GB/T 38565, server.domain.material_codes): the report's
item rows summed by the major class and the middle class of each item's national code (pure).

Quantities are summed only within one unit (tents in 顶 and tarpaulins in 张 never make one
figure), so a class has one line per unit among its items; the value is in fen like the
report's. Items without a national code are summed under 未分类 / unclassified; an item coded
at the major level only counts in its major class and in no middle class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.domain.material_codes import MAJOR_CLASSES, major_of, middle_of

UNCLASSIFIED = ("未分类", "unclassified")
LEVEL_NAMES = {1: "大类 major", 2: "中类 middle", 0: "未分类 unclassified"}
ITEM, UNIT, FIRST, VALUE = 2, 5, 6, 13  # columns of the report's rows (server.services.reports)
# a line's columns before the report's figures (server.services.report_classes.HEADER)
HEAD = ("level 层级", "class_code 分类代码", "class 分类", "class_en", "unit 单位", "items 品种数")


@dataclass(frozen=True, slots=True)
class ClassLine:
    """One class's figures in one unit: level 1 a major class, 2 a middle class, 0 the items
    without a code (code "")."""

    level: int
    code: str
    name_zh: str
    name_en: str
    unit: str
    items: int
    figures: tuple[int, ...]  # opening, inbound, outbound, rotated, scrapped, adjusted, closing
    value_cents: int

    def row(self) -> tuple[Any, ...]:
        """The line as the downloads have it: HEAD, then the report's figures."""
        head = (LEVEL_NAMES[self.level], self.code, self.name_zh, self.name_en, self.unit)
        return (*head, self.items, *self.figures, self.value_cents)


def _order(key: tuple[int, str, str]) -> tuple[str, int, str, str]:
    level, code, unit = key
    # each major class, its middle classes under it; the unclassified last
    return (code[:1] if level else "9", level if level else 3, code, unit)


def by_class(
    rows: Iterable[Sequence[Any]],
    national: Mapping[str, str | None],
    names: Mapping[str, tuple[str, str]],
) -> list[ClassLine]:
    """The report's `rows` summed by class: `national` gives each item's code (None: none),
    `names` each class's Chinese and English name."""
    sums: dict[tuple[int, str, str], list[int]] = {}
    items: dict[tuple[int, str, str], set[str]] = {}
    for row in rows:
        code = national.get(row[ITEM])
        if code:
            middle = middle_of(code)
            keys = [(1, major_of(code))] + ([(2, middle)] if middle else [])
        else:
            keys = [(0, "")]
        for level, klass in keys:
            key = (level, klass, str(row[UNIT]))
            total = sums.setdefault(key, [0] * (VALUE - FIRST + 1))
            for i, n in enumerate(row[FIRST : VALUE + 1]):
                total[i] += int(n)
            items.setdefault(key, set()).add(str(row[ITEM]))
    lines = []
    for key in sorted(sums, key=_order):
        level, code, unit = key
        if not level:
            name = UNCLASSIFIED
        else:
            name = names.get(code) or MAJOR_CLASSES.get(
                code[:1] if level == 1 else "", (code, code)
            )
        total = sums[key]
        lines.append(
            ClassLine(level, code, *name, unit, len(items[key]), tuple(total[:-1]), total[-1])
        )
    return lines
