"""The dashboard's pictures: what they draw follows the figures, and no text gets in raw."""

from __future__ import annotations

import re

from server.dash.charts import Bar, Place, bars, depot_map, timeline


def widths(svg: str) -> list[int]:
    return [
        int(w) for w in re.findall(r'<rect class="bar[^"]*" x="\d+" y="\d+" width="(\d+)"', svg)
    ]


def test_bars_are_as_long_as_their_figures_and_names_are_escaped() -> None:
    svg = str(bars("库存", [Bar("<script>", 100), Bar("b", 50, "bad"), Bar("c", 0)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    long, half, none = widths(svg)
    assert long == 2 * half and none == 0
    assert 'class="bar bad"' in svg and "100" in svg and "<title>库存</title>" in svg


def test_depots_sit_where_they_are_and_grow_with_their_stock() -> None:
    svg = str(depot_map("map", [
        Place("W", "west", 31.0, 104.0, 100), Place("E", "east", 31.5, 105.0, 10_000),
    ]))  # fmt: skip
    circles = re.findall(r'cx="(\d+)" cy="(\d+)" r="(\d+)"', svg)
    (wx, wy, wr), (ex, ey, er) = [tuple(map(int, c)) for c in circles]
    assert ex > wx and ey < wy  # east is right, north is up
    assert er > wr
    assert 'href="/?depot=E"' in svg
    assert str(depot_map("map", [])) == ""


def test_a_timeline_keeps_its_order() -> None:
    svg = str(timeline("t", [("09:00", "notified", ""), ("12:00", "first batch", "ok")]))
    assert svg.index("notified") < svg.index("first batch")
    assert 'class="moment ok"' in svg
