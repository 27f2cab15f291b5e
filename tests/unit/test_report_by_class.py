"""The monthly report summed by national class (server.domain.class_report)."""

from __future__ import annotations

from typing import Any

from server.domain.class_report import HEAD, by_class


def row(
    item: str, unit: str, opening: int, closing: int, value: int, warehouse: str = "LC01"
) -> tuple[Any, ...]:
    """A report row (server.services.reports): inbound is the difference, the rest 0."""
    return (warehouse, "库", item, "物资", "spec", unit, opening, closing - opening, 0, 0, 0, 0,
            closing, value)  # fmt: skip


NAMES = {
    "1000000": ("基本生活保障物资", "Basic living supplies"),
    "1010000": ("住宿类", "Shelter"),
    "1020000": ("床寝类", "Bedding"),
    "2000000": ("应急装备及配套物资", "Emergency equipment"),
    "2010000": ("照明设备", "Lighting"),
}
NATIONAL = {
    "TENT-1": "1010101",
    "TENT-2": "1010102",
    "TARP": "1010201",
    "QUILT": "1020201",
    "LAMP": "2010101",
    "SOAP": None,
}


def test_items_sum_by_major_and_middle_class_within_one_unit() -> None:
    rows = [
        row("TENT-1", "顶", 10, 30, 3000),
        row("TENT-1", "顶", 0, 5, 500, warehouse="LC02"),  # the same item in another depot
        row("TENT-2", "顶", 4, 4, 800),
        row("TARP", "张", 100, 120, 1200),
        row("QUILT", "床", 50, 40, 400),
        row("LAMP", "盏", 7, 9, 900),
        row("SOAP", "块", 500, 450, 45),
        row("GONE", "个", 1, 1, 1),  # an item not in the mapping: unclassified too
    ]
    lines = by_class(rows, NATIONAL, NAMES)
    shown = [(c.level, c.code, c.unit, c.items, c.figures[0], c.figures[-1], c.value_cents)
             for c in lines]  # fmt: skip
    assert shown == [
        (1, "1000000", "床", 1, 50, 40, 400),
        (1, "1000000", "张", 1, 100, 120, 1200),
        (1, "1000000", "顶", 2, 14, 39, 4300),
        (2, "1010000", "张", 1, 100, 120, 1200),
        (2, "1010000", "顶", 2, 14, 39, 4300),
        (2, "1020000", "床", 1, 50, 40, 400),
        (1, "2000000", "盏", 1, 7, 9, 900),
        (2, "2010000", "盏", 1, 7, 9, 900),
        (0, "", "个", 1, 1, 1, 1),
        (0, "", "块", 1, 500, 450, 45),
    ]
    tents = lines[2]
    assert (tents.name_zh, tents.name_en) == NAMES["1000000"]
    assert tents.figures == (14, 25, 0, 0, 0, 0, 39)  # opening, inbound, ..., closing
    assert (lines[-1].name_zh, lines[-1].name_en) == ("未分类", "unclassified")
    # every quantity is counted once per level: the majors' and the unclassified lines add up
    # to the whole report, unit by unit
    for unit in {r[5] for r in rows}:
        top = [c for c in lines if c.level in (0, 1) and c.unit == unit]
        assert sum(c.figures[-1] for c in top) == sum(r[12] for r in rows if r[5] == unit)
    assert sum(c.value_cents for c in lines if c.level != 2) == sum(r[13] for r in rows)


def test_a_line_downloads_as_the_header_says() -> None:
    (major, middle) = by_class([row("LAMP", "盏", 7, 9, 900)], NATIONAL, NAMES)
    assert len(major.row()) == len(HEAD) + 8  # and the report's 8 figures
    assert major.row() == ("大类 major", "2000000", "应急装备及配套物资", "Emergency equipment",
                           "盏", 1, 7, 2, 0, 0, 0, 0, 9, 900)  # fmt: skip
    assert middle.row()[:3] == ("中类 middle", "2010000", "照明设备")


def test_a_class_missing_from_the_names_falls_back_and_nothing_is_no_lines() -> None:
    (major,) = by_class([row("X", "个", 1, 1, 1)], {"X": "3000000"}, {})
    assert major.name_zh == "工程材料与机械加工设备" and major.level == 1
    assert by_class([], NATIONAL, NAMES) == []
