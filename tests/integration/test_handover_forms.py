"""The handover screen's forms over plain HTTP, as a browser posts them, on a real server:
a note issued from what the gateway loaded (the lines are never typed), its fields' bounds,
the receiver's confirmation and each refusal of it (above what was handed over, short with no
note, in the future, twice), the roles that may not, and the API's confirmation route. A
refused post changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select

from harness import pdfcheck
from harness.depot import ServerProcess
from harness.forms import signed_in as login_form
from harness.forms import submit
from harness.scope_world import HERE, PASSWORD, THERE, World, username, world_of
from server.storage import handover_notes
from server.storage.tables import audit_log, handover_lines, handovers

TRUCK = {
    "carrier": "绵阳运输公司",
    "driver": "赵师傅",
    "phone": "13800000000",
    "plate": "川B12345",
    "receiver": "北川县应急局",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    path = tmp_path_factory.mktemp("handover") / "server.sqlite"
    return world_of(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def server(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(world.depot.db_url, tmp_path_factory.mktemp("server")).start()
    yield process
    process.stop()


def signed_in(server: ServerProcess, role: str, depot: str | None = HERE) -> httpx.Client:
    return login_form(server.url, username(role, depot), PASSWORD)


def note_of(world: World, number: str) -> tuple[str, list[tuple[int, int, int | None]]]:
    """A note's state and its lines: (line, handed over, received)."""
    with world.engine.connect() as conn:
        note = conn.execute(select(handovers).where(handovers.c.number == number)).one()
        lines = conn.execute(
            select(handover_lines.c.id, handover_lines.c.qty, handover_lines.c.received)
            .where(handover_lines.c.handover_id == note.id)
            .order_by(handover_lines.c.id)
        ).all()
    return note.state, [(r.id, r.qty, r.received) for r in lines]


def audit_count(world: World) -> int:
    """The audit entries of handover notes issued and confirmed."""
    with world.engine.connect() as conn:
        query = select(audit_log.c.id).where(
            audit_log.c.action.in_(("handover", "handover_confirmed"))
        )
        return len(conn.execute(query).all())


def issued(world: World, keeper: httpx.Client, loaded: int = 3) -> str:
    """A fresh order loaded (`loaded` units) at LC01 and its note issued on the page."""
    order = world.fresh_order()
    world.load(order, HERE, loaded)
    door = f"/orders/{order}/handover-note"
    answer = submit(keeper, door, door, TRUCK)
    assert answer.status_code == 303, answer.text
    return httpx.URL(answer.headers["location"]).path.removeprefix("/handovers/")


def receipt(lines: list[tuple[int, int, int | None]], **changed: str) -> dict[str, str]:
    fields = {"received_by": "李主任", "phone": "0816-2345678"}
    for i, (line, qty, _) in enumerate(lines):
        fields |= {f"lines.{i}.line": str(line), f"lines.{i}.received": str(qty)}
    return fields | changed


def test_the_note_is_filled_in_from_what_was_loaded(world: World, server: ServerProcess) -> None:
    keeper = signed_in(server, "keeper")
    order = world.fresh_order()
    door = f"/orders/{order}/handover-note"
    before = audit_count(world)
    empty = keeper.get(door)
    assert empty.status_code == 200 and 'id="nothing-loaded"' in empty.text
    assert 'id="handover-form"' not in empty.text  # nothing loaded: nothing to hand over
    early = submit(keeper, door, door, TRUCK)  # sent all the same: refused, and the step said
    assert early.status_code == 409 and "尚无已装车物资，请先在库门装车" in early.text
    world.load(order, HERE, 3)
    page = keeper.get(door)
    assert 'id="handover-form"' in page.text
    (line,) = handover_notes.loaded_at(world.engine, order, HERE)  # what the gateway loaded
    assert line["loaded"] == 3 and f"<td>{line['batch']}</td>" in page.text

    bad = submit(keeper, door, door, {**TRUCK, "phone": "138-abc", "plate": ""})
    assert bad.status_code == 422
    assert "请填写电话号码" in bad.text and "enter a phone number" in bad.text
    assert 'id="e-f-plate"' in bad.text and 'value="138-abc"' in bad.text  # as typed
    assert audit_count(world) == before  # nothing issued

    made = submit(keeper, door, door, TRUCK)
    assert made.status_code == 303
    number = httpx.URL(made.headers["location"]).path.removeprefix("/handovers/")
    assert number.startswith("JJ-") and number.endswith(f"-{HERE}-1")
    state, lines = note_of(world, number)
    assert state == "issued" and [q for _, q, _ in lines] == [3]
    shown = keeper.get(made.headers["location"])
    assert "已开具交接单" in shown.text and "川B12345" in shown.text
    assert 'id="confirm-form"' in shown.text
    listed = keeper.get("/handovers?state=issued")
    assert f'data-note="{number}" data-state="issued"' in listed.text

    world.load(order, HERE, 1)  # more loaded later: the issued note keeps what it handed over
    assert note_of(world, number)[1] == lines


