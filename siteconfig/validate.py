"""Every problem in a site description at once, each with its path, line and a plain reason.

Two passes over the same document, both always run: the published JSON Schema (shapes,
types, ranges) and the rules no schema can say (a device at a door the site does not have,
two devices on one serial port, two RFID readers at one door that disagree ...).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from kernel import depot_time
from siteconfig.kinds import KINDS, DeviceKind, groups
from siteconfig.profiles import merged, profiles
from siteconfig.schema import schema
from siteconfig.yamlfile import Document, Path, Problem, dotted

__all__ = ["problems", "schema", "site_rules"]

_PATTERNS = {
    "name": "must be 1-64 letters, digits, '_', '.' or '-' (it becomes one MQTT topic level)",
    "host": "is not a host name or address",
    "abspath": "must be an absolute path (starting with /)",
    "bytes": 'must be bytes in hex, e.g. "07" or "1b 42 07"',
}
_TYPES = {
    "object": "a mapping (key: value lines)",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


def problems(doc: Document) -> list[Problem]:
    """All problems of a loaded document, in the order of the file."""
    found = list(doc.problems)
    if doc.data is None and found:
        return found
    validator = Draft202012Validator(schema())
    found += [_schema_problem(e, doc, validator.schema) for e in validator.iter_errors(doc.data)]
    if isinstance(doc.data, dict):
        found += [Problem(p.path, p.message, doc.line(p.path)) for p in site_rules(doc.data)]
    unique = {(p.path, p.message): p for p in found}
    return sorted(unique.values(), key=lambda p: (p.line or 0, str(p.path)))


# -- the schema's verdicts in plain words --------------------------------------------------


def _schema_problem(error: ValidationError, doc: Document, whole: dict[str, Any]) -> Problem:
    path: Path = tuple(error.absolute_path)
    message = _plain(error, whole)
    if error.validator == "required":
        missing = str(error.message).split("'")[1]
        path = (*path, missing)
    elif error.validator == "additionalProperties":
        known = ", ".join(sorted(error.schema.get("properties", {})))
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        path = (*path, extra[0]) if len(extra) == 1 else path
        message = f"unknown key {', '.join(map(repr, extra))}; known here: {known}"
    return Problem(path, message, doc.line(path))


def _plain(error: ValidationError, whole: dict[str, Any]) -> str:
    kind, value, schema_ = error.validator, error.validator_value, error.schema
    if kind == "enum" and _is_device_kind(tuple(error.absolute_path)):
        return f"{error.instance!r} is not a kind of device; the kinds are: {', '.join(KINDS)}"
    if kind == "required":
        return "is required here"
    if kind == "type":
        return f"must be {_TYPES.get(str(value), value)}, not {error.instance!r}"
    if kind == "enum":
        return f"{error.instance!r} is not one of: {', '.join(map(str, value))}"
    if kind == "const":
        return f"must be {value!r}"
    if kind == "pattern":
        ref = next((k for k, v in whole["$defs"].items() if v.get("pattern") == value), None)
        if ref in _PATTERNS:
            return f"{error.instance!r} {_PATTERNS[ref]}"
        if value.startswith("^https?"):
            return f"{error.instance!r} must be an http:// or https:// address"
        return f"{error.instance!r} does not have the expected form"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low = schema_.get("minimum", schema_.get("exclusiveMinimum"))
        high = schema_.get("maximum", schema_.get("exclusiveMaximum"))
        if low is not None and high is not None:
            above = "above" if "exclusiveMinimum" in schema_ else "from"
            return f"{error.instance} is out of range: {above} {low} to {high}"
        return f"{error.instance} must be {'at least' if low is not None else 'at most'} " + str(
            low if low is not None else high
        )
    if kind == "minItems":
        return f"needs at least {value} {'entry' if value == 1 else 'entries'}"
    if kind == "maxItems":
        return f"takes at most {value} entries"
    if kind == "uniqueItems":
        return "has the same value twice"
    if kind == "minLength":
        return "must not be empty"
    if kind == "maxLength":
        return f"is longer than {value} characters"
    return str(error.message)


def _is_device_kind(path: Path) -> bool:
    return len(path) == 5 and path[0] == "stations" and path[2] == "devices" and path[4] == "kind"


# -- rules beyond the schema ---------------------------------------------------------------


def site_rules(site: dict[str, Any]) -> Iterator[Problem]:
    """The rules of a site that a schema cannot state. Tolerates a document the schema
    refuses: what is missing or mistyped here is the schema's to report."""
    doors = _ids(site, "doors")
    zones = _ids(site, "zones")
    yield from _duplicates(site, "doors")
    yield from _duplicates(site, "zones")
    yield from _duplicates(site, "stations")
    devices = list(_devices(site))
    seen: dict[str, Path] = {}
    site_id = _get(site, "site", "id")
    for path, device in devices:
        device_id = device.get("id")
        if not isinstance(device_id, str):
            continue
        if device_id in seen:
            yield Problem(
                (*path, "id"),
                f"device {device_id!r} appears twice (also at {_at(seen[device_id])})",
            )
        elif device_id == f"gateway-{site_id}":
            yield Problem((*path, "id"), f"{device_id!r} is the gateway's own broker user")
        seen.setdefault(device_id, path)
        yield from _device_rules(path, device, doors, zones)
    yield from _shared_ports(site)
    yield from _doors_agree(devices)
    yield from _printers(site, doors, devices)
    yield from _site_ports(site)
    yield from _timezone(site)


