"""The floor event types: one frozen dataclass per type, and its wire form (`to_wire`): the
JSON object a gateway sends and its outbox keeps. See kernel.floor_events."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Envelope:
    """What every event carries: which event, where, when, from which read, device and person."""

    event_id: str
    warehouse: str | None = None
    occurred_at: str | None = None
    read_id: str | None = None
    device: str | None = None
    operator: str | None = None


@dataclass(frozen=True, slots=True)
class Stack:
    """A stack of one batch at one location (the reservation a load replaces)."""

    location: str
    batch: str

    def to_wire(self) -> dict[str, Any]:
        return {"location": self.location, "batch": self.batch}


@dataclass(frozen=True, slots=True)
class Override:
    """A supervisor's leave to take another batch than first-in-first-out offers: who gave
    it and why; on a pick, the batch it was offered instead (instead_of)."""

    by: str | None
    reason: str | None
    instead_of: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"by": self.by, "reason": self.reason}
        if self.instead_of is not None:
            wire["instead_of"] = self.instead_of
        return wire


@dataclass(frozen=True, slots=True, kw_only=True)
class EventBase:
    """The base of every floor event: its envelope and its type (TYPE of the class)."""

    TYPE: ClassVar[str] = ""
    SPARSE: ClassVar[frozenset[str]] = frozenset()  # fields sent only when they are set

    envelope: Envelope

    @property
    def type(self) -> str:
        return self.TYPE

    @property
    def event_id(self) -> str:
        return self.envelope.event_id

    def to_wire(self) -> dict[str, Any]:
        """The JSON object the gateway sends (and its outbox keeps)."""
        head = self.envelope
        wire: dict[str, Any] = {"event_id": head.event_id, "type": self.TYPE}
        for name in ("warehouse", "occurred_at", "read_id", "device"):
            value = getattr(head, name)
            if value is not None:
                wire[name] = value
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "envelope" or (value is None and f.name in self.SPARSE):
                continue
            wire[f.name] = value.to_wire() if isinstance(value, Stack | Override) else value
        if head.operator:
            wire["operator"] = head.operator
        return wire


@dataclass(frozen=True, slots=True, kw_only=True)
class Receiving(EventBase):
    """Goods read at a receiving door; `notice` is the inbound notice they counted against,
    `epc` the tag of the unit it lists, where the goods are one (sent only when set: older
    events have none)."""

    TYPE = "receiving"
    SPARSE = frozenset({"epc"})
    location: str | None
    prod_date: str | None = None
    expiry: str | None = None
    notice: str | None = None
    gtin: str | None
    batch: str
    qty: int
    epc: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Returning(EventBase):
    """Reusable goods back from a disaster area, at a door."""

    TYPE = "returning"
    location: str | None
    gtin: str | None
    batch: str
    qty: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Storing(EventBase):
    """Putaway: a unit from the door to a storage location (`status`: the one to take)."""

    TYPE = "storing"
    SPARSE = frozenset({"status"})
    from_location: str | None
    to_location: str | None
    gtin: str | None
    batch: str
    qty: int
    status: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Moving(Storing):
    """A unit from one location to another (倒垛)."""

    TYPE = "moving"


@dataclass(frozen=True, slots=True, kw_only=True)
class Picking(EventBase):
    """A picker took a unit off a stack for an order."""

    TYPE = "picking"
    SPARSE = frozenset({"status", "override"})
    order: str
    from_location: str | None
    gtin: str | None
    batch: str
    qty: int
    status: str | None = None
    override: Override | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Loading(EventBase):
    """A unit onto a truck for an order."""

    TYPE = "loading"
    SPARSE = frozenset({"instead_of", "override", "status"})
    order: str
    from_location: str | None
    instead_of: Stack | None = None
    override: Override | None = None
    gtin: str | None
    batch: str
    qty: int
    status: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StockTaking(EventBase):
    """What a counter found of one batch at one location in a stocktake's round (1: blind,
    2: recount); `card` is the quantity on the stack's bin card, when one was entered."""

    TYPE = "stock_taking"
    stocktake: int | None
    location: str | None
    gtin: str | None
    batch: str
    counted: int
    card: int | None = None
    round: int = 1


# Any floor event (a moving event is a Storing).
FloorEvent = Receiving | Returning | Storing | Picking | Loading | StockTaking
TYPES: dict[str, type[FloorEvent]] = {
    cls.TYPE: cls for cls in (Receiving, Returning, Storing, Moving, Picking, Loading, StockTaking)
}
TAKES_FROM = (Storing, Picking, Loading)  # the types that take stock from `from_location`
