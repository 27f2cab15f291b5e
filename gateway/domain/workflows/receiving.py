"""Receiving at the door, against the inbound notices (arrival check before acceptance).

Each goods label read at a receiving door becomes a receiving event: the goods wait at the
door as pending acceptance (art. 8) until the inspection group accepts them on the server.
The read is counted against the first open notice line for its item (and batch, where the
line names one) that still expects goods; more than a notice expects is flagged as over, an
item no open notice names as wrong. Flagged goods are still received (the truck is at the
door; acceptance decides), and the operator hears a warning. What a notice still expects
(short) shows on the door's floor page.

A notice may list the tagged units the supplier sends (its dispatch advice). Such a unit is
received once on its notice: when its tag's presence passes the door's portal (inward, where
the portal tells direction), or when its label (SSCC, or GTIN and serial) is scanned,
whichever comes first; its tag then stands for it, received, and the same unit seen or
scanned again is answered quietly. A tag is known by its GS1 key (kernel/epc_keys.py), not
the text of its URI: one unit may be written under several company-prefix splits. It counts
against its own notice line (over that line's quantity: flagged as over). A unit received on
one notice, sent out and listed again on a new notice, is received again.

A unit received by its goods label (not one a notice lists: that one keeps its supplier's
tag) gets the depot's logistic label where its door has a printer: queued in the read's own
transaction (a refused read queues nothing, a resent one nothing again), its SSCC-96 encoded
on its tag where the door encodes; the answer says the label is on its way, or that it waits
for the printer (out of paper ...).
"""

from __future__ import annotations

from dataclasses import replace

from gateway.domain.direction import IN
from gateway.domain.errors import Refusal
from gateway.domain.floor import (
    Effect,
    FlaggedReceipt,
    LabelNote,
    LabelWanted,
    ListedUnit,
    NoticeLine,
    TaggedUnit,
)
from gateway.domain.workflows.common import (
    Context,
    Outcome,
    Unit,
    goods_label,
    unit_of,
)
from kernel.epc_keys import pure_identity, tag_key
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
    """A goods label at a receiving door. A label that names a unit an open notice lists (its
    SSCC, or its GTIN and serial) receives that unit, once: its tag may pass the portal too."""
    door = _door(ctx)
    data = ctx.scan.data
    listed = None
    if ctx.scan.valid and data.kind == "gs1":
        listed = ctx.book.listed_unit_of_label(data.sscc, data.gtin, data.serial)
    if listed is not None:
        return receive_listed(ctx, door, listed)
    unit = unit_of(ctx)
    if unit.serial is not None:  # one trade item: received once while it is in the depot
        if ctx.book.item_received(unit.gtin, unit.serial):
            return ctx.ok(f"此物品已收过：序列号 {unit.serial}",
                          f"Already received: serial {unit.serial}", counted=False)  # fmt: skip
        ctx.book.note_item_received(unit.gtin, unit.serial, ctx.now)
    outcome = receive_unit(ctx, door, unit, ctx.book.open_notice_lines())
    wanted = LabelWanted(door, unit.item, unit.gtin, unit.batch, unit.qty, unit.prod_date,
                         unit.expiry, ctx.read_id, unit.serial)  # fmt: skip
    return labelled(outcome, ctx.book.queue_label(wanted, ctx.now))


def labelled(outcome: Outcome, note: LabelNote | None) -> Outcome:
    """The answer to a unit received by its label, telling of the depot's logistic label its
    door's printer prints for it (nothing where the door has no printer)."""
    if note is None:
        return outcome
    if note.sscc is None:
        zh, en = f"无法打印标签：{note.zh}", f"No label: {note.en}"
    elif note.zh:
        zh, en = f"标签待打印：{note.zh}", f"Label waits: {note.en}"
    else:
        zh, en = "标签打印中", "Label on its way"
    answer = outcome.answer
    outcome.answer = replace(
        answer, text_zh=f"{answer.text_zh}。{zh}", text_en=f"{answer.text_en}. {en}"
    )
    return outcome