def _encoder(
    path: Path, printer: dict[str, Any], devices: list[tuple[Path, dict[str, Any]]]
) -> Iterator[Problem]:
    """A printer's encoder: an LLRP reader at the printer's door, for a printer that has no
    encoder of its own."""
    encoder = printer["encoder"]
    found = next((d for _, d in devices if d.get("id") == encoder), None)
    at = (*path, "encoder")
    if found is None:
        yield Problem(at, f"no device {encoder!r} among the stations' devices")
    elif found.get("kind") != "rfid_reader" or _get(found, "connection", "protocol") != "llrp":
        yield Problem(at, f"device {encoder!r} is not an RFID reader on LLRP")
    elif "door" not in printer or found.get("door") != printer.get("door"):
        yield Problem(at, f"device {encoder!r} is not at the printer's door")
    if printer.get("rfid"):
        yield Problem(at, "a printer with an encoder of its own (rfid) needs no reader's")


def _timezone(site: dict[str, Any]) -> Iterator[Problem]:
    """The zone the gateway counts the depot's date in must be one this machine knows, as
    the gateway refuses to start on an unknown one."""
    name = _get(site, "site", "timezone")
    if isinstance(name, str) and name:
        try:
            depot_time.zone_named(name)
        except depot_time.UnknownZone:
            yield Problem(
                ("site", "timezone"),
                f"{name!r} is not a time zone (an IANA name such as {depot_time.DEFAULT})",
            )


def _device_rules(
    path: Path, device: dict[str, Any], doors: set[str], zones: set[str]
) -> Iterator[Problem]:
    kind = device.get("kind")
    door, zone = device.get("door"), device.get("zone")
    if isinstance(door, str) and door not in doors:
        yield Problem(
            (*path, "door"),
            f"door {door!r} is not among the site's doors ({', '.join(sorted(doors)) or 'none'})",
        )
    if isinstance(zone, str) and zone not in zones:
        yield Problem(
            (*path, "zone"),
            f"zone {zone!r} is not among the site's zones ({', '.join(sorted(zones)) or 'none'})",
        )
    name = device.get("profile")
    profile = profiles().get(str(name)) if name is not None else None
    if name is not None and profile is None:
        yield Problem(
            (*path, "profile"), f"no profile {name!r}; known: {', '.join(sorted(profiles()))}"
        )
    elif profile is not None and kind is not None and profile["kind"] != kind:
        yield Problem((*path, "profile"), f"{name!r} is a {profile['kind']}, not a {kind}")
    declared = KINDS.get(kind) if isinstance(kind, str) else None
    if declared is not None:  # an unknown kind is the schema's to report
        yield from _kind_rules(path, device, declared, profile)


def _kind_rules(
    path: Path, device: dict[str, Any], kind: DeviceKind, profile: dict[str, Any] | None
) -> Iterator[Problem]:
    """The settings and connection keys of other kinds (keys of no kind at all are the
    schema's to report), and the kind's own rules."""
    for group in groups():
        for key in group.keys:
            if key in device and not kind.takes(key):
                yield Problem((*path, key), f"is a setting of {group.who} only")
    own = device.get("connection")
    for key in own if isinstance(own, dict) else ():
        if key not in kind.connection and any(key in k.connection for k in KINDS.values()):
            yield Problem(
                (*path, "connection", key),
                f"is not a connection key of a {device['kind']} "
                f"(it takes {', '.join(kind.connection)})",
            )
    full = merged(device)
    for rule in kind.rules:
        yield from rule(path, full, profile)


def _shared_ports(site: dict[str, Any]) -> Iterator[Problem]:
    """Two devices cannot share a serial port on one station, nor an LLRP reader's address."""
    llrp: dict[tuple[str, int], Path] = {}
    for s_index, station in enumerate(_list(site, "stations")):
        serial: dict[str, Path] = {}
        for d_index, device in enumerate(_list(station, "devices")):
            path: Path = ("stations", s_index, "devices", d_index)
            connection = _mapping(merged(device).get("connection"))
            port = connection.get("port")
            if isinstance(port, str) and connection.get("protocol") != "llrp":
                if port in serial:
                    yield Problem(
                        (*path, "connection", "port"),
                        f"serial port {port} is already "
                        f"used by {_at(serial[port])} on this station",
                    )
                serial.setdefault(port, path)
            host = connection.get("host")
            if isinstance(host, str) and connection.get("protocol") == "llrp":
                tcp = connection.get("tcp_port", 5084)
                key = (host, tcp if isinstance(tcp, int) else 5084)
                if key in llrp:
                    yield Problem(
                        (*path, "connection", "host"),
                        f"reader {host}:{key[1]} is already used by {_at(llrp[key])}",
                    )
                llrp.setdefault(key, path)


