"""Receiving at the door, against the inbound notices (arrival check before acceptance).

Each goods label read at a receiving door becomes a receiving event: the goods wait at the
door as pending acceptance (art. 8) until the inspection group accepts them on the server.
The read is counted against the first open notice line for its item (and batch, where the
line names one) that still expects goods; more than a notice expects is flagged as over, an
item no open notice names as wrong. Flagged goods are still received (the truck is at the
door; acceptance decides), and the operator hears a warning. What a notice still expects
(short) shows on the door's floor page.
"""

from __future__ import annotations

from gateway.domain.errors import Refusal
from gateway.domain.floor import Effect, FlaggedReceipt, NoticeLine
from gateway.domain.workflows.common import (
    Context,
    Outcome,
    goods_label,
    unit_of,
)
from kernel.floor_events import Receiving


def match(
    lines: list[NoticeLine], item: str, batch: str, qty: int
) -> tuple[NoticeLine | None, str | None]:
    """The notice line a unit counts against, and its flag: None, 'over' (the unit takes the
    line past what it expects) or 'wrong' (no open notice names the item)."""
    named = [x for x in lines if x.item == item and x.batch in (None, batch)]
    if not named:
        return None, ("wrong" if lines else None)
    fitting = next((x for x in named if x.received + qty <= x.qty), None)
    if fitting is not None:
        return fitting, None
    return next((x for x in named if x.received < x.qty), named[0]), "over"


def receive(ctx: Context) -> Outcome:
    door = ctx.scan.door
    if not door:
        raise Refusal("本设备未绑定库门", "This device is not assigned to a door")
    unit = unit_of(ctx)
    line, flag = match(ctx.book.open_notice_lines(), unit.item.code, unit.batch, unit.qty)
    if line is not None:
        ctx.book.count_received(line, unit.qty)
    if flag is not None:
        notice = line.notice_id if line else None
        ctx.book.flag_receipt(
            FlaggedReceipt(ctx.read_id, notice, unit.item.code, unit.batch, unit.qty, door, flag,
                           ctx.now)
        )  # fmt: skip
    event = Receiving(
        envelope=ctx.envelope(Receiving.TYPE),
        location=door,
        prod_date=unit.prod_date,
        expiry=unit.expiry,
        notice=line.number if line else None,
        gtin=unit.gtin,
        batch=unit.batch,
        qty=unit.qty,
    )
    ctx.book.record_effects(
        event.event_id,
        [Effect(door, unit.item.code, unit.batch, "pending_acceptance", unit.qty)],
    )
    base_zh = f"已收货：{unit.item.name_zh} 批次 {unit.batch}，{unit.qty} {unit.item.unit_zh}"
    base_en = f"Received {unit.item.name_en} batch {unit.batch}, {unit.qty} {unit.item.unit_en}"
    if flag == "wrong":
        outcome = ctx.ok(
            base_zh + "。注意：不在到货通知上",
            base_en + ". Note: not on any inbound notice",
            beep="warn",
            flag="wrong",
        )
    elif flag == "over" and line is not None:
        outcome = ctx.ok(
            base_zh + f"。注意：超出通知 {line.number} 的数量",
            base_en + f". Note: more than notice {line.number} expects",
            beep="warn",
            flag="over",
        )
    else:
        outcome = ctx.ok(base_zh, base_en, notice=line.number if line else None)
    outcome.events.append(event)
    return outcome


def unchecked(ctx: Context) -> Outcome:
    """Receiving before the gateway has ever had the catalogue: the server checks the item."""
    label = goods_label(ctx.scan)
    door = ctx.scan.door
    if not door:
        raise Refusal("本设备未绑定库门", "This device is not assigned to a door")
    event = Receiving(
        envelope=ctx.envelope(Receiving.TYPE),
        location=door,
        gtin=label.gtin,
        batch=label.batch,
        prod_date=label.prod_date,
        expiry=label.expiry,
        qty=label.qty,
    )
    outcome = ctx.ok(
        f"已收货：批次 {label.batch}，数量 {label.qty}",
        f"Received batch {label.batch}, qty {label.qty}",
    )
    outcome.events.append(event)
    return outcome
