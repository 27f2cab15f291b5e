"""A refusal with a reason code: the one exception every rule of the server raises
(re-exported by server.floor, where the floor's rules first used it). server.errors gives
each reason its HTTP status."""

from __future__ import annotations


class Rejection(Exception):
    """An event or request the ledger will not take; `reason` is a short code, the message
    explains."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
