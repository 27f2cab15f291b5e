"""Why a posting may be made: its basis (art. 29: every change needs an author and a basis).

Every posting names the record that allows it, and the ledger's one writer (server.services.ledger)
refuses a posting without one. The kinds of basis, what each must name and what it may do
to stock are the table RULES below; `check` holds a set of postings to it (pure, no
database). What only the database knows (the approval exists, is of the right kind and was
decided that way; the pick line, the stocktake line, the dispatch are there) the writer
checks in the same transaction, from the same table.

The kinds (each names its record; what its postings may do, taken together):

- receipt: the receiving event; + pending acceptance.
- return: the returning event; + on hold (reusable goods back, art. 24).
- move: the storing or moving event; between stacks, each status's postings adding to 0.
- pick_line: the loading event and the pick line of an open order it loads against;
  - reserved or available (and the reservation it replaced back to available).
- acceptance / rejection: the acceptance decided accepted / rejected; pending acceptance
  -> available / rejected (never available again: server.services.returns).
- supplier_return: the rejection (or a supplier return); - rejected (or on hold, for goods
  rejected before migration 0017).
- reservation / cancellation: the dispatch decision reserved / cancelled; available <->
  reserved.
- release: a dispatch released, or an approved adjustment, and the order; reserved ->
  available at the order's stacks.
- scrap_proposal: the proposal; available or on hold -> scrap pending.
- scrapping: the approval; - scrap pending.
- scrap_rejection: the proposal refused; scrap pending -> back to available or on hold.
- rotation: the rotation decision; - available.
- adjustment: the approved adjustment and its stocktake; each stack by its line's variance.
- restock: the return inspection and the dispatch the goods came back from; on hold ->
  available, never more than the dispatch loaded of the batch.
- opening: nothing; + into an empty ledger only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol

from server.domain.bounds import unprintable
from server.domain.errors import BasisError

STATUSES = frozenset(
    {"pending_acceptance", "available", "reserved", "on_hold", "scrap_pending", "rejected"}
)
MAX_AUTHOR = 64
MAX_REF = 64


class Kind(StrEnum):
    RECEIPT = "receipt"
    RETURN = "return"
    MOVE = "move"
    PICK_LINE = "pick_line"
    ACCEPTANCE = "acceptance"
    REJECTION = "rejection"
    SUPPLIER_RETURN = "supplier_return"
    RESERVATION = "reservation"
    CANCELLATION = "cancellation"
    RELEASE = "release"
    SCRAP_PROPOSAL = "scrap_proposal"
    SCRAPPING = "scrapping"
    SCRAP_REJECTION = "scrap_rejection"
    ROTATION = "rotation"
    ADJUSTMENT = "adjustment"
    RESTOCK = "restock"
    OPENING = "opening"


Net = Literal["in", "out", "zero", "any"]


@dataclass(frozen=True, slots=True)
class Rule:
    """What a kind of basis must name and what its postings may do, taken together."""

    needs: Literal["event", "approval", "nothing"]
    takes: frozenset[str]  # statuses its postings may lower
    gives: frozenset[str]  # statuses its postings may raise
    net: Net  # the sign of the sum of its postings: goods in, out, or neither
    ref: str | None = None  # what `Basis.ref` names, if the kind needs one
    events: frozenset[str] = frozenset()  # event types it may be (needs "event")
    # approval kind -> the decisions that allow it (needs "approval")
    approvals: Mapping[str, frozenset[str]] = field(default_factory=dict)
    keeps_status: bool = False  # every status's postings add up to nothing (a move)


ANY_STATUS = STATUSES


def _decided(**decisions: str) -> dict[str, frozenset[str]]:
    """approval kind -> the decisions (space-separated) that allow a basis."""
    return {kind: frozenset(names.split()) for kind, names in decisions.items()}


def _event(takes: str, gives: str, net: Net, types: str, ref: str | None = None) -> Rule:
    return Rule("event", _s(takes), _s(gives), net, ref, events=_s(types))


def _decision(takes: str, gives: str, net: Net, ref: str | None = None, **by: str) -> Rule:
    return Rule("approval", _s(takes), _s(gives), net, ref, approvals=_decided(**by))


def _s(names: str) -> frozenset[str]:
    return ANY_STATUS if names == "*" else frozenset(names.split())


RULES: dict[Kind, Rule] = {
    Kind.RECEIPT: _event("", "pending_acceptance", "in", "receiving"),
    Kind.RETURN: _event("", "on_hold", "in", "returning"),
    Kind.MOVE: Rule(
        "event", ANY_STATUS, ANY_STATUS, "zero", events=_s("storing moving"), keeps_status=True
    ),
    Kind.PICK_LINE: _event("reserved available", "available", "out", "loading", "pick line"),
    Kind.ACCEPTANCE: _decision("pending_acceptance", "available", "zero", acceptance="accepted"),
    Kind.REJECTION: _decision("pending_acceptance", "rejected", "zero", acceptance="rejected"),
    # rejected goods (on hold if rejected before migration 0017) back to the supplier
    Kind.SUPPLIER_RETURN: _decision(
        "rejected on_hold", "", "out", acceptance="rejected", supplier_return="returned"
    ),
    Kind.RESERVATION: _decision("available", "reserved", "zero", dispatch="reserved"),
    Kind.CANCELLATION: _decision("reserved", "available", "zero", dispatch="cancelled"),
    Kind.RELEASE: _decision(
        "reserved", "available", "zero", "order", dispatch="released", adjustment="approved"
    ),
    Kind.SCRAP_PROPOSAL: _decision(
        "available on_hold", "scrap_pending", "zero", scrap_proposal="proposed approved"
    ),
    Kind.SCRAPPING: _decision("scrap_pending", "", "out", scrapping="approved"),
    Kind.SCRAP_REJECTION: _decision(
        "scrap_pending", "available on_hold", "zero", scrap_rejection="rejected"
    ),
    Kind.ROTATION: _decision("available", "", "out", rotation="rotated_out approved"),
    Kind.ADJUSTMENT: _decision("*", "*", "any", "stocktake", adjustment="approved"),
    Kind.RESTOCK: _decision("on_hold", "available", "zero", "order", return_inspection="restocked"),
    Kind.OPENING: Rule("nothing", frozenset(), ANY_STATUS, "in"),
}


@dataclass(frozen=True, slots=True)
class Basis:
    """The record a posting stands on. Postings with equal bases are one movement and are
    held to their rule together (a move's two postings add up to nothing)."""

    kind: Kind
    event_id: str | None = None  # the floor event (needs "event")
    approval_id: int | None = None  # the decision (needs "approval")
    ref: str | None = None  # the pick line's id, the stocktake's id, the order's number

    @property
    def rule(self) -> Rule:
        return RULES[self.kind]


def on_event(kind: Kind, event_id: str, ref: str | None = None) -> Basis:
    return Basis(kind, event_id=event_id, ref=ref)


def on_decision(kind: Kind, approval_id: int, ref: str | int | None = None) -> Basis:
    return Basis(kind, approval_id=approval_id, ref=None if ref is None else str(ref))


OPENING = Basis(Kind.OPENING)


class Entry(Protocol):
    """What `check` reads of a posting (server.services.ledger.Posting)."""

    @property
    def status(self) -> str: ...
    @property
    def qty(self) -> int: ...
    @property
    def author(self) -> str: ...
    @property
    def basis(self) -> Basis | None: ...


def check(entries: Iterable[Entry]) -> dict[Basis, int]:
    """Hold postings to their authors and bases; returns the net quantity of each basis.
    BasisError names the first posting or movement that breaks a rule."""
    nets: dict[Basis, int] = {}
    kept: dict[tuple[Basis, str], int] = {}
    authors: set[str] = set()
    for entry in entries:
        basis, qty = entry.basis, entry.qty
        if basis is None:
            raise BasisError("no_basis", "a posting names the record that allows it")
        rule = RULES.get(basis.kind)
        if rule is None:
            raise BasisError("bad_basis", f"{basis.kind!r} is not a kind of basis")
        if basis not in nets:
            _named(basis, rule)
        if entry.author not in authors:
            _author(entry.author)
            authors.add(entry.author)
        if type(qty) is not int or qty == 0:
            raise BasisError("bad_quantity", "a posting changes the quantity by a whole number")
        allowed = rule.gives if qty > 0 else rule.takes
        if entry.status not in allowed:
            way = "raise" if qty > 0 else "lower"
            raise BasisError("not_allowed", f"a {basis.kind} may not {way} {entry.status} stock")
        nets[basis] = nets.get(basis, 0) + qty
        if rule.keeps_status:
            key = (basis, entry.status)
            kept[key] = kept.get(key, 0) + qty
    for basis, net in nets.items():
        _net(basis, net)
    if any(kept.values()):
        raise BasisError("not_allowed", "a move keeps the status of what it moves")
    return nets


def _named(basis: Basis, rule: Rule) -> None:
    needs_event, needs_approval = rule.needs == "event", rule.needs == "approval"
    if needs_event != bool(basis.event_id) or needs_approval != (basis.approval_id is not None):
        names = {"event": "its floor event", "approval": "its decision", "nothing": "no record"}
        raise BasisError("no_basis", f"a {basis.kind} names {names[rule.needs]}")
    if (rule.ref is None) != (basis.ref is None):
        wanted = f"the {rule.ref}" if rule.ref else "nothing more"
        raise BasisError("no_basis", f"a {basis.kind} names {wanted}")
    if basis.ref is not None and (len(basis.ref) > MAX_REF or unprintable(basis.ref)):
        raise BasisError("bad_basis", f"a basis names a record in one line of {MAX_REF}")


def _author(author: object) -> None:
    if not isinstance(author, str) or not author.strip():
        raise BasisError("no_author", "a posting names who made it")
    if len(author) > MAX_AUTHOR or unprintable(author):
        raise BasisError("no_author", f"an author is one line of at most {MAX_AUTHOR}")


def _net(basis: Basis, net: int) -> None:
    wanted = basis.rule.net
    ok = {"in": net > 0, "out": net < 0, "zero": net == 0, "any": True}[wanted]
    if not ok:
        what = {"in": "brings goods in", "out": "takes goods out", "zero": "moves goods"}
        raise BasisError("not_allowed", f"a {basis.kind} only {what[wanted]} (its net is {net})")


def problem(
    kind: str, event_id: str | None, approval_id: int | None, ref: str | None, status: str, qty: int
) -> str | None:
    """What is wrong with one stored posting's basis taken alone, or None
    (server.services.verify)."""
    try:
        basis = Basis(Kind(kind), event_id, approval_id, ref)
        _named(basis, basis.rule)
    except (ValueError, BasisError) as exc:
        return f"its basis is not one the ledger takes ({exc})"
    allowed = basis.rule.gives if qty > 0 else basis.rule.takes
    if status not in allowed:
        return f"a {kind} may not {'raise' if qty > 0 else 'lower'} {status} stock"
    return None
