"""The logistic label as a PDF, for a printer that takes no ZPL: the same lines and GS1-128
symbols as the ZPL label (gateway/domain/zpl.py), on a 4 x 6 inch page, in the papers'
embedded CJK font (kernel/paperfont.py) so that any PC prints the Chinese name.

Each symbol is Code 128 with FNC1 first and after every variable-length field that is not
last (reportlab writes FNC1 as '\\xf1'), its bars as wide as the page allows up to 0.5 mm,
the human-readable '(02)...(37)...(10)...' under it.
"""

from __future__ import annotations

import io

from gateway.domain.labels import GS, LogisticLabel, element_string, elements, human_readable
from gateway.domain.labels import text_block as label_lines
from kernel.paperfont import paper_font

INCH = 72.0
MM = INCH / 25.4
PAGE = (4 * INCH, 6 * INCH)
MARGIN = 4 * MM
QUIET = 10  # modules of quiet zone each side of a symbol
MAX_BAR = 0.5 * MM


def label_pdf(labels: list[LogisticLabel]) -> bytes:
    """One page per label."""
    from reportlab.graphics.barcode import code128
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    font = paper_font()
    canvas = Canvas(out, pagesize=PAGE, initialFontName=font)
    canvas.setTitle("物流标签 Logistic labels")
    width, height = PAGE
    for label in labels:
        y = height - MARGIN
        for points, text in label_lines(label):
            y -= points * 1.25
            canvas.setFont(font, points)
            canvas.drawString(MARGIN, y, text)
        y -= 3 * MM
        for pairs in elements(label):
            value = "\xf1" + element_string(pairs).replace(GS, "\xf1")
            probe = code128.Code128(value, barWidth=1, quiet=False)
            bar = min(MAX_BAR, (width - 2 * MARGIN) / (probe.width + 2 * QUIET))
            symbol = code128.Code128(
                value, barWidth=bar, barHeight=16 * MM, humanReadable=False, lquiet=QUIET * bar
            )
            y -= 16 * MM
            symbol.drawOn(canvas, MARGIN, y)
            y -= 4 * MM
            canvas.setFont(font, 9)
            canvas.drawString(MARGIN + QUIET * bar, y, human_readable(pairs))
            y -= 4 * MM
        canvas.showPage()
    canvas.save()
    return out.getvalue()
