"""The floor in memory: the floor view (gateway/domain/floor.py) without a database.

The workflows' unit tests decide against it (tests/unit/test_floor_workflows.py): load it with
what the server's copy would hold, play reads through `decide`, and look at what was recorded.
It keeps every local effect live (as the book does until a sync shows them), and `mark` and
`undo` play the part of the read's savepoint: a refused read leaves it as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from gateway.domain.fifo import PickLine
from gateway.domain.floor import (
    BatchInfo,
    Count,
    CountKey,
    Effect,
    FlaggedReceipt,
    Item,
    LabelNote,
    LabelWanted,
    Line,
    ListedUnit,
    Load,
    Location,
    NoticeLine,
    Pick,
    Stocktake,
    TaggedUnit,
    Task,
)
from gateway.domain.labels import sscc
from kernel.print_outcomes import PROBLEMS


@dataclass(frozen=True, slots=True)
class PickListLine:
    """A pick line as the server sends it: reserved stock to take for an order."""

    id: int
    order: str
    location: str
    item: str
    batch: str
    qty: int
    loaded: int = 0  # what the server counted as loaded already


@dataclass
class MemoryFloor:
    """A depot's floor in dictionaries and lists; the fields are what a sync would bring."""

    items: dict[str, Item] = field(default_factory=dict)
    gtins: dict[str, str] = field(default_factory=dict)  # gtin -> item code
    places: dict[str, Location] = field(default_factory=dict)
    batch_info: dict[tuple[str, str], BatchInfo] = field(default_factory=dict)
    stock: list[Line] = field(default_factory=list)  # the server's lines
    pick_list: list[PickListLine] = field(default_factory=list)
    notices: list[NoticeLine] = field(default_factory=list)  # `received` 0 as sent
    listed: list[ListedUnit] = field(default_factory=list)  # the notices' tagged units
    stocktakes: dict[int, Stocktake] = field(default_factory=dict)
    # What the floor recorded:
    effects: list[tuple[str, Effect]] = field(default_factory=list)
    tasks: dict[str, Task] = field(default_factory=dict)
    received: dict[tuple[int, int], int] = field(default_factory=dict)
    flagged: list[FlaggedReceipt] = field(default_factory=list)
    picks: list[Pick] = field(default_factory=list)
    loads: list[Load] = field(default_factory=list)
    count_rows: dict[CountKey, tuple[int, int | None, bool]] = field(default_factory=dict)
    tags: dict[str, TaggedUnit] = field(default_factory=dict)
    listed_done: set[tuple[int, str]] = field(default_factory=set)  # (notice, tag) received
    items_in: set[tuple[str, str]] = field(default_factory=set)  # (GTIN, serial) received
    # The doors with a printer that labels what they receive, each with its trouble now
    # (a kernel.print_outcomes.PROBLEMS code; "" none), and the labels queued there:
    printers: dict[str, str] = field(default_factory=dict)
    labels: list[LabelWanted] = field(default_factory=list)
    _mark: dict[str, Any] | None = field(default=None, init=False, repr=False)

    _RECORDED = ("effects", "tasks", "received", "flagged", "picks", "loads", "count_rows", "tags",
                 "listed_done", "items_in", "labels")  # fmt: skip

    def mark(self) -> None:
        """Where `undo` goes back to: the read about to be decided."""
        self._mark = {name: copy.deepcopy(getattr(self, name)) for name in self._RECORDED}

    def undo(self) -> None:
        if self._mark is None:
            raise RuntimeError("mark() the floor before deciding a read")
        for name, value in self._mark.items():
            setattr(self, name, copy.deepcopy(value))

    # --- catalogue ---------------------------------------------------------------------

    def item_of_gtin(self, gtin: str) -> Item | None:
        code = self.gtins.get(gtin)
        return self.items.get(code) if code else None

    def item(self, code: str) -> Item | None:
        return self.items.get(code)

    def gtin_of(self, item: str) -> str | None:
        return min((g for g, code in self.gtins.items() if code == item), default=None)

    def location(self, code: str) -> Location | None:
        return self.places.get(code)

    def locations(self, zone: str | None = None) -> list[Location]:
        found = [x for x in self.places.values() if zone is None or x.zone == zone]
        return sorted(found, key=lambda x: x.walk_order)

    def batches(self, item: str) -> dict[str, BatchInfo]:
        return {b: info for (i, b), info in self.batch_info.items() if i == item}

    def synced(self) -> bool:
        return bool(self.items)

    # --- stock -------------------------------------------------------------------------

    def lines(
        self, location: str | None = None, item: str | None = None, batch: str | None = None
    ) -> list[Line]:
        totals: dict[tuple[str, str, str, str], int] = {}
        moves = [(x.location, x.item, x.batch, x.status, x.qty) for x in self.stock] + [
            (e.location, e.item, e.batch, e.status, e.delta) for _, e in self.effects
        ]
        for loc, it, bt, status, qty in moves:
            wanted = ((location, loc), (item, it), (batch, bt))
            if any(want is not None and want != have for want, have in wanted):
                continue
            key = (loc, it, bt, status)
            totals[key] = totals.get(key, 0) + qty
        return [Line(*key, qty) for key, qty in sorted(totals.items()) if qty != 0]

    def record_effects(self, event_id: str, effects: Iterable[Effect]) -> None:
        self.effects += [(event_id, e) for e in effects]

    # --- tasks ---------------------------------------------------------------------------

    def task(self, device: str) -> Task | None:
        found = self.tasks.get(device)
        return found._replace(state=copy.deepcopy(found.state)) if found else None

    def set_task(self, device: str, task: Task, now: float) -> None:
        self.tasks[device] = task._replace(state=copy.deepcopy(task.state))

    # --- inbound notices -------------------------------------------------------------------

    def open_notice_lines(self, notice_id: int | None = None) -> list[NoticeLine]:
        return [
            NoticeLine(x.notice_id, x.number, x.n, x.item, x.batch, x.qty,
                       self.received.get((x.notice_id, x.n), 0))
            for x in self.notices
            if notice_id in (None, x.notice_id)
        ]  # fmt: skip

    def count_received(self, line: NoticeLine, qty: int) -> None:
        key = (line.notice_id, line.n)
        self.received[key] = self.received.get(key, 0) + qty

    def flag_receipt(self, receipt: FlaggedReceipt) -> None:
        self.flagged.append(receipt)

    def listed_unit(self, epc: str) -> ListedUnit | None:
        return next((u for u in self.listed if u.epc == epc), None)

    def listed_unit_of_label(
        self, sscc: str | None, gtin: str | None, serial: str | None
    ) -> ListedUnit | None:
        by_gtin = (gtin, serial) if gtin and serial else None
        ordered = sorted(self.listed, key=lambda u: (u.notice_id, u.epc))
        found = next((u for u in ordered if sscc and u.sscc == sscc), None)
        return found or next((u for u in ordered if (u.gtin, u.serial) == by_gtin), None)

    def listed_received(self, notice_id: int, epc: str) -> bool:
        return (notice_id, epc) in self.listed_done

    def note_listed_received(self, notice_id: int, epc: str, at: float) -> None:
        self.listed_done.add((notice_id, epc))

    def item_received(self, gtin: str, serial: str) -> bool:
        return (gtin, serial) in self.items_in

    def note_item_received(self, gtin: str, serial: str, at: float) -> None:
        self.items_in.add((gtin, serial))

    def note_item_left(self, gtin: str, serial: str) -> None:
        self.items_in.discard((gtin, serial))

    # --- pick lists and loading -------------------------------------------------------------

    def _loaded(self, line: PickListLine) -> int:
        return line.loaded + sum(d.qty for d in self.loads if d.line_id == line.id)

    def pick_lines(self, order: str) -> list[PickLine]:
        out = []
        for x in (x for x in self.pick_list if x.order == order):
            picked = sum(p.qty for p in self.picks if p.line_id == x.id)
            info = self.batch_info.get((x.item, x.batch))
            place = self.places.get(x.location)
            out.append(
                PickLine(x.id, x.order, x.item, x.batch, x.location,
                         place.walk_order if place else 0, x.qty, max(picked, self._loaded(x)),
                         info.inbound_date if info else None, info.prod_date if info else None,
                         info.storage_years if info else None,
                         info.pass_valid_until if info else None)
            )  # fmt: skip
        return out

    def claim_pick(self, pick: Pick) -> None:
        self.picks.append(pick)

    def left_to_load(self, order: str) -> dict[int, int]:
        return {x.id: x.qty - self._loaded(x) for x in self.pick_list if x.order == order}

    def granted_picks(self, order: str) -> list[Pick]:
        mine = {x.id for x in self.pick_list if x.order == order}
        return [p for p in self.picks if p.override is not None and p.line_id in mine]

    def loaded_instead(self, order: str, batch: str) -> int:
        lines = {x.id: x for x in self.pick_list if x.order == order}
        return sum(
            d.qty
            for d in self.loads
            if d.line_id in lines and d.batch == batch and lines[d.line_id].batch != batch
        )

    def record_load(self, load: Load) -> None:
        self.loads.append(load)

    # --- stocktakes ---------------------------------------------------------------------------

    def stocktake(self, take: int) -> Stocktake | None:
        return self.stocktakes.get(take)

    def add_count(self, key: CountKey, qty: int, device: str) -> int:
        counted, card, _ = self.count_rows.get(key, (0, None, False))
        self.count_rows[key] = (counted + qty, card, False)
        return counted + qty

    def set_card(self, key: CountKey, card: int) -> None:
        if key in self.count_rows:
            counted, _, closed = self.count_rows[key]
            self.count_rows[key] = (counted, card, closed)

    def counts(self, take: int, location: str, round: int) -> dict[tuple[str, str], Count]:
        return {
            (k.item, k.batch): Count(counted, card)
            for k, (counted, card, _) in self.count_rows.items()
            if (k.stocktake, k.location, k.round) == (take, location, round)
        }

    def close_counts(self, take: int, location: str, round: int) -> None:
        for k, (counted, card, _) in list(self.count_rows.items()):
            if (k.stocktake, k.location, k.round) == (take, location, round):
                self.count_rows[k] = (counted, card, True)

    # --- labels -----------------------------------------------------------------------------

    def queue_label(self, wanted: LabelWanted, at: float) -> LabelNote | None:
        if wanted.door not in self.printers:
            return None
        self.labels.append(wanted)
        zh, en = PROBLEMS.get(self.printers[wanted.door], ("", ""))
        return LabelNote(sscc("6901234", 0, len(self.labels)), zh, en)

    # --- RFID tags ----------------------------------------------------------------------------

    def tagged(self, epc: str) -> TaggedUnit | None:
        return self.tags.get(epc)

    def register_tag(self, unit: TaggedUnit, at: float) -> None:
        if unit.epc in self.tags:
            raise ValueError(f"tag {unit.epc} is registered already")
        self.tags[unit.epc] = unit

    def tag_loaded(self, epc: str, order: str, at: float) -> None:
        self.tags[epc] = replace(self.tags[epc], state="loaded", order=order)

    def tag_received(self, unit: TaggedUnit, at: float) -> None:
        self.tags[unit.epc] = replace(unit, state="received", order=None)
