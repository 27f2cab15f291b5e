"""AccessSpecs and tag memory for the LLRP reader simulator (LLRP 1.0.1 sections 12 and 16).

The simulated field holds tags with an EPC bank (word 0 StoredCRC, word 1 PC, words 2.. the
EPC) and an access password. An enabled AccessSpec whose C1G2TargetTag matches a tag in the
field runs its C1G2Write / C1G2BlockWrite on that tag during inventory, and the tag report
carries the AccessSpecID and the C1G2WriteOpSpecResult. Everything parsed here is capped and
checked: a bad AccessSpec is refused with a status, never hangs the reader.

Wire layouts (all big-endian):
    AccessSpec 207: AccessSpecID u32, AntennaID u16, ProtocolID u8, CurrentState u8 (bit 7),
        ROSpecID u32, AccessSpecStopTrigger, AccessCommand, [AccessReportSpec]
    AccessSpecStopTrigger 208: type u8 (0 none, 1 operation count), OperationCountValue u16
    AccessCommand 209: C1G2TagSpec, OpSpecs
    C1G2TagSpec 338: one or two C1G2TargetTag 339: MB (2 bits) M (1 bit) u8, Pointer u16,
        MaskBitCount u16, mask bits, DataBitCount u16, data bits (each padded to octets)
    C1G2Write 342 / C1G2BlockWrite 347: OpSpecID u16, AccessPassword u32, MB u8 (2 top bits),
        WordPointer u16, WriteDataWordCount u16, words
    AccessReportSpec 239: AccessReportTrigger u8
    C1G2WriteOpSpecResult 350 / C1G2BlockWriteOpSpecResult 354: Result u8, OpSpecID u16,
        NumWordsWritten u16
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from harness.llrp_wire import (
    A_INVALID,
    OVERFLOW_PARAMETER,
    find_tlv,
    iter_tlvs,
    llrp_status,
    tlv,
    tv,
)

ACCESS_SPEC, STOP_TRIGGER, ACCESS_COMMAND, ACCESS_REPORT_SPEC = 207, 208, 209, 239
TAG_SPEC, TARGET_TAG, C1G2_WRITE, C1G2_BLOCK_WRITE = 338, 339, 342, 347
WRITE_RESULT = {C1G2_WRITE: 350, C1G2_BLOCK_WRITE: 354}
EPC_BANK = 1
C1G2 = 1  # ProtocolID EPCGlobalClass1Gen2

# C1G2WriteOpSpecResult codes (LLRP 1.0.1, 16.2.7.5.2).
WRITE_OK, MEMORY_OVERRUN, MEMORY_LOCKED, INSUFFICIENT_POWER = 0, 1, 2, 3
NONSPECIFIC_TAG_ERROR, NO_RESPONSE, NONSPECIFIC_READER_ERROR = 4, 5, 6

MAX_ACCESS_SPECS = 8
MAX_OPSPECS = 4
MAX_WRITE_WORDS = 32
EPC_BANK_WORDS = 34  # CRC, PC and up to 31 EPC words, plus XPC: writes past this overrun


class AccessSpecError(ValueError):
    """An AccessSpec this reader refuses, with why."""


@dataclass(frozen=True, slots=True)
class TargetTag:
    bank: int
    match: bool
    pointer: int  # bit address in the bank
    mask: bytes
    mask_bits: int
    data: bytes
    data_bits: int


@dataclass(frozen=True, slots=True)
class WriteOp:
    kind: int  # C1G2_WRITE or C1G2_BLOCK_WRITE
    opspec_id: int
    password: int
    bank: int
    word_ptr: int
    words: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.words)


@dataclass
class AccessSpec:
    access_spec_id: int
    antenna: int
    rospec_id: int
    enabled: bool
    stop_count: int  # 0: runs until deleted
    targets: tuple[TargetTag, ...]
    ops: tuple[WriteOp, ...]
    report_trigger: int = 0  # 0: with the round's tag report (as this simulator reports all)
    runs: int = 0


@dataclass
class Tag:
    """A tag in the field: its EPC bank as 16-bit words and its access password."""

    bank: list[int]
    password: int = 0

    @classmethod
    def with_epc(cls, epc_hex: str, password: int = 0) -> Tag:
        epc = bytes.fromhex(epc_hex)
        if not epc or len(epc) % 2 or len(epc) > 62:
            raise ValueError(f"an EPC is 1 to 31 whole words, not {epc_hex!r}")
        words = list(struct.unpack(f"!{len(epc) // 2}H", epc))
        return cls([0, len(words) << 11, *words], password)

    @property
    def epc_hex(self) -> str:
        length = min(self.bank[1] >> 11, len(self.bank) - 2)
        return b"".join(struct.pack("!H", w) for w in self.bank[2 : 2 + length]).hex().upper()

    def bits(self, pointer: int, count: int) -> int | None:
        """`count` bits of the EPC bank from bit `pointer`, or None past its end."""
        if pointer + count > 16 * len(self.bank):
            return None
        value = int.from_bytes(b"".join(struct.pack("!H", w) for w in self.bank), "big")
        return (value >> (16 * len(self.bank) - pointer - count)) & ((1 << count) - 1)


def _take(data: bytes, pos: int, size: int, what: str) -> bytes:
    if pos + size > len(data):
        raise AccessSpecError(f"{what} is cut short")
    return data[pos : pos + size]


def _bits(data: bytes, pos: int, what: str) -> tuple[int, bytes, int]:
    (count,) = struct.unpack("!H", _take(data, pos, 2, what))
    if count > 16 * EPC_BANK_WORDS:
        raise AccessSpecError(f"{what} of {count} bits is longer than any EPC bank")
    size = (count + 7) // 8
    return count, _take(data, pos + 2, size, what), pos + 2 + size


def parse_target(body: bytes) -> TargetTag:
    mb_m, pointer = struct.unpack("!BH", _take(body, 0, 3, "C1G2TargetTag"))
    mask_bits, mask, pos = _bits(body, 3, "TagMask")
    data_bits, data, pos = _bits(body, pos, "TagData")
    if mask_bits and mask_bits != data_bits:
        raise AccessSpecError("TagMask and TagData differ in length")
    return TargetTag(mb_m >> 6, bool(mb_m & 0x20), pointer, mask, mask_bits, data, data_bits)


def parse_write(kind: int, body: bytes) -> WriteOp:
    opspec_id, password, mb, ptr, count = struct.unpack("!HIBHH", _take(body, 0, 11, "write"))
    if not 0 < count <= MAX_WRITE_WORDS:
        raise AccessSpecError(f"a write of {count} words (1 to {MAX_WRITE_WORDS})")
    words = struct.unpack(f"!{count}H", _take(body, 11, 2 * count, "WriteData"))
    return WriteOp(kind, opspec_id, password, mb >> 6, ptr, words)


def parse_access_spec(body: bytes) -> AccessSpec:
    spec_id, antenna, protocol, state, rospec_id = struct.unpack(
        "!IHBBI", _take(body, 0, 12, "AccessSpec")
    )
    if spec_id == 0:
        raise AccessSpecError("AccessSpecID 0 is reserved")
    if protocol != C1G2:
        raise AccessSpecError(f"air protocol {protocol} is not supported")
    params = dict(iter_tlvs(body[12:]))
    stop = params.get(STOP_TRIGGER)
    command = params.get(ACCESS_COMMAND)
    if stop is None or command is None:
        raise AccessSpecError("AccessSpec without AccessSpecStopTrigger or AccessCommand")
    stop_type, stop_count = struct.unpack("!BH", _take(stop, 0, 3, "AccessSpecStopTrigger"))
    targets: list[TargetTag] = []
    ops: list[WriteOp] = []
    for kind, part in iter_tlvs(command):
        if kind == TAG_SPEC:
            targets += [parse_target(t) for k, t in iter_tlvs(part) if k == TARGET_TAG]
        elif kind in WRITE_RESULT:
            ops.append(parse_write(kind, part))
        else:
            raise AccessSpecError(f"OpSpec parameter {kind} is not supported")
    if not 1 <= len(targets) <= 2:
        raise AccessSpecError("an AccessCommand has one or two C1G2TargetTags")
    if not 1 <= len(ops) <= MAX_OPSPECS:
        raise AccessSpecError(f"an AccessCommand has 1 to {MAX_OPSPECS} OpSpecs")
    report = params.get(ACCESS_REPORT_SPEC)
    return AccessSpec(
        spec_id,
        antenna,
        rospec_id,
        enabled=bool(state & 0x80),
        stop_count=stop_count if stop_type == 1 else 0,
        targets=tuple(targets),
        ops=tuple(ops),
        report_trigger=report[0] if report else 0,
    )


def encode_target(target: TargetTag) -> bytes:
    head = struct.pack(
        "!BHH", target.bank << 6 | target.match << 5, target.pointer, target.mask_bits
    )
    return tlv(TARGET_TAG, head, target.mask, struct.pack("!H", target.data_bits), target.data)


def encode_access_spec(spec: AccessSpec) -> bytes:
    """The AccessSpec as GET_ACCESSSPECS_RESPONSE carries it, with its current state."""
    ops = [
        tlv(
            op.kind,
            struct.pack(
                "!HIBHH", op.opspec_id, op.password, op.bank << 6, op.word_ptr, len(op.words)
            ),
            struct.pack(f"!{len(op.words)}H", *op.words),
        )
        for op in spec.ops
    ]
    command = tlv(ACCESS_COMMAND, tlv(TAG_SPEC, *map(encode_target, spec.targets)), *ops)
    fixed = struct.pack(
        "!IHBBI", spec.access_spec_id, spec.antenna, C1G2, spec.enabled << 7, spec.rospec_id
    )
    stop = tlv(STOP_TRIGGER, struct.pack("!BH", bool(spec.stop_count), spec.stop_count))
    report = tlv(ACCESS_REPORT_SPEC, bytes([spec.report_trigger]))
    return tlv(ACCESS_SPEC, fixed, stop, command, report)


def matches(target: TargetTag, tag: Tag) -> bool:
    """Whether the tag's memory under the mask equals the target's data (M = 1) or not."""
    if target.bank != EPC_BANK:
        return False  # this simulator keeps only the EPC bank
    count = target.data_bits
    if count == 0:
        return target.match
    found = tag.bits(target.pointer, count)
    if found is None:
        return not target.match
    data = int.from_bytes(target.data, "big") >> (8 * len(target.data) - count)
    mask = (
        int.from_bytes(target.mask, "big") >> (8 * len(target.mask) - count)
        if target.mask_bits
        else (1 << count) - 1
    )
    return ((found ^ data) & mask == 0) == target.match


def selects(spec: AccessSpec, tag: Tag, antenna: int) -> bool:
    if not spec.enabled or spec.antenna not in (0, antenna):
        return False
    return all(matches(t, tag) for t in spec.targets)


def write(op: WriteOp, tag: Tag, failure: tuple[int, int] | None) -> tuple[int, int]:
    """Run one write on the tag: (result code, words written). A failure (code, words) writes
    that many words first (a tag leaving the field half-way), then ends with its code."""
    if failure is not None:
        code, done = failure
        done = max(0, min(done, len(op.words), EPC_BANK_WORDS - op.word_ptr))
        tag.bank[op.word_ptr : op.word_ptr + done] = op.words[:done]
        return code, done
    if op.bank != EPC_BANK:
        return NONSPECIFIC_TAG_ERROR, 0
    if tag.password and op.password != tag.password:
        return NONSPECIFIC_TAG_ERROR, 0  # a wrong password: the tag stays unsecured
    if op.word_ptr + len(op.words) > EPC_BANK_WORDS:
        return MEMORY_OVERRUN, 0
    while len(tag.bank) < op.word_ptr + len(op.words):
        tag.bank.append(0)
    tag.bank[op.word_ptr : op.word_ptr + len(op.words)] = op.words
    return WRITE_OK, len(op.words)


def write_result(op: WriteOp, result: int, words: int) -> bytes:
    return tlv(WRITE_RESULT[op.kind], struct.pack("!BHH", result, op.opspec_id, words))


class AccessSpecs:
    """The reader's AccessSpecs (one client session's) and the field's tags (the room's: they
    stay when a client reconnects). Each handler takes a message body and returns the body of
    its response."""

    def __init__(self) -> None:
        self.specs: dict[int, AccessSpec] = {}
        self.tags: list[Tag] = []
        # (result code, words written before it) the next writes end with
        self.failures: list[tuple[int, int]] = []

    def _one(self, body: bytes, apply: Callable[[AccessSpec], object]) -> bytes:
        if len(body) < 4:
            return llrp_status(A_INVALID, "AccessSpecID missing")
        (spec_id,) = struct.unpack_from("!I", body)
        if spec_id == 0:
            targets = list(self.specs.values())
        elif spec_id in self.specs:
            targets = [self.specs[spec_id]]
        else:
            return llrp_status(A_INVALID, f"no AccessSpec {spec_id}")
        for spec in targets:
            apply(spec)
        return llrp_status()

    def add(self, body: bytes) -> bytes:
        part = find_tlv(body, ACCESS_SPEC)
        if part is None:
            return llrp_status(A_INVALID, "ADD_ACCESSSPEC without an AccessSpec")
        try:
            spec = parse_access_spec(part)
        except (AccessSpecError, struct.error) as exc:
            return llrp_status(A_INVALID, str(exc))
        if spec.enabled:
            return llrp_status(A_INVALID, "an AccessSpec is added disabled")
        if spec.access_spec_id in self.specs:
            return llrp_status(A_INVALID, f"AccessSpecID {spec.access_spec_id} is in use")
        if len(self.specs) >= MAX_ACCESS_SPECS:
            return llrp_status(OVERFLOW_PARAMETER, f"at most {MAX_ACCESS_SPECS} AccessSpecs")
        self.specs[spec.access_spec_id] = spec
        return llrp_status()

    def enable(self, body: bytes) -> bytes:
        return self._one(body, lambda s: setattr(s, "enabled", True))

    def disable(self, body: bytes) -> bytes:
        return self._one(body, lambda s: setattr(s, "enabled", False))

    def delete(self, body: bytes) -> bytes:
        return self._one(body, lambda s: self.specs.pop(s.access_spec_id))

    def get(self, _body: bytes) -> bytes:
        return llrp_status() + b"".join(encode_access_spec(s) for s in self.specs.values())

    def run(self, tag: Tag, antenna: int) -> list[bytes]:
        """The first enabled AccessSpec that selects the tag runs on it: the AccessSpecID and
        OpSpecResult parameters for its tag report (none when no spec selects it). A spec
        with an operation count is deleted once it has run that many times."""
        spec = next((s for s in list(self.specs.values()) if selects(s, tag, antenna)), None)
        if spec is None:
            return []
        results = []
        for op in spec.ops:
            failure = self.failures.pop(0) if self.failures else None
            result, words = write(op, tag, failure)
            results.append(write_result(op, result, words))
            if result != WRITE_OK:
                break  # the reader stops at the first OpSpec that fails
        spec.runs += 1
        if spec.stop_count and spec.runs >= spec.stop_count:
            self.specs.pop(spec.access_spec_id, None)
        return [tv(16, "I", spec.access_spec_id), *results]
