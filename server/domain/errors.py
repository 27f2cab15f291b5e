"""Every error the server raises on purpose, in one tree. An entry point never picks an
HTTP status for one of them: the app's one handler (server.web.errors.answer) looks the
exception's class up, nearest first, and the commands print the message.

    DepotError                  the base: an error the server means (never a 500)
    ├── Rejection               a rule refuses; `reason` is a short code, its status comes
    │   │                       from REASON_STATUS below (404 unknown_*, 409 the state, 403
    │   │                       same_person, 422 the rest); floor events carry it per event
    │   ├── BasisError          a posting without the record that allows it (domain.basis)
    │   └── FloorAccessError    a floor PIN or grant that cannot be set (reason bad_pin)
    ├── Refused                 outside what the caller may do: 401, 403 or 404 with a reason
    │   │                       (domain.scope decides, web.guard asks)
    │   ├── NotSignedIn         a page asked for without a session: the login page
    │   ├── NotForRole          a page the role or depot may not see: a 403 page
    │   └── NotFoundPage        a page about a record not there, or not this person's: 404 page
    ├── Forgery                 a form without its token, or from another site: 403
    ├── Throttled               too many failed logins: 429 with Retry-After
    ├── Invalid (ValueError)    input that was read but cannot be used: 422 with the sentence
    │   ├── BadCursor           a sync cursor this server did not make
    │   ├── ReportError         a month not finished yet, a gateway report the server cannot use
    │   └── ZoneError           a time zone the zone database does not know (at start)
    ├── ImportRefused (ValueError)  a master data file: 422 with every error by line
    │   └── TableError          a file that is not a table at all (its error on line 0)
    ├── LedgerError             postings the stock cannot take (a service turns it into a
    │                           Rejection with the reason that fits)
    └── SetupError              what a command cannot do as asked (the command prints it)
        ├── AccountError        an account that cannot be created
        ├── MasterDataError     master data that cannot be loaded
        └── CheckpointError     a key or checkpoint that cannot be used
"""

from __future__ import annotations

from dataclasses import dataclass


class DepotError(Exception):
    """An error the server raises on purpose; the message says what is wrong."""


class Rejection(DepotError):
    """An event or request the ledger will not take; `reason` is a short code, `detail`
    explains."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class BasisError(Rejection):
    """Postings the ledger refuses for their author or basis; `reason` is a short code."""


class FloorAccessError(Rejection):
    """A floor PIN or grant that cannot be set as asked; says why."""

    def __init__(self, detail: str) -> None:
        super().__init__("bad_pin", detail)


class Refused(DepotError):
    """The request is outside what its caller may do: 401, 403 or 404, with the reason."""

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.reason = reason


class NotSignedIn(Refused):
    """A page asked for without a session: the login page answers."""

    def __init__(self, detail: str = "not signed in") -> None:
        super().__init__(401, "not_signed_in", detail)


class NotForRole(Refused):
    """A page, or a part of one, that the person's role or depot may not see: a 403 page."""

    def __init__(self, detail: str) -> None:
        super().__init__(403, "role_not_allowed", detail)


class NotFoundPage(Refused):
    """A page about a record that does not exist, or not for this person: a 404 page."""

    def __init__(self, detail: str) -> None:
        super().__init__(404, "not_found", detail)


class Forgery(DepotError):
    """A state-changing request a browser may have been made to send (kernel/csrf.py)."""


class Throttled(DepotError):
    """Too many failed logins for this name or from this address: try again after
    `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


class Invalid(DepotError, ValueError):
    """Input that was read but cannot be used; the message says why."""


class BadCursor(Invalid):
    """A cursor this server did not make."""


class ReportError(Invalid):
    """A report that cannot be made (yet), or a gateway's report the server cannot use."""


class ZoneError(Invalid):
    """A time zone name the zone database does not know."""


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with one line of a master data file (line 0: the file as a whole; line 1
    the header): `message` in English, `zh` in Chinese, `column` the column it is in ("" for
    the line or the file as a whole)."""

    line: int
    message: str
    column: str = ""
    zh: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportRefused(DepotError, ValueError):
    """A master data file refused whole, with every error by line."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors, nothing imported")
        self.errors = errors


class TableError(ImportRefused):
    """A file that cannot be read as a table at all."""

    def __init__(self, message: str) -> None:
        super().__init__([RowError(0, message, zh="文件无法读取")])
        self.args = (message,)


class LedgerError(DepotError):
    """Postings the stock cannot take (the reason is the message)."""


class SetupError(DepotError):
    """What a command cannot do as asked; the command prints the message."""


class AccountError(SetupError):
    """An account or a gateway that cannot be made or changed as asked; `reason` is a short
    code (server/dash/refusals.py), the message says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class MasterDataError(SetupError):
    """Master data that cannot be loaded as given."""


class CheckpointError(SetupError):
    """A key or a checkpoint that cannot be used (the reason is the message)."""


# Reason codes by the status they answer with; any other refusal is 422 (the request breaks
# a rule). Floor events carry the same status per event in the batch's answer.
REASON_STATUS: dict[int, frozenset[str]] = {
    400: frozenset({"bad_event_id", "bad_query"}),
    403: frozenset(
        {
            "same_person",
            "role_not_allowed",
            "warehouse_not_allowed",
            "own_account",
            "not_decider",
            "too_many_labels",
        }
    ),
    404: frozenset(
        {
            "unknown_order",
            "unknown_notice",
            "unknown_supplier",
            "unknown_warehouse",
            "unknown_place",
            "unknown_item",
            "unknown_gtin",
            "unknown_batch",
            "unknown_location",
            "unknown_stocktake",
            "unknown_line",
            "unknown_zone",
            "unknown_handover",
            "unknown_note_line",
            "unknown_proposal",
            "unknown_acceptance",
            "unknown_user",
            "unknown_gateway",
        }
    ),
    409: frozenset(
        {
            "duplicate_number",
            "duplicate_epc",
            "user_exists",
            "gateway_exists",
            "not_open",
            "busy",
            "notice_closed",
            "already_arrived",
            "nothing_to_hand_over",
            "insufficient_stock",
            "not_counting",
            "not_closed",
            "reason_missing",
            "stock_limit",
            "already_decided",
            "lines_not_counted",
            "not_returned",
            "over_rejected",
            "not_on_pick_list",
            "over_pick_list",
            "report_attached",
            "already_confirmed",
            "above_handed_over",
        }
    ),
}


def status_of(reason: str) -> int:
    for status, reasons in REASON_STATUS.items():
        if reason in reasons:
            return status
    return 422