def _doors_agree(devices: list[tuple[Path, dict[str, Any]]]) -> Iterator[Problem]:
    """The gateway smooths RFID per door: readers at one door must want the same rules."""
    first: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path, device in devices:
        kind = KINDS.get(str(device.get("kind")))
        if kind is None or not kind.smoothed or not isinstance(device.get("door"), str):
            continue
        full = merged(device)
        rules = {k: full.get(k) for k in ("rssi_floor", "window", "min_reads", "zones")}
        door = device["door"]
        if door not in first:
            first[door] = (path, rules)
            continue
        other_path, other = first[door]
        for key, value in rules.items():
            if value != other[key]:
                yield Problem(
                    (*path, key),
                    f"door {door} smooths RFID once for all its readers: "
                    f"{value} here, {other[key]} at {_at(other_path)}",
                )
        if rules["zones"] and path[:2] != other_path[:2]:
            yield Problem(
                (*path, "zones"),
                f"door {door} tells in from out by the order of its readers' reads, timed by "
                f"their station's clock: its readers belong on one station, as {_at(other_path)}",
            )


def _site_ports(site: dict[str, Any]) -> Iterator[Problem]:
    broker, gateway = site.get("broker"), site.get("gateway")
    if not isinstance(broker, dict) or not isinstance(gateway, dict):
        return
    tls, local = broker.get("tls_port", 8883), broker.get("local_port", 1883)
    if tls == local:
        yield Problem(("broker", "local_port"), f"port {local} is also the TLS port")
    if gateway.get("host") == broker.get("host") and gateway.get("http_port", 8081) in (tls, local):
        yield Problem(("gateway", "http_port"), "is one of the broker's ports on the same host")
    alarm, refuse = gateway.get("disk_alarm_mb", 2048), gateway.get("disk_refuse_mb", 200)
    if isinstance(alarm, int) and isinstance(refuse, int) and refuse >= alarm:
        yield Problem(
            ("gateway", "disk_refuse_mb"),
            f"must be below disk_alarm_mb ({alarm}): the alarm comes long before reads are refused",
        )


# -- helpers -------------------------------------------------------------------------------


def _mapping(value: Any) -> dict[str, Any]:
    """A mapping the schema pass checks; anything else reads as empty here."""
    return value if isinstance(value, dict) else {}


def _list(doc: Any, key: str) -> list[Any]:
    value = doc.get(key) if isinstance(doc, dict) else None
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _get(doc: Any, *keys: str) -> Any:
    for key in keys:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc


def _ids(site: dict[str, Any], key: str) -> set[str]:
    return {str(item["id"]) for item in _list(site, key) if "id" in item}


def _duplicates(site: dict[str, Any], key: str) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    items = site.get(key)
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] in seen:
                yield Problem(
                    (key, index, "id"),
                    f"{item['id']!r} appears twice (also {key}[{seen[item['id']]}])",
                )
            seen.setdefault(item["id"], index)


def _devices(site: dict[str, Any]) -> Iterator[tuple[Path, dict[str, Any]]]:
    stations = site.get("stations")
    for s_index, station in enumerate(stations if isinstance(stations, list) else []):
        devices = station.get("devices") if isinstance(station, dict) else None
        for d_index, device in enumerate(devices if isinstance(devices, list) else []):
            if isinstance(device, dict):
                yield ("stations", s_index, "devices", d_index), device


def _at(path: Path) -> str:
    return dotted(path)


def _printers(
    site: dict[str, Any], doors: set[str], devices: list[tuple[Path, dict[str, Any]]]
) -> Iterator[Problem]:
    """A printer stands at a declared door, has an id of its own, and prints under the
    depot's GS1 prefix (gateway.labels); its `encoder` is an LLRP reader at its door."""
    gateway = site.get("gateway")
    if not isinstance(gateway, dict) or not isinstance(gateway.get("printers"), list):
        return
    printers = gateway["printers"]
    seen: set[str] = set()
    for index, printer in enumerate(printers):
        path: Path = ("gateway", "printers", index)
        if not isinstance(printer, dict):
            continue
        door, name = printer.get("door"), printer.get("id")
        if isinstance(door, str) and door not in doors:
            yield Problem((*path, "door"), f"door {door!r} is not among the site's doors")
        if isinstance(name, str) and name in seen:
            yield Problem((*path, "id"), f"printer {name!r} appears twice")
        if "encoder" in printer:
            yield from _encoder(path, printer, devices)
        seen.add(str(name))
    if printers and "labels" not in gateway:
        yield Problem(("gateway", "printers"), "printers need gateway.labels (the GS1 prefix)")
