"""How long a reader waits before opening its device again (edge.readers.Backoff)."""

from __future__ import annotations

import threading

from edge.readers import Backoff


def delays(backoff: Backoff, attempts: int) -> list[float]:
    stopped = threading.Event()
    stopped.set()  # waits return at once; what they would have waited is recorded
    out = []
    for _ in range(attempts):
        out.append(backoff.delay)
        backoff.wait(stopped)
    return out


def test_the_wait_doubles_up_to_its_most_and_starts_again_once_open() -> None:
    backoff = Backoff()
    assert delays(backoff, 7) == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    backoff.opened()
    assert delays(backoff, 2) == [0.5, 1.0]
    assert delays(Backoff(1.0, 30.0), 7) == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
