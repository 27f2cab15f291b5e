"""What a PDF shows on a machine that has no fonts of its own, through poppler's tools as a
depot PC would run them: the fonts it names and whether it carries them (`pdffonts`), its
text (`pdftotext`), and every word of it drawn when the page is rendered (`pdftoppm`) with a
fontconfig that knows no font at all and no language pack to fall back on: only the fonts
the PDF carries can draw anything there."""

from __future__ import annotations

import html
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

NO_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""
DPI = 100
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


@dataclass(frozen=True)
class Font:
    name: str
    type: str
    embedded: bool


def fonts(pdf: Path) -> list[Font]:
    """pdffonts' table: each font the PDF names, with its `emb` column."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    spans = [m.span() for m in re.finditer(r"-+", lines[1])]  # the columns, by the dashes
    found = []
    for line in lines[2:]:
        name, kind, _, emb = (line[a:b].strip() for a, b in spans[:4])
        found.append(Font(name, kind, emb == "yes"))
    return found


def text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def bare_env(workdir: Path) -> dict[str, str]:
    """The environment of a machine with no fonts: a fontconfig file that lists none."""
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "no-fonts.conf"
    conf.write_text(NO_FONTS.format(cache=workdir / "fc-cache"))
    return {**os.environ, "FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(workdir)}


def unseen_words(pdf: Path, workdir: Path, page: int = 1) -> tuple[list[str], int]:
    """The words of a page (by pdftotext's boxes) that a rendering without fonts leaves
    blank, and how many words the page has."""
    env = bare_env(workdir)
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    prefix = workdir / f"bare-{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-singlefile", "-f", str(page), "-l", str(page),
         str(pdf), str(prefix)],
        env=env, capture_output=True, check=True,
    )  # fmt: skip
    image = cv2.imread(f"{prefix}.pgm", cv2.IMREAD_GRAYSCALE)
    assert image is not None
    scale = DPI / 72
    words = [(html.unescape(w[4]), [float(v) * scale for v in w[:4]]) for w in _WORD.findall(boxes)]
    unseen = []
    for word, (x0, y0, x1, y1) in words:
        box = image[int(y0) : int(np.ceil(y1)) + 1, int(x0) : int(np.ceil(x1)) + 1]
        if not (box < 160).any():
            unseen.append(word)
    return unseen, len(words)
