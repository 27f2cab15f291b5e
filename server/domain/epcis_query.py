"""The EPCIS 2.0 REST query interface's parameters, read and checked (pure).

`GET /events` takes the standard query parameters that make sense for a depot's events:
eventType, GE_/LT_eventTime, GE_/LT_recordTime, EQ_action, EQ_bizStep, EQ_disposition,
EQ_readPoint, EQ_bizLocation, MATCH_epcClass (MATCH_anyEPCClass alike), EQ_eventID,
perPage and nextPageToken. Several values of one parameter are separated by "|" and any of
them matches. CBV values are taken bare (`shipping`) or as their URIs, GS1 Web vocabulary
(`https://ref.gs1.org/cbv/BizStep-shipping`) or URN (`urn:epcglobal:cbv:bizstep:shipping`).
A parameter this interface does not know, or a value it cannot read, is refused with its
reason (`bad_query`), never ignored: a query that silently matched more than asked would be
worse than none.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote

from server.domain.bounds import unprintable
from server.domain.errors import Rejection

MAX_PER_PAGE = 1000
PER_PAGE = 100
MAX_VALUE = 300  # one value of a parameter
MAX_VALUES = 50  # values of one parameter
MAX_CLASSES = 10  # values of MATCH_epcClass: each is a text search
MAX_SEQ = 2**62
EVENT_TYPES = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)
_LISTS = {
    "EQ_action": "actions",
    "EQ_bizStep": "biz_steps",
    "EQ_disposition": "dispositions",
    "EQ_readPoint": "read_points",
    "EQ_eventID": "event_ids",
    "MATCH_epcClass": "epc_classes",
    "MATCH_anyEPCClass": "epc_classes",
}
_TIMES = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime")
KNOWN = frozenset(
    {*_LISTS, *_TIMES, "eventType", "EQ_bizLocation", "perPage", "nextPageToken", "warehouse"}
)
_CBV = {
    "EQ_bizStep": ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:"),
    "EQ_disposition": ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:"),
}
_DEPOT_URN = "urn:depot-floor:"


@dataclass(frozen=True, slots=True)
class EventQuery:
    """What a query asks: each tuple a set of values any of which matches, empty for no
    condition; `warehouses` None for every depot the asker may see."""

    warehouses: tuple[str, ...] | None = None
    actions: tuple[str, ...] = ()
    biz_steps: tuple[str, ...] = ()
    dispositions: tuple[str, ...] = ()
    read_points: tuple[str, ...] = ()
    event_ids: tuple[str, ...] = ()
    epc_classes: tuple[str, ...] = ()  # an LGTIN, or one ending in ".*" for any lot
    event_time: tuple[datetime | None, datetime | None] = (None, None)  # GE, LT
    record_time: tuple[datetime | None, datetime | None] = (None, None)
    after: tuple[str, int] | None = None  # the last (depot, seq) of the page before
    per_page: int = PER_PAGE
    nothing: bool = False  # asks only for events this server never makes


def refused(detail: str) -> Rejection:
    return Rejection("bad_query", detail)


def _values(name: str, raw: str) -> tuple[str, ...]:
    values = tuple(v for v in raw.split("|") if v)
    if not values or len(values) > MAX_VALUES:
        raise refused(f"{name} takes 1 to {MAX_VALUES} values separated by '|'")
    for value in values:
        if len(value) > MAX_VALUE or unprintable(value):
            raise refused(f"a value of {name} is longer than {MAX_VALUE} or unprintable")
    return values


def _cbv(name: str, value: str) -> str:
    for prefix in _CBV.get(name, ()):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def _time(name: str, raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise refused(f"{name} must name its time zone (Z or an offset such as +08:00)")
        if not 1970 <= moment.astimezone(UTC).year <= 9998:
            raise ValueError
    except (ValueError, OverflowError):
        raise refused(f"{name} must be an ISO 8601 date and time from 1970 to 9998") from None
    return moment


def depot_of(urn: str) -> str | None:
    """The depot a business location's URN names (urn:depot-floor:LC01), or None."""
    if not urn.startswith(_DEPOT_URN) or ":" in urn[len(_DEPOT_URN) :]:
        return None
    return unquote(urn[len(_DEPOT_URN) :])


def token(warehouse: str, seq: int) -> str:
    """The next page's token: the last depot and position the page gave."""
    return base64.urlsafe_b64encode(f"{warehouse}\t{seq}".encode()).decode().rstrip("=")


def _position(raw: str) -> tuple[str, int]:
    if len(raw) > MAX_VALUE:
        raise refused("nextPageToken is not one this interface gave")
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        warehouse, seq = text.split("\t")
        if not seq.isascii() or not seq.isdigit() or int(seq) > MAX_SEQ:
            raise ValueError
        return warehouse, int(seq)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise refused("nextPageToken is not one this interface gave") from None


def _per_page(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
        raise refused(f"perPage must be a whole number from 1 to {MAX_PER_PAGE}")
    return int(raw)


def once(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The query's parameters, each given once (several values go in one, with "|")."""
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise refused(f"{name[:40]!r} is given twice: give its values once, with '|'")
        params[name] = value
    return params


def read(params: Mapping[str, str], visible: tuple[str, ...] | None) -> EventQuery:
    """A query from the request's parameters; `visible` the depots the asker may see (None:
    every depot). A depot outside them is simply not matched."""
    unknown = sorted(set(params) - KNOWN)
    if unknown:
        raise refused(f"{unknown[0][:40]!r} is not a query parameter of this interface")
    lists: dict[str, tuple[str, ...]] = {}
    for name, field in _LISTS.items():
        if name in params:
            values = tuple(_cbv(name, v) for v in _values(name, params[name]))
            lists[field] = lists.get(field, ()) + values
    if len(lists.get("epc_classes", ())) > MAX_CLASSES:
        raise refused(f"MATCH_epcClass takes at most {MAX_CLASSES} values")
    times = {name: _time(name, params[name]) for name in _TIMES if name in params}
    warehouses = visible
    nothing = False
    if "EQ_bizLocation" in params:
        urns = _values("EQ_bizLocation", params["EQ_bizLocation"])
        named = tuple(d for v in urns if (d := depot_of(v)) is not None)
        warehouses = named if warehouses is None else tuple(w for w in warehouses if w in named)
    if "warehouse" in params:
        named = _values("warehouse", params["warehouse"])
        warehouses = named if warehouses is None else tuple(w for w in warehouses if w in named)
    if "eventType" in params:
        types = _values("eventType", params["eventType"])
        if any(t not in EVENT_TYPES for t in types):
            raise refused(f"eventType must be one of {', '.join(sorted(EVENT_TYPES))}")
        nothing = "ObjectEvent" not in types
    return EventQuery(
        warehouses=warehouses,
        event_time=(times.get("GE_eventTime"), times.get("LT_eventTime")),
        record_time=(times.get("GE_recordTime"), times.get("LT_recordTime")),
        after=_position(params["nextPageToken"]) if "nextPageToken" in params else None,
        per_page=_per_page(params["perPage"]) if "perPage" in params else PER_PAGE,
        nothing=nothing or warehouses == (),
        actions=lists.get("actions", ()),
        biz_steps=lists.get("biz_steps", ()),
        dispositions=lists.get("dispositions", ()),
        read_points=lists.get("read_points", ()),
        event_ids=lists.get("event_ids", ()),
        epc_classes=lists.get("epc_classes", ()),
    )
