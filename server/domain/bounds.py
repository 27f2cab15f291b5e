"""Bounds on every number and text the server takes, written once.

Routes and request models name their inputs with these types (`Qty`, `Id`, `Page`, `Code`,
...) instead of bare `int` and `str`: FastAPI checks them where they enter (a 422 naming the
field) and the OpenAPI schema states them, so a client and a fuzzer see the same bounds the
server keeps. Floor events arrive as JSON objects of their own and are checked by
`server.domain.eventcheck` against the same constants.

Text is one line of printable characters: no control characters (PostgreSQL refuses NUL in
text, and a code with a line break or an escape sequence is a forged one) and no lone UTF-16
surrogates (they cannot be stored or answered as UTF-8). Free text (remarks, opinions) may
hold line breaks and tabs.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from kernel import sscc_serials
from kernel.bounds import INT64_MAX as INT64_MAX  # shared with the stations and gateways
from kernel.bounds import MAX_ID as MAX_ID  # row ids are 32-bit integer columns
from kernel.bounds import MAX_PHONE as MAX_PHONE
from kernel.bounds import MAX_QTY as MAX_QTY
from kernel.bounds import MAX_STOCK as MAX_STOCK
from kernel.bounds import PHONE as PHONE  # a telephone number

MAX_OFFSET = 10**9  # how far into a list a page may start
MAX_PAGE = 100_000  # dashboard page numbers
MAX_CENTS = 10**13  # money, in cents
MAX_DAYS = 3650
INT64_MIN = -(2**63)  # any whole number stored or posted: INT64_MIN to INT64_MAX

# Whatever is not a control character (C0, DEL, C1) and not a lone surrogate.
LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
FREE = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"  # tabs and line breaks allowed


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def unprintable(value: str, free: bool = False) -> str | None:
    """Why `value` is not acceptable text, or None: the first control character or lone
    surrogate it holds (`free`: tabs and line breaks are acceptable)."""
    found = (_CONTROL_BUT_BREAKS if free else _CONTROL).search(value)
    if found is None:
        return None
    code, at = ord(found.group()), found.start()
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate at character {at}"
    return f"a control character (U+{code:04X}) at character {at}"


def _printable(value: str) -> str:
    problem = unprintable(value)
    if problem:
        raise ValueError(f"text must be printable; it holds {problem}")
    return value


def _free(value: str) -> str:
    problem = unprintable(value, free=True)
    if problem:
        raise ValueError(f"text must be printable; it holds {problem}")
    return value


def shown(value: Any, limit: int = 80) -> str:
    """Any input as it may be echoed in an answer or a log: printable, cut to `limit`."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text if _CONTROL.search(text) is None else _CONTROL.sub("\ufffd", text)


PRINTABLE = AfterValidator(_printable)


def json_problem(
    value: Any, where: str, depth: int, longest: int, entries: int
) -> tuple[str, str] | None:
    """The first thing in a decoded JSON value that the server will not store or read, as
    (reason code, sentence), or None: nesting deeper than `depth`, text longer than
    `longest` or not printable (line breaks and tabs allowed), a whole number outside 64 bits,
    a number that is not finite, more than `entries` in a list or object."""
    found = _problem(value, depth, longest, entries)
    if found is None:
        return None
    reason, path, sentence = found
    place = ".".join([where, *(shown(p, 32) for p in reversed(path))])
    return reason, f"{place} {sentence}"


def _problem(
    value: Any, depth: int, longest: int, entries: int
) -> tuple[str, list[Any], str] | None:
    """(reason, path from the innermost, sentence) of the first problem; see json_problem."""
    kind = type(value)
    if kind is str:
        if len(value) > longest:
            return "bad_text", [], f"is longer than {longest} characters"
        problem = unprintable(value, free=True)
        return None if problem is None else ("bad_text", [], f"holds {problem}")
    if value is None or kind is bool:
        return None
    if kind is int:
        inside = INT64_MIN <= value <= INT64_MAX
        return None if inside else ("bad_number", [], "is outside the 64-bit range")
    if kind is float:
        return None if math.isfinite(value) else ("bad_number", [], "is not a finite number")
    if kind is not dict and kind is not list:
        return "bad_field", [], "is not a JSON value"
    if depth <= 0:
        return "too_large", [], "is nested too deep"
    if len(value) > entries:
        return "too_large", [], f"has more than {entries} entries"
    if kind is dict:
        for key in value:
            if len(key) > 64 or _CONTROL.search(key) is not None:
                return "bad_text", [], "has a field name that is not one line of 64 characters"
    pairs: Any = value.items() if kind is dict else enumerate(value)
    for key, inner in pairs:
        # Most values are short text or whole numbers: those that are fine pass here, without
        # a call (an event's every field comes this way); the rest are looked at below.
        inner_kind = type(inner)
        if inner_kind is str:
            if len(inner) <= longest and _CONTROL_BUT_BREAKS.search(inner) is None:
                continue
        elif inner_kind is int:
            if INT64_MIN <= inner <= INT64_MAX:
                continue
        elif inner is None or inner_kind is bool:
            continue
        found = _problem(inner, depth - 1, longest, entries)
        if found is not None:
            found[1].append(key)
            return found
    return None


Qty = Annotated[int, Field(ge=1, le=MAX_QTY, description=f"1 to {MAX_QTY:,}")]
Count = Annotated[int, Field(ge=0, le=MAX_STOCK, description=f"0 to {MAX_STOCK:,}")]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
Cents = Annotated[int, Field(ge=0, le=MAX_CENTS)]
Days = Annotated[int, Field(ge=1, le=MAX_DAYS)]
# One line of printable text, by the longest it may be:
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=LINE), PRINTABLE]  # codes
Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=LINE), PRINTABLE]  # numbers
# a number made from another: a handover note's, JJ-<order's number>-<depot>-<n>
NoteNo = Annotated[str, Field(min_length=1, max_length=128, pattern=LINE), PRINTABLE]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=LINE), PRINTABLE]  # names
Person = Annotated[str, Field(min_length=1, max_length=100, pattern=LINE), PRINTABLE]
Phone = Annotated[str, Field(min_length=1, max_length=MAX_PHONE, pattern=PHONE), PRINTABLE]
Plate = Annotated[str, Field(min_length=1, max_length=20, pattern=LINE), PRINTABLE]
Reason = Annotated[str, Field(min_length=1, max_length=500, pattern=LINE), PRINTABLE]
# A query's filter: empty is no filter.
Filter = Annotated[str, Field(max_length=64, pattern=LINE), PRINTABLE]
Line = Annotated[str, Field(max_length=500, pattern=LINE), PRINTABLE]  # a reason, a heading
# Free text: line breaks and tabs allowed.
Note = Annotated[str, Field(max_length=1000, pattern=FREE), AfterValidator(_free)]


def _fits(text: str) -> str:
    sscc_serials.parse(text)  # its serial fits an SSCC under its prefix (ValueError: why not)
    return text


# The highest SSCC serial a gateway used under a GS1 prefix: PREFIX.EXTENSION.HIGH
UsedSscc = Annotated[str, Field(max_length=32, pattern=sscc_serials.PATTERN), AfterValidator(_fits)]
