"""RFID tags on units: registering them, and what a tag seen at a door or by a handheld does.

A pallet is tagged once (`CMD:TAG` on a handheld with an RFID reader): scan its goods label,
then read its tag; the tag then stands for the unit (item, batch, quantity). Tag reads from
a door's portal go through the door's smoothing (gateway.domain.smoothing) first; only a presence
that qualifies counts, once. What it does depends on the door's task:

- loading: the unit is checked against the pick list and loaded, as a label would be; the tag
  remembers it, so the same pallet seen again is not loaded twice. At a door whose portal
  tells direction (antennas in zones), only a pass out loads; a pass in is answered quietly,
  not loaded (a unit loaded on the order and carried back in is answered with a warning:
  it stays booked as loaded), and a tag standing near the door is never seen. The answer to
  the read that decided a pass carries its direction (task "direction": "in" or "out");
- receiving: a unit an open notice lists with the tag is received, once, as its label would
  be (gateway.domain.workflows.receiving.by_tag); at a door with zones only a pass in;
- anything else: noted, no effect.

A handheld counting a location counts each tag read there once per visit (RFID bulk count).
Every tag read is answered (the station keeps it until then), most of them quietly.
"""

from __future__ import annotations

from gateway.domain.direction import IN
from gateway.domain.errors import Refusal
from gateway.domain.floor import FloorView, TaggedUnit
from gateway.domain.smoothing import Smoother
from gateway.domain.workflows import counting, loading, receiving
from gateway.domain.workflows.common import (
    Context,
    Outcome,
    Unit,
    held_unit,
    hold,
    unit_of,
)
from kernel.contract import Answer, ScanMessage


def registered(book: FloorView, epc: str) -> tuple[Unit, str, str | None] | None:
    """The unit a tag stands for, its state (registered, loaded) and the order it went on."""
    tagged = book.tagged(epc)
    item = book.item(tagged.item) if tagged else None
    if tagged is None or item is None:
        return None
    return Unit(item, tagged.gtin, tagged.batch, tagged.qty), tagged.state, tagged.order


def quiet(ctx: Context, zh: str, en: str, **task: object) -> Outcome:
    return Outcome(Answer(ctx.read_id, "ok", zh, en, "ok", ctx.task(rfid=True, **task)))


def tag_step(ctx: Context) -> Outcome:
    """The tagging task: a goods label, then the tag that goes on that unit."""
    if ctx.epc is None:
        unit = unit_of(ctx)
        ctx.state = {"unit": hold(unit)}
        ctx.save()
        return ctx.ok(
            f"批次 {unit.batch} {unit.qty} {unit.item.unit_zh}：请读取标签",
            f"Batch {unit.batch}, {unit.qty} {unit.item.unit_en}: read its tag",
        )
    in_hand = held_unit(ctx)
    if in_hand is None:
        raise Refusal("请先扫描货物标签，再读标签", "Scan the goods label first, then the tag")
    known = registered(ctx.book, ctx.epc)
    if known is not None:
        raise Refusal(
            f"此标签已登记到批次 {known[0].batch}", f"This tag is already on batch {known[0].batch}"
        )
    ctx.book.register_tag(
        TaggedUnit(ctx.epc, in_hand.item.code, in_hand.gtin, in_hand.batch, in_hand.qty,
                   "registered", None),
        ctx.now,
    )  # fmt: skip
    ctx.state = {}
    ctx.save()
    return ctx.ok(f"标签已登记：批次 {in_hand.batch}", f"Tag registered to batch {in_hand.batch}")


def _placed(scan: ScanMessage) -> bool:
    """A tag read a portal can place: on which antenna, and how strong."""
    return scan.rfid is not None and scan.rfid.antenna is not None and scan.rfid.rssi is not None


def epc_step(ctx: Context, smoother: Smoother | None) -> Outcome:
    scan = ctx.scan
    epc = scan.data.epc_uri
    if not scan.valid or not epc:
        raise Refusal("无法识别的标签", "Unreadable tag")
    ctx.epc = epc
    if ctx.kind == "tag":
        return tag_step(ctx)
    if scan.door and smoother is not None:
        seen = smoother.observe_scan(scan, epc, ctx.now)
        if seen is None and smoother.zoned(scan.door) and not _placed(scan):
            return quiet(  # the portal's reader is set up wrong: say so where it shows
                ctx,
                "标签读取：没有天线号或信号强度，无法判断进出，请检查读写器设置",
                "Tag read without its antenna or RSSI: in or out cannot be told; check the "
                "reader's settings",
                counted=False,
            )
        if seen is None:
            return quiet(ctx, "标签读取", "Tag read", counted=False)
        ctx.direction = seen.direction  # a door with zones: IN or OUT, in every answer's task
        ctx.ended = seen.ended
    if ctx.kind == "receive":  # a receiving door's portal: the notices' tagged units
        return receiving.by_tag(ctx, epc)
    known = registered(ctx.book, epc)
    if known is None:
        return Outcome(
            Answer(
                ctx.read_id,
                "ok",
                "未登记的标签",
                "Tag not registered to a unit",
                "warn",
                ctx.task(rfid=True, counted=False),
            )
        )
    unit, state, order = known
    ctx.tag = unit
    if ctx.kind == "load":
        if ctx.direction == IN and state == "loaded" and order == ctx.ref:
            # Loaded on this order, now carried back in: the book still has it on the truck
            # (no event takes a load back yet), so the operator is warned to sort it out.
            return Outcome(
                Answer(
                    ctx.read_id,
                    "ok",
                    f"已装车的货物又进库：批次 {unit.batch}，仍记为已装车，请通知主管",
                    f"A loaded unit came back in: batch {unit.batch} is still booked as "
                    "loaded; tell the supervisor",
                    "warn",
                    ctx.task(rfid=True, counted=False),
                )
            )
        if ctx.direction == IN:  # a portal that tells direction loads what goes out only
            zh = f"进库方向，未装车：批次 {unit.batch}"
            return quiet(ctx, zh, f"Coming in, not loaded: batch {unit.batch}", counted=False)
        if state == "loaded" and order == ctx.ref:
            return quiet(
                ctx,
                f"已装车：批次 {unit.batch}",
                f"Already loaded: batch {unit.batch}",
                counted=False,
            )
        outcome = loading.step(ctx)
        ctx.book.tag_loaded(epc, str(ctx.ref), ctx.now)
        return outcome
    if ctx.kind == "count":
        return counting.tag_step(ctx, epc)
    return quiet(
        ctx, f"已登记货物：批次 {unit.batch}", f"Registered unit: batch {unit.batch}", counted=False
    )
