"""Putaway (上架): scan the unit at the door, then the location it goes to.

The unit is taken from the door where its batch waits. The answer to the unit names the
suggested location (gateway.domain.placement); a location that is not storage, or holds another
batch, is refused with the suggestion named again. A storing event carries the unit from the
door to the location.
"""

from __future__ import annotations

from gateway.domain.errors import Refusal
from gateway.domain.floor import FloorView
from gateway.domain.placement import Slot, fits, suggest
from gateway.domain.workflows.common import (
    Context,
    Outcome,
    Unit,
    carry_to,
    held_unit,
    hold,
    location_of,
    unit_of,
)
from kernel.floor_events import Storing


def slots(book: FloorView) -> list[Slot]:
    holds: dict[str, set[tuple[str, str]]] = {}
    for line in book.lines():
        holds.setdefault(line.location, set()).add((line.item, line.batch))
    return [
        Slot(loc.code, loc.walk_order, loc.kind, frozenset(holds.get(loc.code, ())))
        for loc in book.locations()
    ]


def slot_at(book: FloorView, code: str) -> Slot | None:
    loc = book.location(code)
    if loc is None:
        return None
    holds = frozenset((line.item, line.batch) for line in book.lines(location=code))
    return Slot(loc.code, loc.walk_order, loc.kind, holds)


def suggestion(book: FloorView, unit: Unit) -> Slot | None:
    inbound = {b: info.inbound_date for b, info in book.batches(unit.item.code).items()}
    return suggest(slots(book), unit.item.code, unit.batch, inbound)


def step(ctx: Context) -> Outcome:
    place = location_of(ctx)
    if place is None:
        return _take_unit(ctx)
    unit = held_unit(ctx)
    if unit is None:
        raise Refusal("请先扫描货物标签，再扫描库位", "Scan the goods first, then the location")
    if not fits(slot_at(ctx.book, place), unit.item.code, unit.batch):
        hint = suggestion(ctx.book, unit)
        where = hint.code if hint else "—"
        raise Refusal(
            f"库位 {place} 不能放批次 {unit.batch}，请放到 {where}",
            f"Location {place} cannot take batch {unit.batch}; put it at {where}",
        )
    return carry_to(
        ctx,
        Storing,
        unit,
        place,
        f"已上架：批次 {unit.batch} {unit.qty} {unit.item.unit_zh} → {place}",
        f"Put away batch {unit.batch}, {unit.qty} {unit.item.unit_en} at {place}",
    )


def _take_unit(ctx: Context) -> Outcome:
    unit = unit_of(ctx)
    docks = {loc.code for loc in ctx.book.locations() if loc.kind == "dock"}
    waiting = [
        line
        for line in ctx.book.lines(item=unit.item.code, batch=unit.batch)
        if line.location in docks and line.qty >= unit.qty
    ]
    if not waiting:
        raise Refusal(
            f"批次 {unit.batch} 不在收货区（或数量不足 {unit.qty}）",
            f"Batch {unit.batch} is not waiting at a door (or less than {unit.qty})",
        )
    source = max(waiting, key=lambda line: line.qty).location
    hint = suggestion(ctx.book, unit)
    ctx.state = {
        "unit": hold(unit),
        "from": source,
        "suggested": hint.code if hint else None,
    }
    ctx.save()
    if hint is None:
        return ctx.ok(
            f"批次 {unit.batch}：没有空库位，请联系保管员",
            f"Batch {unit.batch}: no free location; ask the keeper",
            beep="warn",
        )
    return ctx.ok(
        f"请放到 {hint.code}（批次 {unit.batch}，{unit.qty} {unit.item.unit_zh}）",
        f"Put it at {hint.code} (batch {unit.batch}, {unit.qty} {unit.item.unit_en})",
        suggested=hint.code,
    )
