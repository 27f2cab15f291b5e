"""Writing a tag's EPC through an LLRP reader's AccessSpec, verified by reading it back.

One encode at a time per reader: an AccessSpec whose C1G2TargetTag matches the tag's current
EPC and its length (EPC bank, from bit 16: the PC word's length bits, then the EPC) carries
one C1G2Write of the new EPC words (from word 2; from word 1 with a new PC word when the
EPC's length changes). The reader runs it the next time inventory singulates that tag and
reports the C1G2WriteOpSpecResult in the tag report. The new EPC must then be read, and the
old one no longer, before the encode counts as verified.
The AccessSpec stops itself after one run and is deleted in every case: a delete the reader
accepts shows it had not run. When it may have run and its result is lost (no answer to
ENABLE, the connection lost, the result not reported), the reads decide: the new EPC read
and the old one no longer is written and verified, anything else `write_unconfirmed` with
`written` None. Every wait is bounded; inventory and its reads go on throughout (the tag
reports feed both).
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kernel.bounds import printable

log = logging.getLogger(__name__)

EPC_BANK = 1
EPC_BIT = 32  # the EPC starts after StoredCRC and PC
PC_BIT = 16  # the PC word; its top five bits are the EPC's length in words
PC_LENGTH_MASK = "F800"
PC_OTHER_BITS = 0x07FF
MAX_EPC_WORDS = 31  # the PC word's five length bits
C1G2_PROTOCOL = 1
WRITE_RESULTS = ("C1G2WriteOpSpecResult", "C1G2BlockWriteOpSpecResult")
# C1G2WriteOpSpecResult codes (LLRP 1.0.1) as reasons.
WRITE_REASONS = {
    1: "memory_overrun",
    2: "memory_locked",
    3: "insufficient_power",
    4: "tag_error",
    5: "no_response",
    6: "reader_error",
}
_HEX = re.compile(r"[0-9A-Fa-f]+")
# Writes one LLRP message dict; returns sllurp's [(name, message ID)] (LLRPClient.sendMessage)
Send = Callable[[dict[str, Any]], Any]
RESPONSES_KEPT = 64


@dataclass(frozen=True, slots=True)
class EncodeResult:
    """`written`: the tag said the words were written (or the reads show it), None when that
    is not known; `verified`: the new EPC was read
    afterwards and the old one no longer. `reason` says why not (None when both hold)."""

    written: bool | None  # None: not known (the write's result was lost; the reads tell not)
    verified: bool
    reason: str | None = None
    epc: str = ""  # the EPC asked for
    previous: str | None = None  # the EPC the tag had (the one found, when none was named)
    words_written: int | None = None  # as the tag reported it (None: no write result)
    tag_epc: str | None = None  # after a partial write, the EPC the tag now probably holds


@dataclass(frozen=True, slots=True)
class EncodeTimes:
    response: float = 2.0  # the reader's answer to ADD/ENABLE_ACCESSSPEC
    write: float = 5.0  # the tag to be singulated and written
    verify: float = 3.0  # the new EPC to be read
    settle: float = 0.3  # reads watched for the old EPC after the new one was seen
    find: float = 2.0  # a tag to be found when none is named


def epc_words(epc_hex: str) -> tuple[int, ...]:
    """The EPC's 16-bit words; ValueError unless it is 1 to 31 whole words of hex."""
    if not isinstance(epc_hex, str) or not _HEX.fullmatch(epc_hex) or len(epc_hex) % 4:
        raise ValueError(f"an EPC is whole 16-bit words of hex, not {epc_hex!r}")
    if len(epc_hex) > 4 * MAX_EPC_WORDS:
        raise ValueError(f"an EPC is at most {MAX_EPC_WORDS} words")
    return tuple(int(epc_hex[i : i + 4], 16) for i in range(0, len(epc_hex), 4))


def write_plan(current_hex: str, new_hex: str, pc: int = 0) -> tuple[int, tuple[int, ...]]:
    """(word pointer, words) to write: the EPC words from word 2 when the length stays, or
    from word 1 with a PC word of the new length when it changes, its other bits (10-0: UMI,
    XI, T, AFI or NSI) kept from the tag's PC word `pc`."""
    new = epc_words(new_hex)
    if len(current_hex) == len(new_hex):
        return 2, new
    return 1, (len(new) << 11 | pc & PC_OTHER_BITS, *new)


