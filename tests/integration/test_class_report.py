"""The monthly report by national class (GB/T 38565) from a real server, on SQLite and
PostgreSQL: the example depot's opening stock posted in October, its items carrying their
codes (one left without), the report's figures summed by major and middle class, one line per
unit, in JSON, CSV and on the reports page."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from demo.exampledata import ExampleDepot, generate
from demo.load import load_example
from harness.depot import ADMIN, ServerProcess
from harness.forms import signed_in
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine, migrate
from server.storage.tables import items

OCTOBER = datetime(2026, 10, 15, 2, tzinfo=UTC)  # the opening stock's postings
REPORT = "/api/v1/reports/monthly"


@pytest.fixture
def example(db_url: str) -> ExampleDepot:
    """The example depot with its stock posted in October 2026; soap without a code."""
    engine = make_engine(db_url)
    migrate(engine)
    depot = generate()
    load_example(engine, depot, with_stock=True, clock=lambda: OCTOBER)
    create_user(engine, *ADMIN, role="admin", now=system_clock())
    with engine.begin() as conn:
        conn.execute(update(items).where(items.c.name_en == "Soap").values(national_code=None))
    engine.dispose()
    return depot


@pytest.fixture
def server(db_url: str, example: ExampleDepot, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(db_url, tmp_path).start()
    yield process
    process.stop()


def expected(rows: list[list[Any]], example: ExampleDepot) -> dict[tuple[str, str], list[int]]:
    """Closing quantity and value by (class, unit) from the report's item rows, where the
    class is the major class (7 digits) or the middle class, "" for the unclassified."""
    national = {i.code: None if i.name_en == "Soap" else i.national_code for i in example.items}
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        code = national[r[2]]
        for klass in (code[0] + "000000", code[:3] + "0000") if code else ("",):
            sums[(klass, r[5])][0] += r[12]
            sums[(klass, r[5])][1] += r[13]
    return dict(sums)


def test_the_month_by_class_sums_the_items_rows(
    server: ServerProcess, example: ExampleDepot
) -> None:
    with server.login(ADMIN) as admin:
        by_item = admin.get(REPORT, params={"month": "2026-10"}).json()
        assert "by" not in by_item and by_item["header"][0] == "warehouse"  # as it was
        answer = admin.get(REPORT, params={"month": "2026-10", "by": "class"})
        assert answer.status_code == 200, answer.text
        by_class = answer.json()
        assert by_class["by"] == "class" and by_class["header"][1] == "class_code 分类代码"
        shown = {(r[1], r[4]): [r[12], r[13]] for r in by_class["rows"]}
        assert shown == expected(by_item["rows"], example)
        assert sum(r[12] for r in by_item["rows"]) > 0
        levels = [r[0] for r in by_class["rows"]]
        assert levels[0] == "大类 major" and levels[-1] == "未分类 unclassified"
        tents = next(r for r in by_class["rows"] if r[1] == "1010000" and r[4] == "顶")
        assert tents[2:4] == ["住宿类", "Shelter"] and tents[5] == 4  # four kinds of tent
        soap = next(r for r in by_class["rows"] if r[0] == "未分类 unclassified")
        assert soap[4] == "块" and soap[5] == 1
        assert all(r[1] != "3000000" for r in by_class["rows"])  # no goods of class 3
        as_csv = admin.get(REPORT, params={"month": "2026-10", "by": "class", "format": "csv"})
        assert "by-class" in as_csv.headers["content-disposition"]
        lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
        assert lines[0] == by_class["header"] and len(lines) == len(by_class["rows"]) + 1
        lw = admin.get(REPORT, params={"month": "2026-10", "warehouse": "LC02", "by": "class"})
        lc02 = admin.get(REPORT, params={"month": "2026-10", "warehouse": "LC02"}).json()
        assert {(r[1], r[4]): [r[12], r[13]] for r in lw.json()["rows"]} == expected(
            lc02["rows"], example
        )

    browser = signed_in(server.url, *ADMIN)
    page = browser.get("/reports", params={"month": "2026-10"}).text
    assert 'id="by-class"' in page and "按国家应急物资分类汇总" in page
    row = re.search(r'<tr class="level-2" data-class="1010000" data-unit="顶">.*?</tr>', page, re.S)
    assert row is not None
    cells = [c.replace(",", "") for c in re.findall(r'<td class="num">([^<]*)</td>', row[0])]
    assert int(cells[7]) == tents[12]  # the closing figure, as the API gives it
    assert 'data-class="none" data-unit="块"' in page
    link = re.search(r'<a id="class-csv" href="([^"]+)"', page)
    assert link is not None  # the page's download is the API's CSV by class
    assert browser.get(html.unescape(link[1])).content == as_csv.content
