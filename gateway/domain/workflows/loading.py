"""Loading at the dock door (装车), checked against the order's pick list.

The door's scanner or portal is put on an order (`CMD:LOAD:<order>`). Every unit going onto
the truck is checked: an item the order does not ask for, another batch than the one picked,
or more than the list holds is refused before it is on the truck. Each unit taken becomes a
loading event naming the order; the server counts it against the pick line and writes the
handover note from them. `CMD:DONE` when the truck is full: short lines are named. A unit
of a batch that may no longer go out (its re-inspection pass lapsed since it was picked) is
refused at the door too, with the reason: it goes back for a new inspection or a new plan.
"""

from __future__ import annotations

from typing import Any

from gateway.domain.errors import Refusal
from gateway.domain.fifo import PickLine
from gateway.domain.floor import Effect, Load
from gateway.domain.workflows.common import (
    Context,
    Outcome,
    Unit,
    carry,
    unit_of,
)
from gateway.domain.workflows.picking import held_reason, take_order, where_held
from kernel.depot_time import depot_date
from kernel.floor_events import Loading, Override, Stack
from kernel.stock_rules import LOAD_ORDER, MADE_HERE_LOAD_ORDER


def start(ctx: Context, order: str) -> Outcome:
    take_order(ctx, "load", order)
    left = sum(max(0, q) for q in ctx.book.left_to_load(order).values())
    return ctx.ok(
        f"开始装车 {order}：待装 {left}", f"Loading order {order}: {left} to load", left=left
    )


def step(ctx: Context) -> Outcome:
    order = str(ctx.ref)
    lines = ctx.book.pick_lines(order)
    unit = unit_of(ctx)
    mine = [x for x in lines if x.item == unit.item.code]
    if not mine:
        raise Refusal(
            f"错装：{unit.item.name_zh} 不在本单 {order}",
            f"Wrong unit: {unit.item.name_en} is not on order {order}",
        )
    held = held_reason(ctx, unit, depot_date(ctx.now))
    if held is not None:
        raise Refusal(*held)
    batches = sorted({x.batch for x in mine})
    if unit.batch not in batches:
        granted = _granted(ctx, order, unit.batch)
        if granted is not None:
            return _load_instead(ctx, order, unit, *granted)
        raise Refusal(
            f"错装：批次 {unit.batch} 不在本单，本单为 {'、'.join(batches)}",
            f"Wrong batch {unit.batch}: the order takes {', '.join(batches)}",
        )
    left = ctx.book.left_to_load(order)
    line = _line_for(mine, unit.batch, unit.qty, left)
    if line is None:
        open_qty = sum(max(0, left[x.id]) for x in mine if x.batch == unit.batch)
        raise Refusal(
            f"多装：批次 {unit.batch} 只剩 {open_qty} 待装",
            f"Over: only {open_qty} of batch {unit.batch} left to load",
        )
    effects = carry(ctx, unit, line.location, "", _load_order(line))
    event = Loading(
        envelope=ctx.envelope(Loading.TYPE),
        order=order,
        from_location=line.location,
        gtin=unit.gtin,
        batch=unit.batch,
        qty=unit.qty,
    )
    ctx.book.record_effects(event.event_id, effects)
    return _loaded(ctx, order, unit, line.id, event)


def _load_order(line: PickLine) -> tuple[str, ...]:
    """The statuses a load for this line takes, in order (kernel/stock_rules.py)."""
    return MADE_HERE_LOAD_ORDER if line.made_here else LOAD_ORDER


def _loaded(ctx: Context, order: str, unit: Unit, line_id: int, event: Loading) -> Outcome:
    ctx.book.record_load(
        Load(event.event_id, line_id, unit.qty, ctx.scan.device, ctx.now, unit.batch)
    )
    if unit.serial is not None:  # the item has left: received again if it comes back
        ctx.book.note_item_left(unit.gtin, unit.serial)
    rest = sum(max(0, q) for q in ctx.book.left_to_load(order).values())
    outcome = ctx.ok(
        f"已装车：批次 {unit.batch} {unit.qty} {unit.item.unit_zh}，还剩 {rest}",
        f"Loaded batch {unit.batch}, {unit.qty} {unit.item.unit_en}; {rest} to go",
        left=rest,
    )
    outcome.events.append(event)
    return outcome


def _granted(ctx: Context, order: str, batch: str) -> tuple[PickLine, int, dict[str, Any]] | None:
    """The line a supervisor let a picker fill with `batch`, how much of it is still to be
    loaded, and the override; None when no override names the batch."""
    lines = {x.id: x for x in ctx.book.pick_lines(order)}
    granted = [
        pick
        for pick in ctx.book.granted_picks(order)
        if pick.override is not None
        and pick.override.get("batch") == batch
        and pick.line_id in lines
    ]
    if not granted:
        return None
    first = granted[0]
    left = sum(pick.qty for pick in granted) - ctx.book.loaded_instead(order, batch)
    return lines[first.line_id], left, first.override or {}


def _load_instead(
    ctx: Context, order: str, unit: Unit, line: PickLine, left: int, override: dict[str, Any]
) -> Outcome:
    """A unit picked on a supervisor's override goes onto the truck in place of the reserved
    batch: its own stack gives it, and the reservation it replaces goes back to available."""
    if unit.qty > left:
        raise Refusal(
            f"多装：批次 {unit.batch} 只剩 {left} 待装",
            f"Over: only {left} of batch {unit.batch} left",
        )
    source = where_held(ctx, unit)
    effects = carry(ctx, unit, source, "", _load_order(line))
    event = Loading(
        envelope=ctx.envelope(Loading.TYPE),
        order=order,
        from_location=source,
        instead_of=Stack(line.location, line.batch),
        override=Override(override["by"], override["reason"]),
        gtin=unit.gtin,
        batch=unit.batch,
        qty=unit.qty,
    )
    if not line.made_here:  # nothing was reserved for an order made here
        effects += [
            Effect(line.location, line.item, line.batch, "reserved", -unit.qty),
            Effect(line.location, line.item, line.batch, "available", unit.qty),
        ]
    ctx.book.record_effects(event.event_id, effects)
    return _loaded(ctx, order, unit, line.id, event)


def _line_for(lines: list[PickLine], batch: str, qty: int, left: dict[int, int]) -> PickLine | None:
    return next((x for x in lines if x.batch == batch and left.get(x.id, 0) >= qty), None)


def finish(ctx: Context) -> Outcome:
    order = str(ctx.ref)
    left = ctx.book.left_to_load(order)
    short = [x for x in ctx.book.pick_lines(order) if left.get(x.id, 0) > 0]
    ctx.kind, ctx.ref, ctx.state = ("receive" if ctx.scan.door else "idle"), None, {}
    ctx.save()
    if short:
        zh = "；".join(f"批次 {x.batch}@{x.location} 短 {left[x.id]}" for x in short)
        en = "; ".join(f"batch {x.batch}@{x.location} short {left[x.id]}" for x in short)
        return ctx.ok(
            f"装车结束，短装：{zh}",
            f"Loading ended, short: {en}",
            beep="warn",
            short=sum(left[x.id] for x in short),
        )
    return ctx.ok(f"装车完成 {order}", f"Order {order} fully loaded", short=0)
