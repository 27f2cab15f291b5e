"""The report of an emergency dispatch that art. 14 asks the centre to make "immediately after
an emergency dispatch" (紧急调运后应立即报告), to the city's development and reform commission
and emergency-management bureau (pure).

`draft` writes it from the order as the centre has it now: the notice or the phone call it
started on (and, for an order a depot made while it was cut off, that it did and when the
centre learned of it), the destination, what was asked and loaded of each item, each depot's
part, the 8-hour clock and the written order. The draft is made when the centre learns of the
order (server/services/dispatch.py) and reads the order afresh each time it is shown, so
that what is sent says what was done.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

ADDRESSEES = "市发改委、市应急局"
SENDER = "市综合储备中心"


def draft(order: Mapping[str, Any], drafted_at: datetime, zone: tzinfo) -> str:
    """The report's text (Chinese, as the bureaus read it), from an order as
    server.services.order_view shows it to the bureau (the whole order)."""

    def when(value: str | datetime) -> str:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return f"{moment.astimezone(zone):%Y年%m月%d日 %H:%M}"

    call = order.get("made_at_depot")
    if call is not None:
        caller = call["caller"]
        started = f"接{caller['unit']}{caller['name']}（{caller['phone']}）电话调拨指令"
    elif order.get("written_order_due"):
        started = "接电话调拨指令"
    else:
        started = f"根据调拨通知（{order['basis']}）"
    written = order.get("written_order")
    if written:
        paper = f"书面调拨指令：{written}"
    elif order.get("written_order_due"):
        paper = f"书面调拨指令待补办（应于{when(order['written_order_due'])}前）"
    else:
        paper = f"调拨通知：{order['basis']}"
    text = [
        "关于紧急调运市级救灾物资的报告",
        "",
        f"{ADDRESSEES}：",
        f"    {when(order['notified_at'])}，{started}，向{order['destination']}紧急调运市级"
        f"救灾物资，调运单号 {order['number']}，{paper}。",
    ]
    if call is not None:
        text.append(
            f"    因{call['depot']}与中心通信中断，由{call['depot']}凭电话指令先行组织出库发运，"
            f"通信恢复后于{when(call['received_at'])}报中心入账。"
        )
    loaded: dict[str, int] = {}
    by_depot: dict[str, list[int]] = {}
    for pick in order["picks"]:
        loaded[pick["item"]] = loaded.get(pick["item"], 0) + int(pick["loaded"])
        share = by_depot.setdefault(pick["warehouse"], [0, 0])
        share[0] += int(pick["qty"])
        share[1] += int(pick["loaded"])
    text.append("    调运物资：")
    for line in order["lines"]:
        short = f"，缺口 {line['shortfall']}" if line.get("shortfall") else ""
        text.append(
            f"      {line['name_zh']}：调运 {line['qty']}，已装车 {loaded.get(line['item'], 0)}"
            f"{short}"
        )
    for depot, (qty, done) in sorted(by_depot.items()):
        text.append(f"      {depot}：安排 {qty}，已装车 {done}")
    if order.get("first_arrival_at"):
        on_time = "，在 8 小时时限内" if order.get("first_batch_on_time") else "，超过 8 小时时限"
        text.append(f"    首批物资已于{when(order['first_arrival_at'])}运抵灾区{on_time}。")
    else:
        text.append(f"    首批物资应于{when(order['first_batch_due'])}前运抵灾区（8 小时内）。")
    text += ["    特此报告。", "", f"{SENDER}", f"{drafted_at.astimezone(zone):%Y年%m月%d日}"]
    return "\n".join(text)
