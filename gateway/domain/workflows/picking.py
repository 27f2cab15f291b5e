"""Picking for dispatch (拣货), first-in-first-out.

A picker starts on an order (task card `CMD:PICK:<order>`) and is offered the batch and
location to take next (gateway.domain.fifo, by the kernel's FIFO rule on the depot's date of
the read: kernel/depot_time.py). A unit of another batch of the item is refused with the one
to take; a unit of an item the order does not ask for, or of which nothing is left, is
refused too. A batch that may not go out (overdue, without a re-inspection pass valid today)
is never offered nor taken, not even on a supervisor's override: the picker is told why.
Each pick is claimed on its line in the gateway's book in the read's transaction, so two
pickers can never take the same stock: the second is refused.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from gateway.domain.errors import Refusal
from gateway.domain.fifo import PickLine, held_back, lot_of, next_pick, offer, remaining, why_held
from gateway.domain.floor import FloorView, Pick
from gateway.domain.workflows.common import Context, Outcome, Unit, unit_of
from kernel.depot_time import depot_date
from kernel.fifo import offerable
from kernel.floor_events import Override, Picking


def offer_text(
    book: FloorView, lines: list[PickLine], today: date
) -> tuple[str, str, dict[str, Any]]:
    """What to take next on the depot's date `today`, Chinese and English, and as data."""
    nxt = next_pick(lines, today)
    if nxt is None:
        if held := held_back(lines, today):
            zh, en = why_held(held[0].batch, held[0].lot, today)
            return f"余下的不能出库：{zh}", f"What is left may not go out: {en}", {"next": None}
        return "本单已拣完", "Order fully picked", {"next": None}
    item = book.item(nxt.item)
    zh_name = item.name_zh if item else nxt.item
    en_name = item.name_en if item else nxt.item
    return (
        f"下一个：{zh_name} 批次 {nxt.batch}，库位 {nxt.location}，{nxt.open}",
        f"Next: {en_name} batch {nxt.batch} at {nxt.location}, {nxt.open}",
        {"next": {"batch": nxt.batch, "location": nxt.location, "qty": nxt.open}},
    )


def where_held(ctx: Context, unit: Unit) -> str:
    """Where an overridden unit is taken from: the storage stack holding most of its batch."""
    docks = {loc.code for loc in ctx.book.locations() if loc.kind == "dock"}
    lines = [
        x
        for x in ctx.book.lines(item=unit.item.code, batch=unit.batch)
        if x.location not in docks and x.status in ("available", "reserved") and x.qty >= unit.qty
    ]
    if not lines:
        raise Refusal(
            f"库中没有足够的批次 {unit.batch}", f"No stack holds {unit.qty} of batch {unit.batch}"
        )
    return max(lines, key=lambda x: x.qty).location


def take_order(ctx: Context, kind: str, order: str) -> list[PickLine]:
    """Put the device on a task over an order's pick list (picking, loading); its lines."""
    lines = ctx.book.pick_lines(order)
    if not lines:
        raise Refusal(f"没有拣货单 {order}", f"No pick list for order {order}")
    ctx.kind, ctx.ref, ctx.state = kind, order, {}
    ctx.save()
    return lines


def start(ctx: Context, order: str) -> Outcome:
    lines = take_order(ctx, "pick", order)
    zh, en, extra = offer_text(ctx.book, lines, depot_date(ctx.now))
    return ctx.ok(f"开始拣货 {order}。{zh}", f"Picking order {order}. {en}", **extra)


def held_reason(ctx: Context, unit: Unit, today: date) -> tuple[str, str] | None:
    """Why the unit's batch may not go out on the depot's date `today` (overdue without a
    valid re-inspection pass), Chinese and English; None when it may."""
    info = ctx.book.batches(unit.item.code).get(unit.batch)
    if info is None:
        return None
    lot = lot_of(info.inbound_date, info.prod_date, info.storage_years, info.pass_valid_until)
    return None if offerable(lot, today) else why_held(unit.batch, lot, today)


def refuse_held(ctx: Context, unit: Unit, line: PickLine, today: date) -> None:
    """Refuse a unit of a batch that may not go out, whatever override the device holds."""
    reason = held_reason(ctx, unit, today)
    if reason is not None:
        zh, en = reason
        raise Refusal(
            f"{zh}；请取批次 {line.batch}，库位 {line.location}",
            f"{en}; take batch {line.batch} at {line.location}",
        )


def step(ctx: Context) -> Outcome:
    order = str(ctx.ref)
    today = depot_date(ctx.now)
    lines = ctx.book.pick_lines(order)
    unit = unit_of(ctx)
    line = offer(lines, unit.item.code, today)
    if line is None:
        held = [x for x in held_back(lines, today) if x.item == unit.item.code]
        if held:  # what is left of the item may not go out: say why (its own batch's first)
            first = next((x for x in held if x.batch == unit.batch), held[0])
            raise Refusal(*why_held(first.batch, first.lot, today))
        if any(x.item == unit.item.code for x in lines):
            raise Refusal(
                f"本单 {unit.item.name_zh} 已拣完", f"Nothing left of {unit.item.name_en} to pick"
            )
        raise Refusal(
            f"{unit.item.name_zh} 不在拣货单 {order} 上",
            f"{unit.item.name_en} is not on pick list {order}",
        )
    refuse_held(ctx, unit, line, today)
    override = ctx.state.get("override")
    if unit.batch == line.batch:
        override = None  # not needed: it stays for the unit it was granted for
    elif override is None:
        raise Refusal(
            f"先进先出：请取批次 {line.batch}，库位 {line.location}",
            f"First in, first out: take batch {line.batch} at {line.location}",
        )
    else:
        ctx.state.pop("override")  # granted for one unit (undone if this read is refused)
        ctx.save()
    if unit.qty > line.open:
        raise Refusal(
            f"此件 {unit.qty} 超出本行待拣 {line.open}",
            f"This unit ({unit.qty}) is more than the {line.open} left on the line",
        )
    granted = None
    if override is not None:
        granted = Override(override["by"], override["reason"], instead_of=line.batch)
    kept = {**granted.to_wire(), "batch": unit.batch} if granted else None
    ctx.book.claim_pick(
        Pick(ctx.read_id, line.id, unit.qty, ctx.scan.device, ctx.operator, kept, ctx.now)
    )
    source = line.location if granted is None else where_held(ctx, unit)
    event = Picking(
        envelope=ctx.envelope(Picking.TYPE),
        order=order,
        from_location=source,
        gtin=unit.gtin,
        batch=unit.batch,
        qty=unit.qty,
        override=granted,
    )
    after = ctx.book.pick_lines(order)
    zh, en, extra = offer_text(ctx.book, after, today)
    outcome = ctx.ok(
        f"已拣：批次 {unit.batch} {unit.qty} {unit.item.unit_zh}。{zh}",
        f"Picked batch {unit.batch}, {unit.qty} {unit.item.unit_en}. {en}",
        left=remaining(after),
        **extra,
    )
    outcome.events.append(event)
    return outcome
