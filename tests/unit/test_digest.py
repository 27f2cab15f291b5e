"""The books' fingerprint and comparison (账账相符), pure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.services.digest import Difference, compare, digest

A = ("A-01-01", "ZS-0001", "2024A1", "available")
B = ("A-01-02", "ZS-0001", "2024A1", "available")

lines = st.dictionaries(
    st.tuples(
        st.sampled_from(["A-01-01", "B-02-02"]),
        st.sampled_from(["ZS-0001", "CQ-0002"]),
        st.sampled_from(["B1", "B2"]),
        st.sampled_from(["available", "on_hold"]),
    ),
    st.integers(0, 500),
)


@given(lines)
def test_the_digest_ignores_order_and_empty_lines(book: dict[tuple[str, ...], int]) -> None:
    shuffled = dict(reversed(list(book.items())))
    assert digest(shuffled) == digest(book)  # type: ignore[arg-type]
    assert digest({**book, ("Z", "Z", "Z", "available"): 0}) == digest(book)  # type: ignore[arg-type]


@given(lines, lines)
def test_books_agree_exactly_when_their_digests_do(
    one: dict[tuple[str, ...], int], two: dict[tuple[str, ...], int]
) -> None:
    assert (digest(one) == digest(two)) == (compare(one, two) == [])  # type: ignore[arg-type]


def test_differences_name_each_line_with_both_quantities() -> None:
    central = {A: 20, B: 5}
    local = {A: 18}
    assert compare(central, local) == [
        Difference(*A, central=20, local=18),
        Difference(*B, central=5, local=0),
    ]
    assert digest(central) != digest(local)
