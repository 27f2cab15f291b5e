"""Floor PINs and who a gateway learns about: the sync carries the people of the gateway's own
depot (and those granted its floor) with their floor PIN hashes, never a central password
hash and never another depot's people. PINs are set with the CLI or by the person through
PUT /api/v1/me/floor-pin."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from harness.depot import ADMIN, Depot, ServerProcess
from harness.procs import DEPOT
from kernel.clock import system_clock
from kernel.passwords import verify_password
from server.services.accounts import create_user
from server.storage.db import make_engine
from server.storage.tables import users

PASSWORD = "a-long-enough-password"


def depot_cli(depot: Depot, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DEPOT, "server", *args, "--db", depot.db_url], capture_output=True, text=True, timeout=60
    )


def secret(tmp_path: Path, name: str, value: str) -> str:
    path = tmp_path / name
    path.write_text(value + "\n")
    path.chmod(0o600)
    return str(path)


def people_synced(server: ServerProcess, depot: Depot) -> dict[str, dict[str, str]]:
    answer = httpx.get(
        f"{server.url}/api/v1/sync", headers={"Authorization": f"Bearer {depot.gateway_token}"}
    )
    assert answer.status_code == 200
    return {p["username"]: p for p in answer.json()["people"]}


def central_hashes(depot: Depot) -> set[str]:
    engine = make_engine(depot.db_url)
    with engine.connect() as conn:
        found = set(conn.execute(select(users.c.password_hash)).scalars())
    engine.dispose()
    return found


@pytest.fixture
def people(depot: Depot) -> None:
    """LC01's keeper li and supervisor wang (wang without a PIN yet), LC02's keeper zhao, the
    unbound admin boss, the dispatcher sun."""
    engine = make_engine(depot.db_url)
    for name, role, warehouse, pin in (
        ("li", "keeper", "LC01", "li-floor-1"),
        ("wang", "supervisor", "LC01", None),
        ("zhao", "keeper", "LC02", "zhao-floor-1"),
        ("boss", "admin", None, "boss-floor-1"),
        ("sun", "dispatcher", None, None),
    ):
        create_user(
            engine,
            name,
            PASSWORD,
            role=role,
            warehouse=warehouse,
            floor_pin=pin,
            now=system_clock(),
        )
    engine.dispose()


def test_a_gateway_gets_its_own_people_with_floor_pins_only(
    server: ServerProcess, depot: Depot, people: None, tmp_path: Path
) -> None:
    # chief, a supervisor of the whole city, bound to no depot
    made = depot_cli(
        depot, "add-user", "--username", "chief", "--role", "supervisor",
        "--password-file", secret(tmp_path, "password", PASSWORD),
        "--floor-pin-file", secret(tmp_path, "chief.pin", "chief-floor-1"),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    synced = people_synced(server, depot)
    # wang has no PIN yet, zhao is LC02's, boss and chief are bound to no depot, ungranted
    assert set(synced) == {"li"}
    assert set(synced["li"]) == {"username", "display_name", "role", "floor_hash"}
    assert verify_password("li-floor-1", synced["li"]["floor_hash"])
    assert not verify_password(PASSWORD, synced["li"]["floor_hash"])

    granted = depot_cli(depot, "grant-floor", "--username", "chief", "--warehouse", "LC01")
    assert granted.returncode == 0, granted.stderr
    pin = secret(tmp_path, "wang.pin", "wang-floor-1")
    assert (
        depot_cli(depot, "set-floor-pin", "--username", "wang", "--pin-file", pin).returncode == 0
    )
    assert set(people_synced(server, depot)) == {"li", "wang", "chief"}

    # a person bound to another depot never gets this one's floor
    refused = depot_cli(depot, "grant-floor", "--username", "zhao", "--warehouse", "LC01")
    assert refused.returncode != 0 and "bound to LC02" in refused.stderr
    # the PIN may not be the password
    same = secret(tmp_path, "same.pin", PASSWORD)
    refused = depot_cli(depot, "set-floor-pin", "--username", "li", "--pin-file", same)
    assert refused.returncode != 0 and "must not be the central password" in refused.stderr

    revoked = depot_cli(depot, "revoke-floor", "--username", "chief", "--warehouse", "LC01")
    removed = depot_cli(depot, "set-floor-pin", "--username", "li", "--remove")
    assert revoked.returncode == 0 and removed.returncode == 0
    answer = people_synced(server, depot)
    assert set(answer) == {"wang"}
    # nothing in any answer is a central password hash
    assert not central_hashes(depot) & {v for p in answer.values() for v in p.values()}


def test_a_person_sets_their_own_floor_pin(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    with server.login(("wang", PASSWORD)) as wang:
        short = wang.put("/api/v1/me/floor-pin", json={"pin": "12345"})
        assert short.status_code == 422
        same = wang.put("/api/v1/me/floor-pin", json={"pin": PASSWORD})
        assert same.status_code == 422 and "central password" in same.json()["detail"]["detail"]
        assert same.json()["detail"]["reason"] == "bad_pin"
        assert wang.put("/api/v1/me/floor-pin", json={"pin": "907153"}).status_code == 204
    synced = people_synced(server, depot)
    assert verify_password("907153", synced["wang"]["floor_hash"])
    with server.login(("wang", PASSWORD)) as wang:
        assert wang.delete("/api/v1/me/floor-pin").status_code == 204
    assert "wang" not in people_synced(server, depot)
    with server.login(ADMIN) as admin:
        audit = admin.get("/api/v1/audit", params={"actor": "wang"}).json()["rows"]
    changes = [r["action"] for r in audit if r["action"] != "login"]
    assert changes[:2] == ["remove_floor_pin", "set_floor_pin"]
    assert "907153" not in json.dumps(audit)
    # a role without floor pages has no floor PIN; without a session, nothing
    with server.login(("sun", PASSWORD)) as sun:
        assert sun.put("/api/v1/me/floor-pin", json={"pin": "907153"}).status_code == 403
    assert httpx.put(f"{server.url}/api/v1/me/floor-pin", json={"pin": "907153"}).status_code == 401