def probable_epc(current_hex: str, new_hex: str, words_written: int) -> str | None:
    """The EPC a tag holds after the first `words_written` words of the write were written
    (a write that failed half-way); None when part of it is memory not known here."""
    word_ptr, words = write_plan(current_hex, new_hex)
    old = list(epc_words(current_hex))
    done = max(0, min(words_written, len(words)))
    if word_ptr == 1:  # the PC word first: once written, the new length counts
        if done == 0:
            return current_hex
        length, done, words = len(words) - 1, done - 1, words[1:]
        if max(done, len(old)) < length:
            return None  # words past the old EPC that were not written: not known
        old = (old + [0] * length)[:length]
    now = [*words[:done], *old[done:]]
    return "".join(f"{w:04X}" for w in now)


def pc_length(epc_hex: str) -> str:
    """The PC word's length bits for this EPC (the rest 0), as hex: matched with the EPC so
    a longer EPC that begins with it is not taken for it."""
    return f"{len(epc_words(epc_hex)) << 11:04X}"


def access_spec(
    spec_id: int, opspec_id: int, current_hex: str, new_hex: str, password: int, pc: int = 0
) -> dict[str, Any]:
    """The ADD_ACCESSSPEC body as sllurp encodes it (sllurp.llrp_proto encode_AccessSpec)."""
    word_ptr, words = write_plan(current_hex, new_hex, pc)
    return {
        "AccessSpecID": spec_id,
        "AntennaID": 0,
        "ProtocolID": C1G2_PROTOCOL,
        "CurrentState": False,
        "ROSpecID": 0,
        "AccessSpecStopTrigger": {"AccessSpecStopTriggerType": 1, "OperationCountValue": 1},
        "AccessCommand": {
            "TagSpecParameter": {
                "C1G2TagSpec": {
                    "C1G2TargetTag": [
                        {
                            "MB": EPC_BANK,
                            "M": 1,
                            "Pointer": PC_BIT,
                            "TagMask": PC_LENGTH_MASK + "F" * len(current_hex),
                            "TagData": pc_length(current_hex) + current_hex,
                        }
                    ]
                }
            },
            "OpSpecParameter": [
                {
                    "C1G2Write": {
                        "OpSpecID": opspec_id,
                        "AccessPassword": password,
                        "MB": EPC_BANK,
                        "WordPtr": word_ptr,
                        "WriteDataWordCount": len(words),
                        "WriteData": b"".join(w.to_bytes(2, "big") for w in words),
                    }
                }
            ],
        },
        # 0: the result comes with the tag report of the inventory round that ran it (1, at
        # the end of the AccessSpec, is not sent by every reader when it stops itself)
        "AccessReportSpec": {"AccessReportTrigger": 0},
    }


def report_epc(tag: dict[str, Any]) -> str | None:
    epc = tag.get("EPC") or tag.get("EPC-96")
    if not epc:
        return None
    return (epc.decode("ascii") if isinstance(epc, bytes) else str(epc)).upper()


def _send(send: Send, message: dict[str, Any]) -> int | str:
    """The message ID it was sent with; why not when the connection is gone (sllurp raises
    its own errors)."""
    name = next(iter(message))
    try:
        sent = send(message)
    except Exception as exc:
        log.warning("LLRP %s not sent: %s", name, exc)
        return printable(f"reader_gone: {exc}")
    ids = [i for n, i in sent if n == name] if isinstance(sent, list) else []
    return int(ids[0]) if ids else int(message[name].get("ID", 0))


