"""The font of every printed paper: the server's acceptance records (annex 1), handover notes
(annex 2) and bin cards (annex 3), and the enrolment sheets of `depot config build`.

A paper carries its font: a TrueType CJK font with Latin letters, embedded (only the glyphs
used) in each PDF, so that any viewer shows the text, Chinese and English, whether or not
its machine has an Asian font pack (poppler without poppler-data, a bare depot PC). The
CID fonts that PDF readers are supposed to have (STSong-Light) are never embedded and show
nothing there.

Where the font file is found, the first that exists:

1. `DEPOT_PDF_FONT`: a TrueType file; for a collection (.ttc), `FILE#N` takes its face N
   (0, the first, without `#N`);
2. Debian's `fonts-wqy-zenhei`: /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc, face 0
   (WenQuanYi Zen Hei), the one scripts/bootstrap installs;
3. Debian's `fonts-arphic-uming`: /usr/share/fonts/truetype/arphic/uming.ttc, face 0.

Noto CJK (`fonts-noto-cjk`) is CFF-based OpenType, which reportlab cannot embed, and Droid
Sans Fallback has no Latin letters: neither serves. A font that lacks the glyphs of the
papers' own words (`PROBE`) is refused, as is a missing one, with what to install.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing
    from reportlab.pdfgen.canvas import Canvas

NAME = "DepotPaper"  # the name the papers' drawing code sets the font by
ENV = "DEPOT_PDF_FONT"
PACKAGE = "fonts-wqy-zenhei"
# Glyphs every paper needs: Chinese, Latin letters, digits, the punctuation of both.
PROBE = "入库验收单交接标识牌设备网 Acceptance record Handover 0123456789 ¥—（）：，。、"


class FontMissing(RuntimeError):
    """No usable font file: the message says what to install or set."""


@dataclass(frozen=True, slots=True)
class FontFile:
    path: Path
    face: int  # the face in a collection (.ttc); 0 for a plain .ttf
    package: str  # the Debian package that brings it, or the setting that named it


CANDIDATES = (
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0, "fonts-wqy-zenhei"),
    FontFile(Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0, "fonts-arphic-uming"),
)


def locate(
    env: Mapping[str, str] | None = None, candidates: Sequence[FontFile] = CANDIDATES
) -> FontFile:
    """The font file the papers use (the lookup above), or FontMissing saying what to do."""
    named = (os.environ if env is None else env).get(ENV, "").strip()
    if named:
        path, _, face = named.partition("#")
        if face and not face.isdigit():
            raise FontMissing(f"{ENV}={named}: the face after # is a number (FILE#0, FILE#1)")
        chosen = FontFile(Path(path), int(face or 0), ENV)
        if not chosen.path.is_file():
            raise FontMissing(f"{ENV} names {path}, which is not a file")
        return chosen
    for candidate in candidates:
        if candidate.path.is_file():
            return candidate
    raise FontMissing(
        "no font for the printed papers: install Debian's "
        f"{PACKAGE} (apt-get install {PACKAGE}; scripts/bootstrap does), or set {ENV} to a "
        "TrueType CJK font file with Latin letters (FILE or FILE#N for a .ttc)"
    )


@functools.cache
def paper_font() -> str:
    """Register the papers' font with reportlab (once per process) and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    found = locate()
    try:
        font = TTFont(NAME, str(found.path), subfontIndex=found.face)
    except (TTFError, OSError) as exc:  # not TrueType (CFF), no such face, unreadable
        raise FontMissing(
            f"{found.path} (face {found.face}, from {found.package}) cannot be embedded: {exc}; "
            f"install {PACKAGE}"
        ) from exc
    lacking = sorted({c for c in PROBE if ord(c) not in font.face.charToGlyph})
    if lacking:
        raise FontMissing(
            f"{found.path} (from {found.package}) has no glyphs for {''.join(lacking)!r}: "
            f"the papers need Chinese and Latin letters; install {PACKAGE}"
        )
    pdfmetrics.registerFont(font)
    return NAME


def paper(out: IO[bytes], title: str, compress: bool = True) -> Canvas:
    """An A4 reportlab canvas whose every string is drawn in the embedded paper font (its
    initial font too: a canvas would otherwise name Helvetica, a font it never embeds)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    canvas: Canvas = Canvas(
        out, pagesize=A4, pageCompression=int(compress), initialFontName=paper_font()
    )
    canvas.setTitle(title)
    return canvas


def drawing(width: float, height: float, **attributes: Any) -> Drawing:
    """A reportlab drawing (a QR code) for a paper: it starts in the paper font too, or its
    renderer would name Helvetica."""
    from reportlab.graphics.shapes import Drawing

    made: Drawing = Drawing(width, height, initialFontName=paper_font(), **attributes)
    return made
