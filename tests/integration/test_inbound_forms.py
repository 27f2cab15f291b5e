"""The inbound notices screen's form over plain HTTP, as a browser posts it, on a real server:
the depot a person may name in the form (the guard reads the form's `warehouse` as it reads
a JSON body's), the form's bounds, and forged posts. A refused post creates nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from harness.depot import ADMIN, ServerProcess
from harness.forms import origin, submit, token_on
from harness.forms import signed_in as login_form
from harness.scope_world import HERE, PASSWORD, THERE, World, username, world_of
from server.storage.tables import inbound_notices


@pytest.fixture
def world(tmp_path: Path) -> World:
    return world_of(f"sqlite:///{tmp_path / 'server.sqlite'}")


@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(world.depot.db_url, tmp_path).start()
    yield process
    process.stop()


def signed_in(server: ServerProcess, user: str, password: str = PASSWORD) -> httpx.Client:
    return login_form(server.url, user, password)


def notices_of(world: World, depot: str) -> list[str]:
    with world.engine.connect() as conn:
        query = select(inbound_notices.c.number).where(inbound_notices.c.warehouse == depot)
        return sorted(conn.execute(query).scalars())


def count(world: World) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(inbound_notices)).scalar_one())


def form(world: World, number: str, **more: str) -> dict[str, str]:
    return {"number": number, "lines.0.item": world.item.code, "lines.0.qty": "5", **more}


def test_a_person_of_no_depot_names_one_and_a_keeper_only_their_own(
    world: World, server: ServerProcess
) -> None:
    admin = signed_in(server, ADMIN[0], ADMIN[1])
    unnamed = submit(admin, "/inbound", "/inbound", form(world, "RK-F-1"))
    assert unnamed.status_code == 422
    assert 'id="e-f-warehouse"' in unnamed.text and "必填" in unnamed.text
    assert 'value="RK-F-1"' in unnamed.text  # as typed
    named = submit(admin, "/inbound", "/inbound", form(world, "RK-F-1", warehouse=THERE))
    assert named.status_code == 303
    assert "RK-F-1" in notices_of(world, THERE)

    keeper = signed_in(server, username("keeper", HERE))
    before = count(world)
    other = submit(keeper, "/inbound", "/inbound", form(world, "RK-F-2", warehouse=THERE))
    assert other.status_code == 403
    token = token_on(keeper, "/inbound")
    twice = keeper.post(
        "/inbound",
        content=f"csrf_token={token}&number=RK-F-3&warehouse={HERE}&warehouse={THERE}"
        f"&lines.0.item={world.item.code}&lines.0.qty=5",
        headers={"Origin": origin(keeper), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert twice.status_code in (403, 422)
    assert count(world) == before
    own = submit(keeper, "/inbound", "/inbound", form(world, "RK-F-4"))  # no depot: their own
    assert own.status_code == 303
    assert "RK-F-4" in notices_of(world, HERE)


def test_bounds_and_forgeries_create_nothing(world: World, server: ServerProcess) -> None:
    keeper = signed_in(server, username("keeper", HERE))
    before = count(world)
    huge = form(world, "RK-F-5", **{f"x{i}": "" for i in range(1100)})
    assert submit(keeper, "/inbound", "/inbound", huge).status_code == 400  # refused whole
    surrogate = submit(keeper, "/inbound", "/inbound", form(world, "RK\u200b\x07-F"))
    assert surrogate.status_code == 422 and "含有不能使用的字符" in surrogate.text
    token = token_on(keeper, "/inbound")
    for headers, data in (
        (
            {"Origin": "http://sibling.depot.example"},
            {**form(world, "RK-F-6"), "csrf_token": token},
        ),
        ({"Origin": origin(keeper)}, form(world, "RK-F-7")),  # no token
    ):
        assert keeper.post("/inbound", data=data, headers=headers).status_code == 403
    assert count(world) == before
