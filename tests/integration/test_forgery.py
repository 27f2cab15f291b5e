"""A request a browser is made to send with a person's cookie changes nothing: the case of
the issue, a page on a sibling host approving a stocktake adjustment with the supervisor's
cookie, and a master-data import made with an administrator's cookie alone. The server is a
real `depot server run`; the test's HTTP client plays the browser, sending what a browser
sends (the cookie, and the Origin of the page the form is on)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from harness.depot import ADMIN, ServerProcess
from harness.forms import origin, submit, token_on
from harness.forms import signed_in as login_form
from harness.scope_world import HERE, PASSWORD, World, username, world_of
from server.storage.tables import items, stocktakes


@pytest.fixture
def world(tmp_path: Path) -> World:
    return world_of(f"sqlite:///{tmp_path / 'server.sqlite'}")


@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(world.depot.db_url, tmp_path).start()
    yield process
    process.stop()


def signed_in(server: ServerProcess, user: str, password: str) -> httpx.Client:
    return login_form(server.url, user, password)


def status_of(world: World, take: int) -> str:
    with world.engine.connect() as conn:
        return str(
            conn.execute(select(stocktakes.c.status).where(stocktakes.c.id == take)).scalar()
        )


def test_a_page_elsewhere_cannot_approve_with_the_supervisors_cookie(
    world: World, server: ServerProcess
) -> None:
    take = world.closed
    supervisor = signed_in(server, username("supervisor", HERE), PASSWORD)
    approve = f"/approvals/stocktakes/{take}"
    token = token_on(supervisor, "/approvals")  # even with the token, were it ever leaked
    forged = [
        ({"Origin": "http://sibling.depot.example"}, {"confirm": "yes", "csrf_token": token}),
        ({"Referer": "http://sibling.depot.example/a"}, {"confirm": "yes", "csrf_token": token}),
        ({}, {"confirm": "yes", "csrf_token": token}),  # neither Origin nor Referer
        ({"Origin": origin(supervisor)}, {"confirm": "yes"}),  # the site's origin, no token
        ({"Origin": origin(supervisor)}, {"confirm": "yes", "csrf_token": "0" * 40}),
    ]
    for headers, data in forged:
        answer = supervisor.post(approve, data=data, headers=headers)
        assert answer.status_code == 403, (headers, data)
        assert "security token" in answer.text or "Origin" in answer.text
    # the JSON API does not take the cookie at all
    api = supervisor.post(
        f"/api/v1/stocktakes/{take}/approve", json={}, headers={"Origin": origin(supervisor)}
    )
    assert api.status_code in (401, 403)
    assert status_of(world, take) == "closed"  # nothing was approved

    # the page's own form, as the supervisor fills it in, goes through
    done = submit(supervisor, "/approvals", approve, {"confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"] == "/approvals"
    assert status_of(world, take) == "adjusted"
    # a token dies with its session: after logging out, the old one opens nothing
    submit(supervisor, "/approvals", "/logout", {})
    stale = supervisor.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": origin(supervisor)}
    )
    assert stale.status_code == 403


def test_a_change_through_the_api_needs_a_bearer_token_not_the_cookie(
    world: World, server: ServerProcess
) -> None:
    admin = signed_in(server, *ADMIN)
    csv = b"code,name_zh,name_en\nFORGED-1,\xe4\xbc\xaa,Forged\n"
    for headers in ({"Origin": "http://sibling.depot.example"}, {"Origin": origin(admin)}):
        answer = admin.post(
            "/api/v1/master/items",
            files={"file": ("items.csv", csv, "text/csv")},
            headers=headers,
        )
        assert answer.status_code in (401, 403), answer.text
    with world.engine.connect() as conn:
        assert conn.execute(select(items.c.code).where(items.c.code == "FORGED-1")).first() is None
    # the same import with a bearer token goes through
    with server.login() as api:
        answer = api.post("/api/v1/master/items", files={"file": ("items.csv", csv, "text/csv")})
    assert answer.status_code != 403 and "csrf" not in answer.text
