"""The gateway's disk: an alarm long before it is full, and reads refused before it is.

The outbox grows while the server is out of reach (days, in a disaster). Below `alarm`
bytes free the gateway says so on its status topic, its metrics and its floor page; below
`refuse` bytes it stops recording reads and answers each with a clear refusal, so the
operator knows the read did not count, instead of losing it in a failed write.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

MB = 1024 * 1024


class DiskGuard:
    def __init__(self, path: Path, alarm_bytes: int, refuse_bytes: int) -> None:
        self.path = path
        self.alarm_bytes = alarm_bytes
        self.refuse_bytes = refuse_bytes
        self._free = 0
        self._checked = 0.0

    def free(self) -> int:
        """Free bytes where the book is (checked at most once a second)."""
        now = time.monotonic()
        if now - self._checked >= 1.0:
            self._free = shutil.disk_usage(self.path).free
            self._checked = now
        return self._free

    @property
    def alarm(self) -> bool:
        return self.free() < self.alarm_bytes

    @property
    def full(self) -> bool:
        return self.free() < self.refuse_bytes
