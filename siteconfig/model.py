"""A validated site description as values: profiles applied, defaults filled in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from siteconfig.kinds import KINDS
from siteconfig.profiles import merged, profiles


@dataclass(frozen=True, slots=True)
class Install:
    config_dir: str = "/etc/depot"
    state_dir: str = "/var/lib/depot"
    broker_dir: str = "/etc/mosquitto/depot"
    broker_state_dir: str = "/var/lib/mosquitto"
    program: str = "/opt/depot-floor/.venv/bin/depot"
    user: str = "depot"


@dataclass(frozen=True, slots=True)
class Broker:
    host: str
    tls_port: int = 8883
    local_port: int = 1883
    hostnames: tuple[str, ...] = ()
    user: str = "mosquitto"
    keepalive: int = 20


@dataclass(frozen=True, slots=True)
class Smoothing:
    window: float = 2.0
    rssi_floor: float = -70.0
    min_reads: int = 2
    zones: dict[str, list[int]] | None = None  # a door's portal: outer and inner antennas


@dataclass(frozen=True, slots=True)
class Gateway:
    host: str
    http_port: int = 8081
    hostnames: tuple[str, ...] = ()
    disk_alarm_mb: int = 2048
    disk_refuse_mb: int = 200
    rfid: Smoothing = Smoothing()
    labels: dict[str, Any] | None = None  # company_prefix, extension (the schema's)
    printers: tuple[dict[str, Any], ...] = ()  # as the site gives them (the schema's keys)


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    kind: str  # one of siteconfig/kinds.py's KINDS
    station: str
    door: str | None
    zone: str | None
    profile: str | None
    settings: dict[str, Any]  # the device's own settings over its profile's

    @property
    def connection(self) -> dict[str, Any]:
        return dict(self.settings.get("connection", {}))

    def about(self, key: str) -> Any:
        """What the device's profile says about the model (description, setup_zh ...)."""
        return profiles().get(self.profile or "", {}).get(key)


@dataclass(frozen=True, slots=True)
class Station:
    id: str
    host: str | None
    devices: tuple[Device, ...]


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name_zh: str
    name_en: str
    server_url: str
    sync_interval: float
    batch_size: int
    broker: Broker
    gateway: Gateway
    install: Install
    doors: tuple[Place, ...]
    zones: tuple[Place, ...]
    stations: tuple[Station, ...]
    timezone: str | None = None  # the depots' zone, when the site names one (kernel.depot_time)

    @property
    def gateway_user(self) -> str:
        return f"gateway-{self.id}"

    def devices(self) -> tuple[Device, ...]:
        return tuple(d for s in self.stations for d in s.devices)

    def device(self, device_id: str) -> Device:
        for device in self.devices():
            if device.id == device_id:
                return device
        raise KeyError(device_id)

    def station_of(self, device: Device) -> Station:
        return next(s for s in self.stations if s.id == device.station)


def site_from(doc: dict[str, Any]) -> Site:
    """The site of a document that `validate.problems` found nothing wrong with."""
    site, server, broker, gateway = doc["site"], doc["server"], doc["broker"], doc["gateway"]
    return Site(
        id=site["id"],
        name_zh=site["name_zh"],
        name_en=site.get("name_en", ""),
        timezone=site.get("timezone"),
        server_url=str(server["url"]).rstrip("/"),
        sync_interval=float(server.get("sync_interval", 30)),
        batch_size=int(server.get("batch_size", 200)),
        broker=Broker(
            host=broker["host"],
            tls_port=int(broker.get("tls_port", 8883)),
            local_port=int(broker.get("local_port", 1883)),
            hostnames=tuple(broker.get("hostnames", ())),
            user=broker.get("user", "mosquitto"),
            keepalive=int(broker.get("keepalive", 20)),
        ),
        gateway=Gateway(
            host=gateway["host"],
            http_port=int(gateway.get("http_port", 8081)),
            hostnames=tuple(gateway.get("hostnames", ())),
            disk_alarm_mb=int(gateway.get("disk_alarm_mb", 2048)),
            disk_refuse_mb=int(gateway.get("disk_refuse_mb", 200)),
            rfid=_smoothing(gateway.get("rfid", {}), Smoothing()),
            labels=dict(gateway["labels"]) if "labels" in gateway else None,
            printers=tuple(dict(p) for p in gateway.get("printers", ())),
        ),
        install=Install(**doc.get("install", {})),
        doors=tuple(_place(d) for d in doc["doors"]),
        zones=tuple(_place(z) for z in doc.get("zones", ())),
        stations=tuple(
            Station(
                id=s["id"],
                host=s.get("host"),
                devices=tuple(_device(d, s["id"]) for d in s["devices"]),
            )
            for s in doc["stations"]
        ),
    )


def _smoothing(doc: dict[str, Any], base: Smoothing) -> Smoothing:
    return Smoothing(
        window=float(doc.get("window", base.window)),
        rssi_floor=float(doc.get("rssi_floor", base.rssi_floor)),
        min_reads=int(doc.get("min_reads", base.min_reads)),
    )


def _place(doc: dict[str, Any]) -> Place:
    return Place(doc["id"], doc.get("name_zh", doc["id"]), doc.get("name_en", doc["id"]))


def _device(doc: dict[str, Any], station: str) -> Device:
    return Device(
        id=doc["id"],
        kind=doc["kind"],
        station=station,
        door=doc.get("door"),
        zone=doc.get("zone"),
        profile=doc.get("profile"),
        settings=merged(doc),
    )


def door_smoothing(site: Site) -> dict[str, Smoothing]:
    """Each door with an RFID reader (a kind whose reads are smoothed per door): its readers'
    smoothing over the gateway's default, and their antennas' zones (a portal that tells in
    from out)."""
    doors: dict[str, Smoothing] = {}
    for device in site.devices():
        if KINDS[device.kind].smoothed and device.door and device.door not in doors:
            zones = device.settings.get("zones")
            smoothing = _smoothing(device.settings, site.gateway.rfid)
            doors[device.door] = replace(smoothing, zones=dict(zones) if zones else None)
    return doors
