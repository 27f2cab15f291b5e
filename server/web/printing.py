"""Printable papers (PDF, A4, Chinese with English beside): the acceptance record of annex 1
(入库验收单). The handover note of annex 2 and the bin cards of annex 3 (标识牌) are
kernel/handover_paper.py and kernel/bin_card_paper.py, which the depots' gateways print too."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from kernel.handover_paper import rows
from kernel.paperfont import NAME as FONT
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


def acceptance_pdf(form: AcceptanceForm) -> bytes:
    out = io.BytesIO()
    canvas = paper(out, f"入库验收单 {form.record_no}", compress=False)
    width, height = A4
    canvas.setFont(FONT, 16)
    canvas.drawCentredString(width / 2, height - 25 * mm, "市级救灾储备物资入库验收单")
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(width / 2, height - 31 * mm, f"Acceptance record {form.record_no}")
    price = f"¥ {form.price_cents / 100:,.2f}" if form.price_cents is not None else "—"
    top = rows(
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