class LlrpEncoder:
    """Encodes through one connected sllurp client: `send` writes an LLRP message dict;
    `on_tags` and `on_response` are fed from sllurp's thread."""

    def __init__(self, times: EncodeTimes | None = None) -> None:
        self.times = times or EncodeTimes()
        self._one_at_a_time = threading.Lock()
        self._changed = threading.Condition()
        self._seq = itertools.count(1)
        self._seen: deque[tuple[int, str]] = deque(maxlen=4096)  # (sequence, EPC)
        self._results: dict[int, tuple[int, int, int]] = {}  # OpSpecID: (seq, code, words)
        self._awaiting: int | None = None  # the OpSpecID whose result is wanted, only it kept
        self._read_at: dict[str, float] = {}  # EPC: when last read (monotonic)
        self._pc: dict[str, int] = {}  # EPC: its PC word, as last reported
        self._responses: dict[tuple[str, int], tuple[bool, str]] = {}  # (name, ID): answer
        self._ids = itertools.count(1)
        self._gone = 0  # connections lost

    # -- fed by the reader's thread ---------------------------------------------------------
    def on_tags(self, reports: list[dict[str, Any]]) -> None:
        with self._changed:
            for tag in reports:
                epc = report_epc(tag)
                seq = next(self._seq)
                if epc:
                    self._seen.append((seq, epc))
                    self._read_at[epc] = time.monotonic()
                    if isinstance(tag.get("C1G2PC"), int):
                        self._pc[epc] = tag["C1G2PC"]
                for name in WRITE_RESULTS:
                    result, wanted = tag.get(name), self._awaiting
                    if isinstance(result, dict) and wanted and result.get("OpSpecID") == wanted:
                        code, words = int(result["Result"]), int(result["NumWordsWritten"])
                        self._results[wanted] = (seq, code, words)
            if len(self._read_at) > 4096:  # a busy portal: forget what has not been read lately
                cutoff = time.monotonic() - self.times.find
                self._read_at = {e: t for e, t in self._read_at.items() if t >= cutoff}
                self._pc = {e: pc for e, pc in self._pc.items() if e in self._read_at}
            self._changed.notify_all()

    def _read_lately(self, epc: str) -> bool:
        with self._changed:
            return time.monotonic() - self._read_at.get(epc, -1e9) <= self.times.find

    def on_gone(self) -> None:
        """The connection to the reader is lost: a write result may never come."""
        with self._changed:
            self._gone += 1
            self._changed.notify_all()

    def on_response(self, name: str, msg_id: int, ok: bool, description: str) -> None:
        """A reader's response, told from a late one to an earlier request by its ID."""
        with self._changed:
            self._responses[(name, msg_id)] = (ok, description)
            while len(self._responses) > RESPONSES_KEPT:  # answers nobody waits for any more
                del self._responses[next(iter(self._responses))]
            self._changed.notify_all()

    # -- waits ------------------------------------------------------------------------------
    def _wait(self, condition: Callable[[], Any], timeout: float) -> Any:
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def _last_seq(self) -> int:
        with self._changed:
            return self._seen[-1][0] if self._seen else 0

    def _seen_after(self, seq: int) -> set[str]:
        return {epc for s, epc in list(self._seen) if s > seq}

    def _request(self, send: Send, name: str, body: dict[str, Any]) -> str | None:
        """Send one request; None when the reader accepted it, else why not."""
        answer = f"{name}_RESPONSE"
        msg_id = _send(send, {name: body})
        if isinstance(msg_id, str):
            return msg_id
        got = self._wait(lambda: self._responses.get((answer, msg_id)), self.times.response)
        with self._changed:
            self._responses.pop((answer, msg_id), None)
        if not got:
            return f"reader_silent: no {answer}"
        ok, description = got
        return None if ok else printable(f"reader_refused: {description}")

    def _find_one(self) -> str | EncodeResult:
        start = self._last_seq()
        self._wait(lambda: self._seen_after(start), self.times.find)
        self._wait(lambda: False, self.times.settle)  # the rest of the field, if any
        with self._changed:
            found = sorted(self._seen_after(start))
        if len(found) == 1:
            return found[0]
        return EncodeResult(False, False, "no_tag" if not found else "several_tags")

    # -- the encode -------------------------------------------------------------------------
    def encode(self, send: Send, current: str | None, new: str, password: int = 0) -> EncodeResult:
        new = new.upper()
        try:
            epc_words(new)
            if current is not None:
                current = current.upper()
                epc_words(current)
        except ValueError as exc:
            log.warning("encode refused: %s", exc)
            return EncodeResult(False, False, "bad_epc", new, current)
        if not 0 <= password < 2**32:
            return EncodeResult(False, False, "bad_password", new, current)
        with self._one_at_a_time:
            if current is None:
                found = self._find_one()
                if isinstance(found, EncodeResult):
                    return EncodeResult(found.written, found.verified, found.reason, new)
                current = found
            if current == new:
                return EncodeResult(False, False, "same_epc", new, current)
            if self._read_lately(new):  # a tag has it already: two tags with one serial
                return EncodeResult(False, False, "epc_in_field", new, current)
            pc = 0
            if len(current) != len(new):  # the PC word is rewritten: keep its other bits
                known = self._pc_of(current, new)
                if isinstance(known, EncodeResult):
                    return known
                pc = known
            return self._write(send, current, new, password, pc)

    def _pc_of(self, current: str, new: str) -> int | EncodeResult:
        """The tag's PC word as its reports give it (the reader is asked for PC bits)."""
        self._wait(lambda: current in self._read_at, self.times.find)
        with self._changed:
            read, pc = current in self._read_at, self._pc.get(current)
        if pc is not None:
            return pc
        return EncodeResult(False, False, "pc_unknown" if read else "no_tag", new, current)

    def _write(self, send: Send, current: str, new: str, password: int, pc: int) -> EncodeResult:
        spec_id = next(self._ids) % 2**31 + 1
        opspec_id = spec_id % 2**16 or 1
        with self._changed:
            self._results.clear()
            self._awaiting, gone = opspec_id, self._gone
        since = self._last_seq()
        spec = access_spec(spec_id, opspec_id, current, new, password, pc)
        refused, unsure = self._request(send, "ADD_ACCESSSPEC", {"AccessSpec": spec}), None
        if not refused:
            unsure = self._request(send, "ENABLE_ACCESSSPEC", {"AccessSpecID": spec_id})
            if unsure and unsure.startswith("reader_refused"):
                refused = unsure  # not enabled: it never runs
        if refused:
            self._request(send, "DELETE_ACCESSSPEC", {"AccessSpecID": spec_id})
            with self._changed:
                self._awaiting = None
            return EncodeResult(False, False, refused, new, current)
        self._wait(lambda: opspec_id in self._results or self._gone != gone, self.times.write)
        # Gone already when it ran (its stop trigger): deleted here, it had not run.
        still_there = self._request(send, "DELETE_ACCESSSPEC", {"AccessSpecID": spec_id})
        with self._changed:
            result, self._awaiting = self._results.pop(opspec_id, None), None
        if result is None and still_there is None:
            return EncodeResult(False, False, unsure or "no_tag", new, current)
        if result is None:  # it ran, or may have, and its result is lost: the reads tell
            return self._by_reads(since, current, new, unsure or still_there or "")
        seq, code, words = result
        if code != 0 and words < len(write_plan(current, new)[1]):
            why = WRITE_REASONS.get(code, f"write_result_{code}")
            if not words:
                return EncodeResult(False, False, why, new, current, 0)
            # some words written before the failure: the tag holds a mixed EPC
            log.warning("tag %s partly written (%d words): %s", current, words, why)
            mixed = probable_epc(current, new, words)
            return EncodeResult(False, False, f"partial_write: {why}", new, current, words, mixed)
        log.info("tag %s written as %s (%d words)", current, new, words)
        verified, reason = self._verify(seq, current, new)
        return EncodeResult(True, verified, reason, new, current, words)

    def _by_reads(self, since: int, old: str, new: str, why: str) -> EncodeResult:
        """No write result came: written and verified when the new EPC is read and the old
        one no longer; else not known (`written` None)."""
        verified, _ = self._verify(since, old, new)
        if verified:
            log.info("tag %s read as %s after a lost write result", old, new)
            return EncodeResult(True, True, None, new, old)
        log.warning("tag %s: write not confirmed (%s)", old, why)
        return EncodeResult(None, False, printable(f"write_unconfirmed: {why}"), new, old)

    def _verify(self, written_at: int, old: str, new: str) -> tuple[bool, str | None]:
        if not self._wait(lambda: new in self._seen_after(written_at), self.times.verify):
            return False, "new_epc_not_read"
        with self._changed:
            first_new = min(
                (s for s, epc in self._seen if epc == new and s > written_at), default=written_at
            )
        if self._wait(lambda: old in self._seen_after(first_new), self.times.settle):
            return False, "old_epc_still_read"
        return True, None
