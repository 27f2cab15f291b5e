"""A UHF RFID reader that reports tags as text lines over a serial port.

Many fixed and handheld readers can be set to print one line per tag read, e.g.
`E2801160600002054CC2096F,2,-54.5` (EPC, antenna, RSSI). The line format is a configurable
regular expression with the groups `epc`, `antenna` and `rssi`.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from edge.decode.rfid import DEFAULT_RFID_LINE, LineError, TagRead, parse_line
from edge.readers import Emit, RawRead, Report
from edge.readers.kinds import ReaderKind, Table
from edge.readers.serial import SerialPort
from edge.readers.tagging import Folding, TagAggregator, folding

log = logging.getLogger(__name__)
MAX_LINE = 512


@dataclass(frozen=True, slots=True)
class RfidSerialSettings:
    port: str
    baudrate: int = 115200
    line_pattern: str = DEFAULT_RFID_LINE
    window: float = 0.5  # reads of one tag at one antenna within this time are one message
    report_every: float = 5.0  # a tag still read is reported at least this often


def rfid_serial_settings(table: Table) -> RfidSerialSettings:
    fold = folding(table)
    return RfidSerialSettings(
        port=str(table.required("port")),
        baudrate=int(table.get("baudrate", 115200)),
        line_pattern=table.pattern("line_pattern", DEFAULT_RFID_LINE),
        window=fold.window,
        report_every=fold.report_every,
    )


class RfidSerialReader:
    def __init__(self, settings: RfidSerialSettings) -> None:
        self.settings = settings
        self._pattern = re.compile(settings.line_pattern)
        self._port = SerialPort(settings.port, settings.baudrate, "rfid reader")
        self._buffer = bytearray()
        self._tags: TagAggregator | None = None

    def start(self, emit: Emit, report: Report) -> None:
        fold = Folding(self.settings.window, self.settings.report_every)
        tags = TagAggregator(fold, emit, f"rfid-window:{self.settings.port}")
        self._tags = tags

        def on_open() -> None:
            self._buffer.clear()

        def on_chunk(chunk: bytes) -> None:
            self._buffer.extend(chunk)
            while (end := self._buffer.find(b"\n")) >= 0:
                line = bytes(self._buffer[:end]).rstrip(b"\r")
                del self._buffer[: end + 1]
                if line.strip():
                    self._line(line, emit, tags)
            if len(self._buffer) > MAX_LINE:
                emit(RawRead(bytes(self._buffer[:MAX_LINE]), "rfid", error="too_long"))
                self._buffer.clear()

        tags.start()
        self._port.run(on_open, on_chunk, report)

    def _line(self, line: bytes, emit: Emit, tags: TagAggregator) -> None:
        try:
            read = parse_line(line.decode("ascii"), self._pattern)
        except (UnicodeDecodeError, LineError) as exc:
            log.warning("rfid reader on %s: %s", self.settings.port, exc)
            emit(RawRead(line, "rfid", error="rfid_bad_line"))
            return
        tags.add(TagRead(read.epc_hex, read.antenna, read.rssi, time.time()))

    def stop(self) -> None:
        self._port.stop()
        if self._tags:
            self._tags.stop()

    def feedback(self, data: bytes) -> None:
        self._port.write(data)


KIND = ReaderKind("rfid_serial", settings=rfid_serial_settings, reader=RfidSerialReader)
