"""Labels and bin cards asked for on the dashboard, printed at the depot (标签打印).

A person asks a depot's gateway to print GS1 logistic labels (`labels`: N units of one GTIN
and batch) or the bin cards of one storage location's stacks (`cards`: 标识牌, annex 3), on
one of the depot's printers. The server keeps the request; the gateway takes the depot's
requests still `asked` with its next sync and says in its report what came of each:
`queued` (printing), `attention` (a job waits for a supervisor at the depot: unconfirmed or
held), `printed` or `refused` (both final). The rules here are pure: the bounds of a request,
who may ask for how many labels, and the shape of what a gateway reports of its printers and
of the requests it took.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from kernel.bounds import MAX_ID
from kernel.gs1 import is_valid_gtin
from kernel.print_outcomes import PRINTER_NAME, REPORTED, PrintOutcome
from server.domain.bounds import shown, unprintable
from server.domain.errors import Rejection, ReportError

T = TypeVar("T")
KINDS = ("labels", "cards")
STATES = ("asked", "queued", "printed", "attention", "refused")
PRINTER_KINDS = ("zpl", "pdf")

MAX_UNITS = 1000  # labels in one request
KEEPER_UNITS = 100  # more in one request only for the roles below
MANY_UNITS = frozenset({"admin", "supervisor"})
MAX_PRINTERS = 50
MAX_OUTCOMES = 200
MAX_JOBS = 100_000
MAX_REASON = 200
SYNCED = 100  # asked requests in one sync answer, oldest first

# A batch as GS1 AI (10) takes it: character set 82 without the parentheses (they would read
# as an AI on the label's text line), 1 to 20 characters.
BATCH = r"[!\"%&'*+,\-./0-9:;<=>?A-Z_a-z]{1,20}"
PRINTER = PRINTER_NAME  # a printer's name in the gateway's configuration
GTIN = r"[0-9]{8}|[0-9]{12,14}"
_TROUBLE = re.compile(r"[a-z_]{1,40}")
_PRINTER = re.compile(PRINTER)
_SSCC = re.compile(r"[0-9]{18}")


@dataclass(frozen=True, slots=True)
class Labels:
    """GS1 logistic labels: `units` labels, each for `qty` of the GTIN's item in the batch;
    `by_item`: each unit one trade item (quantity 1) with its own serial and SGTIN tag."""

    printer: str
    gtin: str
    batch: str
    qty: int | None
    units: int
    prod_date: date | None = None
    expiry: date | None = None
    by_item: bool = False

    def body(self) -> dict[str, Any]:
        return {
            "gtin": self.gtin,
            "batch": self.batch,
            "qty": self.qty,
            "units": self.units,
            "prod_date": self.prod_date.isoformat() if self.prod_date else None,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "by_item": self.by_item,
        }


@dataclass(frozen=True, slots=True)
class Cards:
    """The bin cards of the stacks at one storage location."""

    printer: str
    location: str

    def body(self) -> dict[str, Any]:
        return {"location": self.location}


Asked = Labels | Cards


def kind_of(asked: Asked) -> str:
    return "labels" if isinstance(asked, Labels) else "cards"


def checked(asked: Asked, role: str) -> Asked:
    """The request as kept (its GTIN as 14 digits), or why not: a GTIN whose check digit is
    wrong, an expiry before the production date, more labels than the role may ask for."""
    if not _PRINTER.fullmatch(asked.printer):
        raise Rejection("bad_printer", f"no printer is named {shown(asked.printer, 40)!r}")
    if isinstance(asked, Cards):
        return asked
    if not is_valid_gtin(asked.gtin):
        raise Rejection("bad_gtin", f"{shown(asked.gtin, 20)} is not a GTIN (its check digit)")
    qty = 1 if asked.by_item else asked.qty
    if qty is None:
        raise Rejection("bad_quantity", "each label's quantity, or labels counted by item")
    if any(d is not None and not 2000 <= d.year <= 2099 for d in (asked.prod_date, asked.expiry)):
        raise Rejection("bad_dates", "a label's dates (YYMMDD) run from 2000 to 2099")
    if asked.prod_date and asked.expiry and asked.prod_date > asked.expiry:
        raise Rejection("bad_dates", "the expiry cannot be before the production date")
    if not 1 <= asked.units <= MAX_UNITS:
        raise Rejection("too_many_labels", f"1 to {MAX_UNITS} labels in one request")
    if asked.units > KEEPER_UNITS and role not in MANY_UNITS:
        raise Rejection(
            "too_many_labels",
            f"more than {KEEPER_UNITS} labels in one request are for a supervisor to ask",
        )
    return Labels(asked.printer, asked.gtin.zfill(14), asked.batch, qty, asked.units,
                  asked.prod_date, asked.expiry, asked.by_item)  # fmt: skip


# --- what a gateway reports ---------------------------------------------------------------


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _text(value: Any, longest: int) -> bool:
    return isinstance(value, str) and len(value) <= longest and unprintable(value) is None


def printers_of(value: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The report's `printers` that are well formed, as kept with the depot's status, and what
    is wrong with each of the others (left out: one bad entry takes no other with it)."""
    return _each(value, "printers", MAX_PRINTERS, _printer, lambda p: p["printer"])


