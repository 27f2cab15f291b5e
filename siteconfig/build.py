"""`depot config build`: every file a depot needs, from its site description.

    OUTDIR/
      broker/            Mosquitto: mosquitto.conf, passwd, acl, ca.pem, server.pem, server.key
                         (to install.broker_dir on the broker's machine)
      gateway/           the gateway machine's configuration folder (to install.config_dir):
                         gateway/gateway.toml, gateway/enrolment/DEVICE.json,
                         secrets/gateway-SITE.mqtt, secrets/gateway-https.key, tls/ca.pem,
                         tls/gateway.pem (its HTTPS certificate and the CA)
      stations/STATION/  each station's configuration folder (or let `depot edge enrol` make
                         it from the device's sheet): edge/station.toml, secrets/, tls/ca.pem
      systemd/           depot-broker.service, depot-gateway.service, depot-edge.service
      sheets/DEVICE.pdf  enrolment sheets
      .secrets/          kept for the next build: passwords, enrolment codes, the CA's key

Every `secrets/` folder, `sheets/` and `.secrets/` are 0700 and the keys, passwords and sheets
in them 0600, whatever the umask.

Everything but `.secrets` is written afresh each time; passwords, codes and the CA stay
unless a device is reissued, so a rebuild after adding a door changes nothing for the rest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from kernel.enrolment import Ticket, ca_fingerprint, seal
from kernel.private import private_folder
from kernel.tomlfile import dumps
from siteconfig import parts, tls
from siteconfig.model import Site, site_from
from siteconfig.secrets import SecretStore, write_private
from siteconfig.sheets import enrolment_sheet
from siteconfig.validate import problems
from siteconfig.yamlfile import Document, Problem, load_yaml

GENERATED = ("broker", "gateway", "stations", "systemd", "sheets")
# Folders holding nothing but keys (passwords, TLS keys, enrolment sheets): 0700, files 0600.
PRIVATE_FOLDERS = ("secrets", "sheets")
PBKDF2_ITERATIONS = 10_000  # mosquitto_passwd's own default is 101
HEADER = "Made by `depot config build` from the site description; edit that and build again."


def read_site(path: Path, overrides: Sequence[str] = ()) -> tuple[Site | None, list[Problem]]:
    """The site in `path` with `overrides` ("broker.tls_port=18883") applied, or its problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [Problem((), f"cannot read {path}: {exc.strerror}")]
    doc = load_yaml(text)
    for override in overrides:
        doc.problems += _apply(doc, override)
    found = problems(doc)
    return (None, found) if found else (site_from(doc.data), [])


def _apply(doc: Document, override: str) -> list[Problem]:
    key, sep, raw = override.partition("=")
    if not sep or not key:
        return [Problem((), f"--set {override!r}: write KEY=VALUE, e.g. broker.tls_port=18883")]
    parts_: list[str | int] = [int(p) if p.isdigit() else p for p in key.split(".")]
    target = doc.data
    for part in parts_[:-1]:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            if isinstance(target, dict) and isinstance(part, str):
                target[part] = {}
                target = target[part]
            else:
                return [Problem(tuple(parts_), f"--set: there is no {key} to set")]
    last = parts_[-1]
    value = yaml.safe_load(raw) if raw else ""
    if isinstance(target, dict):
        target[str(last)] = value
    elif isinstance(target, list) and isinstance(last, int) and last < len(target):
        target[last] = value
    else:
        return [Problem(tuple(parts_), f"--set: there is no {key} to set")]
    return []


def in_place(site: Site, out: Path) -> Site:
    """The same site with its machines' paths inside `out`: to run it where it was built (a
    trial on one machine, the demo, the tests)."""
    out = out.resolve()
    return replace(
        site,
        install=replace(
            site.install,
            config_dir=str(out / "gateway"),
            state_dir=str(out / "state"),
            broker_dir=str(out / "broker"),
            broker_state_dir=str(out / "state" / "broker"),
        ),
    )


def mosquitto_hash(password: str, salt: bytes | None = None) -> str:
    """A password file entry as mosquitto_passwd writes it: PBKDF2-SHA512, `$7$`."""
    salt = salt or os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS)
    return (
        f"$7${PBKDF2_ITERATIONS}${base64.b64encode(salt).decode()}$"
        f"{base64.b64encode(digest).decode()}"
    )


