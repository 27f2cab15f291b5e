"""Depot scope: who may call a route, and which depot's data it may show or change.

Every route of the server declares one `Rule` (through `server.web.guard`): who may call it (a
person with a permission, a gateway, or anyone) and where the depot it concerns is found:

- `Named("warehouse", "query")` / `Named("warehouse", "body")`: the request names it (the
  body: a JSON body's field, or a page's form field of that name). A
  caller bound to a depot may name its own or none (then its own is meant); an unbound
  caller may name any, and none means every depot.
- `Of("order", "order_id")`: a record's depots (an order's: those it takes from; a
  stocktake's, an approval's, a handover note's, an event's: the one it belongs to). A bound
  caller must be one of them (`whole=True`: the only one, for changes to the whole record);
  otherwise the record does not exist for it (404).
- `Own()`: the caller's own depot, or every depot for an unbound caller (lists, the audit
  trail, a dispatch planned from one depot's stock).
- `Shared()`: data of no depot (the catalogue, the list of depots, health, logging in).
- `Network()`: a change to the whole network (master data): unbound callers only.

`decide` is the rule applied to what was found about the request (pure); the answer is the
`Scope` the route works in: `scope.depot` is the one depot it may show or act on, or None
for every depot. A bound caller's scope is always its own depot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from server.domain.errors import Refused
from server.domain.permissions import allowed
from server.domain.security import Device, User

Caller = User | Device
Who = Literal["anyone", "person", "device", "person_or_device"]
Source = Literal["query", "body"]
RecordKind = Literal["order", "stocktake", "approval", "notice", "handover", "event"]


@dataclass(frozen=True, slots=True)
class Named:
    """The depot named by a query parameter, or a field of the JSON body or of a page's form."""

    field: str
    source: Source = "query"


@dataclass(frozen=True, slots=True)
class Of:
    """The depots of a record whose key is a path parameter."""

    record: RecordKind
    param: str
    whole: bool = False  # the caller's depot must be the record's only one


@dataclass(frozen=True, slots=True)
class Own:
    """The caller's own depot, or every depot."""


@dataclass(frozen=True, slots=True)
class Shared:
    """Nothing of any one depot."""


@dataclass(frozen=True, slots=True)
class Network:
    """A change to the whole network: callers bound to a depot may not make it."""


Locator = Named | Of | Own | Shared | Network


@dataclass(frozen=True, slots=True)
class Rule:
    who: Who
    permission: str | None
    where: tuple[Locator, ...]
    screen: bool = False  # a dashboard page: the login page and a 403 page, not JSON


@dataclass(frozen=True, slots=True)
class Scope:
    """What a request may see and do: its caller, and the one depot it is about (None:
    every depot)."""

    caller: Caller | None
    depot: str | None

    @property
    def user(self) -> User:
        if not isinstance(self.caller, User):
            raise TypeError("this route's rule admits people only")
        return self.caller

    @property
    def device(self) -> Device:
        if not isinstance(self.caller, Device):
            raise TypeError("this route's rule admits gateways only")
        return self.caller

    @property
    def named(self) -> str:
        """The depot of a route whose request must name one."""
        if self.depot is None:
            raise TypeError("this route's rule names no depot")
        return self.depot

    def sees(self, warehouse: str | None) -> bool:
        return self.depot is None or warehouse == self.depot


# What was found about a request, per locator: the depot named (Named), the record's depots
# (Of; None when there is no such record; ANY when its key is malformed, which the route's
# own validation refuses), nothing for the others.
ANY: frozenset[str] = frozenset({"*"})
Found = str | frozenset[str] | None


def decide(rule: Rule, caller: Caller | None, found: tuple[Found, ...]) -> Scope:
    """The scope of a request under `rule`, or Refused."""
    admit(rule, caller)
    own = caller.warehouse if caller is not None else None
    depot = own
    for locator, value in zip(rule.where, found, strict=True):
        if isinstance(locator, Named):
            named = value if isinstance(value, str) and value else None
            if own is not None and named not in (None, own):
                raise Refused(403, "other_depot", f"you may act on depot {own} only")
            depot = own or named or depot
        elif isinstance(locator, Of):
            _check_record(locator, own, value)
        elif isinstance(locator, Network) and own is not None:
            raise Refused(403, "network_only", "only people bound to no depot may change this")
    return Scope(caller, depot)


def admit(rule: Rule, caller: Caller | None) -> None:
    if rule.who == "anyone":
        return
    if rule.who == "device" and not isinstance(caller, Device):
        raise Refused(401, "no_device", "a valid gateway token is required")
    if rule.who == "person" and not isinstance(caller, User):
        raise Refused(401, "no_session", "log in first")
    if caller is None:
        raise Refused(401, "no_session", "log in or present a token")
    if isinstance(caller, User) and rule.permission and not allowed(caller.role, rule.permission):
        raise Refused(403, "role", f"the role {caller.role} may not {rule.permission}")


def _check_record(locator: Of, own: str | None, depots: Found) -> None:
    if depots is ANY:
        return
    missing = Refused(404, f"unknown_{locator.record}", f"no such {locator.record}")
    if not isinstance(depots, frozenset):
        raise missing
    if own is None:
        return
    if own not in depots:
        raise missing
    if locator.whole and depots != {own}:
        raise Refused(
            403, "other_depots", f"this {locator.record} concerns other depots too: ask the bureau"
        )
