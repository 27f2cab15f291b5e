"""Bin cards (kernel/bin_card.py) on paper: two to an A4 page, each with the batch's QR code,
for the server's papers and a depot gateway's PDF printer.

Needs reportlab and the papers' font (kernel/paperfont.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from kernel.bin_card import TITLE, BinCard, card_rows
from kernel.handover_paper import A4, mm, rows
from kernel.paperfont import NAME as FONT
from kernel.paperfont import drawing as paper_drawing
from kernel.paperfont import paper

QR_SIZE = 45 * mm


def bin_cards_pdf(cards: Sequence[BinCard]) -> bytes:
    """One card per half page: annex 3's rows, and the batch's QR code beside them."""
    from reportlab.graphics import renderPDF  # the kernel loads without reportlab
    from reportlab.graphics.barcode.qr import QrCodeWidget

    out = io.BytesIO()
    canvas = paper(out, "救灾储备物资标识牌", compress=False)
    height = A4[1]
    for index, card in enumerate(cards):
        half = index % 2
        if index and not half:
            canvas.showPage()
        top = height - 15 * mm - half * (height / 2)
        canvas.setFont(FONT, 14)
        canvas.drawString(20 * mm, top, f"{TITLE} Bin card")
        rows(canvas, top - 5 * mm, card_rows(card), width=120 * mm, height=10 * mm)
        qr = QrCodeWidget(card.code, barLevel="M")
        x0, y0, x1, y1 = qr.getBounds()
        drawing = paper_drawing(
            QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0]
        )
        drawing.add(qr)
        renderPDF.draw(drawing, canvas, 145 * mm, top - 60 * mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
