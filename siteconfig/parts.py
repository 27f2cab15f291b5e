"""What each part of the depot reads, derived from the site: pure functions, text and data.

Each machine's files form a tree meant to be copied to its configuration folder
(`install.config_dir`, /etc/depot by default), so the paths inside them are relative:

    edge/station.toml     the station (one per station)      ../secrets/DEVICE.mqtt, ../tls/ca.pem
    gateway/gateway.toml  the gateway                        ../secrets/gateway-SITE.mqtt,
                                                             ../tls/gateway.pem (HTTPS chain),
                                                             ../secrets/gateway-https.key
    broker files          written to install.broker_dir (Mosquitto wants absolute paths)
"""

from __future__ import annotations

from typing import Any

from kernel.contract import PREFIX
from siteconfig.kinds import KINDS
from siteconfig.model import Device, Site, Station, door_smoothing

STATION_FILE = "edge/station.toml"
GATEWAY_FILE = "gateway/gateway.toml"
CA_FILE = "tls/ca.pem"
GATEWAY_CERT_FILE = "tls/gateway.pem"  # the gateway's HTTPS certificate, then the depot's CA
GATEWAY_KEY_FILE = "secrets/gateway-https.key"


def secret_file(user: str) -> str:
    return f"secrets/{user}.mqtt"


def station_doc(site: Site, station: Station) -> dict[str, Any]:
    """The station's configuration (edge/config.py) as data; written as TOML."""
    return {
        "site": site.id,
        "spool_dir": f"{site.install.state_dir}/edge",
        "broker": {
            "host": site.broker.host,
            "port": site.broker.tls_port,
            "tls_ca": f"../{CA_FILE}",
            "keepalive": site.broker.keepalive,
        },
        "device": [device_doc(d) for d in station.devices],
    }


def device_doc(device: Device) -> dict[str, Any]:
    """A device's table in the station's file: what every device has, then the keys of the
    station kind that reads it, as its kind says (siteconfig/kinds.py)."""
    reader, keys = KINDS[device.kind].station(device.settings)
    doc: dict[str, Any] = {
        "id": device.id,
        "kind": reader,
        "door": device.door,
        "password_file": f"../{secret_file(device.id)}",
    }
    doc |= keys
    for signal in ("beep", "led"):
        if device.settings.get(signal):
            doc[signal] = dict(device.settings[signal])
    return doc


def gateway_doc(site: Site) -> dict[str, Any]:
    """The gateway's configuration (gateway/config.py) as data; written as TOML."""
    same_host = site.gateway.host == site.broker.host
    broker: dict[str, Any] = (
        {"host": "127.0.0.1", "port": site.broker.local_port}
        if same_host
        else {"host": site.broker.host, "port": site.broker.tls_port, "tls_ca": f"../{CA_FILE}"}
    )
    broker |= {
        "username": site.gateway_user,
        "password_file": f"../{secret_file(site.gateway_user)}",
        "keepalive": site.broker.keepalive,
    }
    rfid = site.gateway.rfid
    return _printing(site) | {
        "site": site.id,
        "database": f"{site.install.state_dir}/gateway/{site.id}.sqlite",
        "disk_alarm_mb": site.gateway.disk_alarm_mb,
        "disk_refuse_mb": site.gateway.disk_refuse_mb,
        "broker": broker,
        "server": {
            "url": site.server_url,
            "token_file": "../secrets/gateway.token",
            "batch_size": site.batch_size,
            "sync_interval": site.sync_interval,
        },
        "http": {  # the floor pages and enrolment, over TLS with the depot's chain
            "host": "0.0.0.0",  # noqa: S104 - the floor's handhelds and stations
            "port": site.gateway.http_port,
            "tls_cert": f"../{GATEWAY_CERT_FILE}",
            "tls_key": f"../{GATEWAY_KEY_FILE}",
        },
        "enrolment": {"dir": "enrolment"},
        "rfid": {
            "window": rfid.window,
            "rssi_floor": rfid.rssi_floor,
            "min_reads": rfid.min_reads,
            "doors": {
                door: {
                    "window": r.window,
                    "rssi_floor": r.rssi_floor,
                    "min_reads": r.min_reads,
                    **({"zones": r.zones} if r.zones else {}),
                }
                for door, r in door_smoothing(site).items()
            },
        },
    }


