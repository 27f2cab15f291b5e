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
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from kernel import bounds
from kernel.sighting import FIELDS, rfid_info
from kernel.sighting import RfidInfo as RfidInfo  # carried as a message's `rfid`

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
    if (
        len(parts) == 5
        and "/".join(parts[:2]) == PREFIX
        and parts[3] in ("scan", "status", "cmd", "encoded")
    ):
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
            "rfid": self.rfid.to_dict() if self.rfid else None,
        }

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()


def _is_version(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == VERSION


MAX_MESSAGE_BYTES = 16_384  # a scan message: a 4,096-byte frame as base64 and its fields
MAX_RAW_BYTES = 8_192
MAX_STATUS_BYTES = 4_096
MAX_STATUS_FIELDS = 32
MAX_NESTING = 64  # arrays and objects in one message (a scan message has three)


def load_json(payload: bytes, limit: int, what: str) -> Any:
    """A JSON document of at most `limit` bytes; ContractError for anything else (bad UTF-8,
    bad JSON, absurd nesting or digits). Never raises anything but ContractError."""
    if len(payload) > limit:
        raise ContractError(f"{what} is larger than {limit} bytes")
    if payload.count(b"[") + payload.count(b"{") > MAX_NESTING:
        raise ContractError(f"{what} has more than {MAX_NESTING} arrays or objects")
    try:
        return json.loads(payload.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise ContractError(f"{what} is not UTF-8 JSON: {exc}") from exc


def _field(check: Callable[..., Any], name: str, *args: Any) -> Any:
    try:
        return check(name, *args)
    except bounds.OutOfBounds as exc:
        raise ContractError(str(exc)) from exc


def _optional_name(kind: str, value: Any) -> str | None:
    return None if value is None else check_name(kind, value)


# data's text fields and their longest value (GS1: batch and serial 20, location 30 + ext)
_DATA_TEXT = {
    "gtin": 14, "batch": 20, "serial": 20, "sscc": 18, "epc_uri": 128, "location": 64,
    "badge": 64, "command": 128,
}  # fmt: skip
_DATA_KINDS = ("gs1", "epc", "location", "badge", "command", "unknown")


def _object(doc: Any, key: str, allowed: Iterable[str]) -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ContractError(f"{key} must be a JSON object")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ContractError(f"unexpected field in {key}: {', '.join(map(str, unknown))[:80]}")
    return value


def _data(doc: dict[str, Any]) -> ScanData:
    d = _object(doc, "data", {"kind", "prod_date", "expiry", "qty", *_DATA_TEXT})
    kind = d.get("kind", "unknown")
    if kind not in _DATA_KINDS:
        raise ContractError(f"data.kind must be one of {', '.join(_DATA_KINDS)}")
    texts = {
        k: _field(bounds.optional_text, f"data.{k}", d.get(k), n) for k, n in _DATA_TEXT.items()
    }
    dates = {
        k: None if d.get(k) is None else _field(bounds.iso_date, f"data.{k}", d[k])
        for k in ("prod_date", "expiry")
    }
    qty = None if d.get("qty") is None else _field(bounds.quantity, "data.qty", d["qty"])
    return ScanData(kind=kind, qty=qty, **texts, **dates)


def _rfid(doc: dict[str, Any]) -> RfidInfo | None:
    if doc.get("rfid") is None:
        return None
    info: RfidInfo = _field(rfid_info, "rfid", _object(doc, "rfid", FIELDS), doc.get("ts"))
    return info


def parse_scan(payload: bytes) -> ScanMessage:
    """Decode a scan message and check every field against its bounds (kernel.bounds);
    ContractError says which field is wrong and why."""
    doc = load_json(payload, MAX_MESSAGE_BYTES, "scan message")
    if not isinstance(doc, dict):
        raise ContractError("scan message must be a JSON object")
    if not _is_version(doc.get("v")):
        raise ContractError(f"unsupported scan message version {str(doc.get('v'))[:20]!r}")
    source = doc.get("source")
    if source not in SOURCES:
        shown = str(source)[:20]
        raise ContractError(f"unknown source {shown!r}: one of {', '.join(SOURCES)}")
    raw_b64 = _field(bounds.text, "raw_b64", doc.get("raw_b64"), MAX_RAW_BYTES * 4 // 3 + 4)
    try:
        raw = base64.b64decode(raw_b64, validate=True)
    except ValueError as exc:
        raise ContractError("raw_b64 is not base64") from exc
    valid = doc.get("valid")
    if not isinstance(valid, bool):
        raise ContractError("valid must be true or false")
    site = doc.get("site")
    device = doc.get("device")
    if not isinstance(site, str) or not isinstance(device, str):
        raise ContractError("site and device must be text")
    return ScanMessage(
        event_id=_field(bounds.event_id, "event_id", doc.get("event_id")),
        site=check_name("site", site),
        device=check_name("device", device),
        seq=_field(bounds.integer, "seq", doc.get("seq")),
        ts=_field(bounds.timestamp, "ts", doc.get("ts")),
        source=str(source),
        raw=raw,
        valid=valid,
        data=_data(doc),
        door=_optional_name("door", doc.get("door")),
        symbology=_field(bounds.optional_text, "symbology", doc.get("symbology"), 8),
        error=_field(bounds.optional_text, "error", doc.get("error"), 64),
        rfid=_rfid(doc),
    )


def scan_event_id(payload: bytes) -> str | None:
    """The read a broken scan message names, if it names one well enough to be answered
    (so that its station stops resending it); None otherwise. Never raises."""
    try:
        doc = load_json(payload, MAX_MESSAGE_BYTES, "scan message")
    except ContractError:
        return None
    if not isinstance(doc, dict):
        return None
    try:
        return bounds.event_id("event_id", doc.get("event_id"))
    except bounds.OutOfBounds:
        return None


def parse_status(payload: bytes) -> dict[str, Any]:
    """A station's status message as the gateway keeps it: a JSON object of at most
    MAX_STATUS_FIELDS fields, each a clean short text, a finite number, a boolean, null or a
    short list of those; `state` and `door` checked. ContractError for anything else."""
    doc = load_json(payload or b"{}", MAX_STATUS_BYTES, "status message")
    if not isinstance(doc, dict) or len(doc) > MAX_STATUS_FIELDS:
        raise ContractError(f"status must be a JSON object of at most {MAX_STATUS_FIELDS} fields")
    for key, value in doc.items():
        _field(bounds.text, "status field name", key, 32)
        values = value if isinstance(value, list) and len(value) <= 32 else [value]
        for one in values:
            if isinstance(one, str):
                _field(bounds.text, f"status.{key}", one, 200)
            elif isinstance(one, float) and not math.isfinite(one):
                raise ContractError(f"status.{key} is not a finite number")
            elif isinstance(one, int) and not isinstance(one, bool):
                _field(bounds.integer, f"status.{key}", one, -bounds.INT64_MAX, bounds.INT64_MAX)
            elif not (one is None or isinstance(one, bool | float)):
                raise ContractError(f"status.{key} must be text, a number, a boolean or a list")
    state = doc.get("state", "unknown")
    if state not in ("online", "offline", "unknown"):
        raise ContractError("status.state must be online or offline")
    _optional_name("door", doc.get("door"))
    return doc


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
    doc = load_json(payload, MAX_MESSAGE_BYTES, "answer")
    try:
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
