"""The re-inspection, scrapping, rotation and returns pages for bench_dashboard.py: the screen
with LC01's items, an item's stock to pick from with the scrapping form, the returns screen,
and a scrapping proposal's page (one unit of the first line offered, proposed through the
form as a person would)."""

from __future__ import annotations

import re

import httpx

from harness.forms import submit

OPTION = re.compile(r'<option value="([^"|]+)"')
STACK = re.compile(r'<option value="([^"]+\|[^"]+\|available)"')


def disposal_paths(client: httpx.Client) -> list[str]:
    screen = "/disposal?depot=LC01"
    offered = OPTION.search(client.get(screen).text.split('id="f-pick-item"', 1)[1])
    if offered is None:
        return [screen]
    item = offered.group(1)
    picking = f"{screen}&item={item}&do=scrap"
    line = STACK.search(client.get(picking).text)
    paths = [screen, picking, "/returns?depot=LC01"]
    if line is None:
        return paths
    form = {"warehouse": "LC01", "item": item, "stack": line.group(1), "qty": "1",
            "reason": "damaged", "quality_report": "BENCH-ZJ-1",
            **{f"experts.{i}.name": f"专家{i}" for i in range(3)},
            **{f"experts.{i}.opinion": "同意" for i in range(3)}}  # fmt: skip
    made = submit(client, picking, "/disposal/scrapping", form)
    return [*paths, made.headers.get("location", "/disposal/0")]
