"""The gateway's configuration file (TOML), read once at start-up.

site = "LC01"
database = "/var/lib/depot/gateway/LC01.sqlite"
status_interval = 15     # seconds between status messages
disk_alarm_mb = 2048     # below this much free space: alarm (status, metrics, floor page)
disk_refuse_mb = 200     # below this: reads are refused, not recorded

[broker]
host = "127.0.0.1"
port = 1883
username = "gateway-LC01"
password_file = "/etc/depot/secrets/gateway-LC01.password"

[server]
url = "https://depot-central.example/"
token_file = "/etc/depot/secrets/gateway-LC01.token"
batch_size = 200
sync_interval = 30

[http]                   # the floor pages, enrolment and /metrics
host = "0.0.0.0"
port = 8081
tls_cert = "/etc/depot/tls/gateway.pem"              # HTTPS: the certificate, then the CA
tls_key = "/etc/depot/secrets/gateway-https.key"     # (as `depot config build` writes them)
                         # without them: plain HTTP, only on a loopback host (127.0.0.1)

[enrolment]              # stations join with their sheets (depot config build, edge enrol)
dir = "enrolment"

[rfid]                   # door portals: reads of a tag within `window` s are one presence,
window = 2.0             # seen once it has `min_reads` reads and reaches `rssi_floor` dBm
rssi_floor = -70
min_reads = 2

[rfid.doors.D03]         # a door of its own (next to a busy one): stricter
rssi_floor = -62

[rfid.doors.D04.zones]   # a portal that tells in from out: its antennas on each side
outer = [1, 2]           # the dock (truck) side
inner = [3, 4]           # the warehouse side

[labels]                 # GS1 logistic labels: each unit's SSCC under the depot's prefix
company_prefix = "6901234"
extension = 0
gtin_prefixes = ["6912345"] # suppliers' company prefixes: their serialised items get SGTIN tags

[printers.D01]           # a ZPL printer (Zebra class) on raw TCP 9100
kind = "zpl"
door = "D01"             # where it stands (default: its name): it labels what D01 receives
host = "10.20.1.31"
rfid = true              # it encodes each label's tag (SSCC-96) and reads it back
font = "E:SIMSUN.TTF"    # the CJK TrueType font on the printer

[printers.D02]           # a printer without an encoder at a door whose reader encodes
kind = "zpl"
host = "10.20.1.32"
encoder = "LC01-D02-ENC1" # the door's LLRP reader writes each label's tag after printing

[printers.office]        # any other printer: a PDF per label into a spool folder
kind = "pdf"
spool = "spool/labels"
command = "lp -d LABELS" # run on each file (optional)
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gateway.domain.direction import Zones
from gateway.domain.smoothing import Rules
from kernel.config import ConfigError, broker_settings, load_toml
from kernel.contract import ContractError, check_name
from kernel.mqtt import BrokerSettings
from kernel.print_outcomes import PRINTER_NAME

PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


@dataclass(frozen=True, slots=True)
class ServerLink:
    url: str
    token_file: Path
    batch_size: int = 200
    timeout: float = 10.0
    max_backoff: float = 60.0
    sync_interval: float = 30.0

    def token(self) -> str:
        return self.token_file.read_text(encoding="utf-8").strip()


@dataclass(frozen=True, slots=True)
class PrinterSettings:
    """One label printer: `zpl` on the network (host, port 9100) or `pdf` into a spool."""

    name: str
    kind: str
    host: str = ""
    port: int = 9100
    rfid: bool = False
    font: str = "E:SIMSUN.TTF"
    timeout: float = 5.0
    settle: float = 60.0  # a zpl printer's: seconds a sent label may take to print
    spool: Path | None = None
    command: str | None = None
    door: str = ""  # the door (or station) it stands at: it labels what that door receives
    encoder: str = ""  # an LLRP reader (device) that encodes its labels' tags after printing


@dataclass(frozen=True, slots=True)
class LabelSettings:
    company_prefix: str
    extension: int = 0
    supervisor_over: int = 100  # labels one request asks for beyond which a supervisor must
    queue_cap: int = 1000  # labels one printer may have waiting
    gtin_prefixes: tuple[str, ...] = ()  # suppliers' company prefixes (SGTIN tags: their split)


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    site: str
    database: Path
    broker: BrokerSettings
    server: ServerLink
    status_interval: float = 15.0
    disk_alarm_mb: int = 2048
    disk_refuse_mb: int = 200
    http_host: str = "127.0.0.1"
    http_port: int = 8081
    tls_cert: Path | None = None  # certificate chain (PEM): HTTPS; None: plain HTTP, loopback only
    tls_key: Path | None = None
    rfid: Rules = field(default_factory=Rules)
    rfid_doors: dict[str, Rules] = field(default_factory=dict)
    enrolment_dir: Path | None = None
    labels: LabelSettings | None = None
    printers: tuple[PrinterSettings, ...] = ()

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def ca_pem(self) -> str | None:
        """The depot CA's certificate: the last of the chain in `tls_cert` (after the
        gateway's own), which stations check against the fingerprint on their sheets."""
        if self.tls_cert is None:
            return None
        chain = PEM_CERTIFICATE.findall(self.tls_cert.read_text(encoding="ascii"))
        return f"{chain[-1]}\n" if len(chain) > 1 else None


