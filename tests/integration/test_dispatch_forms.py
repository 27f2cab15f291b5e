"""The dispatch screens' forms over plain HTTP, as a browser posts them, on a real server: the
allocation preview with why each batch was chosen, its edits held to the rules (an overdue
batch without a re-inspection, more than a batch holds, more than the line asks), the order
placed as edited, the written order, the first arrival and the cancellation with their
refusals. A refused post reserves nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from harness.depot import Depot, ServerProcess
from harness.dispatch_stock import PASSWORD, Stocked, stock_for_dispatch
from harness.forms import submit
from server.storage.db import make_engine
from server.storage.tables import batches, dispatch_orders, pick_lines


@pytest.fixture
def stocked(depot: Depot) -> Stocked:
    engine = make_engine(depot.db_url)
    try:
        return stock_for_dispatch(engine, depot)
    finally:
        engine.dispose()


@pytest.fixture
def signed(server: ServerProcess) -> Iterator[dict[str, httpx.Client]]:
    clients = {}
    for name in ("sun", "qin", "shen"):
        client = httpx.Client(base_url=server.url)
        answer = submit(client, "/login", "/login", {"username": name, "password": PASSWORD})
        assert answer.status_code == 303
        clients[name] = client
    yield clients
    for client in clients.values():
        client.close()


def order_form(stocked: Stocked, number: str, qty: str = "50", **more: str) -> dict[str, str]:
    return {
        "number": number,
        "kind": "emergency",
        "basis": "电话指令 绵阳市应急局",
        "place": stocked.place,
        "phone_order": "true",
        "lines.0.item": stocked.item.code,
        "lines.0.qty": qty,
        **more,
    }


def takes(*rows: tuple[str, str, str, int]) -> dict[str, str]:
    """The plan's rows as the preview's form posts them: (depot, location, batch, qty)."""
    fields = {"edited": "true"}
    for i, (warehouse, location, batch, qty) in enumerate(rows):
        fields.update(
            {
                f"takes.{i}.line": "0",
                f"takes.{i}.warehouse": warehouse,
                f"takes.{i}.location": location,
                f"takes.{i}.batch": batch,
                f"takes.{i}.qty": str(qty),
            }
        )
    return fields


def taken(page: str, row: int) -> str | None:
    """The quantity in the plan's row `row` as the page shows it."""
    found = re.search(rf'name="takes\.{row}\.qty"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else None


def picks(depot: Depot, number: str) -> list[tuple[str, str, int]]:
    engine = make_engine(depot.db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(pick_lines.c.warehouse, pick_lines.c.batch_id, pick_lines.c.qty)
            .join(dispatch_orders, dispatch_orders.c.id == pick_lines.c.order_id)
            .where(dispatch_orders.c.number == number)
            .order_by(pick_lines.c.seq)
        ).all()
        names = dict(conn.execute(select(batches.c.id, batches.c.batch_no)).all())
    engine.dispose()
    return [(r.warehouse, names[r.batch_id], r.qty) for r in rows]


def orders(depot: Depot) -> int:
    engine = make_engine(depot.db_url)
    with engine.connect() as conn:
        found = int(conn.execute(select(func.count()).select_from(dispatch_orders)).scalar_one())
    engine.dispose()
    return found


def test_the_preview_shows_why_and_its_edits_are_held_to_the_rules(
    depot: Depot, stocked: Stocked, server: ServerProcess, signed: dict[str, httpx.Client]
) -> None:
    sun = signed["sun"]
    preview = submit(sun, "/orders/new", "/orders/new", order_form(stocked, "JJ-1"))
    assert preview.status_code == 200, preview.text
    text = preview.text
    # FIFO at the nearest depot: 2024A (40) then 2026B (10); the overdue batch is not taken
    assert text.index('data-batch="2024A"') < text.index('data-batch="2026B"')
    assert 'name="takes.0.batch" value="2024A"' in text
    assert taken(text, 0) == "40" and taken(text, 1) == "10"
    assert "先进先出：入库 2024-05-01" in text and "first in, first out" in text
    assert "超期未复检，不可调出" in text  # 2015GQ offered to look at, marked
    assert 'name="takes.2.' not in text

    # a field out of its bounds: the error beside it
    bad = submit(sun, "/orders/new", "/orders", {**order_form(stocked, "JJ-1", qty="0")})
    assert (
        bad.status_code == 422 and 'id="e-f-lines-0-qty"' in bad.text and "不能小于 1" in bad.text
    )

    # the overdue batch chosen: refused with the next step, nothing reserved
    overdue = {**order_form(stocked, "JJ-1"), **takes(("LC01", "D01", stocked.overdue, 30))}
    refused = submit(sun, "/orders/new", "/orders", overdue)
    assert refused.status_code == 409
    assert 'data-reason="stock_limit"' in refused.text
    assert "已过储存年限，需先复检合格" in refused.text
    # more than a batch holds
    above = {**order_form(stocked, "JJ-1"), **takes(("LC01", "D01", "2024A", 41))}
    refused = submit(sun, "/orders/new", "/orders", above)
    assert refused.status_code == 409 and 'data-reason="insufficient_stock"' in refused.text
    assert "库存不足，请减少数量或选其他批次" in refused.text
    assert taken(refused.text, 0) == "41"  # as typed
    # more than the line asks
    over = {**order_form(stocked, "JJ-1", qty="20"), **takes(("LC01", "D01", "2026B", 30))}
    refused = submit(sun, "/orders/new", "/orders", over)
    assert refused.status_code == 422 and 'data-reason="over_line"' in refused.text
    assert orders(depot) == 0

    # edited within the rules: 2024A lowered, 2026B dropped, LC02's batch added; placed
    dropped = submit(
        sun,
        "/orders/new",
        "/orders/new",
        {
            **order_form(stocked, "JJ-1"),
            **takes(("LC01", "D01", "2024A", 40), ("LC01", "D01", "2026B", 10)),
            "drop": "1",
        },
    )
    assert 'name="takes.1.' not in dropped.text
    added = submit(
        sun,
        "/orders/new",
        "/orders/new",
        {
            **order_form(stocked, "JJ-1"),
            **takes(("LC01", "D01", "2024A", 40)),
            "add": "0|LC02|D01|2025C",
        },
    )
    assert 'name="takes.1.batch" value="2025C"' in added.text
    assert "由调度员选择" in added.text
    edited = {
        **order_form(stocked, "JJ-1"),
        **takes(("LC01", "D01", "2024A", 35), ("LC02", "D01", "2025C", 15)),
    }
    placed = submit(sun, "/orders/new", "/orders", edited)
    assert placed.status_code == 303, placed.text
    assert picks(depot, "JJ-1") == [("LC01", "2024A", 35), ("LC02", "2025C", 15)]
    page = sun.get(placed.headers["location"])
    assert "已下达调运单，库存已预留" in page.text and 'id="written-form"' in page.text


def test_the_orders_steps_and_their_refusals(
    depot: Depot, stocked: Stocked, server: ServerProcess, signed: dict[str, httpx.Client]
) -> None:
    sun, qin, shen = signed["sun"], signed["qin"], signed["shen"]
    placed = submit(sun, "/orders/new", "/orders", order_form(stocked, "JJ-2", qty="5"))
    assert placed.status_code == 303
    to = placed.headers["location"]
    order_id = to.rsplit("/", 1)[1]

    def step(client: httpx.Client, action: str, data: dict[str, Any]) -> str:
        answer = submit(client, to, f"{to}/{action}", data)
        assert answer.status_code == 303, answer.text
        return client.get(to).text

    blank = step(sun, "written-order", {"reference": ""})
    assert "请填写必填内容" in blank
    done = step(sun, "written-order", {"reference": "绵应急调〔2026〕88号"})
    assert "已记录书面调令" in done and 'id="written-form"' not in done
    arrived = step(sun, "arrival", {"at": ""})
    assert "已记录首批到达" in arrived and 'id="arrival-form"' not in arrived
    unconfirmed = step(qin, "cancel", {"reason": "灾情缓解"})
    assert "请先勾选确认框" in unconfirmed
    assert 'id="cancel-form"' not in sun.get(to).text  # not offered to the planner
    own = step(sun, "cancel", {"reason": "灾情缓解", "confirm": "yes"})
    assert "需由另一位主管审批" in own  # and refused if posted
    cancelled = step(qin, "cancel", {"reason": "灾情缓解", "confirm": "yes"})
    assert "已取消调运单" in cancelled and 'data-status="cancelled"' in cancelled

    # an auditor: no form, and the posts are refused
    assert 'id="new-order"' not in shen.get("/orders").text
    assert shen.get("/orders/new").status_code == 403
    assert 'id="cancel-form"' not in shen.get(to).text
    for action, data in (
        ("/orders", order_form(stocked, "JJ-3")),
        (f"/orders/{order_id}/cancel", {"reason": "x", "confirm": "yes"}),
        (f"/orders/{order_id}/arrival", {}),
    ):
        answer = submit(shen, "/orders", action, data)  # the token of the page's log-out form
        assert answer.status_code == 403 and "此页面不对您的角色或所在库开放" in answer.text
    assert orders(depot) == 1


def test_the_api_takes_the_same_edited_plan_and_says_why(
    depot: Depot, stocked: Stocked, server: ServerProcess
) -> None:
    """The page and the API are one service: the preview's reasons, and an order's takes held
    to the same rules."""
    with server.login(("sun", PASSWORD)) as sun:
        preview = sun.post(
            "/api/v1/dispatch/allocation",
            json={"item": stocked.item.code, "qty": 45, "place": stocked.place},
        ).json()
        assert [(t["batch"], t["why"]["rule"]) for t in preview["takes"]] == [
            ("2024A", "fifo"),
            ("2026B", "fifo"),
        ]
        assert preview["takes"][0]["why"]["inbound_date"] == "2024-05-01"
        body: dict[str, Any] = {
            "number": "JJ-API",
            "kind": "request",
            "basis": "调运申请",
            "destination": "北川县安置点",
            "place": stocked.place,
            "lines": [{"item": stocked.item.code, "qty": 45}],
        }
        take = {"line": 0, "warehouse": "LC01", "location": "D01", "qty": 5}
        for takes, status, reason in (
            ([{**take, "batch": stocked.overdue}], 409, "stock_limit"),
            ([{**take, "batch": "2024A", "line": 1}], 422, "bad_plan"),
            ([{**take, "batch": "2024A", "qty": 46}], 409, "insufficient_stock"),
        ):
            refused = sun.post("/api/v1/dispatch/orders", json={**body, "takes": takes})
            assert refused.status_code == status, refused.text
            assert refused.json()["detail"]["reason"] == reason
        assert orders(depot) == 0
        placed = sun.post(
            "/api/v1/dispatch/orders", json={**body, "takes": [{**take, "batch": "2026B"}]}
        )
        assert placed.status_code == 201, placed.text
        assert placed.json()["lines"][0]["shortfall"] == 40
        assert picks(depot, "JJ-API") == [("LC01", "2026B", 5)]
