"""The structure of the national classification codes of emergency materials (GB/T 38565)
and the check of a code table as a depot imports it (server.domain.material_codes)."""

from __future__ import annotations

import pytest

from demo.exampledata import generate
from demo.material_codes import table_rows
from server.domain.material_codes import (
    check_table,
    level_of,
    major_of,
    middle_of,
    parents,
    problem_of,
)

HEADER = ("code", "name_zh", "name_en")


def table(*lines: str, header: tuple[str, ...] = HEADER) -> list[dict[str, str]]:
    """The rows of a file whose lines are given comma-separated, as the reader gives them."""
    return [dict(zip(header, line.split(","), strict=True)) for line in lines]


@pytest.mark.parametrize(
    ("code", "level", "above"),
    [
        ("1000000", 1, ()),
        ("1010000", 2, ("1000000",)),
        ("2010100", 3, ("2000000", "2010000")),
        ("1010101", 4, ("1000000", "1010000", "1010100")),
        ("3999999", 4, ("3000000", "3990000", "3999900")),
    ],
)
def test_a_code_knows_its_level_and_the_classes_above_it(
    code: str, level: int, above: tuple[str, ...]
) -> None:
    assert problem_of(code) is None
    assert level_of(code) == level and parents(code) == above
    assert major_of(code) == code[0] + "000000"
    assert middle_of(code) == (None if level == 1 else code[:3] + "0000")


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("", "empty"),
        ("10101A1", "digits 0-9 only"),
        ("abcdefg", "digits 0-9 only"),
        ("101 0101", "digits 0-9 only"),
        ("101010", "7 digits, not 6"),
        ("10101011", "7 digits, not 8"),
        ("１０１０１０１", "full-width"),
        ("٣٠١٠١٠١", "other than ASCII"),  # Arabic-Indic digits
        ("4010101", "must be 1, 2 or 3"),
        ("0010101", "must be 1, 2 or 3"),
        ("1000101", "below a 00 level"),
        ("1010001", "below a 00 level"),
    ],
)
def test_a_malformed_code_says_what_is_wrong(code: str, says: str) -> None:
    problem = problem_of(code)
    assert problem is not None
    zh, en = problem
    assert says in en and zh


def test_a_good_table_gives_every_code_with_its_level() -> None:
    codes, errors = check_table(
        table(
            "1000000,基本生活保障物资,Basic living supplies",
            "1010000,住宿类,Shelter",
            "1010100,帐篷,Tents",
            "1010101,单帐篷,Single-roof tents",
        )
    )
    assert errors == []
    assert [(c.code, c.level) for c in codes] == [
        ("1000000", 1),
        ("1010000", 2),
        ("1010100", 3),
        ("1010101", 4),
    ]
    assert codes[3].name_zh == "单帐篷" and codes[3].name_en == "Single-roof tents"


def test_a_child_before_its_parent_in_the_file_is_fine() -> None:
    _, errors = check_table(
        table(
            "1010101,单帐篷,Tent",
            "1010100,帐篷,Tents",
            "1010000,住宿,Shelter",
            "1000000,生活,Living",
        )
    )
    assert errors == []


def test_the_classes_above_may_be_stored_already() -> None:
    stored = frozenset({"1000000", "1010000", "1010100"})
    codes, errors = check_table(table("1010102,棉帐篷,Padded tent"), stored)
    assert errors == [] and [c.code for c in codes] == ["1010102"]


def test_every_bad_line_is_refused_with_its_line_and_reason() -> None:
    codes, errors = check_table(
        table(
            "1000000,基本生活保障物资,Basic living supplies",  # line 2: good
            "10101A1,字母,Letters",  # 3
            "101010,六位,Six digits",  # 4
            "10101011,八位,Eight digits",  # 5
            "4010101,大类四,Major class 4",  # 6
            "１０１０１０１,全角,Full width",  # 7
            "1020101,棉被,Quilt",  # 8: no 1020000 nor 1020100
            "1000000,又一个,Again",  # 9: duplicate of line 2
            "1030000,,Clothing",  # 10: empty Chinese name
        )
    )
    assert codes == []  # nothing of a file with a bad line
    by_line = {e.line: e for e in errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "digits 0-9 only" in by_line[3].message
    assert "not 6" in by_line[4].message and "不是 6 位" in by_line[4].zh
    assert "not 8" in by_line[5].message
    assert "1, 2 or 3" in by_line[6].message and "大类" in by_line[6].zh
    assert "full-width" in by_line[7].message and "全角" in by_line[7].zh
    missing = [e.message for e in errors if e.line == 8]
    assert any("1020000" in m for m in missing) and any("1020100" in m for m in missing)
    assert "also on line 2" in by_line[9].message and "第 2 行" in by_line[9].zh
    assert by_line[10].column == "name_zh"
    assert all(e.column == "code" for e in errors if e.line != 10)


def test_a_level_column_must_agree_with_the_code() -> None:
    header = (*HEADER, "level")
    _, errors = check_table(
        table(
            "1000000,生活,Living,1", "1010000,住宿,Shelter,3", "1010100,帐篷,Tents,", header=header
        )
    )
    assert [(e.line, e.column) for e in errors] == [(3, "level")]
    assert "level 2, not '3'" in errors[0].message


def test_a_file_without_its_columns_is_refused_on_the_header() -> None:
    codes, errors = check_table([{"code": "1000000", "name": "x"}])
    assert codes == [] and [e.line for e in errors] == [1]
    assert "name_zh" in errors[0].message and "name_en" in errors[0].message


def test_the_example_table_is_well_formed_and_holds_every_example_items_class() -> None:
    codes, errors = check_table(table_rows())
    assert errors == []
    table = {c.code: c for c in codes}
    assert {c.code for c in codes if c.level == 1} == {"1000000", "2000000", "3000000"}
    every = generate(items_per_category=5, batches_per_warehouse=1).items
    for item in every:
        assert item.national_code in table and table[item.national_code].level == 4, item
    assert {table[i.national_code].name_zh for i in every} >= {"单帐篷", "棉被", "棉大衣", "应急灯"}
