"""The stocktake screen's forms over plain HTTP, as a browser posts them, on a real server:
opening a round (bounds, a refused zone, roles without the permission), the progress kept
as counts are written, blind counting (a keeper's page and live region show no ledger quantity
and no variance), the close refused while lines are neither counted nor marked (the lines
named), a mark not counted with a field missing, and the approval of one's own close refused
as the next step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from harness.depot import ServerProcess
from harness.forms import signed_in as login_form
from harness.forms import submit
from harness.scope_world import HERE, PASSWORD, World, username, world_of
from server.services import stocktake
from server.storage.tables import audit_log, stocktakes


@pytest.fixture
def world(tmp_path: Path) -> World:
    return world_of(f"sqlite:///{tmp_path / 'server.sqlite'}")


@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(world.depot.db_url, tmp_path).start()
    yield process
    process.stop()


def signed_in(server: ServerProcess, user: str) -> httpx.Client:
    return login_form(server.url, user, PASSWORD)


def rounds(world: World) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(stocktakes)).scalar_one())


def progress(html: str) -> str:
    found = re.search(r'id="round-counted">([^<]*)<', html)
    assert found is not None, html
    return found.group(1).strip()


def test_opening_a_round_its_bounds_and_who_may(world: World, server: ServerProcess) -> None:
    boss = signed_in(server, username("supervisor", HERE))
    before = rounds(world)
    bad = submit(boss, "/stocktakes", "/stocktakes", {"zone": "A", "tolerance": "-1"})
    assert bad.status_code == 422
    assert 'id="e-f-tolerance"' in bad.text and 'aria-invalid="true"' in bad.text
    assert 'value="-1"' in bad.text  # as typed
    unknown = submit(boss, "/stocktakes", "/stocktakes", {"zone": "Z9", "tolerance": "0"})
    assert unknown.status_code in (404, 409, 422)
    assert 'data-reason="unknown_zone"' in unknown.text and "请检查库区" in unknown.text
    assert rounds(world) == before

    for role in ("keeper", "dispatcher", "auditor"):
        other = signed_in(server, username(role, HERE))
        assert 'id="open-form"' not in other.get("/stocktakes").text
        token = re.search(r'name="csrf_token" value="([^"]*)"', other.get("/stocktakes").text)
        data = {"zone": "A", "tolerance": "0", "csrf_token": token.group(1) if token else ""}
        posted = other.post(
            "/stocktakes", data=data, headers={"Origin": str(other.base_url).rstrip("/")}
        )
        assert posted.status_code == 403, role
    assert rounds(world) == before

    opened = submit(boss, "/stocktakes", "/stocktakes", {"zone": "A", "tolerance": "0"})
    assert opened.status_code == 303
    take = int(opened.headers["location"].rsplit("/", 1)[1])
    page = boss.get(opened.headers["location"])
    assert "已开始盘点" in page.text
    lines = len(world.zone_a_stock())
    assert progress(page.text) == f"0 / {lines}"
    # a keeper's device counts one line through the API: the live region follows
    first = world.zone_a_stock()[0][0]
    count = stocktake.Count(first.location, first.item.code, first.batch, 3)
    stocktake.record_counts(
        world.engine, username("keeper", HERE), take, [count, count], datetime.now(UTC)
    )
    live = boss.get(f"/partials/stocktakes/{take}").text
    assert progress(live) == f"1 / {lines}"  # one line, however many counts
    with world.engine.connect() as conn:
        audited = conn.execute(
            select(audit_log.c.action).where(audit_log.c.target == f"stocktake {take}")
        ).scalars()
        assert {"stocktake_open", "stocktake_count"} <= set(audited)


def test_counting_is_blind_for_keepers(world: World, server: ServerProcess) -> None:
    line = world.zone_a_line()
    held = world.held(line)
    boss = signed_in(server, username("supervisor", HERE))
    shown = boss.get(f"/stocktakes/{world.closed}").text
    row = re.search(rf'data-line="{line.location}/{line.batch}".*?</tr>', shown, re.S)
    assert row is not None and f'<td class="num">{held}</td>' in row.group(0)
    assert f'<td class="num">{held + 1}</td>' in row.group(0)  # counted one over
    keeper = signed_in(server, username("keeper", HERE))
    for path in (f"/stocktakes/{world.closed}", f"/partials/stocktakes/{world.closed}"):
        answer = keeper.get(path)
        assert answer.status_code == 200
        assert 'id="variances"' not in answer.text and "data-line=" not in answer.text
        assert "差异" not in answer.text and "Variance" not in answer.text
        assert str(held) not in answer.text and str(held + 1) not in answer.text
        assert 'id="close-form"' not in answer.text and 'id="approve-form"' not in answer.text
    listed = keeper.get("/partials/stocktakes").text
    assert "差异" not in listed and "未填原因" not in listed


def test_close_refused_names_lines_then_own_approval_refused(
    world: World, server: ServerProcess
) -> None:
    boss = signed_in(server, username("supervisor", HERE))
    take = world.fresh_stocktake()
    page = f"/stocktakes/{take}"
    refused = submit(boss, page, f"{page}/close", {})
    assert refused.status_code == 409
    assert 'data-reason="lines_not_counted"' in refused.text
    named = re.search(r'id="refusal-lines">([^<]*)<', refused.text)
    assert named is not None  # the lines are named, by location
    assert any(s.location in named.group(1) for s, _ in world.zone_a_stock())

    line = world.line_of_zone_a()
    missing = submit(
        boss,
        page,
        f"{page}/not-counted",
        {"lines.0.item": line["item"], "lines.0.batch": line["batch"], "lines.0.reason": "hazard"},
    )
    assert missing.status_code == 422 and 'id="e-f-lines-0-location"' in missing.text
    # count every line but one as the ledger has it, mark that one, close, approve one's own
    stacks = world.zone_a_stock()
    counts = [stocktake.Count(s.location, s.item.code, s.batch, q) for s, q in stacks[1:]]
    stocktake.record_counts(world.engine, username("keeper", HERE), take, counts, datetime.now(UTC))
    skip = stacks[0][0]
    marked = submit(
        boss,
        page,
        f"{page}/not-counted",
        {
            "lines.0.location": skip.location,
            "lines.0.item": skip.item.code,
            "lines.0.batch": skip.batch,
            "lines.0.reason": "sealed",
            "lines.0.note": "封存待查",
        },
    )
    assert marked.status_code == 303
    closed = submit(boss, page, f"{page}/close", {})
    assert closed.status_code == 303
    after = boss.get(page).text
    assert "已关闭" in after and 'id="approve-form"' in after and 'id="mine"' in after
    own = submit(boss, page, f"{page}/approve", {"confirm": "yes"})
    assert own.status_code == 303
    shown = boss.get(page).text
    assert 'data-reason="same_person"' in shown and "需由另一位主管审批" in shown
    other = signed_in(server, username("admin", HERE))
    approved = submit(other, page, f"{page}/approve", {"confirm": "yes"})
    assert approved.status_code == 303
    assert "已批准调账" in other.get(page).text
