"""Stocktake rounds with handhelds (盘点): location first, then its contents, blind.

A counter starts on an open stocktake (`CMD:COUNT:<id>`), scans a location of its zone, then
every unit there; `CMD:CARD:<n>` records the quantity written on the stack's bin card. The
counter is never shown what the book expects. Scanning the next location (or `CMD:DONE`)
closes the location: one stock_taking event per batch counted or expected there (a batch the
book has and nobody counted is counted 0). When a count differs from the book by more than
the stocktake's tolerance the counter is asked to count the location again (round 2); the
server keeps both rounds. A location whose line the server's close asked to count again (the
sync's `recount`) is counted as round 2 too, on any handheld.

A count is credited to the person who counted (art. 29: no false counts): the handheld must
be signed on to an operator by badge before it counts, and every stock_taking event carries
that operator, so that the server never lets the counter approve the stocktake's adjustments.
A read without a signed-on operator is refused with what to do; the server refuses a count
event without one too.
"""

from __future__ import annotations

from gateway.domain.errors import Refusal
from gateway.domain.floor import CountKey, Stocktake
from gateway.domain.workflows.common import Context, Outcome, location_of, unit_of
from kernel.contract import Answer
from kernel.floor_events import FloorEvent, StockTaking


def _stocktake(ctx: Context, take: int) -> Stocktake:
    found = ctx.book.stocktake(take)
    if found is None:
        raise Refusal(f"盘点单 {take} 未开启", f"Stocktake {take} is not open for counting")
    return found


def _counter(ctx: Context) -> str:
    """The operator signed on to the device: who is counting."""
    if not ctx.operator:
        raise Refusal(
            "请先刷工牌登录：盘点须记录盘点人",
            "Sign on with your badge first: a count records who counted",
        )
    return ctx.operator


def start(ctx: Context, take: int) -> Outcome:
    _counter(ctx)
    zone = _stocktake(ctx, take).zone
    ctx.kind, ctx.ref, ctx.state = "count", str(take), {"location": None, "recount": []}
    ctx.save()
    where = f"库区 {zone}" if zone else "全库"
    where_en = f"zone {zone}" if zone else "the whole depot"
    return ctx.ok(
        f"开始盘点 {take}（{where}）：请扫描库位", f"Counting {take} ({where_en}): scan a location"
    )


def step(ctx: Context) -> Outcome:
    _counter(ctx)
    take = int(str(ctx.ref))
    found = _stocktake(ctx, take)
    place = location_of(ctx)
    if place is not None:
        closing = close(ctx, take, found.tolerance) if ctx.state.get("location") else None
        loc = ctx.book.location(place)
        if loc is None or (found.zone and loc.zone != found.zone):
            raise Refusal(
                f"库位 {place} 不在本次盘点范围", f"Location {place} is not in this count"
            )
        recount = place in ctx.state.get("recount", []) or place in found.recount
        ctx.state["location"] = place
        ctx.state["round"] = 2 if recount else 1
        ctx.state["tags"] = []
        ctx.state.pop("last", None)
        ctx.save()
        zh = f"盘点库位 {place}" + ("（复盘）" if recount else "") + "：请扫描货物"
        en = f"Counting {place}" + (" (recount)" if recount else "") + ": scan the goods"
        outcome = ctx.ok(zh, en, location=place)
        if closing is not None:
            outcome.answer = _join(closing, outcome)
            outcome.events = closing.events
        return outcome
    place = ctx.state.get("location")
    if not place:
        raise Refusal("请先扫描库位", "Scan the location first")
    unit = unit_of(ctx)
    key = CountKey(take, place, unit.item.code, unit.batch, int(ctx.state["round"]))
    total = ctx.book.add_count(key, unit.qty, ctx.scan.device)
    ctx.state["last"] = [unit.item.code, unit.batch]
    if ctx.epc:
        ctx.state.setdefault("tags", []).append(ctx.epc)
    ctx.save()
    return ctx.ok(
        f"已计：批次 {unit.batch} 共 {total} {unit.item.unit_zh}",
        f"Counted batch {unit.batch}: {total} {unit.item.unit_en} so far",
    )


def tag_step(ctx: Context, epc: str) -> Outcome:
    """An RFID bulk count: each tag read at the location counts its unit once per visit."""
    if epc in ctx.state.get("tags", []):
        return Outcome(
            Answer(
                ctx.read_id,
                "ok",
                "已计过此标签",
                "Tag already counted here",
                "ok",
                ctx.task(rfid=True, counted=False),
            )
        )
    return step(ctx)


def card(ctx: Context, value: str) -> Outcome:
    """The bin card's quantity for the batch last counted here."""
    last = ctx.state.get("last")
    if ctx.kind != "count" or not last or not value.isdigit():
        raise Refusal("请先扫描货物，再录入标识牌数量", "Count the goods before the bin card")
    take = int(str(ctx.ref))
    key = CountKey(take, str(ctx.state["location"]), last[0], last[1], int(ctx.state["round"]))
    ctx.book.set_card(key, int(value))
    return ctx.ok(f"标识牌数量 {int(value)} 已记录", f"Bin card quantity {int(value)} recorded")


def done(ctx: Context) -> Outcome:
    _counter(ctx)
    take = int(str(ctx.ref))
    tolerance = _stocktake(ctx, take).tolerance
    if not ctx.state.get("location"):
        raise Refusal("没有正在盘点的库位", "No location being counted")
    outcome = close(ctx, take, tolerance)
    ctx.save()
    return outcome


def close(ctx: Context, take: int, tolerance: int) -> Outcome:
    """Close the location being counted: its stock_taking events, and a recount if asked."""
    place = str(ctx.state["location"])
    rnd = int(ctx.state.get("round", 1))
    counted = ctx.book.counts(take, place, rnd)
    expected: dict[tuple[str, str], int] = {}
    for line in ctx.book.lines(location=place):
        key = (line.item, line.batch)
        expected[key] = expected.get(key, 0) + line.qty
    events: list[FloorEvent] = []
    off = False
    for n, key in enumerate(sorted(counted.keys() | expected.keys())):
        found = counted.get(key)
        qty, card_qty = (found.counted, found.card) if found else (0, None)
        off = off or abs(qty - expected.get(key, 0)) > tolerance
        events.append(
            StockTaking(
                envelope=ctx.envelope(StockTaking.TYPE, n),
                stocktake=take,
                location=place,
                gtin=ctx.book.gtin_of(key[0]),
                batch=key[1],
                counted=qty,
                card=card_qty,
                round=rnd,
            )
        )
    ctx.book.close_counts(take, place, rnd)
    recount = [p for p in ctx.state.get("recount", []) if p != place]
    if off and rnd == 1:
        recount.append(place)
    ctx.state.update(location=None, recount=recount)
    ctx.state.pop("last", None)
    if off and rnd == 1:
        outcome = ctx.ok(
            f"库位 {place} 差异超出容差，请复盘",
            f"{place}: variance over tolerance, count again",
            beep="warn",
            recount=place,
        )
    else:
        outcome = ctx.ok(f"库位 {place} 盘点完成", f"{place} counted")
    outcome.events = events
    return outcome


def _join(first: Outcome, then: Outcome) -> Answer:
    """One answer for a read that closed a location and opened the next."""
    answer = then.answer
    return Answer(
        answer.re,
        answer.result,
        first.answer.text_zh + "。" + answer.text_zh,
        first.answer.text_en + ". " + answer.text_en,
        first.answer.beep if first.answer.beep != "ok" else answer.beep,
        {**(answer.task or {}), **(first.answer.task or {})},
    )
