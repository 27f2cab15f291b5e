"""The floor view: what the floor workflows read and record, and nothing else.

The workflows decide over this interface, never over a database. The book on SQLite
(gateway/storage/book.py) implements it inside the read's transaction; the floor in memory
(gateway/storage/memory.py) implements it for the workflows' unit tests. Its records are
frozen dataclasses; a task's state is the one mutable thing a workflow keeps (as JSON in the
book), and it is copied in and out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from gateway.domain.fifo import PickLine


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    reusable: bool


@dataclass(frozen=True, slots=True)
class Location:
    code: str
    zone: str
    walk_order: int
    kind: str  # dock | storage


@dataclass(frozen=True, slots=True)
class Line:
    """One stock line as the floor sees it: the server's, plus the live local effects."""

    location: str
    item: str
    batch: str
    status: str
    qty: int


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """A batch as the server's copy describes it (ISO dates), with its item's storage years:
    what FIFO needs to know whether it may go out (kernel/fifo.py)."""

    item: str
    batch: str
    prod_date: str | None
    inbound_date: str | None
    reinspected_on: str | None
    storage_years: int | None = None
    pass_valid_until: str | None = None  # a passed re-inspection counts until this day


@dataclass(frozen=True, slots=True)
class Effect:
    """What a local event does to a stock line until the server's copy shows it."""

    location: str
    item: str
    batch: str
    status: str
    delta: int


class Task(NamedTuple):
    """What a device is doing: its task, the task's reference (order, stocktake), its state
    between two reads, and the operator signed on to it."""

    kind: str
    ref: str | None
    state: dict[str, Any]
    operator: str | None


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """A line of an open inbound notice, with what the floor received against it."""

    notice_id: int
    number: str
    n: int
    item: str
    batch: str | None
    qty: int
    received: int


@dataclass(frozen=True, slots=True)
class ListedUnit:
    """A tagged unit an open notice lists (the supplier's dispatch advice): its tag as the
    supplier encoded it, its GS1 key (SSCC, or the SGTIN's GTIN and serial) and its goods."""

    epc: str
    notice_id: int
    number: str
    n: int  # the notice line it is on
    item: str
    batch: str
    qty: int
    sscc: str | None = None
    gtin: str | None = None
    serial: str | None = None
    prod_date: str | None = None
    expiry: str | None = None


@dataclass(frozen=True, slots=True)
class FlaggedReceipt:
    """Goods received past what a notice expects ('over') or on no notice ('wrong')."""

    read_id: str
    notice_id: int | None
    item: str
    batch: str
    qty: int
    door: str
    flag: str
    at: float


@dataclass(frozen=True, slots=True)
class Pick:
    """A unit claimed on a pick line; `override` when a supervisor let another batch go."""

    read_id: str
    line_id: int
    qty: int
    device: str
    operator: str | None
    override: dict[str, Any] | None
    at: float


@dataclass(frozen=True, slots=True)
class Load:
    """A unit that went onto the truck against a pick line."""

    event_id: str
    line_id: int
    qty: int
    device: str
    at: float
    batch: str


@dataclass(frozen=True, slots=True)
class Stocktake:
    id: int
    zone: str | None
    tolerance: int
    # the locations the server's close asked to count again: counted there as round 2
    recount: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CountKey:
    """One batch at one location in one round of a stocktake."""

    stocktake: int
    location: str
    item: str
    batch: str
    round: int


@dataclass(frozen=True, slots=True)
class Count:
    """What was counted of a batch at a location in a round, and what its bin card says."""

    counted: int
    card: int | None


@dataclass(frozen=True, slots=True)
class TaggedUnit:
    """The unit an RFID tag stands for, and whether it was received at a door (a notice's
    listed unit) or loaded (and onto which order)."""

    epc: str
    item: str
    gtin: str
    batch: str
    qty: int
    state: str  # registered | received | loaded
    order: str | None


@dataclass(frozen=True, slots=True)
class LabelWanted:
    """A unit received at a door by its label: the depot's logistic label it is to get."""

    door: str
    item: Item
    gtin: str
    batch: str
    qty: int
    prod_date: str | None
    expiry: str | None
    read_id: str
    serial: str | None = None  # one trade item, counted by item: an SGTIN on its tag


@dataclass(frozen=True, slots=True)
class LabelNote:
    """What became of a unit's label at its door's printer: queued under its SSCC, printing
    or waiting out the printer's trouble (`zh`, `en`: the trouble; empty: none), or made
    impossible by the label's rules (no SSCC; `zh`, `en` say why)."""

    sscc: str | None
    zh: str = ""
    en: str = ""