def parse_config(doc: dict[str, Any], base: Path) -> GatewayConfig:
    for key in ("site", "database", "server"):
        if key not in doc:
            raise ConfigError(f"{key} is required")
    server = dict(doc["server"])
    for key in ("url", "token_file"):
        if key not in server:
            raise ConfigError(f"server.{key} is required")
    rfid_doc = dict(doc.get("rfid", {}))
    http = dict(doc.get("http", {}))
    if "zones" in rfid_doc:
        raise ConfigError("rfid.zones: zones are a door's portal's ([rfid.doors.<door>.zones])")
    rfid = _rules(rfid_doc, Rules())
    try:
        site = check_name("site", str(doc["site"]))
    except ContractError as exc:
        raise ConfigError(str(exc)) from exc
    return GatewayConfig(
        site=site,
        database=base / str(doc["database"]),
        broker=broker_settings(dict(doc.get("broker", {})), base),
        server=ServerLink(
            url=str(server["url"]).rstrip("/"),
            token_file=base / str(server["token_file"]),
            batch_size=int(server.get("batch_size", 200)),
            timeout=float(server.get("timeout", 10.0)),
            max_backoff=float(server.get("max_backoff", 60.0)),
            sync_interval=float(server.get("sync_interval", 30.0)),
        ),
        status_interval=float(doc.get("status_interval", 15.0)),
        disk_alarm_mb=int(doc.get("disk_alarm_mb", 2048)),
        disk_refuse_mb=int(doc.get("disk_refuse_mb", 200)),
        http_host=str(http.get("host", "127.0.0.1")),
        http_port=int(http.get("port", 8081)),
        **_tls(http, base),
        enrolment_dir=(
            base / str(doc["enrolment"]["dir"]) if "dir" in doc.get("enrolment", {}) else None
        ),
        rfid=rfid,
        rfid_doors={
            door: replace(
                _rules(dict(values), rfid),
                zones=_zones(door, values.get("zones")),
                tuning=_tuning(door, dict(values)),
            )
            for door, values in rfid_doc.get("doors", {}).items()
        },
        **_printing(doc, base),
    )


def _printing(doc: dict[str, Any], base: Path) -> dict[str, Any]:
    """[labels] and [printers.NAME]: printers need the depot's GS1 company prefix."""
    printers = tuple(
        _printer(str(name), dict(values), base) for name, values in doc.get("printers", {}).items()
    )
    if "labels" not in doc:
        if printers:
            raise ConfigError("printers need [labels] company_prefix (the depot's GS1 prefix)")
        return {}
    labels = dict(doc["labels"])
    prefix, extension = str(labels.get("company_prefix", "")), labels.get("extension", 0)
    if not (prefix.isascii() and prefix.isdigit() and 6 <= len(prefix) <= 12):
        raise ConfigError(f"labels.company_prefix must be 6 to 12 digits: {prefix!r}")
    if not isinstance(extension, int) or not 0 <= extension <= 9:
        raise ConfigError(f"labels.extension must be a digit 0..9: {extension!r}")
    over = _whole(labels, "supervisor_over", 100, 1, 10_000)
    cap = _whole(labels, "queue_cap", 1000, 10, 100_000)
    known = labels.get("gtin_prefixes", [])
    if (
        not isinstance(known, list)
        or len(known) > MAX_GTIN_PREFIXES
        or not all(
            isinstance(p, str) and p.isascii() and p.isdigit() and 6 <= len(p) <= 12 for p in known
        )
    ):
        raise ConfigError(
            f"labels.gtin_prefixes must be at most {MAX_GTIN_PREFIXES} prefixes of 6 to 12 "
            f"digits: {known!r}"
        )
    settings = LabelSettings(prefix, extension, over, cap, tuple(known))
    return {"labels": settings, "printers": printers}


MAX_GTIN_PREFIXES = 200


def _whole(labels: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = labels.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"labels.{key} must be a whole number {low}..{high}: {value!r}")
    return value


def _printer(name: str, values: dict[str, Any], base: Path) -> PrinterSettings:
    printer = _printer_kind(name, values, base)
    door = str(values.get("door", name))  # "": at no door (it prints on demand only)
    encoder = str(values.get("encoder", ""))
    try:
        if door:
            check_name("door", door)
        if encoder:
            check_name("device", encoder)
    except ContractError as exc:
        raise ConfigError(f"printers.{name}: {exc}") from exc
    if encoder and (printer.rfid or not door):
        raise ConfigError(
            f"printers.{name}.encoder: only for a printer at a door without an encoder of its own"
        )
    return replace(printer, door=door, encoder=encoder)


