"""Printable papers (PDF, A4, Chinese with English beside): the acceptance record of annex 1
(入库验收单) and the bin cards of annex 3 (标识牌), each card with a QR code that a floor
scanner reads as the batch (a GS1 element string: GTIN, batch, production date)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kernel.paperfont import NAME as FONT
from kernel.paperfont import drawing as paper_drawing
from kernel.paperfont import paper


@dataclass(frozen=True, slots=True)
class AcceptanceForm:
    record_no: str
    storage_centre: str  # 承储单位
    supplier: str  # 供货单位
    place: str  # 储备地点
    decided_on: date
    item: str  # 物资名称
    spec: str
    qty: int
    unit: str
    price_cents: int | None
    inspection: str  # 直观检验 / sampling
    quality_report: str  # 质量检验 (report reference)
    decision: str  # 验收意见
    decided_by: str


def acceptance_verdict(decision: str, quality_report: str | None) -> tuple[str, str]:
    """The record's quality line and decision line. Goods are accepted on the testing
    agency's report (art. 8), which the record names and which is attached to it; a record
    made before the report was required says plainly that it has none."""
    report = (quality_report or "").strip()
    if decision != "accepted":
        return (f"{report}（附件 attached）" if report else "未送检 Not tested"), (
            "不合格，拒收退回 Rejected, returned"
        )
    if report:
        return f"{report}（附件 attached）", "合格，同意入库 Accepted"
    return "未附检测报告 No report on record", "入库缺检测报告（第八条）Accepted, no report"


@dataclass(frozen=True, slots=True)
class BinCard:
    item: str  # 物资品名
    location: str  # 码放位置
    manufacturer: str  # 生产厂家
    spec: str  # 物资规格
    qty: int
    unit: str
    prod_date: date | None
    inbound_date: date | None
    storage_years: int  # 建议储存年限
    keeper: str  # 物资保管员
    code: str  # the QR content


def gs1_batch_code(gtin: str, batch: str, prod_date: date | None) -> str:
    """What the card's QR says: (01) GTIN, (10) batch, GS, (11) production date."""
    code = f"01{gtin}10{batch}"
    return code + (f"\x1d11{prod_date:%y%m%d}" if prod_date else "")


def _rows(
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


def acceptance_pdf(form: AcceptanceForm) -> bytes:
    out = io.BytesIO()
    canvas = paper(out, f"入库验收单 {form.record_no}", compress=False)
    width, height = A4
    canvas.setFont(FONT, 16)
    canvas.drawCentredString(width / 2, height - 25 * mm, "市级救灾储备物资入库验收单")
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(width / 2, height - 31 * mm, f"Acceptance record {form.record_no}")
    price = f"¥ {form.price_cents / 100:,.2f}" if form.price_cents is not None else "—"
    top = _rows(
        canvas,
        height - 40 * mm,
        [
            ("承储单位名称 Storage centre", form.storage_centre),
            ("供货单位名称 Supplier", form.supplier),
            ("储备地点 Place", form.place),
            ("物资入库验收时间 Date", f"{form.decided_on:%Y 年 %m 月 %d 日}"),
            ("物资名称 Item", form.item),
            ("规格尺寸及数量 Spec, qty", f"{form.spec}  {form.qty} {form.unit}"),
            ("价格 Price (per unit)", price),
            ("直观检验 Inspection", form.inspection),
            ("质量检验 Quality report", form.quality_report),
            ("验收意见 Decision", form.decision),
            ("记录人 Recorded by", form.decided_by),
        ],
    )
    canvas.setFont(FONT, 10)
    for n, party in enumerate(("供货单位签章", "承储单位签章", "行政管理单位签章")):
        canvas.drawString(20 * mm + n * 60 * mm, top - 15 * mm, f"{party}：")
        canvas.drawString(20 * mm + n * 60 * mm, top - 25 * mm, "代表签字：")
    canvas.drawString(20 * mm, top - 40 * mm, "注：本验收入库单一式叁份。")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def bin_cards_pdf(cards: Sequence[BinCard], warehouse_head: str) -> bytes:
    """One card per page half: what annex 3 asks for, and the batch's QR code."""
    out = io.BytesIO()
    canvas = paper(out, "救灾储备物资标识牌", compress=False)
    height = A4[1]
    for index, card in enumerate(cards):
        half = index % 2
        if index and not half:
            canvas.showPage()
        top = height - 15 * mm - half * (height / 2)
        canvas.setFont(FONT, 14)
        canvas.drawString(20 * mm, top, "市级救灾储备物资标识牌 Bin card")
        rows = [
            ("物资品名 Item", card.item),
            ("码放位置 Location", card.location),
            ("生产厂家 Manufacturer", card.manufacturer),
            ("物资规格 Spec", card.spec),
            ("储位数量 Quantity", f"{card.qty} {card.unit}"),
            ("生产日期 Produced", f"{card.prod_date or '—'}"),
            ("入库日期 Inbound", f"{card.inbound_date or '—'}"),
            ("建议储存年限 Storage years", f"{card.storage_years}"),
            ("仓库负责人 Depot head", warehouse_head),
            ("物资保管员 Keeper", card.keeper),
        ]
        _rows(canvas, top - 5 * mm, rows, width=120 * mm, height=10 * mm)
        qr = QrCodeWidget(card.code, barLevel="M")
        x0, y0, x1, y1 = qr.getBounds()
        size = 45 * mm
        drawing = paper_drawing(
            size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0]
        )
        drawing.add(qr)
        renderPDF.draw(drawing, canvas, 145 * mm, top - 60 * mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


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
    top = _rows(
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
    top = _rows(
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