class Catalogue(Protocol):
    def item_of_gtin(self, gtin: str) -> Item | None: ...
    def item(self, code: str) -> Item | None: ...
    def gtin_of(self, item: str) -> str | None: ...
    def location(self, code: str) -> Location | None: ...
    def locations(self, zone: str | None = None) -> list[Location]: ...
    def batches(self, item: str) -> dict[str, BatchInfo]: ...
    def synced(self) -> bool:
        """Whether the floor has ever had the server's copy."""
        ...


class Stock(Protocol):
    def lines(
        self, location: str | None = None, item: str | None = None, batch: str | None = None
    ) -> list[Line]:
        """Stock lines with a quantity, ordered by location, item, batch, status."""
        ...

    def record_effects(self, event_id: str, effects: Iterable[Effect]) -> None: ...


class Tasks(Protocol):
    def task(self, device: str) -> Task | None: ...
    def set_task(self, device: str, task: Task, now: float) -> None: ...
    def undo(self) -> None:
        """Forget every change the read being decided made (it is refused)."""
        ...


class Notices(Protocol):
    def open_notice_lines(self, notice_id: int | None = None) -> list[NoticeLine]:
        """The open notices' lines (or one notice's), each with what the floor received."""
        ...

    def count_received(self, line: NoticeLine, qty: int) -> None: ...
    def flag_receipt(self, receipt: FlaggedReceipt) -> None: ...
    def listed_unit(self, epc: str) -> ListedUnit | None:
        """The unit an open notice lists with this tag."""
        ...

    def listed_unit_of_label(
        self, sscc: str | None, gtin: str | None, serial: str | None
    ) -> ListedUnit | None:
        """The unit an open notice lists with this SSCC, or else with this GTIN and serial."""
        ...

    def listed_received(self, notice_id: int, epc: str) -> bool:
        """Whether the unit the notice lists with this tag was received against it."""
        ...

    def note_listed_received(self, notice_id: int, epc: str, at: float) -> None: ...

    def item_received(self, gtin: str, serial: str) -> bool:
        """Whether this one trade item (counted by item: its GTIN and serial) was received
        and has not been loaded out since."""
        ...

    def note_item_received(self, gtin: str, serial: str, at: float) -> None: ...
    def note_item_left(self, gtin: str, serial: str) -> None: ...


class PickLists(Protocol):
    def pick_lines(self, order: str) -> list[PickLine]:
        """The order's lines in their sequence, each with what is picked or loaded of it."""
        ...

    def claim_pick(self, pick: Pick) -> None: ...
    def left_to_load(self, order: str) -> dict[int, int]:
        """Per pick line: what is still to go onto the truck."""
        ...

    def granted_picks(self, order: str) -> list[Pick]:
        """The order's picks made on a supervisor's override, oldest first."""
        ...

    def loaded_instead(self, order: str, batch: str) -> int:
        """How much of `batch` went onto the truck in place of another batch of a line."""
        ...

    def record_load(self, load: Load) -> None: ...


class Counts(Protocol):
    def stocktake(self, take: int) -> Stocktake | None:
        """The stocktake, if it is open for counting."""
        ...

    def add_count(self, key: CountKey, qty: int, device: str) -> int:
        """Add to the count (opening it again if closed); the running total."""
        ...

    def set_card(self, key: CountKey, card: int) -> None: ...
    def counts(self, take: int, location: str, round: int) -> dict[tuple[str, str], Count]: ...
    def close_counts(self, take: int, location: str, round: int) -> None: ...


class Tags(Protocol):
    def tagged(self, epc: str) -> TaggedUnit | None: ...
    def register_tag(self, unit: TaggedUnit, at: float) -> None: ...
    def tag_loaded(self, epc: str, order: str, at: float) -> None: ...
    def tag_received(self, unit: TaggedUnit, at: float) -> None:
        """The tag stands for `unit`, received (registered now, or before on a handheld)."""
        ...


class Labels(Protocol):
    def queue_label(self, wanted: LabelWanted, at: float) -> LabelNote | None:
        """Queue the unit's label at its door's printer, in the read's transaction; None
        where the door has no printer."""
        ...


class FloorView(Catalogue, Stock, Tasks, Notices, PickLists, Counts, Tags, Labels, Protocol):
    """Everything a workflow reads and records, in the read's own transaction."""
