"""The shape check of floor events and the text bounds: whatever JSON a gateway sends, the
server's reading answers with a text that can be stored and the typed event, or with a
malformed reason, never anything else."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.floor_events import REASONS, TYPES, StockTaking
from server.domain.bounds import MAX_QTY, MAX_STOCK, json_problem, shown, unprintable
from server.domain.eventcheck import MALFORMED, MAX_EVENT_BYTES, is_malformed, read, stored
from server.domain.floor import Rejection

# Any JSON value, with text from the whole of Unicode (surrogates and controls included) and
# whole numbers far beyond 64 bits.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)
# Each field with values near what a gateway sends, so that many events are well formed.
NUMBER = st.integers(-1, 3) | st.integers(MAX_QTY - 1, MAX_QTY + 1)
CODE = st.sampled_from(["A-01", "B1", "LC01", "zhao", "", " "])
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "batch": CODE,
    "qty": NUMBER,
    "warehouse": CODE,
    "location": CODE,
    "from_location": CODE,
    "to_location": CODE,
    "gtin": st.just("06901234000017"),
    "order": CODE,
    "operator": CODE,
    "counted": NUMBER,
    "card": NUMBER | st.none(),
    "round": NUMBER,
    "stocktake": NUMBER,
    "instead_of": st.fixed_dictionaries({"location": CODE, "batch": CODE}),
    "override": st.fixed_dictionaries({"by": CODE, "reason": st.just("blocked")}),
}


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {"event_id": str(uuid.uuid4())}
    event["type"] = draw(st.one_of(*[st.sampled_from(sorted(TYPES))] * 6, json_values))
    for field in draw(st.lists(st.sampled_from(sorted(PLAUSIBLE)), unique=True)):
        event[field] = draw(st.one_of(*[PLAUSIBLE[field]] * 6, json_values))
    if draw(st.integers(0, 3)) == 0:
        event.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3)))
    return event


@settings(max_examples=400)
@given(events())
def test_an_event_is_storable_or_malformed(event: dict[str, Any]) -> None:
    try:
        text, typed = read(event)
    except Rejection as exc:
        assert exc.reason in MALFORMED and is_malformed(str(exc))
        str(exc).encode("utf-8")  # the reason can be answered and stored
        stored(event).encode("ascii")  # and so can the event, escaped
    else:
        assert len(text.encode("utf-8")) <= MAX_EVENT_BYTES
        assert json.loads(text) == json.loads(json.dumps(event))
        assert typed.type == event["type"] and typed.event_id == event["event_id"]
        if isinstance(typed, StockTaking):
            assert 0 <= typed.counted <= MAX_STOCK and typed.round in (1, 2)
        else:
            assert 1 <= typed.qty <= MAX_QTY
        assert typed.batch.strip() and len(typed.batch) <= 32


def test_every_reason_of_the_parser_is_a_malformed_one() -> None:
    assert REASONS <= MALFORMED


def test_the_limits_of_a_read() -> None:
    base = {"event_id": str(uuid.uuid4()), "type": "receiving", "batch": "B1"}
    read({**base, "qty": MAX_QTY})
    for qty in (0, MAX_QTY + 1, 2**63 - 1, 2**63, 1.5, True, "8", None):
        try:
            read({**base, "qty": qty})
        except Rejection as exc:
            assert exc.reason in ("bad_quantity", "bad_number")
        else:
            raise AssertionError(f"qty {qty!r} was taken")


@given(st.text(st.characters(codec=None, exclude_categories=())), st.integers(2, 100))
def test_shown_text_is_printable_and_short(text: str, limit: int) -> None:
    out = shown(text, limit)
    assert unprintable(out) is None and len(out) <= limit
    out.encode("utf-8")


@given(json_values)
def test_json_problem_never_fails(value: Any) -> None:
    found = json_problem(value, "value", 4, 1000, 100)
    assert found is None or found[0] in MALFORMED
