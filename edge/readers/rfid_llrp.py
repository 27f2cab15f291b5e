"""A fixed UHF RFID reader over LLRP (port 5084), through sllurp.

The station connects, configures the antennas and power, starts inventory and folds the tag
reports (EPC, antenna, peak RSSI, seen count) into one read per tag, antenna and window. A
reader that goes away is reconnected with backoff. The reader is ready once it has confirmed
that inventory runs (sllurp's state INVENTORYING), not merely once the socket is connected.

It can also write a tag's EPC while inventory runs (`encode`, edge/readers/llrp_encode.py).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from edge.decode.rfid import TagRead
from edge.readers import Backoff, Emit, Report, not_ready, ready
from edge.readers.kinds import ReaderKind, Table
from edge.readers.llrp_encode import EncodeResult, EncodeTimes, LlrpEncoder
from edge.readers.tagging import Folding, TagAggregator, folding

log = logging.getLogger(__name__)
# What each tag report carries: the antenna, the peak RSSI, when and how often it was seen.
TAG_CONTENT_SELECTOR: dict[str, Any] = {
    "EnableROSpecID": False,
    "EnableSpecIndex": False,
    "EnableInventoryParameterSpecID": False,
    "EnableAntennaID": True,
    "EnableChannelIndex": False,
    "EnablePeakRSSI": True,
    "EnableFirstSeenTimestamp": True,
    "EnableLastSeenTimestamp": True,
    "EnableTagSeenCount": True,
    "EnableAccessSpecID": False,
    # the PC word: an encode that changes the EPC's length keeps its other bits
    "C1G2EPCMemorySelector": {"EnableCRC": False, "EnablePCBits": True},
}


ACCESS_RESPONSES = (
    "ADD_ACCESSSPEC_RESPONSE",
    "ENABLE_ACCESSSPEC_RESPONSE",
    "DELETE_ACCESSSPEC_RESPONSE",
)


@dataclass(frozen=True, slots=True)
class LlrpSettings:
    host: str
    port: int = 5084
    antennas: tuple[int, ...] = (1,)
    tx_power: int = 0  # index into the reader's power table; 0 = maximum
    report_every_n_tags: int = 1
    window: float = 0.5
    report_every: float = 5.0  # a tag still read is reported at least this often
    tx_power_dbm: dict[int, float] | None = None  # per antenna; the table's nearest level
    encode_times: EncodeTimes = field(default_factory=EncodeTimes)
    # Gen2 session of the inventory. 2 (sllurp's and most readers' default): a tag answers
    # once and then stays quiet while it is powered, so a tag resting on the antenna is read
    # once. A reader that encodes needs 0, where it answers every round (singled out again
    # for its write and read back after it).
    session: int = 2


def llrp_settings(table: Table) -> LlrpSettings:
    encode_timeout = float(table.get("encode_timeout", EncodeTimes().write))
    if not 0.5 <= encode_timeout <= 30:
        raise table.error("encode_timeout", "must be 0.5 to 30 seconds")
    session = table.get("session", 2)
    if session not in (0, 1, 2, 3) or isinstance(session, bool):
        raise table.error("session", "must be a Gen2 session, 0 to 3 (0 for encoding)")
    power_dbm = table.get("tx_power_dbm")
    if power_dbm is not None and not isinstance(power_dbm, dict):
        raise table.error("tx_power_dbm", "must map antenna ports to dBm, e.g. {1 = 30}")
    fold = folding(table)
    return LlrpSettings(
        host=str(table.required("host")),
        port=int(table.get("port", 5084)),
        antennas=tuple(int(a) for a in table.get("antennas", [1])),
        tx_power=int(table.get("tx_power", 0)),
        tx_power_dbm=(
            {int(p): float(d) for p, d in power_dbm.items()} if power_dbm is not None else None
        ),
        report_every_n_tags=int(table.get("report_every_n_tags", 1)),
        window=fold.window,
        report_every=fold.report_every,
        encode_times=EncodeTimes(write=encode_timeout),
        session=session,
    )


class ReaderClock:
    """The reader's own moment of each read (LastSeenTimestampUTC, microseconds) on the
    station's clock: a reader's clock is often not set, so the smallest lag between a read's
    moment and its receipt is taken as the difference of the clocks, and each read is timed
    at its moment plus that difference (never later than its receipt). The reports' delays
    on the network and in the station then leave the reads' order and spacing as the reader
    saw them. A lag that grows by more than JUMP seconds (the reader's clock set, a new
    session) starts the reckoning afresh; a read without its moment is timed at receipt. The
    first reads of a session, while the smallest lag is learned, may be timed a little late."""

    JUMP = 5.0

    def __init__(self) -> None:
        self.offset: float | None = None

    def at(self, micros: Any, now: float) -> float:
        if isinstance(micros, bool) or not isinstance(micros, int) or micros <= 0:
            return now
        seen = micros / 1e6
        lag = now - seen
        if self.offset is None or lag < self.offset or lag - self.offset > self.JUMP:
            self.offset = lag
        return min(now, seen + self.offset)


def tag_reads(
    reports: list[dict[str, Any]], now: float, clock: ReaderClock | None = None
) -> list[TagRead]:
    """sllurp's TagReportData dicts as tag reads, timed by the reader (`clock`) or at `now`."""
    reads = []
    for tag in reports:
        epc = tag.get("EPC") or tag.get("EPC-96")
        if not epc:
            continue
        epc_hex = epc.decode("ascii") if isinstance(epc, bytes) else str(epc)
        rssi = tag.get("PeakRSSI")
        reads.append(
            TagRead(
                epc_hex.upper(),
                tag.get("AntennaID"),
                float(rssi) if rssi is not None else None,
                now if clock is None else clock.at(tag.get("LastSeenTimestampUTC"), now),
                count=int(tag.get("TagSeenCount") or 1),
            )
        )
    return reads


