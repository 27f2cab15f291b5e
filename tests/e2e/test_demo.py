"""The quick-start demo: everything starts, scans flow into the ledger, Ctrl-C stops it all."""

from __future__ import annotations

import re
import signal
import sqlite3
import ssl
import subprocess
from pathlib import Path

import httpx

from harness.forms import submit
from harness.procs import DEPOT, free_port, port_open, wait_until


def test_the_demo_runs_and_stops_cleanly(tmp_path: Path) -> None:
    http_port, mqtt_port = free_port(), free_port()
    output = tmp_path / "demo.out"
    with output.open("wb") as out:
        demo = subprocess.Popen(
            [
                DEPOT,
                "demo",
                "--dir",
                str(tmp_path / "state"),
                "--http-port",
                str(http_port),
                "--mqtt-port",
                str(mqtt_port),
                "--interval",
                "0.5",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: "Ctrl-C" in output.read_text(), 90, "the demo to start")
        text = output.read_text()
        assert f"http://127.0.0.1:{http_port}/" in text
        login = re.search(r"Login 登录:\s+(\S+) / (\S+)", text)
        assert login, text
        token = httpx.post(
            f"http://127.0.0.1:{http_port}/api/v1/sessions",
            json={"username": login[1], "password": login[2]},
        ).json()["token"]

        def received() -> int:
            rows = httpx.get(
                f"http://127.0.0.1:{http_port}/api/v1/stock",
                params={"status": "pending_acceptance"},
                headers={"Authorization": f"Bearer {token}"},
            ).json()["rows"]
            return sum(r["qty"] for r in rows)

        wait_until(lambda: received() > 0, 60, "simulated scans to reach the ledger")
        # Dock 1's printer (a PDF one in the example site) labels each unit it receives.
        labels = tmp_path / "state/config/state/gateway/labels-PR-D01"
        printed = lambda: labels.is_dir() and any(labels.glob("*.pdf"))  # noqa: E731
        wait_until(printed, 60, "a GS1 logistic label for a unit dock 1 received")
        assert "Labels 标签:" in text
        # The floor pages: HTTPS with the depot's chain, the admin's floor PIN (not password).
        floor = re.search(r"Floor pages 现场: (\S+)/floor", text)
        pin = re.search(r"Floor PIN 现场口令: admin / (\S+)", text)
        assert floor and pin and floor[1].startswith("https://"), text
        depot_ca = ssl.create_default_context(cafile=tmp_path / "state/config/broker/ca.pem")
        book = tmp_path / "state/config/state/gateway/LC01.sqlite"

        def admin_synced() -> bool:
            if not book.exists():
                return False
            with sqlite3.connect(f"file:{book}?mode=ro", uri=True) as db:
                query = "SELECT 1 FROM floor_people WHERE username='admin'"
                return bool(db.execute(query).fetchall())

        wait_until(admin_synced, 60, "the admin's floor PIN at the gateway")
        with httpx.Client(base_url=floor[1], verify=depot_ca) as browser:
            signed_on = submit(
                browser, "/floor/login", "/floor/login", {"username": "admin", "pin": pin[1]}
            )
        assert signed_on.status_code == 303 and "secure" in signed_on.headers["set-cookie"].lower()
        # It runs from what `depot config build` made of the example site description: the
        # broker lets no one in without a password, stations come in over TLS.
        built = tmp_path / "state/config"
        conf = (built / "broker/mosquitto.conf").read_text()
        assert "allow_anonymous false" in conf and f"listener {mqtt_port}\n" in conf
        assert (built / "sheets/LC01-D01-FIX1.pdf").exists()
        for secrets in (tmp_path / "state/secrets", built / ".secrets"):
            assert all(p.stat().st_mode & 0o077 == 0 for p in secrets.rglob("*"))
        assert login[2] not in "".join(p.read_text() for p in (tmp_path / "state/logs").iterdir())
    finally:
        demo.send_signal(signal.SIGINT)
        code = demo.wait(60)
    assert code == 0, output.read_text()
    assert "stopped" in output.read_text()
    wait_until(
        lambda: not port_open(http_port) and not port_open(mqtt_port),
        10,
        "the demo's server, gateway and broker gone from their ports",
    )
