"""The catalogue's material categories (救灾物资分类): the five kinds of relief goods every
item belongs to, with whether goods of the kind come back after use (art. 24)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    reusable: bool


CATEGORIES: tuple[Category, ...] = (
    Category("shelter", "住所类", "Shelter", reusable=True),
    Category("bedding", "床寝类", "Bedding", reusable=False),
    Category("toiletry", "盥洗类", "Toiletries", reusable=False),
    Category("clothing", "服装类", "Clothing", reusable=False),
    Category("gear", "装具类", "Gear", reusable=True),
)
CATEGORY_CODES = frozenset(c.code for c in CATEGORIES)
