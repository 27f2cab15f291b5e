"""What every floor workflow shares: the read in hand, the answer, the events it makes.

A workflow step takes the read and the floor view (gateway/domain/floor.py: the book inside
the read's transaction, or the floor in memory in unit tests), records what the floor did
(effects on stock, picks, counts), and returns the answer for the operator and the domain
events for the server. A step refuses by raising Refusal (gateway/domain/errors.py). Texts
are Chinese first, English beside.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from gateway.domain.errors import Refusal
from gateway.domain.floor import Effect, FloorView, Item, Line, Task
from kernel.contract import Answer, ScanMessage
from kernel.floor_events import Envelope, FloorEvent, Storing
from kernel.stock_rules import MOVE_ORDER, status_taken

EVENT_NAMESPACE = uuid.UUID("5b0f3a6e-2f4c-4f7e-9d43-6f1c2a8e0d11")


def event_id_for(read_id: str, kind: str, n: int = 0) -> str:
    """A domain event's id follows from the read's: a resent read makes the same event."""
    name = f"{read_id}:{kind}" if n == 0 else f"{read_id}:{kind}:{n}"
    return str(uuid.uuid5(EVENT_NAMESPACE, name))


@dataclass(frozen=True, slots=True)
class Unit:
    """A goods label read: one pallet or case of one batch."""

    item: Item
    gtin: str
    batch: str
    qty: int
    prod_date: str | None = None
    expiry: str | None = None
    serial: str | None = None  # counted by item: the one trade item its GTIN and serial name


@dataclass(slots=True)
class Outcome:
    answer: Answer
    events: list[FloorEvent] = field(default_factory=list)


@dataclass(slots=True)
class Context:
    """The read being decided, with the device's task and the book to decide it against."""

    book: FloorView
    scan: ScanMessage
    now: float
    kind: str
    ref: str | None
    state: dict[str, Any]
    operator: str | None
    tag: Unit | None = None  # the unit an RFID tag stands for, when the read was a tag
    epc: str | None = None
    direction: str | None = None  # a tag's pass through a portal that tells in from out
    ended: bool = False  # the pass was decided when its presence ended (its own message)

    @property
    def read_id(self) -> str:
        return self.scan.event_id

    def save(self) -> None:
        """Keep the task's state as this step left it."""
        self.book.set_task(
            self.scan.device, Task(self.kind, self.ref, self.state, self.operator), self.now
        )

    def task(self, **extra: Any) -> dict[str, Any]:
        way: dict[str, Any] = {"direction": self.direction} if self.direction else {}
        if self.ended:
            way["ended"] = True  # the station tells it though it sent no such read
        return {"kind": self.kind, "id": self.ref, **way, **extra}

    def ok(self, zh: str, en: str, beep: str = "ok", **task: Any) -> Outcome:
        return Outcome(Answer(self.read_id, "ok", zh, en, beep, self.task(**task)))

    def refuse(self, zh: str, en: str, **task: Any) -> Outcome:
        return Outcome(Answer(self.read_id, "refused", zh, en, "error", self.task(**task)))

    def envelope(self, kind: str, n: int = 0) -> Envelope:
        """The envelope of the read's `n`th event of a kind (kernel.floor_events)."""
        return Envelope(
            event_id_for(self.read_id, kind, n),
            self.scan.site,
            self.scan.ts,
            self.read_id,
            self.scan.device,
            self.operator or None,
        )


@dataclass(frozen=True, slots=True)
class Label:
    """What a goods label says, checked: GTIN, batch and a quantity are there; or, for one
    trade item counted by item, its GTIN, serial and batch (quantity 1)."""

    gtin: str
    batch: str
    qty: int
    prod_date: str | None
    expiry: str | None
    serial: str | None = None  # counted by item


