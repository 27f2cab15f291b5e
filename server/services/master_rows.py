"""The checks every master data file's lines go through, whatever its kind: each problem is
(column, Chinese, English), reported with its line number (the header is line 1)."""

from __future__ import annotations

from sqlalchemy import Table

from server.domain.bounds import MAX_ID, shown, unprintable
from server.domain.errors import RowError

TRUE, FALSE = {"yes", "true", "1", "是", "y"}, {"no", "false", "0", "否", "n"}
# What is wrong with a line: (column, Chinese, English); column "" for the line as a whole
Problem = tuple[str, str, str]


def row_errors(line: int, problems: list[Problem]) -> list[RowError]:
    return [RowError(line, en, column, zh) for column, zh, en in problems]


def missing_columns(columns: list[str]) -> RowError:
    names = ", ".join(columns)
    return RowError(1, f"missing columns: {names}", "", f"缺少列: {names}")


def empty_cell(name: str) -> Problem:
    return (name, "不能为空", f"{name} is empty")


def whole_number(
    value: str, name: str, minimum: int, problems: list[Problem], maximum: int = MAX_ID
) -> int:
    try:
        number = int(value)
    except ValueError:
        problems.append(
            (name, "须为整数", f"{name} must be a whole number, not {shown(value, 40)!r}")
        )
        return 0
    if not minimum <= number <= maximum:
        problems.append(
            (
                name,
                f"须在 {minimum} 到 {maximum:,} 之间",
                f"{name} must be from {minimum} to {maximum:,}",
            )
        )
    return number


def check_cells(row: dict[str, str], table: Table, problems: list[Problem]) -> None:
    """Every cell printable (line breaks allowed) and no longer than its column."""
    for name, value in row.items():
        problem = unprintable(value, free=True)
        if problem:
            problems.append(
                (shown(name, 32), "含有不能使用的字符", f"{shown(name, 32)} holds {problem}")
            )
        column = table.c.get(name)
        length = getattr(column.type, "length", None) if column is not None else None
        if length is not None and len(value) > length:
            problems.append(
                (name, f"最多 {length} 个字符", f"{name} is longer than {length} characters")
            )