def _door(ctx: Context) -> str:
    if not ctx.scan.door:
        raise Refusal("本设备未绑定库门", "This device is not assigned to a door")
    return ctx.scan.door


def passes_in(direction: str | None) -> bool:
    """Whether a presence the door's smoothing decided counts as goods coming in: every
    qualifying presence at a door whose portal tells no direction (None: no smoothing, or
    no zones); only an inward pass where it does."""
    return direction in (None, IN)


def by_tag(ctx: Context, epc: str) -> Outcome:
    """A tag whose presence the receiving door's portal decided: the unit a notice lists with
    it is received, once; a tag the gateway knows from before is answered quietly; an
    unknown tag is answered with a warning (its label is to be scanned)."""
    door = _door(ctx)
    if not passes_in(ctx.direction):
        return ctx.ok("标签出门，不收货", "Tag going out: not received", rfid=True, counted=False)
    key = tag_key(pure_identity(epc))
    listed = (
        ctx.book.listed_unit_of_label(key.sscc, key.gtin, key.serial)
        if key is not None
        else ctx.book.listed_unit(epc)
    )
    if listed is not None:
        return receive_listed(ctx, door, listed)
    known = ctx.book.tagged(epc)
    if known is not None and known.state != "registered":
        return _already(ctx, known.batch)
    if known is not None:  # tagged on a handheld here: on the depot's books already
        return ctx.ok(f"已登记货物：批次 {known.batch}", f"Registered unit: batch {known.batch}",
                      rfid=True, counted=False)  # fmt: skip
    return ctx.ok(
        "未知标签：不在到货通知上，请扫描货物标签",
        "Unknown tag: on no inbound notice; scan its label",
        beep="warn",
        rfid=True,
        counted=False,
    )


def _already(ctx: Context, batch: str) -> Outcome:
    return ctx.ok(f"此货物已收过：批次 {batch}", f"Already received: batch {batch}", rfid=True,
                  counted=False)  # fmt: skip


def receive_listed(ctx: Context, door: str, listed: ListedUnit) -> Outcome:
    """A unit an open notice lists, by its tag or its label: received once on its notice,
    against its own line; its tag then stands for it, received. The receiving event names the
    tag's GTIN where the catalogue knows it as the unit's item, else the item's GTIN."""
    if ctx.book.listed_received(listed.notice_id, listed.epc):
        return _already(ctx, listed.batch)
    item = ctx.book.item(listed.item)
    known_gtin = listed.gtin and ctx.book.item_of_gtin(listed.gtin)
    gtin = listed.gtin if known_gtin and known_gtin.code == listed.item else None
    gtin = gtin or ctx.book.gtin_of(listed.item)
    if item is None or gtin is None:
        raise Refusal(f"物资目录中没有 {listed.item}", f"{listed.item} is not in the catalogue")
    unit = Unit(item, gtin, listed.batch, listed.qty, listed.prod_date, listed.expiry)
    lines = [x for x in ctx.book.open_notice_lines(listed.notice_id) if x.n == listed.n]
    outcome = receive_unit(ctx, door, unit, lines)
    outcome.events[:] = [  # the unit's tag: the server counts it on its line, and once
        replace(e, epc=listed.epc) if isinstance(e, Receiving) else e for e in outcome.events
    ]
    ctx.book.tag_received(
        TaggedUnit(listed.epc, item.code, gtin, listed.batch, listed.qty, "received", None),
        ctx.now,
    )
    ctx.book.note_listed_received(listed.notice_id, listed.epc, ctx.now)
    return outcome


def receive_unit(ctx: Context, door: str, unit: Unit, lines: list[NoticeLine]) -> Outcome:
    """Receive a unit, counted against the first of `lines` that expects it."""
    line, flag = match(lines, unit.item.code, unit.batch, unit.qty)
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
    door = _door(ctx)
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
