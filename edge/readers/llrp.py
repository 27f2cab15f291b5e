"""A fixed UHF RFID reader over LLRP (port 5084), through sllurp.

The station connects, configures the antennas and power, starts inventory and folds the tag
reports (EPC, antenna, peak RSSI, seen count) into one read per tag, antenna and window. A
reader that goes away is reconnected with backoff. The reader is ready once it has confirmed
that inventory runs (sllurp's state INVENTORYING), not merely once the socket is connected.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sllurp.llrp import LLRPReaderClient, LLRPReaderConfig, LLRPReaderState

from edge.config import LlrpSettings
from edge.readers import Emit, Report, not_ready, ready
from edge.readers.tagging import TagAggregator
from edge.rfid import TagRead

log = logging.getLogger(__name__)


def tag_reads(reports: list[dict[str, Any]], now: float) -> list[TagRead]:
    """sllurp's TagReportData dicts as tag reads."""
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
                now,
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

    def _config(self) -> LLRPReaderConfig:
        return LLRPReaderConfig(
            {
                "antennas": list(self.settings.antennas),
                "tx_power": self.settings.tx_power,
                "tx_power_dbm": self.settings.tx_power_dbm,
                "report_every_n_tags": self.settings.report_every_n_tags,
                "start_inventory": True,
                "reset_on_connect": True,
                "tag_content_selector": {
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
                },
            }
        )

    def start(self, emit: Emit, report: Report) -> None:
        self._tags = TagAggregator(self.settings.window, emit, f"llrp-window:{self.settings.host}")
        self._tags.start()
        self._thread = threading.Thread(
            target=self._loop, args=(report,), daemon=True, name=f"llrp:{self.settings.host}"
        )
        self._thread.start()

    def _on_report(self, reader: Any, reports: list[dict[str, Any]]) -> None:
        assert self._tags is not None
        for read in tag_reads(reports, time.time()):
            self._tags.add(read)

    def _loop(self, report: Report) -> None:
        where = f"{self.settings.host}:{self.settings.port}"
        running = ready(f"inventory running on {where}, antennas {list(self.settings.antennas)}")
        delay = 1.0
        while not self._stop.is_set():
            gone = threading.Event()
            client = LLRPReaderClient(self.settings.host, self.settings.port, self._config())
            client.add_tag_report_callback(self._on_report)
            client.add_disconnected_callback(lambda _reader, gone=gone: gone.set())
            client.add_state_callback(
                LLRPReaderState.STATE_INVENTORYING, lambda _reader, _state: report(running)
            )
            try:
                client.connect()
                self._client = client
                log.info("LLRP reader connected at %s; starting inventory", where)
                delay = 1.0
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
            self._stop.wait(delay)
            delay = min(delay * 2, 30.0)

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
