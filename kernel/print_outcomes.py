"""What a depot's gateway reports of the labels and bin cards asked for on the dashboard (and
the name of a printer, as both ends take it): one outcome per request it took
(`print_requests` in its status report), the same shape at both ends
(gateway/storage/asked_prints.py makes it, server/domain/print_requests.py checks it)."""

from __future__ import annotations

from dataclasses import dataclass

# queued: printing; printed: every job; attention: a job waits for a supervisor at the
# printer (unconfirmed, or held after voided labels); refused: nothing queued, the reasons say
# why. Printed and refused are final: a later report changes them no more.
REPORTED = ("queued", "printed", "attention", "refused")
PRINTER_NAME = r"[A-Za-z0-9._-]{1,40}"  # a printer's name, in gateway.toml and on the dashboard
FINAL = frozenset({"printed", "refused"})


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    """What came of one request: its state, its jobs and how many printed, the first and last
    SSCC of its labels (None for bin cards), the reasons in both languages."""

    id: int
    state: str
    jobs: int
    printed: int
    first_sscc: str | None
    last_sscc: str | None
    reason_zh: str
    reason_en: str