def _printer_kind(name: str, values: dict[str, Any], base: Path) -> PrinterSettings:
    if not re.fullmatch(PRINTER_NAME, name):
        raise ConfigError(f"printers.{name}: a printer's name is 1 to 40 of A-Z a-z 0-9 . _ -")
    kind = str(values.get("kind", ""))
    timeout = float(values.get("timeout", 5.0))
    if not 0 < timeout <= 60:
        raise ConfigError(f"printers.{name}.timeout must be 0..60 s")
    if kind == "zpl":
        if not values.get("host"):
            raise ConfigError(f"printers.{name}.host is required for a zpl printer")
        settle = values.get("settle", 60.0)
        if (
            isinstance(settle, bool)
            or not isinstance(settle, int | float)
            or not 5 <= settle <= 600
        ):
            raise ConfigError(f"printers.{name}.settle must be 5..600 s")
        return PrinterSettings(
            name, kind, host=str(values["host"]), port=int(values.get("port", 9100)),
            rfid=bool(values.get("rfid", False)), font=str(values.get("font", "E:SIMSUN.TTF")),
            timeout=timeout, settle=float(settle),
        )  # fmt: skip
    if kind == "pdf":
        if not values.get("spool"):
            raise ConfigError(f"printers.{name}.spool is required for a pdf printer")
        command = values.get("command")
        return PrinterSettings(
            name, kind, spool=base / str(values["spool"]), timeout=timeout,
            command=str(command) if command else None,
        )  # fmt: skip
    raise ConfigError(f"printers.{name}.kind must be zpl or pdf: {kind!r}")


def _tls(http: dict[str, Any], base: Path) -> dict[str, Any]:
    """The HTTPS files, both or neither; plain HTTP is refused but on a loopback address."""
    host = str(http.get("host", "127.0.0.1"))
    given = [key for key in ("tls_cert", "tls_key") if key in http]
    if len(given) == 1:
        raise ConfigError("http: tls_cert and tls_key go together")
    if not given:
        if not is_loopback(host):
            raise ConfigError(
                f"http: plain HTTP only on a loopback address, not {host}: give tls_cert and "
                "tls_key (depot config build makes them from the depot's certificate authority)"
            )
        return {}
    files: dict[str, Any] = {key: base / str(http[key]) for key in given}
    for key, path in files.items():
        if not path.is_file():
            raise ConfigError(f"http.{key}: no file {path}")
    return files


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _rules(doc: dict[str, Any], base: Rules) -> Rules:
    """RFID smoothing rules, each key falling back to `base`."""
    rules = Rules(
        window=float(doc.get("window", base.window)),
        rssi_floor=float(doc.get("rssi_floor", base.rssi_floor)),
        min_reads=int(doc.get("min_reads", base.min_reads)),
    )
    if rules.window <= 0 or rules.min_reads < 1 or not -120 <= rules.rssi_floor <= 0:
        raise ConfigError(
            "rfid: window must be > 0 s, min_reads >= 1, rssi_floor between -120 and 0 dBm"
        )
    return rules


def _zones(door: str, doc: Any) -> Zones | None:
    """A door portal's antennas in zones: outer (dock side) and inner (warehouse side)."""
    if doc is None:
        return None
    where = f"rfid.doors.{door}.zones"
    if not isinstance(doc, dict) or set(doc) != {"outer", "inner"}:
        raise ConfigError(f"{where}: give outer and inner, each a list of antenna ports")
    ports: dict[str, frozenset[int]] = {}
    for side in ("outer", "inner"):
        values = doc[side]
        if (
            not isinstance(values, list)
            or not values
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 32 for v in values
            )
        ):
            raise ConfigError(f"{where}.{side}: a list of antenna ports (whole numbers 1 to 32)")
        ports[side] = frozenset(values)
    if ports["outer"] & ports["inner"]:
        raise ConfigError(f"{where}: antenna {min(ports['outer'] & ports['inner'])} in both zones")
    return Zones(ports["outer"], ports["inner"])


# A zoned door's direction settings (gateway.domain.direction.Rules): (least, most, whole).
TUNING: dict[str, tuple[float, float, bool]] = {
    "span": (0.05, 5.0, False),  # seconds an antenna's messages count in its level
    "depth": (2, 20, True),  # its last messages its level is taken over
    "drop": (2.0, 30.0, False),  # dB a zone rises to its peak and falls under it
    "min_gap": (0.0, 5.0, False),  # seconds between the zones' peaks
    "linger": (5.0, 600.0, False),  # seconds of a presence that count
}


def _tuning(door: str, doc: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    """A zoned door's own direction settings, each within its bounds."""
    given = {key: doc[key] for key in TUNING if key in doc}
    if given and "zones" not in doc:
        raise ConfigError(f"rfid.doors.{door}: {', '.join(given)} only for a door with zones")
    out = []
    for key, value in given.items():
        least, most, whole = TUNING[key]
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or (whole and not isinstance(value, int)) or not least <= value <= most:
            raise ConfigError(f"rfid.doors.{door}.{key}: a number from {least} to {most}")
        out.append((key, int(value) if whole else float(value)))
    return tuple(out)


def load_config(path: Path) -> GatewayConfig:
    return load_toml(path, parse_config)
