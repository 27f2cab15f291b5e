"""What a floor form's fields must be, checked where they enter (pure): each problem by its
field, in Chinese with English beside, so that the page shows it beside the field. The
bounds are the centre's (kernel/bounds.py): what the floor takes, the centre takes too."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kernel import bounds


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one field of the form ("" for the form as a whole)."""

    field: str
    zh: str
    en: str


def line(
    form: Mapping[str, str], field: str, zh: str, en: str, longest: int, problems: list[Problem]
) -> str:
    """A needed one-line text field, as typed (trimmed)."""
    value = form.get(field, "").strip()
    if not value:
        problems.append(Problem(field, f"请填写{zh}", f"the {en} is needed"))
    elif len(value) > longest or not bounds.is_line(value):
        problems.append(
            Problem(field, f"{zh}最多 {longest} 个字符，不含控制字符",
                    f"the {en} is at most {longest} characters, without control characters")
        )  # fmt: skip
    return value


def phone(form: Mapping[str, str], field: str, zh: str, en: str, problems: list[Problem]) -> str:
    """A telephone number, as the centre takes one."""
    value = form.get(field, "").strip()
    if len(value) > bounds.MAX_PHONE or not re.fullmatch(bounds.PHONE, value):
        problems.append(
            Problem(field, f"请填写{zh}（至少 4 位数字，可含 + - 空格 括号、分机）",
                    f"the {en}: 4 digits or more, with + - spaces, brackets, extension")
        )  # fmt: skip
    return value
