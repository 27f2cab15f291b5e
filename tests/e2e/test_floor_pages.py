"""The gateway's floor pages: real broker, server and gateway processes; Chromium for pages.

People sign on with their floor PINs, not their central passwords (checked by the gateway
against the PIN hashes it syncs, also with the server away); the pages show what was just
scanned without reloading; a keeper may set a device's task; only a supervisor may let a
picker take another batch than FIFO offers, and the override is recorded; `/metrics` has the
gateway's figures.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
import pytest

from demo.exampledata import gs1_128_label
from edge.clock import new_event_id, now_iso
from edge.decode import decode_barcode
from harness.browser import chromium
from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.forms import origin, submit, token_on
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from harness.procs import wait_until
from kernel.clock import system_clock
from kernel.contract import Answer, ScanData, ScanMessage, parse_answer, scan_topic
from server.services.accounts import create_user
from server.storage.db import make_engine

ARTIFACTS = Path(os.environ.get("DEPOT_TEST_ARTIFACTS", "test-artifacts"))
PASSWORD = "a-long-enough-password"
SITE, HANDHELD = "LC01", "LC01-HH7"
DEVICE_PAGE = f"/floor/device/{HANDHELD}"


FLOOR_PIN = {"li": "318645", "wang": "wang-floor-pin", "zhao": "zhao-floor-pin"}


@pytest.fixture
def people(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    for name, role, warehouse in (
        ("li", "keeper", SITE),
        ("wang", "supervisor", SITE),
        ("zhao", "keeper", "LC02"),
    ):
        create_user(
            engine,
            name,
            PASSWORD,
            role=role,
            warehouse=warehouse,
            floor_pin=FLOOR_PIN[name],
            now=system_clock(),
        )
    engine.dispose()


@pytest.fixture
def handheld(broker: Mosquitto) -> Iterator[MqttTestClient]:
    client = MqttTestClient(broker.port)
    client.subscribe(f"wh/v1/{SITE}/cmd/{HANDHELD}")
    yield client
    client.close()


def scan(client: MqttTestClient, raw: bytes, door: str | None = None) -> Answer:
    decoded = decode_barcode(raw)
    message = ScanMessage(
        new_event_id(),
        SITE,
        HANDHELD,
        1,
        now_iso(),
        "serial",
        raw,
        decoded.valid,
        decoded.data if decoded.valid else ScanData(),
        door=door,
        error=decoded.error,
    )
    client.publish(scan_topic(SITE, HANDHELD), message.to_json())
    while True:
        answer = parse_answer(client.next().payload)
        if answer.re == message.event_id:
            return answer


@contextmanager
def login(gateway: GatewayProcess, user: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.url) as client:
        answer = submit(
            client, "/floor/login", "/floor/login", {"username": user, "pin": FLOOR_PIN[user]}
        )
        assert answer.status_code == 303, answer.text
        yield client


def synced_people(gateway: GatewayProcess) -> set[str]:
    with sqlite3.connect(gateway.database) as db:
        return {r[0] for r in db.execute("SELECT username FROM floor_people")}


def test_floor_login_tasks_override_and_metrics(
    depot: Depot,
    server: ServerProcess,
    gateway: GatewayProcess,
    handheld: MqttTestClient,
    people: None,
) -> None:
    wait_until(lambda: {"li", "wang"} <= synced_people(gateway), 20, "the accounts synced")
    assert "zhao" not in synced_people(gateway)  # another depot's keeper
    anonymous = httpx.get(f"{gateway.url}/floor", follow_redirects=False)
    assert anonymous.status_code == 303 and "/floor/login" in anonymous.headers["location"]
    anonymous_browser = httpx.Client(base_url=gateway.url)

    def sign_on(username: str, pin: str) -> httpx.Response:
        return submit(
            anonymous_browser, "/floor/login", "/floor/login", {"username": username, "pin": pin}
        )

    wrong = sign_on("li", "x")
    assert wrong.status_code == 401
    # the central password opens no floor page: the gateway holds no hash of it
    central = sign_on("li", PASSWORD)
    assert central.status_code == 401
    with sqlite3.connect(gateway.database) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(floor_people)")]
        assert columns == ["username", "display_name", "role", "floor_hash"]
        assert not db.execute("SELECT name FROM sqlite_master WHERE name='people'").fetchall()
    elsewhere = sign_on("zhao", FLOOR_PIN["zhao"])
    assert elsewhere.status_code == 401
    # guessing slows down: five tries of a name from one address, then a wait
    tries = [sign_on("nobody", f"{n}00000") for n in range(6)]
    assert [t.status_code for t in tries] == [401] * 5 + [429]
    assert int(tries[-1].headers["retry-after"]) >= 1 and "429" not in tries[0].text

    item = depot.example.items[2]
    with login(gateway, "li") as keeper:
        # A keeper sets the handheld's task; the handheld then answers for that task.
        submit(keeper, DEVICE_PAGE, f"{DEVICE_PAGE}/task", {"kind": "putaway", "ref": ""})
        answer = scan(handheld, gs1_128_label(item.gtin, "2026FP", date(2026, 2, 1), 5))
        assert answer.result == "refused" and "not waiting at a door" in answer.text_en
        detail = keeper.get(f"/floor/api/device/{HANDHELD}").json()
        assert detail["task"] == "putaway"
        assert detail["answers"][0]["text_en"] == answer.text_en
        overview = keeper.get("/floor/api/overview").json()
        assert [d["device"] for d in overview["devices"]] == [HANDHELD]
        page = keeper.get("/floor")
        assert page.status_code == 200 and "设备" in page.text and HANDHELD in page.text
        # Only a supervisor may override first-in-first-out.
        submit(keeper, DEVICE_PAGE, f"{DEVICE_PAGE}/task", {"kind": "pick", "ref": "999"})
        refused = submit(keeper, DEVICE_PAGE, f"{DEVICE_PAGE}/override", {"reason": "damaged"})
        assert refused.status_code == 403 and "supervisor" in refused.text
    with login(gateway, "wang") as supervisor:
        granted = submit(supervisor, DEVICE_PAGE, f"{DEVICE_PAGE}/override", {"reason": "damaged"})
        assert granted.status_code == 303
        state = supervisor.get(f"/floor/api/device/{HANDHELD}").json()["state"]
        assert state["override"]["by"] == "wang" and state["override"]["reason"] == "damaged"
        # A form sent with the supervisor's cookie from anywhere but the floor page itself is
        # refused: another site, a sibling host that has the token, or no token at all.
        task = f"{DEVICE_PAGE}/task"
        token = token_on(supervisor, DEVICE_PAGE)
        for headers, data in (
            ({"Origin": "http://evil.example"}, {"kind": "idle", "csrf_token": token}),
            ({"Origin": "http://sibling.depot.example"}, {"kind": "idle", "csrf_token": token}),
            ({"Referer": "http://sibling.depot.example/x"}, {"kind": "idle", "csrf_token": token}),
            ({}, {"kind": "idle", "csrf_token": token}),  # neither Origin nor Referer
            ({"Origin": origin(supervisor)}, {"kind": "idle"}),
            ({"Origin": origin(supervisor)}, {"kind": "idle", "csrf_token": "guessed"}),
        ):
            forged = supervisor.post(task, data=data, headers=headers)
            assert forged.status_code == 403, (headers, data)
        assert supervisor.get(f"/floor/api/device/{HANDHELD}").json()["task"] == "pick"

    metrics = httpx.get(f"{gateway.url}/metrics").text
    assert 'depot_gateway_reads_total{site="LC01"} 1' in metrics
    assert "depot_gateway_answer_seconds_bucket" in metrics
    assert 'depot_gateway_outbox_pending{site="LC01"}' in metrics

    # With the central server away, people still sign on and the floor works on.
    server.stop()
    with login(gateway, "li") as keeper:
        assert keeper.get("/floor/api/overview").status_code == 200


def test_the_device_page_shows_a_scan_without_reload(
    depot: Depot,
    server: ServerProcess,
    gateway: GatewayProcess,
    handheld: MqttTestClient,
    people: None,
) -> None:
    wait_until(lambda: "li" in synced_people(gateway), 20, "the accounts synced")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 412, "height": 915}, locale="zh-CN")
        page.goto(f"{gateway.url}/floor/device/{HANDHELD}")
        assert "/floor/login" in page.url
        page.fill("#username", "li")
        page.fill("#pin", FLOOR_PIN["li"])
        page.click("button[type=submit]")
        page.wait_for_selector("#answers")
        assert "尚无扫描" in page.locator("#answers").inner_text()

        answer = scan(handheld, b"CMD:MOVE")
        assert answer.result == "ok"
        row = page.locator("#answers tr", has_text="移库")
        row.wait_for(timeout=10_000)  # through the page's own refresh, no reload
        assert "Task: Moving" in row.inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"floor-device-{depot.db_url.split(':')[0]}.png"), full_page=True
        )
