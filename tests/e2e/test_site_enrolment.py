"""A depot set up from its site description alone: the broker, the gateway and the central
server started from what `depot config build` wrote, a station joined with a photo of its
device's printed sheet (`depot edge enrol --image`), and a scan at the door answered and in
the central ledger. The gateway serves its pages and enrolment over HTTPS with the depot's
own chain, and a station trusts it only through the CA fingerprint on the sheet."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import httpx
import pytest

from demo.exampledata import gs1_128_label
from harness.depot import DEPOT, PtyScanner, ServerProcess, prepare_database, wait_for_devices
from harness.forms import submit
from harness.procs import Proc, wait_until
from harness.sitebuild import Trial, build_trial, start_broker
from kernel.clock import system_clock
from kernel.enrolment import ca_fingerprint, derive, parse_ticket
from server.services.accounts import create_user
from server.storage.db import make_engine
from siteconfig.build import build, ticket_of

DEVICE = "LC01-D01-FIX1"


@dataclass
class Depot:
    trial: Trial
    server: ServerProcess
    gateway: Proc
    scanner: PtyScanner
    gtin: str
    db_url: str

    @property
    def gateway_url(self) -> str:
        return f"https://127.0.0.1:{self.trial.site.gateway.http_port}"


@pytest.fixture
def depot(tmp_path: Path) -> Iterator[Depot]:
    scanner = PtyScanner()
    data = prepare_database(f"sqlite:///{tmp_path / 'central.sqlite'}")
    server = ServerProcess(data.db_url, tmp_path).start()
    trial = build_trial(
        tmp_path / "LC01",
        sets=[
            f"server.url={server.url}",
            f"stations.0.devices.0.connection.port={scanner.port}",
            "server.sync_interval=1",
        ],
    )
    # the one secret the build cannot make: the gateway's token from the central server
    token = trial.out / "gateway" / "secrets" / "gateway.token"
    token.write_text(data.gateway_token)
    os.chmod(token, 0o600)
    broker = start_broker(trial)
    gateway = Proc(
        "gateway",
        [DEPOT, "gateway", "run", "--config", str(trial.out / "gateway/gateway/gateway.toml")],
        tmp_path,
    ).start()
    gateway.wait_for_log("synced (full)", timeout=60)
    yield Depot(trial, server, gateway, scanner, data.example.items[0].gtin, data.db_url)
    gateway.stop()
    broker.stop()
    server.stop()
    scanner.close()


def sheet_photo(trial: Trial, device: str, where: Path) -> Path:
    """The printed sheet, as a 150 dpi scan."""
    sheet = trial.out / "sheets" / f"{device}.pdf"
    run = ["pdftoppm", "-r", "150", "-png", "-singlefile", str(sheet), str(where / device)]
    subprocess.run(run, check=True)
    return where / f"{device}.png"


def pending_qty(client: httpx.Client, batch: str) -> int:
    rows = client.get(
        "/api/v1/stock", params={"batch": batch, "status": "pending_acceptance"}
    ).json()["rows"]
    return sum(r["qty"] for r in rows)


def enrol(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kernel.cli", "edge", "enrol", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_station_joins_with_its_sheet_and_its_scans_reach_the_ledger(
    depot: Depot, tmp_path: Path
) -> None:
    trial, station_dir = depot.trial, tmp_path / "station-etc"
    photo = sheet_photo(trial, DEVICE, tmp_path)
    joined = enrol("--image", str(photo), "--config-dir", str(station_dir),
                   "--state-dir", str(tmp_path / "station-state"))  # fmt: skip
    assert joined.returncode == 0, joined.stderr
    secret = station_dir / "secrets" / f"{DEVICE}.mqtt"
    assert secret.read_text() == trial.password(DEVICE)
    assert secret.stat().st_mode & 0o777 == 0o600
    assert trial.password(DEVICE) not in joined.stdout + joined.stderr
    conf = station_dir / "edge" / "station.toml"
    assert (station_dir / "tls" / "ca.pem").read_text() == trial.ca.read_text()

    station = Proc("station", [DEPOT, "edge", "run", "--config", str(conf)], tmp_path).start()
    try:
        wait_for_devices(station, [DEVICE])  # over TLS, as enrolled; its port open
        depot.scanner.scan(gs1_128_label(depot.gtin, "2026LX1", date(2026, 3, 1), 20))
        wait_until(lambda: b"\x07" in depot.scanner.received(), 30, "the answer's beep")
        with depot.server.login() as client:
            wait_until(lambda: pending_qty(client, "2026LX1") == 20, 30, "the received quantity")
    finally:
        station.stop()
    assert "已收货" in station.log()


def test_a_sheet_works_once_and_only_with_its_code(depot: Depot, tmp_path: Path) -> None:
    trial = depot.trial
    ticket = ticket_of(trial.site, trial.out, "LC01-D02-FIX1")
    first = enrol("--code", ticket.text(), "--config-dir", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr
    again = enrol("--code", ticket.text(), "--config-dir", str(tmp_path / "b"))
    assert again.returncode != 0 and "used already" in again.stderr
    assert not (tmp_path / "b" / "secrets").exists()

    other = parse_ticket(ticket_of(trial.site, trial.out, "LC01-D03-FIX1").text())
    wrong = other.text().replace(other.code, ticket.code)  # D02's code on D03's sheet
    refused = enrol("--code", wrong, "--config-dir", str(tmp_path / "c"))
    assert refused.returncode != 0 and "wrong enrolment code" in refused.stderr
    # the gateway hands out nothing readable without the code, and keeps no code itself
    record = json.loads((trial.out / "gateway/gateway/enrolment/LC01-D03-FIX1.json").read_text())
    assert trial.password("LC01-D03-FIX1") not in json.dumps(record)
    assert other.code not in json.dumps(record)
    key, proof = derive(other.code, "LC01", "LC01-D03-FIX1")
    assert proof.hex() not in json.dumps(record) and key.hex() not in json.dumps(record)
    # after the refusal the right sheet still works
    right = enrol("--code", other.text(), "--config-dir", str(tmp_path / "d"))
    assert right.returncode == 0, right.stderr


def test_a_reissued_sheet_replaces_the_lost_one(depot: Depot, tmp_path: Path) -> None:
    trial = depot.trial
    lost = ticket_of(trial.site, trial.out, "LC01-D03-FIX1")
    old_password, others = trial.password("LC01-D03-FIX1"), trial.password("LC01-D01-FIX1")
    build(trial.site, trial.out, reissue=["LC01-D03-FIX1"])
    new = ticket_of(trial.site, trial.out, "LC01-D03-FIX1")
    assert new.code != lost.code and trial.password("LC01-D03-FIX1") != old_password
    assert trial.password("LC01-D01-FIX1") == others  # the rest of the depot is unchanged
    assert enrol("--code", lost.text(), "--config-dir", str(tmp_path / "x")).returncode != 0
    # the new sheet's code typed by hand, with what the sheet says beside it
    half = enrol("--code", new.code, "--device", new.device, "--config-dir", str(tmp_path / "y"))
    assert half.returncode != 0 and "--site, --device, --gateway and --ca" in half.stderr
    typed = ["--code", new.code.lower(), "--site", new.site, "--device", new.device,
             "--gateway", new.gateway, "--config-dir", str(tmp_path / "y")]  # fmt: skip
    unpinned = enrol(*typed)
    assert unpinned.returncode != 0 and "no CA fingerprint" in unpinned.stderr
    as_printed = " ".join(new.ca[i : i + 4] for i in range(0, 64, 4)).upper()
    ok = enrol(*typed, "--ca-fingerprint", as_printed)
    assert ok.returncode == 0, ok.stderr


def test_the_gateway_speaks_https_with_the_depot_chain(depot: Depot) -> None:
    trial, url = depot.trial, depot.gateway_url
    depot_ca = ssl.create_default_context(cafile=str(trial.ca))
    assert httpx.get(f"{url}/healthz", verify=depot_ca).json()["site"] == "LC01"
    raw = socket.create_connection(("127.0.0.1", trial.site.gateway.http_port))
    with depot_ca.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        served = tls.getpeercert()
    assert ("commonName", "depot LC01 certificate authority") in {n[0] for n in served["issuer"]}
    assert ("IP Address", "127.0.0.1") in served["subjectAltName"]
    # a client that trusts only the system's authorities refuses it; plain HTTP gets nothing
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{url}/healthz")
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{trial.site.gateway.http_port}/healthz")
    # the CA a station pins to its sheet's fingerprint
    served_ca = httpx.get(f"{url}/api/v1/enrol/ca", verify=depot_ca).text
    assert ca_fingerprint(served_ca) == ticket_of(trial.site, trial.out, DEVICE).ca


def test_the_floor_sign_on_cookie_is_secure(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    create_user(engine, "li", "a-long-enough-password", role="keeper", warehouse="LC01",
                floor_pin="318645", now=system_clock())  # fmt: skip
    engine.dispose()
    book = Path(depot.trial.site.install.state_dir) / "gateway" / "LC01.sqlite"
    assert book.stat().st_mode & 0o777 == 0o600

    def synced() -> bool:
        with sqlite3.connect(book) as db:
            return bool(db.execute("SELECT 1 FROM floor_people WHERE username='li'").fetchall())

    wait_until(synced, 30, "li's floor PIN at the gateway")
    trust = ssl.create_default_context(cafile=str(depot.trial.ca))
    with httpx.Client(base_url=depot.gateway_url, verify=trust) as browser:
        answer = submit(
            browser, "/floor/login", "/floor/login", {"username": "li", "pin": "318645"}
        )
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"].lower()
    assert "depot_floor=" in cookie and "; secure" in cookie and "; httponly" in cookie


def test_a_station_trusts_only_the_gateway_of_the_ca_on_its_sheet(
    depot: Depot, tmp_path: Path
) -> None:
    ticket = ticket_of(depot.trial.site, depot.trial.out, "LC01-D02-FIX1")
    other = hashlib.sha256(b"another depot's authority").hexdigest()
    refused = enrol("--code", replace(ticket, ca=other).text(), "--config-dir", str(tmp_path))
    assert refused.returncode != 0 and "not the depot's on the sheet" in refused.stderr
    assert not (tmp_path / "secrets").exists()
    # the sheet is not used up by that: with the right fingerprint it works
    joined = enrol("--code", ticket.text(), "--config-dir", str(tmp_path))
    assert joined.returncode == 0, joined.stderr


def test_plain_http_off_loopback_is_refused(tmp_path: Path) -> None:
    trial = build_trial(tmp_path / "LC01")
    conf = trial.out / "gateway" / "gateway" / "gateway.toml"
    text = "\n".join(line for line in conf.read_text().splitlines() if "tls_" not in line)
    conf.write_text(text.replace('host = "0.0.0.0"', 'host = "10.20.0.2"'))
    run = subprocess.run(
        [DEPOT, "gateway", "run", "--config", str(conf)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode != 0
    assert "plain HTTP only on a loopback address, not 10.20.0.2" in run.stderr