def _each(
    value: Any, name: str, most: int, parse: Callable[[Any, str], T], key: Callable[[T], Any]
) -> tuple[list[T], list[str]]:
    """The well-formed entries of a report's list (the first of any named twice, at most
    `most`), and what is wrong with each entry left out."""
    if not isinstance(value, list):
        return [], [f"{name} must be a list"]
    problems = [f"{name}: only the first {most} taken"] if len(value) > most else []
    found: dict[Any, T] = {}
    for n, entry in enumerate(value[:most]):
        where = f"{name}[{n}]"
        try:
            made = parse(entry, where)
        except ReportError as exc:
            problems.append(str(exc))
            continue
        if key(made) in found:
            problems.append(f"{where}: {key(made)} is named twice")
            continue
        found[key(made)] = made
    return list(found.values()), problems


def _printer(entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ReportError(f"{where} must be an object")
    name = entry.get("printer")
    if not isinstance(name, str) or not _PRINTER.fullmatch(name):
        raise ReportError(f"{where}.printer must be 1 to 40 of A-Z a-z 0-9 . _ -")
    if entry.get("kind") not in PRINTER_KINDS:
        raise ReportError(f"{where}.kind must be one of {', '.join(PRINTER_KINDS)}")
    if not isinstance(entry.get("rfid", False), bool):
        raise ReportError(f"{where}.rfid must be true or false")
    for key in ("queued", "held"):
        if not _whole(entry.get(key, 0), 0, MAX_JOBS):
            raise ReportError(f"{where}.{key} must be a whole number, 0 to {MAX_JOBS}")
    trouble = entry.get("trouble")
    if trouble is not None and not (isinstance(trouble, str) and _TROUBLE.fullmatch(trouble)):
        raise ReportError(f"{where}.trouble must be null or 1 to 40 of a-z and _")
    return {
        "printer": name, "kind": entry["kind"], "rfid": entry.get("rfid", False),
        "queued": entry.get("queued", 0), "held": entry.get("held", 0), "trouble": trouble,
    }  # fmt: skip


def outcomes_of(value: Any) -> tuple[list[PrintOutcome], list[str]]:
    """The report's `print_requests` that are well formed, and what is wrong with each of the
    others (left out; a request named twice: its first outcome is taken)."""
    return _each(value, "print_requests", MAX_OUTCOMES, _outcome, lambda o: o.id)


def _outcome(entry: Any, where: str) -> PrintOutcome:
    if not isinstance(entry, dict):
        raise ReportError(f"{where} must be an object")
    if not _whole(entry.get("id"), 1, MAX_ID):
        raise ReportError(f"{where}.id must be a whole number above 0")
    if entry.get("state") not in REPORTED:
        raise ReportError(f"{where}.state must be one of {', '.join(REPORTED)}")
    for key in ("jobs", "printed"):
        if not _whole(entry.get(key, 0), 0, MAX_JOBS):
            raise ReportError(f"{where}.{key} must be a whole number, 0 to {MAX_JOBS}")
    if entry.get("printed", 0) > entry.get("jobs", 0):
        raise ReportError(f"{where}: more printed than its jobs")
    for key in ("first_sscc", "last_sscc"):
        code = entry.get(key)
        if code is not None and not (isinstance(code, str) and _SSCC.fullmatch(code)):
            raise ReportError(f"{where}.{key} must be null or an SSCC of 18 digits")
    for key in ("reason_zh", "reason_en"):
        if not _text(entry.get(key, ""), MAX_REASON):
            raise ReportError(f"{where}.{key} must be one line of at most {MAX_REASON}")
    return PrintOutcome(
        entry["id"], entry["state"], entry.get("jobs", 0), entry.get("printed", 0),
        entry.get("first_sscc"), entry.get("last_sscc"),
        entry.get("reason_zh", ""), entry.get("reason_en", ""),
    )  # fmt: skip
