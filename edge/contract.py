"""The MQTT contract between stations, the gateway and everyone listening (design section 5).

Topics and messages are small value objects with validation; nothing here does IO, so the
gateway and the tests use the same definitions as the stations.

    wh/v1/{site}/scan/{device}     edge -> gateway   QoS 1, not retained
    wh/v1/{site}/status/{device}   edge -> all       QoS 1, retained, last will offline
    wh/v1/{site}/cmd/{device}      gateway -> edge   QoS 1: the answer to each read
    wh/v1/{site}/gateway/status    gateway -> all    QoS 1, retained, last will offline
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

VERSION = 1
PREFIX = "wh/v1"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

Source = Literal["serial", "camera", "rfid", "keyboard"]
Result = Literal["ok", "refused", "duplicate"]
Beep = Literal["ok", "warn", "error"]
SOURCES: tuple[str, ...] = ("serial", "camera", "rfid", "keyboard")
RESULTS: tuple[str, ...] = ("ok", "refused", "duplicate")
BEEPS: tuple[str, ...] = ("ok", "warn", "error")


class ContractError(ValueError):
    """A topic or message that does not follow the contract."""


def check_name(kind: str, value: str) -> str:
    """A site or device name usable as one topic level (no wildcards, no slashes)."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ContractError(f"{kind} {value!r} must be 1-64 letters, digits, '_', '.' or '-'")
    return value


def scan_topic(site: str, device: str) -> str:
    return f"{PREFIX}/{check_name('site', site)}/scan/{check_name('device', device)}"


def status_topic(site: str, device: str) -> str:
    return f"{PREFIX}/{check_name('site', site)}/status/{check_name('device', device)}"


def cmd_topic(site: str, device: str) -> str:
    return f"{PREFIX}/{check_name('site', site)}/cmd/{check_name('device', device)}"


def gateway_status_topic(site: str) -> str:
    return f"{PREFIX}/{check_name('site', site)}/gateway/status"


def scan_subscription(site: str) -> str:
    """What the gateway subscribes to: every device's reads at its site."""
    return f"{PREFIX}/{check_name('site', site)}/scan/+"


@dataclass(frozen=True, slots=True)
class TopicParts:
    site: str
    kind: str
    device: str | None


def parse_topic(topic: str) -> TopicParts:
    parts = topic.split("/")
    if len(parts) == 5 and "/".join(parts[:2]) == PREFIX and parts[3] in ("scan", "status", "cmd"):
        return TopicParts(check_name("site", parts[2]), parts[3], check_name("device", parts[4]))
    if len(parts) == 5 and "/".join(parts[:2]) == PREFIX and parts[3:] == ["gateway", "status"]:
        return TopicParts(check_name("site", parts[2]), "gateway_status", None)
    raise ContractError(f"topic {topic!r} is not one of the wh/v1 topics")


@dataclass(frozen=True, slots=True)
class ScanData:
    """What was read, in GS1 terms. `kind` says which fields mean something."""

    kind: str = "unknown"  # gs1 | epc | location | badge | command | unknown
    gtin: str | None = None
    batch: str | None = None
    prod_date: str | None = None
    expiry: str | None = None
    serial: str | None = None
    sscc: str | None = None
    qty: int | None = None
    epc_uri: str | None = None
    location: str | None = None
    badge: str | None = None  # an operator's badge (kind "badge")
    command: str | None = None  # a task card or command label (kind "command"): "PICK:101"


@dataclass(frozen=True, slots=True)
class RfidInfo:
    antenna: int | None = None
    rssi: float | None = None
    reads: int = 1
    first_seen: str | None = None
    last_seen: str | None = None


@dataclass(frozen=True, slots=True)
class ScanMessage:
    event_id: str
    site: str
    device: str
    seq: int
    ts: str
    source: str
    raw: bytes
    valid: bool
    data: ScanData = field(default_factory=ScanData)
    door: str | None = None
    symbology: str | None = None
    error: str | None = None
    rfid: RfidInfo | None = None
    v: int = VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": self.v,
            "event_id": self.event_id,
            "site": self.site,
            "device": self.device,
            "door": self.door,
            "seq": self.seq,
            "ts": self.ts,
            "source": self.source,
            "symbology": self.symbology,
            "raw_b64": base64.b64encode(self.raw).decode("ascii"),
            "valid": self.valid,
            "error": self.error,
            "data": asdict(self.data),
            "rfid": asdict(self.rfid) if self.rfid else None,
        }

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()


