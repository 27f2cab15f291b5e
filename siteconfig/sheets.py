"""Enrolment sheets (PDF, A4, Chinese with English beside): one per device, with the QR code
`depot edge enrol` reads, what the device is and where it goes, and how to set it up.

A sheet is a key: whoever has it can join the device to the depot once (it is written 0600).
The code and the fingerprint of the depot's certificate authority (which the gateway's HTTPS
certificate must come from) are printed beside the QR for typing; the broker password is on
no sheet.
"""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from kernel.enrolment import Ticket
from kernel.paperfont import NAME as FONT
from kernel.paperfont import drawing, paper
from siteconfig.kinds import KINDS
from siteconfig.model import Device, Site

QR_SIZE = 70 * mm


def enrolment_sheet(site: Site, device: Device, ticket: Ticket) -> bytes:
    buffer = io.BytesIO()
    canvas = paper(buffer, f"设备入网单 Enrolment sheet {device.id}")
    _, height = A4
    left, y = 20 * mm, height - 25 * mm

    def line(text: str, size: float = 11, gap: float = 6.5) -> None:
        nonlocal y
        canvas.setFont(FONT, size)
        canvas.drawString(left, y, text)
        y -= gap * mm

    line("设备入网单  Device enrolment sheet", 18, 10)
    line(f"{site.name_zh}  {site.name_en}  ({site.id})", 12, 9)
    kind_zh, kind_en = KINDS[device.kind].name_zh, KINDS[device.kind].name_en
    place = (
        f"门 door {device.door}" if device.door else f"区 zone {device.zone}" if device.zone else ""
    )
    line(f"设备 Device:  {device.id}", 14, 8)
    line(f"类型 Kind:  {kind_zh} {kind_en}   {place}")
    model = device.about("description")
    if model:
        line(f"型号 Model:  {device.profile} — {model}", 10)
    line(f"工作站 Station:  {device.station}")
    line(f"消息代理 Broker:  {ticket.broker}    网关 Gateway:  {ticket.gateway}")
    y -= 4 * mm

    qr = drawing(QR_SIZE, QR_SIZE)
    qr.add(QrCodeWidget(ticket.text(), barLevel="M", barWidth=QR_SIZE, barHeight=QR_SIZE))
    renderPDF.draw(qr, canvas, left, y - QR_SIZE)
    y -= QR_SIZE + 8 * mm

    line(f"入网码 Enrolment code:  {ticket.code}", 13, 7)
    fingerprint = " ".join(ticket.ca[i : i + 4] for i in range(0, len(ticket.ca), 4))
    line(f"证书指纹 CA fingerprint (SHA-256):  {fingerprint}", 9, 9)
    line("在工作站上运行  On the station run:", 11)
    line("    sudo depot edge enrol", 11)
    line("然后用键盘模式的扫码器扫描上方二维码；或输入入网码和证书指纹：", 10, 5.5)
    line("then scan the QR code above with a scanner that types; or type the code and fingerprint:",
         10, 5.5)  # fmt: skip
    line(f"    sudo depot edge enrol --site {site.id} --device {device.id} "
         f"--gateway {ticket.gateway} \\", 9, 5)  # fmt: skip
    line("        --ca-fingerprint <fingerprint> --code <code>", 9, 9)
    setup_zh, setup_en = device.about("setup_zh"), device.about("setup_en")
    if setup_zh or setup_en:
        line("设备设置 Set the device up:", 11)
        if setup_zh:
            line(f"    {setup_zh}", 10, 5.5)
        if setup_en:
            line(f"    {setup_en}", 10, 8)
    line("本单只能使用一次，等同钥匙，请妥善保管；用后销毁。", 10, 5.5)
    line("This sheet works once and is a key: keep it safe, destroy it after use.", 10, 5.5)
    line("丢失时请重新签发  If lost, reissue:  depot config build --reissue " + device.id, 10)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
