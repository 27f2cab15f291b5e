"""The dispatch handover note of annex 2 (调拨发货交接单), as the server prints it for an
order's depot and a depot's gateway prints it for an order it made while cut off from the
centre: one layout, one rule for what its basis says.

Needs reportlab (the `server` and `gateway` extras) and the papers' font (kernel/paperfont.py).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from kernel.paperfont import NAME as FONT
from kernel.paperfont import paper

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

mm = 72 / 25.4  # reportlab's millimetre, in points (the kernel loads without reportlab)
A4 = (210 * mm, 297 * mm)


def basis_of(number: str, written_order: str | None, by_phone: bool) -> str:
    """What annex 2's "发货依据（调拨通知编号）" says for an order: its notice's number; for a
    phone order (art. 19(4)) the written order that followed it, once recorded, with the
    order's number beside it, or else that the written order is still to come."""
    if not by_phone:
        return number
    if written_order:
        return f"{written_order}（电话指令 {number}）"
    return f"{number}（电话指令，书面调拨通知待补）"


def rows(
    canvas: Canvas,
    top: float,
    rows: Sequence[tuple[str, str]],
    left: float = 20 * mm,
    width: float = 170 * mm,
    height: float = 11 * mm,
) -> float:
    label = 55 * mm
    for name, value in rows:
        canvas.rect(left, top - height, width, height)
        canvas.line(left + label, top, left + label, top - height)
        canvas.setFont(FONT, 10)
        canvas.drawString(left + 2 * mm, top - height + 4 * mm, name)
        canvas.setFont(FONT, 11)
        canvas.drawString(left + label + 2 * mm, top - height + 4 * mm, value)
        top -= height
    return top


@dataclass(frozen=True, slots=True)
class HandoverLine:
    item: str  # 物资名称
    spec: str  # 规格型号
    unit: str  # 计量单位
    qty: int  # 数量
    inbound: date | None  # 入库时间
    remark: str  # 备注 (the batch)


@dataclass(frozen=True, slots=True)
class HandoverNote:
    number: str  # 编号
    shipper: str  # 发货单位
    basis: str  # 发货依据 (调拨通知编号)
    destination: str  # 收货地址
    on: date
    lines: tuple[HandoverLine, ...]
    carrier: str
    driver: str
    phone: str
    plate: str
    receiver: str
    received_by: str = ""  # the receiver's confirmation, once recorded
    received_phone: str = ""
    received_on: date | None = None
    discrepancies: tuple[str, ...] = ()  # the receiver's notes, one per line short or wrong


def handover_pdf(note: HandoverNote) -> bytes:
    """The dispatch handover note of annex 2 (调拨发货交接单)."""
    out = io.BytesIO()
    canvas = paper(out, f"调用发货交接单 {note.number}", compress=False)
    width, height = A4
    canvas.setFont(FONT, 16)
    canvas.drawCentredString(width / 2, height - 22 * mm, "市级救灾储备物资调用发货（交接）单")
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(width / 2, height - 28 * mm, f"Handover note  编号 No. {note.number}")
    top = rows(
        canvas,
        height - 35 * mm,
        [
            ("发货单位 Shipper", note.shipper),
            ("发货依据 Basis (notice no.)", note.basis),
            ("收货地址 Destination", note.destination),
            ("日期 Date", f"{note.on:%Y 年 %m 月 %d 日}"),
        ],
        height=9 * mm,
    )
    columns = (
        ("物资名称", 20),
        ("规格型号", 60),
        ("计量单位", 95),
        ("数量", 115),
        ("入库时间", 135),
        ("备注", 165),
    )
    top -= 8 * mm
    canvas.setFont(FONT, 10)
    for name, x in columns:
        canvas.drawString(x * mm, top, name)
    canvas.line(20 * mm, top - 2 * mm, 190 * mm, top - 2 * mm)
    canvas.setFont(FONT, 9)
    for line in note.lines:
        top -= 7 * mm
        values = (
            line.item,
            line.spec,
            line.unit,
            str(line.qty),
            str(line.inbound or "—"),
            line.remark,
        )
        for (_, x), value in zip(columns, values, strict=True):
            canvas.drawString(x * mm, top, value[:24])
    for said in note.discrepancies:  # wrapped: a note may be long
        for part in textwrap.wrap(said, 56):
            top -= 6 * mm
            canvas.drawString(20 * mm, top, part)
    top = rows(
        canvas,
        top - 8 * mm,
        [
            ("运输单位 Carrier", note.carrier),
            ("驾驶员姓名 Driver", note.driver),
            ("电话 Phone", note.phone),
            ("车号 Plate", note.plate),
            ("收货（接收）单位 Receiver", note.receiver),
        ],
        height=9 * mm,
    )
    canvas.setFont(FONT, 10)
    received = (
        f"接收人：{note.received_by}    联系电话：{note.received_phone}    "
        f"接收时间：{note.received_on:%Y 年 %m 月 %d 日}"
        if note.received_on
        else "接收人：            联系电话：            接收时间：    年  月  日"
    )
    canvas.drawString(20 * mm, top - 12 * mm, received)
    canvas.drawString(20 * mm, top - 22 * mm, "发货单位责任人：              开单人：")
    canvas.drawString(
        20 * mm,
        top - 32 * mm,
        "注：第一联：存根联；第二联：收货（接收）单位留存联；第三联：回执联。",
    )
    canvas.showPage()
    canvas.save()
    return out.getvalue()
