"""The depot's floor workflows: what a read means depends on what its device is doing.

Each device has a task in the gateway's book: a door's scanner receives unless put on
loading; a handheld is put on putaway, picking, a count or moves by scanning a task card
(`CMD:...`, printed on pick lists and count sheets, or on the floor page). An operator's badge
signs the device on to that operator, who is then the author of its events. `decide` runs
one read inside the store's transaction (in the read's own savepoint); a refused read
leaves the book as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.domain.errors import Refusal
from gateway.domain.floor import FloorView
from gateway.domain.smoothing import Smoother
from gateway.domain.workflows import counting, loading, moving, picking, putaway, receiving, tags
from gateway.domain.workflows.common import Context, Outcome
from kernel.contract import ScanMessage

TASKS: dict[str, tuple[str, str]] = {
    "receive": ("收货", "Receiving"),
    "putaway": ("上架", "Putaway"),
    "pick": ("拣货", "Picking"),
    "load": ("装车", "Loading"),
    "count": ("盘点", "Stocktake"),
    "move": ("移库", "Moving"),
    "tag": ("贴标", "Tagging"),
    "idle": ("待命", "No task"),
}

FLOWS: dict[str, Callable[[Context], Outcome]] = {
    "receive": receiving.receive,
    "putaway": putaway.step,
    "pick": picking.step,
    "load": loading.step,
    "count": counting.step,
    "move": moving.step,
    "tag": tags.tag_step,
}


def default_task(scan: ScanMessage) -> str:
    return "receive" if scan.door else "idle"


def decide(
    book: FloorView, scan: ScanMessage, now: float, smoother: Smoother | None = None
) -> Outcome:
    """What the read means for its device's task; RFID reads from a door go through the
    door's smoothing (without a smoother every tag read counts)."""
    task = book.task(scan.device)
    kind, ref, state, operator = task or (default_task(scan), None, {}, None)
    ctx = Context(book, scan, now, kind, ref, state, operator)
    try:
        return _step(ctx, smoother)
    except Refusal as refusal:
        book.undo()  # the read is recorded, with its refusal; nothing it would have done
        return ctx.refuse(refusal.zh, refusal.en)


def _step(ctx: Context, smoother: Smoother | None) -> Outcome:
    data = ctx.scan.data
    if ctx.scan.valid and data.kind == "badge" and data.badge:
        ctx.operator = data.badge
        ctx.save()
        return ctx.ok(f"操作员 {data.badge} 已登录", f"Operator {data.badge} signed on")
    if ctx.scan.valid and data.kind == "command" and data.command:
        return command(ctx, data.command)
    if not ctx.book.synced():
        if data.kind == "epc":
            raise Refusal("网关尚未取得基础数据，请稍候", "The gateway has no master data yet")
        if ctx.kind == "receive":
            return receiving.unchecked(ctx)
        raise Refusal("网关尚未取得基础数据，请稍候", "The gateway has no master data yet")
    if data.kind == "epc":
        return tags.epc_step(ctx, smoother)
    flow = FLOWS.get(ctx.kind)
    if flow is None:
        raise Refusal("请先扫描任务卡", "Scan a task card first")
    return flow(ctx)


def command(ctx: Context, text: str) -> Outcome:
    verb, _, arg = text.partition(":")
    if verb in ("RECEIVE", "PUTAWAY", "MOVE", "TAG"):
        if verb == "RECEIVE" and not ctx.scan.door:
            raise Refusal("本设备未绑定库门", "This device is not assigned to a door")
        ctx.kind, ctx.ref, ctx.state = verb.lower(), None, {}
        ctx.save()
        zh, en = TASKS[ctx.kind]
        return ctx.ok(f"任务：{zh}", f"Task: {en}")
    if verb == "PICK" and arg:
        return picking.start(ctx, arg)
    if verb == "LOAD" and arg:
        return loading.start(ctx, arg)
    if verb == "COUNT" and arg.isdigit():
        return counting.start(ctx, int(arg))
    if verb == "CARD":
        return counting.card(ctx, arg)
    if verb == "DONE":
        if ctx.kind == "load":
            return loading.finish(ctx)
        if ctx.kind == "count":
            return counting.done(ctx)
        raise Refusal("当前任务无需结束", "Nothing to finish in this task")
    if verb == "CANCEL":
        ctx.state = {}
        ctx.save()
        return ctx.ok("已取消", "Cancelled")
    if verb == "LOGOUT":
        ctx.operator = None
        ctx.save()
        return ctx.ok("操作员已退出", "Operator signed off")
    raise Refusal(f"未知指令 {text}", f"Unknown command {text}")
