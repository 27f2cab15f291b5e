"""GS1 check digits (GS1 General Specifications, 7.9.1): the one rule every part checks a
GTIN or an SSCC by. Pure, standard library only."""

from __future__ import annotations

__all__ = ["check_digit", "is_valid_gtin"]

GTIN_LENGTHS = (8, 12, 13, 14)


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def check_digit(digits: str) -> str:
    """The mod-10 check digit of a GTIN-8/12/13/14 or SSCC body (without its check digit)."""
    if not _is_digits(digits):
        raise ValueError(f"GS1 body must be a non-empty string of digits: {digits!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


def is_valid_gtin(gtin: str) -> bool:
    """True for a GTIN-8, -12, -13 or -14 whose check digit is right."""
    if len(gtin) not in GTIN_LENGTHS or not _is_digits(gtin):
        return False
    return check_digit(gtin[:-1]) == gtin[-1]
