"""Moves between locations (倒垛): scan the location, the unit, then where it goes.

The unit must be at the first location (the floor's stock says so); the target must take it
(storage, empty or holding the same batch). A moving event carries it across.
"""

from __future__ import annotations

from gateway.domain.errors import Refusal
from gateway.domain.placement import fits
from gateway.domain.workflows.common import (
    Context,
    Outcome,
    carry,
    carry_to,
    held_unit,
    hold,
    location_of,
    unit_of,
)
from gateway.domain.workflows.putaway import slot_at
from kernel.floor_events import Moving
from kernel.stock_rules import MOVE_ORDER


def step(ctx: Context) -> Outcome:
    place = location_of(ctx)
    held = ctx.state.get("unit")
    if place is not None and not held:
        if ctx.book.location(place) is None:
            raise Refusal(f"未知库位 {place}", f"Unknown location {place}")
        ctx.state = {"from": place}
        ctx.save()
        return ctx.ok(f"从 {place} 移出：请扫描货物", f"Moving from {place}: scan the goods")
    if place is None:
        source = ctx.state.get("from")
        if not source:
            raise Refusal("请先扫描要移出的库位", "Scan the location to move from first")
        unit = unit_of(ctx)
        carry(ctx, unit, source, "", MOVE_ORDER)  # refuses when the location lacks it
        ctx.state = {"from": source, "unit": hold(unit)}
        ctx.save()
        return ctx.ok(
            f"批次 {unit.batch} {unit.qty} {unit.item.unit_zh}：请扫描目标库位",
            f"Batch {unit.batch}, {unit.qty} {unit.item.unit_en}: scan the target location",
        )
    in_hand = held_unit(ctx)
    if in_hand is None:
        raise Refusal("物资目录已变更，请重新扫描", "The catalogue changed; scan again")
    source = ctx.state["from"]
    if place == source or not fits(slot_at(ctx.book, place), in_hand.item.code, in_hand.batch):
        raise Refusal(
            f"库位 {place} 不能放批次 {in_hand.batch}",
            f"Location {place} cannot take batch {in_hand.batch}",
        )
    return carry_to(
        ctx,
        Moving,
        in_hand,
        place,
        f"已移库：批次 {in_hand.batch} {source} → {place}",
        f"Moved batch {in_hand.batch} from {source} to {place}",
    )