def build(site: Site, out: Path, reissue: Sequence[str] = ()) -> list[Path]:
    """Write everything under `out`; returns the files written (secrets included, by name)."""
    out.mkdir(parents=True, exist_ok=True)
    store = SecretStore(out / ".secrets")
    for name in reissue:
        site.device(name)  # KeyError for a device the site does not have
        store.reissue(name)
    for name in GENERATED:
        shutil.rmtree(out / name, ignore_errors=True)
    written: list[Path] = []

    def text(path: Path, content: str | bytes, private: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent.name in PRIVATE_FOLDERS:
            private_folder(path.parent)
        if private:
            write_private(path, content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)

    broker = out / "broker"
    broker.mkdir(parents=True)
    # The chain is kept with the secrets, so that a rebuild keeps it: stations enrolled with
    # this CA go on trusting the broker.
    ca = tls.certificate_authority(site.id, store.ca_key, store.root / "ca.pem")
    hosts = [site.broker.host, *site.broker.hostnames, "localhost", "127.0.0.1"]
    tls.server_certificate(ca, hosts, store.root / "server.key", store.root / "server.pem")
    # The gateway's HTTPS (floor pages, enrolment) for every name handhelds and stations use.
    web = [site.gateway.host, *site.gateway.hostnames, "localhost", "127.0.0.1"]
    tls.server_certificate(
        ca, web, store.root / "gateway-https.key", store.root / "gateway-https.pem"
    )
    for name in ("ca.pem", "server.pem"):
        text(broker / name, (store.root / name).read_bytes())
    text(broker / "server.key", (store.root / "server.key").read_bytes(), private=True)
    ca_pem = (broker / "ca.pem").read_text(encoding="ascii")
    users = [site.gateway_user, *(d.id for d in site.devices())]
    passwd = "".join(f"{u}:{mosquitto_hash(store.password(u))}\n" for u in users)
    text(broker / "passwd", passwd, private=True)
    text(broker / "acl", parts.acl(site))
    text(broker / "mosquitto.conf", parts.mosquitto_conf(site))

    gateway = out / "gateway"
    text(gateway / parts.GATEWAY_FILE, dumps(parts.gateway_doc(site), HEADER))
    text(gateway / parts.secret_file(site.gateway_user), store.password(site.gateway_user), True)
    text(gateway / parts.CA_FILE, ca_pem)
    chain = (store.root / "gateway-https.pem").read_text(encoding="ascii") + ca_pem
    text(gateway / parts.GATEWAY_CERT_FILE, chain)
    text(gateway / parts.GATEWAY_KEY_FILE, (store.root / "gateway-https.key").read_bytes(), True)
    ca_print = ca_fingerprint(ca_pem)

    for station in site.stations:
        root = out / "stations" / station.id
        doc = parts.station_doc(site, station)
        text(root / parts.STATION_FILE, dumps(doc, HEADER))
        text(root / parts.CA_FILE, ca_pem)
        for device in station.devices:
            password = store.password(device.id)
            text(root / parts.secret_file(device.id), password, private=True)
            ticket = _ticket(site, device.id, store.code(device.id), ca_print)
            bundle = _bundle(site, station.id, device.id, doc, password, ca_pem)
            record = seal(bundle, ticket.code, site.id, device.id)
            text(gateway / "gateway" / "enrolment" / f"{device.id}.json", _json(record))
            # A sheet is a key (its code joins the device once): owner-only, like the secrets.
            sheet = enrolment_sheet(site, device, ticket)
            text(out / "sheets" / f"{device.id}.pdf", sheet, private=True)

    for name, unit in parts.units(site).items():
        text(out / "systemd" / name, unit)
    return written


def _ticket(site: Site, device: str, code: str, ca: str) -> Ticket:
    return Ticket(
        site=site.id,
        device=device,
        gateway=f"https://{_host(site.gateway.host)}:{site.gateway.http_port}",
        broker=f"{site.broker.host}:{site.broker.tls_port}",
        code=code,
        ca=ca,
    )


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address in a URL


def ticket_of(site: Site, out: Path, device: str) -> Ticket:
    """The ticket on a device's sheet (for tests and for printing a sheet again)."""
    store = SecretStore(out / ".secrets")
    ca = ca_fingerprint((store.root / "ca.pem").read_text(encoding="ascii"))
    return _ticket(site, device, store.code(device), ca)


def _bundle(
    site: Site, station: str, device: str, doc: dict[str, Any], password: str, ca_pem: str
) -> dict[str, Any]:
    return {
        "site": site.id,
        "device": device,
        "station_id": station,
        "station": doc,
        "password": password,
        "ca_pem": ca_pem,
    }


def _json(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=1) + "\n"
