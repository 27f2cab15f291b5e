"""Small pictures drawn on the server as SVG: no chart library, nothing to download, readable
by screen readers (each has a title and its figures as text)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    tone: str = ""  # a CSS class: "bad", "warn", "" (plain)


def bars(title: str, data: Sequence[Bar], width: int = 520, row: int = 26) -> Markup:
    """Horizontal bars, one per row, value at the end."""
    label_w, pad = 150, 4
    top = max((b.value for b in data), default=0) or 1
    height = row * len(data) + pad
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>'
    ]
    span = width - label_w - 80
    for i, b in enumerate(data):
        y = i * row + pad
        w = max(1, round(span * b.value / top)) if b.value else 0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + row * 0.62:.0f}" text-anchor="end">'
            f"{escape(b.label)}</text>"
            f'<rect class="bar {escape(b.tone)}" x="{label_w}" y="{y + 3}" width="{w}" '
            f'height="{row - 8}"><title>{escape(b.label)}: {b.value:,}</title></rect>'
            f'<text x="{label_w + w + 6}" y="{y + row * 0.62:.0f}">{b.value:,}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value in it is escaped


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    label: str
    lat: float
    lon: float
    qty: int
    tone: str = ""


def depot_map(title: str, places: Sequence[Place], width: int = 520, height: int = 320) -> Markup:
    """Depots where they are (an equirectangular sketch of their bounding box), each a circle
    sized by its stock and linked to its own view."""
    located = [p for p in places if p.lat is not None and p.lon is not None]
    if not located:
        return Markup("")
    margin = 70  # room for the names
    lats, lons = [p.lat for p in located], [p.lon for p in located]
    lat0, lat1 = min(lats), max(lats)
    lon0, lon1 = min(lons), max(lons)
    dlat, dlon = (lat1 - lat0) or 1.0, (lon1 - lon0) or 1.0
    top = max(p.qty for p in located) or 1
    parts = [
        f'<svg class="chart map" role="img" viewBox="0 0 {width} {height}" width="100%">'
        f"<title>{escape(title)}</title>"
        f'<rect class="land" x="0" y="0" width="{width}" height="{height}" rx="6"/>'
    ]
    for p in located:
        x = margin + (p.lon - lon0) / dlon * (width - 2 * margin)
        y = height - margin - (p.lat - lat0) / dlat * (height - 2 * margin)
        r = 6 + 18 * (p.qty / top) ** 0.5
        parts.append(
            f'<a href="/?depot={escape(p.code)}"><circle class="depot {escape(p.tone)}" '
            f'cx="{x:.0f}" cy="{y:.0f}" r="{r:.0f}"><title>{escape(p.label)}: {p.qty:,}</title>'
            f'</circle><text x="{x:.0f}" y="{y - r - 4:.0f}" text-anchor="middle">'
            f"{escape(p.label)}</text></a>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value in it is escaped


def timeline(title: str, points: Sequence[tuple[str, str, str]], width: int = 720) -> Markup:
    """Moments of an order in order: (time label, what, tone)."""
    if not points:
        return Markup("")
    step = (width - 80) / max(1, len(points) - 1)
    height = 90
    parts = [
        f'<svg class="chart timeline" role="img" viewBox="0 0 {width} {height}" width="100%">'
        f"<title>{escape(title)}</title>"
        f'<line x1="40" y1="40" x2="{width - 40}" y2="40" class="axis"/>'
    ]
    for i, (when, what, tone) in enumerate(points):
        x = 40 + i * step
        parts.append(
            f'<circle class="moment {escape(tone)}" cx="{x:.0f}" cy="40" r="7"/>'
            f'<text x="{x:.0f}" y="22" text-anchor="middle">{escape(what)}</text>'
            f'<text x="{x:.0f}" y="66" text-anchor="middle" class="when">{escape(when)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value in it is escaped


@dataclass(frozen=True, slots=True)
class Spot:
    """A point of the coverage map: a depot (a square) or a place (a circle, its tone
    "covered" or "uncovered")."""

    code: str
    label: str
    lat: float
    lon: float
    depot: bool = False
    tone: str = ""
    note: str = ""  # the tooltip after the label


def coverage_map(title: str, spots: Sequence[Spot], width: int = 640, height: int = 480) -> Markup:
    """Depots and places where they are: an equirectangular projection (longitudes shrunk by
    the cosine of the middle latitude, so distances read true at this scale) fitted to their
    bounding box, north up; nothing fetched from anywhere."""
    if not spots:
        return Markup("")
    margin = 60  # room for the names
    middle = math.radians((min(s.lat for s in spots) + max(s.lat for s in spots)) / 2)
    xs = [s.lon * math.cos(middle) for s in spots]
    ys = [s.lat for s in spots]
    span_x, span_y = (max(xs) - min(xs)) or 0.01, (max(ys) - min(ys)) or 0.01
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    left = (width - span_x * scale) / 2
    top = (height - span_y * scale) / 2
    parts = [
        f'<svg class="chart map coverage" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px"><title>{escape(title)}</title>'
        f'<rect class="land" x="0" y="0" width="{width}" height="{height}" rx="6"/>'
    ]
    for spot, x0, y0 in sorted(zip(spots, xs, ys, strict=True), key=lambda t: t[0].depot):
        x = left + (x0 - min(xs)) * scale
        y = top + (max(ys) - y0) * scale
        tip = f"{spot.label} {spot.note}".strip()
        if spot.depot:
            shape = (
                f'<rect class="depot-square" data-code="{escape(spot.code)}" x="{x - 7:.1f}" '
                f'y="{y - 7:.1f}" width="14" height="14"><title>{escape(tip)}</title></rect>'
            )
        else:
            fill = "#b3261e" if spot.tone == "uncovered" else "#1a7f37"
            shape = (
                f'<circle class="place {escape(spot.tone)}" data-code="{escape(spot.code)}" '
                f'cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{fill}"><title>{escape(tip)}</title>'
                "</circle>"
            )
        # a depot's name under it, a place's above
        below, kind = (y + 20, ' class="depot-name"') if spot.depot else (y - 11, "")
        parts.append(
            f'{shape}<text x="{x:.1f}" y="{below:.1f}" text-anchor="middle"{kind}>'
            f"{escape(spot.label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value in it is escaped