def goods_label(scan: ScanMessage) -> Label:
    """The read as a goods label, or a Refusal."""
    if not scan.valid:
        raise Refusal(f"无法识别的条码（{scan.error}）", f"Unreadable code ({scan.error})")
    data = scan.data
    if data.kind != "gs1" or data.gtin is None:
        raise Refusal("请扫描货物标签", "Scan a goods label")
    if data.batch and data.qty is None and data.serial:  # (01) and (21): one item
        return Label(data.gtin, data.batch, 1, data.prod_date, data.expiry, data.serial)
    if not data.batch or not data.qty or data.qty <= 0:
        raise Refusal("标签缺少批号或数量", "Label lacks batch or quantity")
    return Label(data.gtin, data.batch, data.qty, data.prod_date, data.expiry)


def unit_of(ctx: Context) -> Unit:
    """The goods label in the read (or the unit its RFID tag is registered to), with its item
    from the catalogue, or a Refusal."""
    if ctx.tag is not None:
        return ctx.tag
    label = goods_label(ctx.scan)
    item = ctx.book.item_of_gtin(label.gtin)
    if item is None:
        raise Refusal(
            f"物资目录中没有此条码 {label.gtin}", f"GTIN {label.gtin} is not in the catalogue"
        )
    return Unit(item, label.gtin, label.batch, label.qty, label.prod_date, label.expiry,
                label.serial)  # fmt: skip


def location_of(ctx: Context) -> str | None:
    """The location label in the read, if it is one."""
    data = ctx.scan.data
    return data.location if ctx.scan.valid and data.kind == "location" else None


def take_from(lines: list[Line], qty: int, order: tuple[str, ...]) -> str | None:
    """The first status, in the given order, of which the stack holds at least `qty`."""
    held = {line.status: line.qty for line in lines}
    return status_taken(order, lambda status: held.get(status, 0), qty)


def carry(
    ctx: Context, unit: Unit, source: str, target: str, order: tuple[str, ...]
) -> list[Effect]:
    """The effects of carrying a unit from one stack to another (or off the floor when the
    target is empty), or a Refusal when the source does not hold it."""
    lines = ctx.book.lines(location=source, item=unit.item.code, batch=unit.batch)
    status = take_from(lines, unit.qty, order)
    if status is None:
        have = sum(line.qty for line in lines if line.status in order)
        raise Refusal(
            f"{source} 只有批次 {unit.batch} {have} {unit.item.unit_zh}，不够 {unit.qty}",
            f"{source} holds only {have} {unit.item.unit_en} of batch {unit.batch}, not {unit.qty}",
        )
    effects = [Effect(source, unit.item.code, unit.batch, status, -unit.qty)]
    if target:
        effects.append(Effect(target, unit.item.code, unit.batch, status, unit.qty))
    return effects


def hold(unit: Unit) -> dict[str, Any]:
    """A unit in hand between two scans, as kept in the task's state."""
    return {"item": unit.item.code, "gtin": unit.gtin, "batch": unit.batch, "qty": unit.qty}


def held_unit(ctx: Context) -> Unit | None:
    held = ctx.state.get("unit")
    item = ctx.book.item(held["item"]) if held else None
    if not held or item is None:
        return None
    return Unit(item, held["gtin"], held["batch"], held["qty"])


def carry_to(
    ctx: Context, kind: type[Storing], unit: Unit, target: str, zh: str, en: str
) -> Outcome:
    """The unit in hand goes from the state's `from` location to the target (a storing or a
    moving event): the event, its effects on the floor's stock, and the task ready for the
    next unit."""
    source = str(ctx.state["from"])
    event = kind(
        envelope=ctx.envelope(kind.TYPE),
        from_location=source,
        to_location=target,
        gtin=unit.gtin,
        batch=unit.batch,
        qty=unit.qty,
    )
    ctx.book.record_effects(event.event_id, carry(ctx, unit, source, target, MOVE_ORDER))
    ctx.state = {}
    ctx.save()
    outcome = ctx.ok(zh, en)
    outcome.events.append(event)
    return outcome