def test_the_receivers_confirmation_and_its_refusals(world: World, server: ServerProcess) -> None:
    keeper = signed_in(server, "keeper")
    number = issued(world, keeper)
    page = f"/handovers/{quote(number, safe='')}"
    action = f"{page}/confirmation"
    _, lines = note_of(world, number)
    before = audit_count(world)

    above = submit(keeper, page, action, receipt(lines, **{"lines.0.received": "4"}))
    assert above.status_code == 409
    assert "实收数量不能超过交接数量" in above.text and 'value="4"' in above.text
    short = submit(keeper, page, action, receipt(lines, **{"lines.0.received": "2"}))
    assert short.status_code == 422 and "请填写差异说明" in short.text
    future = submit(keeper, page, action, receipt(lines, on="2099-01-01"))
    assert future.status_code == 422 and "时间不能晚于现在" in future.text
    typed = submit(keeper, page, action, receipt(lines, **{"lines.0.received": "两"}))
    assert typed.status_code == 422 and "请填写整数" in typed.text
    phone = submit(keeper, page, action, receipt(lines, phone="电话"))
    assert phone.status_code == 422 and "请填写电话号码" in phone.text
    assert note_of(world, number)[0] == "issued" and audit_count(world) == before

    stale = keeper.get(page).text  # a second tab with the form still open
    done = submit(
        keeper,
        page,
        action,
        receipt(lines, **{"lines.0.received": "2", "lines.0.discrepancy": "破损 1 顶"}),
    )
    assert done.status_code == 303
    state, counted = note_of(world, number)
    assert state == "discrepancy" and counted[0][2] == 2
    assert audit_count(world) == before + 1  # the confirmation, in the audit trail
    shown = keeper.get(page).text
    assert "接收有差异" in shown and "破损 1 顶" in shown and "李主任" in shown
    assert 'id="confirm-form"' not in shown
    assert 'name="csrf_token"' in stale
    again = submit(keeper, page, action, receipt(lines))
    assert again.status_code == 409 and "接收方已确认此交接单" in again.text
    assert note_of(world, number)[1] == counted
    listed = keeper.get("/handovers?state=discrepancy").text
    assert f'data-note="{number}" data-state="discrepancy"' in listed

    pdf = keeper.get(f"/api/v1/dispatch/handovers/{quote(number, safe='')}.pdf")
    assert pdf.status_code == 200
    path = Path(str(world.depot.db_url).removeprefix("sqlite:///")).with_name("note.pdf")
    path.write_bytes(pdf.content)
    text = pdfcheck.text(path)
    assert "市级救灾储备物资调用发货（交接）单" in text and number in text
    assert "实收 2" in text and "：破损 1 顶" in text and "李主任" in text


def test_a_full_receipt_confirms_the_note(world: World, server: ServerProcess) -> None:
    supervisor = signed_in(server, "supervisor")
    number = issued(world, supervisor, loaded=2)
    page = f"/handovers/{quote(number, safe='')}"
    _, lines = note_of(world, number)
    done = submit(supervisor, page, f"{page}/confirmation", receipt(lines))
    assert done.status_code == 303
    assert note_of(world, number)[0] == "confirmed"
    assert "已确认接收" in supervisor.get(page).text


def test_roles_without_the_permission_see_no_form_and_are_refused(
    world: World, server: ServerProcess
) -> None:
    keeper = signed_in(server, "keeper")
    number = issued(world, keeper)
    page = f"/handovers/{quote(number, safe='')}"
    _, lines = note_of(world, number)
    order = world.fresh_order()
    world.load(order, HERE, 1)
    door = f"/orders/{order}/handover-note"
    before = audit_count(world)
    for role, depot in (("dispatcher", None), ("auditor", HERE)):
        reader = signed_in(server, role, depot)
        seen = reader.get(door)
        assert seen.status_code == 200 and 'id="no-form"' in seen.text
        assert 'id="handover-form"' not in seen.text
        note = reader.get(page)
        assert 'id="no-form"' in note.text and 'id="confirm-form"' not in note.text
        # the form as a browser would send it, with the page's own token: refused all the same
        assert submit(reader, page, door, {**TRUCK, "warehouse": HERE}).status_code == 403
        confirmation = submit(reader, page, f"{page}/confirmation", receipt(lines))
        assert confirmation.status_code == 403
    other = signed_in(server, "keeper", THERE)
    assert other.get(page).status_code == 404  # another depot's note
    assert submit(other, "/handovers", f"{page}/confirmation", receipt(lines)).status_code == 404
    assert note_of(world, number)[0] == "issued" and audit_count(world) == before


def test_the_api_confirms_once(world: World, server: ServerProcess) -> None:
    number = world.fresh_note()
    body = world.receipt(number)
    url = f"{server.url}/api/v1/dispatch/handovers/{quote(number, safe='')}/confirmation"
    with server.login((username("keeper", HERE), PASSWORD)) as keeper:
        over = {**body, "lines": [{**body["lines"][0], "received": 2}]}
        refused = keeper.post(url, json=over)
        assert refused.status_code == 409
        assert refused.json()["detail"]["reason"] == "above_handed_over"
        done = keeper.post(url, json=body)
        assert done.status_code == 200 and done.json()["state"] == "confirmed"
        twice = keeper.post(url, json=body)
        assert twice.status_code == 409 and twice.json()["detail"]["reason"] == "already_confirmed"
        stranger = keeper.post(url, json={**body, "lines": [{"line": 10**9, "received": 0}]})
        assert stranger.status_code == 409  # confirmed: nothing more is read


def test_two_confirmations_at_once_keep_one(world: World, server: ServerProcess) -> None:
    number = world.fresh_note()
    body = world.receipt(number)
    url = f"{server.url}/api/v1/dispatch/handovers/{quote(number, safe='')}/confirmation"
    keeper = server.login((username("keeper", HERE), PASSWORD))
    with keeper, ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: keeper.post(url, json=body).status_code, "ab"))
    assert sorted(answers) == [200, 409]
    with world.engine.connect() as conn:
        entries = conn.execute(
            select(audit_log.c.id).where(
                (audit_log.c.action == "handover_confirmed") & (audit_log.c.target == number)
            )
        ).all()
    assert len(entries) == 1
