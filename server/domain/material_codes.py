"""The national classification codes of emergency materials (应急物资分类及编码, GB/T 38565):
the structure of a code and the check of a code table as a depot imports it (pure).

A code has 7 digits in 4 levels: the major class (大类, 1 digit: 1 basic living supplies,
2 emergency equipment, 3 engineering materials and machinery), then the middle (中类), minor
(小类) and detail (细类) classes, 2 digits each, 01 to 99. A class above the detail level is
written padded with zeros to 7 digits, as the standard's table lays them out: major class 1
is 1000000, its middle class 01 is 1010000, that one's minor class 01 is 1010100, and the
detail class 1010101 sits under all three. Once a level is 00 every level below it is too.

The table itself is data (the standard's code table, or the part of it a depot uses): it is
imported as a file (server.services.material_codes), never written into the source.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.domain.bounds import shown
from server.domain.errors import RowError

LENGTH = 7
MAJOR_CLASSES: dict[str, tuple[str, str]] = {
    "1": ("基本生活保障物资", "basic living supplies"),
    "2": ("应急装备及配套物资", "emergency equipment and supporting supplies"),
    "3": ("工程材料与机械加工设备", "engineering materials and machinery"),
}
LEVELS: dict[int, tuple[str, str]] = {
    1: ("大类", "major class"),
    2: ("中类", "middle class"),
    3: ("小类", "minor class"),
    4: ("细类", "detail class"),
}
COLUMNS = ("code", "name_zh", "name_en")  # and `level`, if the file has it
DIGITS = frozenset("0123456789")


@dataclass(frozen=True, slots=True)
class MaterialCode:
    code: str
    name_zh: str
    name_en: str
    level: int


def problem_of(code: str) -> tuple[str, str] | None:
    """What is wrong with a code's structure (Chinese, English), or None if it is well formed."""
    if not code:
        return ("不能为空", "the code is empty")
    if not set(code) <= DIGITS:
        if code.isdigit():  # full-width or other digits than 0-9
            return (
                "须为半角数字 0-9（不能用全角数字）",
                f"{shown(code, 20)!r} has digits other than ASCII 0-9 (full-width?)",
            )
        return ("只能由数字 0-9 组成", f"{shown(code, 20)!r} must be digits 0-9 only")
    if len(code) != LENGTH:
        return (
            f"须为 {LENGTH} 位数字，而不是 {len(code)} 位",
            f"{code} must have {LENGTH} digits, not {len(code)}",
        )
    if code[0] not in MAJOR_CLASSES:
        return ("大类须为 1、2 或 3", f"{code}: the major class (first digit) must be 1, 2 or 3")
    levels = (code[1:3], code[3:5], code[5:7])
    empty = [part == "00" for part in levels]
    if any(empty[i] and not empty[i + 1] for i in range(len(empty) - 1)):
        return ("上一层为 00 时下层须为 00", f"{code}: a level below a 00 level must be 00 too")
    return None


def level_of(code: str) -> int:
    """The level of a well-formed code: 1 major, 2 middle, 3 minor, 4 detail."""
    return 1 + sum(1 for part in (code[1:3], code[3:5], code[5:7]) if part != "00")


def parents(code: str) -> tuple[str, ...]:
    """The classes above a well-formed code, from the major class down, padded to 7 digits."""
    return tuple(code[:n].ljust(LENGTH, "0") for n in (1, 3, 5)[: level_of(code) - 1])


def major_of(code: str) -> str:
    return code[:1].ljust(LENGTH, "0")


def middle_of(code: str) -> str | None:
    """The middle class of a code below the major level, else None."""
    return code[:3].ljust(LENGTH, "0") if level_of(code) >= 2 else None


def _error(line: int, column: str, zh: str, en: str) -> RowError:
    return RowError(line, en, column, zh)


def check_table(
    rows: list[dict[str, str]], stored: frozenset[str] = frozenset()
) -> tuple[list[MaterialCode], list[RowError]]:
    """The codes of a file (the header is line 1), or every error by line: a malformed code, an
    empty name, a `level` that is not the code's, a code twice, a class above it neither in the
    file nor among the `stored` codes."""
    if rows and (missing := [c for c in COLUMNS if c not in rows[0]]):
        names = ", ".join(missing)
        return [], [RowError(1, f"missing columns: {names}", "", f"缺少列: {names}")]
    errors: list[RowError] = []
    good: dict[int, MaterialCode] = {}
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        code = row.get("code", "")
        bad = problem_of(code)
        found = len(errors)
        if bad is not None:
            errors.append(_error(line, "code", *bad))
        elif code in seen:
            again = seen[code]
            errors.append(
                _error(
                    line, "code", f"{code} 与第 {again} 行重复", f"{code} is also on line {again}"
                )
            )
        else:
            seen[code] = line
        for name in ("name_zh", "name_en"):
            if not row.get(name, "").strip():
                errors.append(_error(line, name, "不能为空", f"{name} is empty"))
        level = row.get("level", "").strip()
        if bad is None and level and level != str(level_of(code)):
            want = level_of(code)
            errors.append(
                _error(
                    line,
                    "level",
                    f"{code} 的层级为 {want}，不是 {shown(level, 8)}",
                    f"{code} is of level {want}, not {shown(level, 8)!r}",
                )
            )
        if len(errors) == found:
            good[line] = MaterialCode(
                code, row["name_zh"].strip(), row["name_en"].strip(), level_of(code)
            )
    known = stored | seen.keys()
    for line, row in enumerate(rows, start=2):
        code = row.get("code", "")
        if problem_of(code) is not None or seen.get(code) != line:
            continue
        for parent in parents(code):
            if parent not in known:
                zh_level, en_level = LEVELS[level_of(parent)]
                errors.append(
                    _error(
                        line,
                        "code",
                        f"上级{zh_level} {parent} 不存在（文件中与已导入的都没有）",
                        f"{code}: its {en_level} {parent} is neither in the file nor stored",
                    )
                )
                good.pop(line, None)
    errors.sort(key=lambda e: e.line)
    return ([] if errors else list(good.values())), errors
