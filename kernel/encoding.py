"""Encoding an RFID tag at a station: the request and its result (part of the MQTT contract,
next to kernel/contract.py).

    wh/v1/{site}/cmd/{device}       gateway -> edge   QoS 1: an EncodeRequest ("kind": "encode")
    wh/v1/{site}/encoded/{device}   edge -> gateway   QoS 1, not retained: its EncodeOutcome

A request names the EPC to write, the moment it expires (at most MAX_TTL seconds ahead; a
request the station takes or starts after it is answered `expired`, not written) and,
optionally, the EPC the tag has now (none: the one tag in the reader's field). The station
answers each request id once with an outcome, and the same outcome again for the same id (it
does not write the tag twice). The answers to reads on
the command topic are unchanged; a station that does not know encode requests ignores them
as commands that are not answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from kernel import bounds
from kernel.contract import PREFIX, VERSION, ContractError, check_name, load_json

KIND = "encode"
MAX_REQUEST_BYTES = 1_024
MAX_EPC_HEX = 124  # 31 words, the PC word's length field
MAX_TTL = 600  # seconds: how far ahead a request may expire
_EPC = re.compile(rf"(?:[0-9A-F]{{4}}){{1,{MAX_EPC_HEX // 4}}}")

# Why an encode did not happen or is not sure: Chinese first, English beside.
REASONS: dict[str, tuple[str, str]] = {
    "bad_request": ("写标签请求无效", "the encode request is not valid"),
    "cannot_encode": ("此读写器不能写标签", "this reader cannot write tags"),
    "expired": ("写标签请求已过期,未写入", "the encode request expired; nothing written"),
    "busy": ("读写器正忙,请稍后重试", "the reader is busy; try again shortly"),
    "reader_not_ready": ("读写器未就绪", "the reader is not ready"),
    "bad_epc": ("EPC 无效", "the EPC is not valid"),
    "bad_password": ("访问密码无效", "the access password is not valid"),
    "same_epc": ("标签已是此 EPC", "the tag already has this EPC"),
    "epc_in_field": ("读写区内已有此 EPC 的标签", "a tag with this EPC is already in the field"),
    "pc_unknown": (
        "读写器未报告标签的 PC 字,不能改变 EPC 长度",
        "the reader does not report the tag's PC word; the EPC's length cannot change",
    ),
    "no_tag": ("读写区内没有该标签", "the tag is not in the reader's field"),
    "several_tags": ("读写区内有多个标签,请只放一个", "several tags in the field; leave one"),
    "memory_overrun": ("标签存储空间不足", "tag memory overrun"),
    "memory_locked": ("标签存储已锁定", "tag memory is locked"),
    "insufficient_power": ("功率不足,请靠近天线", "insufficient power; bring it closer"),
    "tag_error": ("标签写入错误(密码?)", "tag error (access password?)"),
    "no_response": ("标签无应答", "no response from the tag"),
    "reader_error": ("读写器错误", "reader error"),
    "reader_gone": ("与读写器的连接中断", "the connection to the reader was lost"),
    "reader_refused": ("读写器拒绝了写入指令", "the reader refused the write"),
    "reader_silent": ("读写器未应答", "the reader did not answer"),
    "partial_write": ("标签只写入了一部分,请重写", "the tag was partly written; encode it again"),
    "write_unconfirmed": (
        "写入结果未知,请读取标签核对",
        "not known whether the tag was written; read it to check",
    ),
    "new_epc_not_read": ("写入后未读到新 EPC", "the new EPC was not read after writing"),
    "old_epc_still_read": ("写入后仍读到旧 EPC", "the old EPC is still read after writing"),
}
DONE = ("标签已写入并核实", "tag written and verified")
OTHER = ("写标签失败", "encoding failed")


def encoded_topic(site: str, device: str) -> str:
    return f"{PREFIX}/{check_name('site', site)}/encoded/{check_name('device', device)}"


def _epc(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _EPC.fullmatch(value.upper()):
        raise ContractError(f"{field} must be 1 to 31 words (4 hex digits each) of EPC")
    return value.upper()


@dataclass(frozen=True, slots=True)
class EncodeRequest:
    id: str  # a UUID: the request's id, named by its outcome
    epc: str  # hex, upper case
    expires: str  # ISO 8601 with its offset: not to be started after it
    current: str | None = None  # the tag's EPC now; None: the one tag in the field
    password: int = 0  # the tag's access password (0: none)
    kind: str = KIND
    v: int = VERSION

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()


def is_encode_request(payload: bytes) -> bool:
    """Whether a command-topic message is meant as an encode request (valid or not)."""
    try:
        doc = load_json(payload, MAX_REQUEST_BYTES, "command")
    except ContractError:
        return False
    return isinstance(doc, dict) and doc.get("kind") == KIND


def request_id(payload: bytes) -> str | None:
    """The id of an encode request, even of one refused, to name in its outcome."""
    try:
        doc = load_json(payload, MAX_REQUEST_BYTES, "command")
        return bounds.event_id("encode.id", doc.get("id")) if isinstance(doc, dict) else None
    except (ContractError, bounds.OutOfBounds):
        return None


def _aware(field: str, value: Any) -> str:
    moment = bounds.timestamp(field, value)
    if datetime.fromisoformat(moment).tzinfo is None:
        raise bounds.OutOfBounds(f"{field} must give its offset from UTC")
    return moment


def too_late(request: EncodeRequest, now: datetime) -> str | None:
    """Why a request is not to be started at `now` (an aware moment): `expired` past its
    expiry, `bad_request` with an expiry further ahead than MAX_TTL; None when it may."""
    expires = datetime.fromisoformat(request.expires)
    if expires <= now:
        return "expired"
    if expires > now + timedelta(seconds=MAX_TTL):
        return f"bad_request: expires more than {MAX_TTL} s ahead"
    return None


def parse_encode_request(payload: bytes) -> EncodeRequest:
    doc = load_json(payload, MAX_REQUEST_BYTES, "encode request")
    if not isinstance(doc, dict) or doc.get("v") != VERSION or doc.get("kind") != KIND:
        raise ContractError("an encode request is a version 1 JSON object of kind encode")
    try:
        return EncodeRequest(
            id=bounds.event_id("encode.id", doc.get("id")),
            epc=_epc("encode.epc", doc.get("epc")),
            expires=_aware("encode.expires", doc.get("expires")),
            current=None if doc.get("current") is None else _epc("encode.current", doc["current"]),
            password=bounds.integer("encode.password", doc.get("password", 0), 0, 2**32 - 1),
        )
    except bounds.OutOfBounds as exc:
        raise ContractError(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class EncodeOutcome:
    """What became of one encode request: `written` (the tag said so; None: not known) and
    `verified` (the new EPC read back, the old one no longer); `reason` when not both."""

    re: str
    device: str
    written: bool | None
    verified: bool
    reason: str | None
    epc: str | None  # None only when the request itself was not valid
    previous: str | None
    ts: str
    text_zh: str = ""
    text_en: str = ""
    words_written: int | None = None  # as the tag reported (a partial write: fewer than asked)
    tag_epc: str | None = None  # after a partial write, the EPC the tag now probably holds
    v: int = VERSION

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":")).encode()


def outcome(
    request: EncodeRequest,
    device: str,
    ts: str,
    written: bool | None,
    verified: bool,
    reason: str | None,
    previous: str | None,
    words_written: int | None = None,
    tag_epc: str | None = None,
) -> EncodeOutcome:
    """An outcome with the operator's text for its reason."""
    reason = None if reason is None else bounds.printable(reason)  # a reader's words in it
    zh, en = DONE if written and verified else REASONS.get(_base(reason), OTHER)
    if reason and _base(reason) not in REASONS:
        en = bounds.printable(f"{en}: {reason}")
    return EncodeOutcome(
        request.id,
        device,
        written,
        verified,
        reason,
        request.epc or None,
        previous,
        ts,
        zh,
        en[:200],
        words_written,
        tag_epc,
    )