class LlrpReader:
    def __init__(self, settings: LlrpSettings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._tags: TagAggregator | None = None
        self._encoder = LlrpEncoder(settings.encode_times)
        self._clock = ReaderClock()

    def _config(self) -> Any:
        from sllurp.llrp import LLRPReaderConfig

        return LLRPReaderConfig(
            {
                "antennas": list(self.settings.antennas),
                "tx_power": self.settings.tx_power,
                "tx_power_dbm": self.settings.tx_power_dbm,
                "report_every_n_tags": self.settings.report_every_n_tags,
                "session": self.settings.session,
                "start_inventory": True,
                "reset_on_connect": True,
                "tag_content_selector": copy.deepcopy(TAG_CONTENT_SELECTOR),
            }
        )

    def start(self, emit: Emit, report: Report) -> None:
        fold = Folding(self.settings.window, self.settings.report_every)
        self._tags = TagAggregator(fold, emit, f"llrp-window:{self.settings.host}")
        self._tags.start()
        self._thread = threading.Thread(
            target=self._loop, args=(report,), daemon=True, name=f"llrp:{self.settings.host}"
        )
        self._thread.start()

    def _on_report(self, reader: Any, reports: list[dict[str, Any]]) -> None:
        assert self._tags is not None
        for read in tag_reads(reports, time.time(), self._clock):
            self._tags.add(read)
        self._encoder.on_tags(reports)

    def _on_message(self, reader: Any, lmsg: Any) -> None:
        name = lmsg.getName()
        body = lmsg.msgdict.get(name, {})
        status = body.get("LLRPStatus", {})
        description = str(status.get("ErrorDescription", ""))
        self._encoder.on_response(name, int(body.get("ID", 0)), lmsg.isSuccess(), description)

    def _gone(self, gone: threading.Event) -> None:
        gone.set()
        self._encoder.on_gone()

    def encode(self, current_epc: str | None, new_epc: str, password: int = 0) -> EncodeResult:
        """Write `new_epc` into the tag now reading `current_epc` (None: the one tag in the
        field), verified by reading it back; bounded by the settings' encode times."""
        from sllurp.llrp import LLRPReaderState

        client = self._client
        if client is None or client.llrp.state != LLRPReaderState.STATE_INVENTORYING:
            return EncodeResult(False, False, "reader_not_ready", new_epc.upper(), current_epc)
        return self._encoder.encode(client.llrp.sendMessage, current_epc, new_epc, password)

    def _loop(self, report: Report) -> None:
        from sllurp.llrp import LLRPReaderClient, LLRPReaderState

        where = f"{self.settings.host}:{self.settings.port}"
        running = ready(f"inventory running on {where}, antennas {list(self.settings.antennas)}")
        backoff = Backoff(1.0, 30.0)
        while not self._stop.is_set():
            gone = threading.Event()
            client = LLRPReaderClient(self.settings.host, self.settings.port, self._config())
            client.add_tag_report_callback(self._on_report)
            for name in ACCESS_RESPONSES:
                client.add_message_callback(name, self._on_message)
            client.add_disconnected_callback(lambda _reader, gone=gone: self._gone(gone))
            client.add_state_callback(
                LLRPReaderState.STATE_INVENTORYING, lambda _reader, _state: report(running)
            )
            try:
                client.connect()
                self._client = client
                log.info("LLRP reader connected at %s; starting inventory", where)
                backoff.opened()
                while not self._stop.is_set() and not gone.is_set():
                    if not client.is_alive():
                        break
                    self._stop.wait(0.2)
                if not self._stop.is_set():
                    report(not_ready(f"LLRP reader {where} went away; reconnecting"))
            except Exception as exc:  # sllurp raises socket and protocol errors of many kinds
                if not self._stop.is_set():
                    report(not_ready(f"LLRP reader {where} unavailable: {exc}"))
            finally:
                self._client = None
                self._close(client)
            backoff.wait(self._stop)

    @staticmethod
    def _close(client: Any) -> None:
        """Stop politely, and make sure: sllurp can miss a quick reader's answer to its
        stop request and hang on to the connection."""
        try:
            client.disconnect(timeout=2)
        except Exception:  # already gone
            log.debug("LLRP reader gone before the polite stop")
        if client.is_alive():
            try:
                client.hard_disconnect()
                client.join(2)
            except Exception:
                log.debug("LLRP socket already closed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=8)
        if self._tags:
            self._tags.stop()

    def feedback(self, data: bytes) -> None:
        """An LLRP portal has no beeper here; answers show on the console."""


KIND = ReaderKind(
    "rfid_llrp",
    settings=llrp_settings,
    reader=LlrpReader,
    extra="llrp",
    needs=("sllurp",),
    what="LLRP readers",
)
