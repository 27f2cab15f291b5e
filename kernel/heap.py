"""Keep Python's cycle collector out of the answer path of a long-running process.

A full (oldest-generation) collection walks every tracked object and holds the interpreter
while it does: in the gateway, with its modules, the web framework and the book's caches
loaded, each took 20-60 ms on the 2-core test machine and came two or three times in ten
seconds at 1,000 reads a second, which was the whole of the p99 tail. What a process has
built by the end of its start-up lives as long as the process; `settle` moves it out of the
collector's sight (`gc.freeze`), so later collections walk only what came after, and makes
the youngest generation's collections rarer. Reference counting still frees everything
acyclic at once; cycles are still collected.
"""

from __future__ import annotations

import gc

# The youngest generation is collected after this many net allocations of tracked objects
# (Python's default 700): a read allocates a few dozen, so the default collects several
# times a second under load for nothing (a read's objects die with it).
YOUNG_THRESHOLD = 20_000


def settle() -> None:
    """Call once the process has started: collect what start-up left, then freeze the rest."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