def _base(reason: str | None) -> str:
    return (reason or "").split(":", 1)[0]


def _written(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ContractError("encoded.written must be true, false or null")
    return value


def parse_encode_outcome(payload: bytes) -> EncodeOutcome:
    doc = load_json(payload, MAX_REQUEST_BYTES * 2, "encode outcome")
    if not isinstance(doc, dict) or doc.get("v") != VERSION:
        raise ContractError("an encode outcome is a version 1 JSON object")
    try:
        previous = doc.get("previous")
        reason = doc.get("reason")
        words, tag_epc = doc.get("words_written"), doc.get("tag_epc")
        return EncodeOutcome(
            re=bounds.event_id("encoded.re", doc.get("re")),
            device=check_name("device", str(doc.get("device", ""))),
            written=_written(doc.get("written")),
            verified=doc.get("verified") is True,
            reason=bounds.optional_text("encoded.reason", reason),
            epc=None if doc.get("epc") is None else _epc("encoded.epc", doc["epc"]),
            previous=None if previous is None else _epc("encoded.previous", previous),
            ts=bounds.timestamp("encoded.ts", doc.get("ts")),
            text_zh=bounds.text("encoded.text_zh", doc.get("text_zh", "")),
            text_en=bounds.text("encoded.text_en", doc.get("text_en", "")),
            words_written=None if words is None else bounds.integer("encoded.words", words, 0, 33),
            tag_epc=None if tag_epc is None else _epc("encoded.tag_epc", tag_epc),
        )
    except bounds.OutOfBounds as exc:
        raise ContractError(str(exc)) from exc