def _printing(site: Site) -> dict[str, Any]:
    """[labels] and [printers.ID] of the gateway's file (docs/gateway.md, Labels and printers)."""
    labels = site.gateway.labels
    if labels is None:
        return {}
    printers: dict[str, Any] = {}
    for printer in site.gateway.printers:
        settings: dict[str, Any] = {"kind": printer["kind"], "door": printer.get("door", "")}
        if printer["kind"] == "zpl":
            settings |= {"host": printer["host"], "port": printer.get("port", 9100),
                         "rfid": printer.get("rfid", False),
                         "font": printer.get("font", "E:SIMSUN.TTF")}  # fmt: skip
        else:
            default = f"{site.install.state_dir}/gateway/labels-{printer['id']}"
            settings["spool"] = printer.get("spool", default)
            if printer.get("command"):
                settings["command"] = printer["command"]
        if printer.get("encoder"):
            settings["encoder"] = printer["encoder"]
        settings["timeout"] = printer.get("timeout", 5)
        printers[printer["id"]] = settings
    prefix = {"company_prefix": labels["company_prefix"], "extension": labels.get("extension", 0)}
    if labels.get("gtin_prefixes"):
        prefix["gtin_prefixes"] = list(labels["gtin_prefixes"])
    return {"labels": prefix, "printers": printers}


# -- the broker ----------------------------------------------------------------------------


def mosquitto_conf(site: Site) -> str:
    b, where = site.broker, site.install.broker_dir
    return f"""\
# Mosquitto for depot {site.id} ({site.name_zh}), made by `depot config build` from the site
# description: edit that and build again rather than this file.
per_listener_settings false
allow_anonymous false
password_file {where}/passwd
acl_file {where}/acl

# The gateway on this machine.
listener {b.local_port} 127.0.0.1

# The stations, over TLS with the depot's own certificate chain.
listener {b.tls_port}
cafile {where}/ca.pem
certfile {where}/server.pem
keyfile {where}/server.key

# Reads a gateway has not taken yet stay queued in its session, however many and however
# long it is away: no queue limit (the default of 1000 drops reads), no session expiry.
persistence true
persistence_location {site.install.broker_state_dir}/
autosave_interval 60
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 100

# Answers to scanners go out at once (no Nagle delay); clients ping every {b.keepalive} s.
set_tcp_nodelay true
max_keepalive {max(60, b.keepalive * 3)}
max_packet_size 65536

user {b.user}
log_dest stderr
log_type error
log_type warning
log_type notice
connection_messages true
"""


def acl(site: Site) -> str:
    """Each device: its own scan, status and encoded topics, its own command topic; the
    gateway: all of its site. Nothing else for anyone (Mosquitto denies what the file does
    not grant)."""
    top = f"{PREFIX}/{site.id}"
    lines = [
        "# Made by `depot config build`; edit the site description instead.",
        f"user {site.gateway_user}",
        f"topic read {top}/scan/+",
        f"topic read {top}/status/+",
        f"topic write {top}/cmd/+",
        f"topic read {top}/encoded/+",
        f"topic readwrite {top}/gateway/status",
        "",
    ]
    for device in site.devices():
        lines += [
            f"user {device.id}",
            f"topic write {top}/scan/{device.id}",
            f"topic readwrite {top}/status/{device.id}",
            f"topic read {top}/cmd/{device.id}",
            f"topic write {top}/encoded/{device.id}",
            f"topic read {top}/gateway/status",
            "",
        ]
    return "\n".join(lines)


# -- systemd -------------------------------------------------------------------------------

_HARDENING = """\
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
"""


def _unit(description: str, after: str, service: str, unit: str = "") -> str:
    return f"""\
[Unit]
Description={description}
After=network-online.target{after}
Wants=network-online.target
{unit}
[Service]
Type=simple
{service}Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
"""


def units(site: Site) -> dict[str, str]:
    i = site.install
    ours = f"User={i.user}\nReadWritePaths={i.state_dir}\n{_HARDENING}"
    return {
        "depot-broker.service": _unit(
            f"depot-floor broker (Mosquitto) for depot {site.id}",
            "",
            f"ExecStart=/usr/sbin/mosquitto -c {i.broker_dir}/mosquitto.conf\n"
            "ExecReload=/bin/kill -HUP $MAINPID\n",
            unit="Conflicts=mosquitto.service\n",
        ),
        "depot-gateway.service": _unit(
            f"depot-floor gateway for depot {site.id}",
            " depot-broker.service",
            f"ExecStart={i.program} gateway run --config {i.config_dir}/{GATEWAY_FILE}"
            f"{f' --timezone {site.timezone}' if site.timezone else ''}\n{ours}",
        ),
        "depot-edge.service": _unit(
            f"depot-floor scanning station (site {site.id})",
            "",
            "# Serial scanners and readers, cameras, keyboard-mode scanners.\n"
            "SupplementaryGroups=dialout video input\n"
            f"ExecStart={i.program} edge run --config {i.config_dir}/{STATION_FILE}\n{ours}",
        ),
    }