def _require(doc: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ContractError(f"field {key!r} missing or of the wrong type")
    return value


def _is_version(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == VERSION


_TEXT = (str, type(None))
_INT = (int, type(None))
_DATA_TYPES: dict[str, tuple[type, ...]] = {
    "kind": (str,),
    "gtin": _TEXT,
    "batch": _TEXT,
    "prod_date": _TEXT,
    "expiry": _TEXT,
    "serial": _TEXT,
    "sscc": _TEXT,
    "qty": _INT,
    "epc_uri": _TEXT,
    "location": _TEXT,
    "badge": _TEXT,
    "command": _TEXT,
}
_RFID_TYPES: dict[str, tuple[type, ...]] = {
    "antenna": _INT,
    "rssi": (int, float, type(None)),
    "reads": (int,),
    "first_seen": _TEXT,
    "last_seen": _TEXT,
}


def _check_types(obj: Any, types: dict[str, tuple[type, ...]], where: str) -> None:
    for name, allowed in types.items():
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise ContractError(f"{where}.{name} has the wrong type ({type(value).__name__})")


def parse_scan(payload: bytes) -> ScanMessage:
    """Decode and validate a scan message; ContractError says what is wrong."""
    try:
        doc = json.loads(payload.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8, bad JSON, absurd nesting or digits
        raise ContractError(f"scan message is not UTF-8 JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ContractError("scan message must be a JSON object")
    if not _is_version(doc.get("v")):
        raise ContractError(f"unsupported scan message version {doc.get('v')!r}")
    source = _require(doc, "source", str)
    if source not in SOURCES:
        raise ContractError(f"unknown source {source!r}")
    try:
        raw = base64.b64decode(_require(doc, "raw_b64", str), validate=True)
    except ValueError as exc:
        raise ContractError("raw_b64 is not base64") from exc
    data_doc = doc.get("data") or {}
    rfid_doc = doc.get("rfid")
    if not isinstance(data_doc, dict) or not (rfid_doc is None or isinstance(rfid_doc, dict)):
        raise ContractError("data and rfid must be JSON objects")
    try:
        data = ScanData(**data_doc)
        rfid = RfidInfo(**rfid_doc) if rfid_doc else None
    except TypeError as exc:
        raise ContractError(f"unexpected field in data or rfid: {exc}") from exc
    _check_types(data, _DATA_TYPES, "data")
    if rfid is not None:
        _check_types(rfid, _RFID_TYPES, "rfid")
    for key in ("door", "symbology", "error"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise ContractError(f"field {key!r} must be text or null")
    return ScanMessage(
        event_id=_require(doc, "event_id", str),
        site=check_name("site", _require(doc, "site", str)),
        device=check_name("device", _require(doc, "device", str)),
        seq=_require(doc, "seq", int),
        ts=_require(doc, "ts", str),
        source=source,
        raw=raw,
        valid=_require(doc, "valid", bool),
        data=data,
        door=doc.get("door"),
        symbology=doc.get("symbology"),
        error=doc.get("error"),
        rfid=rfid,
    )


@dataclass(frozen=True, slots=True)
class Answer:
    """The gateway's answer to one read, on the device's command topic."""

    re: str
    result: str
    text_zh: str
    text_en: str
    beep: str
    task: dict[str, Any] | None = None
    v: int = VERSION

    def __post_init__(self) -> None:
        if self.result not in RESULTS:
            raise ContractError(f"unknown result {self.result!r}")
        if self.beep not in BEEPS:
            raise ContractError(f"unknown beep {self.beep!r}")

    def to_json(self) -> bytes:
        doc = {
            "re": self.re,
            "result": self.result,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "beep": self.beep,
            "task": self.task,
            "v": self.v,
        }
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def parse_answer(payload: bytes) -> Answer:
    try:
        doc = json.loads(payload.decode("utf-8"))
        if not isinstance(doc, dict) or not _is_version(doc.get("v")):
            raise ContractError("answer must be a version 1 JSON object")
        return Answer(
            re=str(doc["re"]),
            result=str(doc["result"]),
            text_zh=str(doc.get("text_zh") or ""),
            text_en=str(doc.get("text_en") or ""),
            beep=str(doc.get("beep", "ok")),
            task=doc.get("task") if isinstance(doc.get("task"), dict) else None,
        )
    except (ValueError, RecursionError, KeyError) as exc:
        raise ContractError(f"answer is not valid: {exc}") from exc


def status_payload(state: str, **extra: Any) -> bytes:
    return json.dumps({"v": VERSION, "state": state, **extra}, ensure_ascii=False).encode()
