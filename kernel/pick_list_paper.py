"""A dispatch order's pick list on paper, with its two task cards: the Code 128 labels a
handheld scans to pick the order (`CMD:PICK:<order>`) and a door's scanner to load it
(`CMD:LOAD:<order>`), as docs/gateway.md's task cards. A depot's gateway prints it for an
order it made while cut off from the centre, whose lists and cards no one else can print.

Needs reportlab and the papers' font (kernel/paperfont.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kernel.handover_paper import A4, mm, rows
from kernel.paperfont import NAME as FONT
from kernel.paperfont import paper

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

BOTTOM = 15 * mm  # the lowest a line is printed
ROW = 7 * mm


@dataclass(frozen=True, slots=True)
class PickListLine:
    seq: int
    location: str
    item: str  # 物资名称
    batch: str
    qty: int
    unit: str


@dataclass(frozen=True, slots=True)
class PickList:
    number: str  # ASCII: it goes on the cards
    depot: str
    destination: str
    heading: Sequence[tuple[str, str]]  # (label, value) rows under the title: the call, clocks
    lines: tuple[PickListLine, ...]
    short: tuple[str, ...] = ()  # what the depot could not give, one line each


def task_cards(order: str) -> tuple[tuple[str, str], ...]:
    """(what a card's label says, what its barcode holds) for picking and loading `order`."""
    return (
        ("拣货任务卡 Pick task card (handheld)", f"CMD:PICK:{order}"),
        ("装车任务卡 Load task card (door)", f"CMD:LOAD:{order}"),
    )


def pick_list_pdf(sheet: PickList) -> bytes:
    from reportlab.graphics.barcode import code128  # the kernel loads without reportlab

    out = io.BytesIO()
    canvas = paper(out, f"拣货单 {sheet.number}", compress=False)
    width, height = A4
    canvas.setFont(FONT, 16)
    canvas.drawCentredString(width / 2, height - 22 * mm, f"拣货单 Pick list  {sheet.number}")
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(
        width / 2, height - 28 * mm, f"{sheet.depot} → {sheet.destination}  先进先出 FIFO"
    )
    top = rows(canvas, height - 34 * mm, sheet.heading, height=8 * mm)
    for label, value in task_cards(sheet.number):
        top -= 6 * mm
        canvas.setFont(FONT, 10)
        canvas.drawString(20 * mm, top, label)
        card = code128.Code128(value, barHeight=14 * mm, barWidth=0.33 * mm, humanReadable=False)
        card.drawOn(canvas, 20 * mm, top - 17 * mm)
        canvas.setFont(FONT, 9)
        canvas.drawString(20 * mm, top - 21 * mm, value)
        top -= 24 * mm
    _lines(canvas, top - 4 * mm, sheet)
    canvas.save()
    return out.getvalue()


def _lines(canvas: Canvas, top: float, sheet: PickList) -> None:
    """The lines under a header, onto as many pages as they need; what is short below,
    each across the page."""
    columns = (("#", 20), ("货位 Location", 28), ("物资 Item", 62), ("批次 Batch", 115),
               ("数量 Qty", 150), ("已拣 Picked", 172))  # fmt: skip
    cells: list[tuple[tuple[float, str], ...]] = [
        tuple((x * mm, value) for (_, x), value in zip(columns, (
            str(line.seq), line.location, line.item[:20], line.batch,
            f"{line.qty} {line.unit}", "□"), strict=True))
        for line in sheet.lines
    ] + [((20 * mm, said),) for said in sheet.short]  # fmt: skip
    header = True
    for cell in cells:
        if header:
            canvas.setFont(FONT, 10)
            for name, x in columns:
                canvas.drawString(x * mm, top, name)
            canvas.line(20 * mm, top - 2 * mm, 190 * mm, top - 2 * mm)
            canvas.setFont(FONT, 9)
            header = False
        top -= ROW
        for left, value in cell:
            canvas.drawString(left, top, value)
        if top - ROW < BOTTOM:
            canvas.showPage()
            top, header = A4[1] - 22 * mm, True
    canvas.showPage()
