"""The master data, people and gateways screens over plain HTTP, as a browser posts them, on
a real server: an upload refused whole with its errors by line and column, the people's forms
(bounds, a username taken, an administrator's own account, a disabled person's session), a
gateway's token shown once and refused once revoked; a supervisor gets 403 and changes
nothing; forged posts change nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from harness.depot import ADMIN, ServerProcess
from harness.forms import origin, submit, token_on
from harness.forms import signed_in as login_form
from harness.scope_world import HERE, PASSWORD, World, username, world_of
from server.storage.tables import api_clients, audit_log, items, users

HEADER = (
    "code,name_zh,name_en,spec,unit_zh,unit_en,category,reusable,"
    "storage_years,unit_price_cents,gtins\n"
)
GOOD = "TENT-M1,帐篷,Tent,3x4 m,顶,piece,shelter,yes,8,120000,\n"
BAD = "TENT-M2,帐篷,Tent,3x4 m,顶,piece,nonsense,maybe,8,120000,\n"  # line 3


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


def upload(browser: httpx.Client, kind: str, text: str) -> httpx.Response:
    token = token_on(browser, f"/masterdata?kind={kind}")
    return browser.post(
        f"/masterdata/{kind}",
        data={"csrf_token": token},
        files={"file": (f"{kind}.csv", text.encode(), "text/csv")},
        headers={"Origin": origin(browser)},
    )


def count(world: World, table: object) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def actions(world: World, target: str) -> list[str]:
    """What the audit trail says was done to `target`, by the administrator, in order."""
    query = (
        select(audit_log.c.action)
        .where((audit_log.c.target == target) & (audit_log.c.actor == ADMIN[0]))
        .order_by(audit_log.c.id)
    )
    with world.engine.connect() as conn:
        return list(conn.execute(query).scalars())


def test_an_upload_with_a_bad_line_imports_nothing_and_says_where(
    world: World, server: ServerProcess
) -> None:
    admin = signed_in(server, ADMIN[0], ADMIN[1])
    before = count(world, items)
    refused = upload(admin, "items", HEADER + GOOD + BAD)
    assert refused.status_code == 422
    line3 = re.findall(r'<tr class="bad" data-line="3" data-column="([a-z_]+)"', refused.text)
    assert set(line3) == {"category", "reusable"}
    assert "类别须为" in refused.text and "category must be one of" in refused.text
    assert "TENT-M2" in refused.text  # the line as uploaded, beside its errors
    assert count(world, items) == before
    done = upload(admin, "items", HEADER + GOOD + BAD.replace("nonsense,maybe", "shelter,no"))
    assert done.status_code == 303
    assert count(world, items) == before + 2
    shown = admin.get("/masterdata?kind=items", follow_redirects=True)
    assert "已导入" in shown.text and "TENT-M2" in shown.text
    export = admin.get("/api/v1/master/items?format=csv")
    assert export.status_code == 200 and "TENT-M2" in export.content.decode("utf-8-sig")
    wrong = upload(admin, "road_distances", "warehouse,place\nLC01,\n")
    assert wrong.status_code == 422 and 'data-line="1"' in wrong.text  # missing columns


def test_people_created_changed_disabled_and_reset(world: World, server: ServerProcess) -> None:
    admin = signed_in(server, ADMIN[0], ADMIN[1])
    new = {"username": "keeper-new", "role": "keeper", "warehouse": HERE}
    short = submit(admin, "/people", "/people", {**new, "password": "short"})
    assert short.status_code == 422
    assert re.search(
        r'id="e-f-password">至少 10 个字符 <span[^>]*>at least 10 characters', short.text
    )
    assert "short" not in re.findall(r'value="([^"]*)"', short.text)  # never shown back
    made = submit(admin, "/people", "/people", {**new, "password": "keeper-new-pass"})
    assert made.status_code == 303 and made.headers["location"] == "/people/keeper-new"
    taken = submit(admin, "/people", "/people", {**new, "password": "keeper-new-pass"})
    assert taken.status_code == 409 and "该用户名已被使用" in taken.text
    keeper = signed_in(server, "keeper-new", "keeper-new-pass")
    assert keeper.get("/").status_code == 200
    assert keeper.get("/people").status_code == 403  # not theirs

    page = "/people/keeper-new"
    moved = submit(admin, page, page, {"role": "supervisor", "warehouse": HERE})
    assert moved.status_code == 303
    with world.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == "keeper-new")).one()
    assert (row.role, row.warehouse) == ("supervisor", HERE)
    reset = submit(admin, page, page + "/password", {"password": "another-pass-1"})
    assert reset.status_code == 303
    assert keeper.get("/", follow_redirects=False).status_code in (302, 303)  # session ended
    keeper = signed_in(server, "keeper-new", "another-pass-1")
    unticked = submit(admin, page, page + "/disable", {})
    assert unticked.status_code == 303 and keeper.get("/").status_code == 200
    gone = submit(admin, page, page + "/disable", {"confirm": "yes"})
    assert gone.status_code == 303
    assert keeper.get("/", follow_redirects=False).status_code in (302, 303)
    again = httpx.Client(base_url=server.url)
    refused = submit(
        again, "/login", "/login", {"username": "keeper-new", "password": "another-pass-1"}
    )
    assert refused.status_code != 303
    assert 'action="/people/keeper-new/enable"' in admin.get(page).text
    back = submit(admin, page, page + "/enable", {"confirm": "yes"})
    assert back.status_code == 303
    assert signed_in(server, "keeper-new", "another-pass-1").get("/").status_code == 200
    own = f"/people/{ADMIN[0]}"
    self_disabled = submit(admin, own, own + "/disable", {"confirm": "yes"})
    assert self_disabled.status_code == 303
    assert "不能对自己的账号做此项" in admin.get(own).text
    assert admin.get("/").status_code == 200
    changes = ("create_user", "change_user", "reset_password", "disable_user", "enable_user")
    assert actions(world, "keeper-new") == list(changes)
    assert "keeper-new-pass" not in server.proc.log() and "another-pass-1" not in server.proc.log()


def test_a_gateway_token_shown_once_and_refused_when_revoked(
    world: World, server: ServerProcess
) -> None:
    admin = signed_in(server, ADMIN[0], ADMIN[1])
    made = submit(admin, "/gateways", "/gateways", {"client_id": "gw-new", "warehouse": HERE})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    found = re.search(r'id="token" readonly size="50" value="([^"]+)"', made.text)
    assert found is not None
    token = found.group(1)
    assert token not in admin.get("/gateways").text
    with world.engine.connect() as conn:
        stored = list(conn.execute(select(api_clients.c.token_hash)).scalars())
    assert token not in stored
    gateway = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})
    assert gateway.get("/api/v1/sync").status_code == 200
    revoked = submit(admin, "/gateways", "/gateways/gw-new/revoke", {"confirm": "yes"})
    assert revoked.status_code == 303
    assert gateway.get("/api/v1/sync").status_code == 401
    assert actions(world, "gw-new") == ["create_gateway", "revoke_gateway"]
    assert token not in server.proc.log()


def test_a_supervisor_sees_no_form_and_is_refused(world: World, server: ServerProcess) -> None:
    supervisor = signed_in(server, username("supervisor", None))
    depot_admin = signed_in(server, username("admin", HERE))  # the network's screens only
    for who in (supervisor, depot_admin):
        assert 'href="/masterdata"' not in who.get("/").text  # no menu entry to a 403
        for path in ("/masterdata", "/people", "/gateways"):
            answer = who.get(path)
            assert answer.status_code == 403
            assert 'method="post" action="/' + path[1:] not in answer.text
    assert 'href="/masterdata"' in signed_in(server, ADMIN[0], ADMIN[1]).get("/").text
    admin = signed_in(server, ADMIN[0], ADMIN[1])
    token = token_on(admin, "/people")
    before = count(world, users)
    for path, data in (
        ("/people", {"username": "x-1", "role": "admin", "password": "long-enough-1"}),
        ("/gateways", {"client_id": "gw-x", "warehouse": HERE}),
        (f"/people/{ADMIN[0]}/disable", {"confirm": "yes"}),
    ):
        sup_token = re.search(r'name="csrf_token" value="([^"]*)"', supervisor.get("/").text)
        assert sup_token is not None
        answer = supervisor.post(
            path,
            data={**data, "csrf_token": sup_token.group(1)},
            headers={"Origin": origin(supervisor)},
        )
        assert answer.status_code == 403
        forged = admin.post(
            path, data={**data, "csrf_token": token}, headers={"Origin": "http://evil.example"}
        )
        assert forged.status_code == 403
    assert count(world, users) == before
    with world.engine.connect() as conn:
        clients = list(conn.execute(select(api_clients.c.client_id)).scalars())
    assert "gw-x" not in clients
