"""The depot-scope rules (server/domain/scope.py), and the application refusing a route that
declares none (server/web/guard.py). No database: the rules are pure, and building the app
connects to nothing."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from sqlalchemy import create_engine

from harness.scope_cases import CASES, route_keys
from kernel.clock import system_clock
from server.domain.errors import Refused
from server.domain.scope import ANY, Named, Network, Of, Own, Rule, Shared, decide
from server.services.auth import Device, User
from server.web.app import create_app
from server.web.guard import person, require_rules

BUREAU = User("sun", "孙", "dispatcher", None)
LC02_SUPERVISOR = User("zhao", "赵", "supervisor", "LC02")
LC02_AUDITOR = User("qian", "钱", "auditor", "LC02")
GATEWAY = Device("gateway-LC02", "LC02")


def refusal(rule: Rule, caller: User | Device | None, *found: object) -> tuple[int, str]:
    with pytest.raises(Refused) as refused:
        decide(rule, caller, found)  # type: ignore[arg-type]
    return refused.value.status, refused.value.reason


def test_a_named_depot_is_the_callers_own_or_any_for_the_unbound() -> None:
    rule = Rule("person", "read", (Named("warehouse"),))
    assert decide(rule, BUREAU, ("LC01",)).depot == "LC01"
    assert decide(rule, BUREAU, (None,)).depot is None  # every depot
    assert decide(rule, LC02_SUPERVISOR, (None,)).depot == "LC02"
    assert decide(rule, LC02_SUPERVISOR, ("LC02",)).depot == "LC02"
    assert decide(rule, LC02_SUPERVISOR, ("",)).depot == "LC02"
    assert refusal(rule, LC02_SUPERVISOR, "LC01") == (403, "other_depot")
    assert refusal(Rule("person_or_device", "read", (Named("warehouse"),)), GATEWAY, "LC01") == (
        403,
        "other_depot",
    )


def test_a_record_of_another_depot_does_not_exist_for_the_caller() -> None:
    part = Rule("person", "read", (Of("order", "order_id"),))
    whole = Rule("person", "dispatch", (Of("order", "order_id", whole=True),))
    both = frozenset({"LC01", "LC02"})
    assert decide(part, LC02_SUPERVISOR, (both,)).depot == "LC02"  # its part of the order
    assert decide(part, BUREAU, (both,)).depot is None
    assert refusal(part, LC02_SUPERVISOR, frozenset({"LC01"})) == (404, "unknown_order")
    assert refusal(part, BUREAU, None) == (404, "unknown_order")
    assert refusal(whole, LC02_SUPERVISOR, both) == (403, "other_depots")
    assert decide(whole, LC02_SUPERVISOR, (frozenset({"LC02"}),)).depot == "LC02"
    assert decide(whole, BUREAU, (both,)).depot is None
    assert decide(part, LC02_SUPERVISOR, (ANY,)).depot == "LC02"  # a malformed key: 422 later


def test_lists_show_the_callers_depot_and_the_network_changes_only_by_the_unbound() -> None:
    own = Rule("person", "audit", (Own(),))
    assert decide(own, LC02_AUDITOR, (None,)).depot == "LC02"
    assert decide(own, User("a", "a", "auditor", None), (None,)).depot is None
    network = Rule("person", "masterdata", (Network(),))
    admin = User("root", "root", "admin", None)
    assert decide(network, admin, (None,)).depot is None
    assert refusal(network, User("root2", "r", "admin", "LC01"), None) == (403, "network_only")
    shared = Rule("person", "read", (Shared(),))
    assert decide(shared, LC02_AUDITOR, (None,)).depot == "LC02"


def test_who_may_call() -> None:
    reads = Rule("person", "read", ())
    assert refusal(reads, None) == (401, "no_session")
    assert refusal(reads, GATEWAY) == (401, "no_session")  # a gateway token is no person
    assert refusal(Rule("device", None, ()), LC02_SUPERVISOR) == (401, "no_device")
    assert refusal(Rule("person", "accept", ()), LC02_AUDITOR) == (403, "role")
    assert decide(Rule("anyone", None, ()), None, ()).caller is None
    assert decide(Rule("device", None, (Own(),)), GATEWAY, (None,)).depot == "LC02"
    # the role is checked before anything about the depot is looked at
    assert refusal(Rule("person", "accept", (Named("warehouse"),)), LC02_AUDITOR, "LC01") == (
        403,
        "role",
    )


def test_the_app_refuses_a_route_without_a_rule() -> None:
    app = create_app(create_engine("sqlite://"), system_clock)
    forgotten = APIRouter()

    @forgotten.get("/api/v1/forgotten")
    def no_rule() -> dict[str, str]:
        return {}

    @forgotten.get("/api/v1/twice", dependencies=[person("read", Own()), person("audit", Own())])
    def two_rules() -> dict[str, str]:
        return {}

    @forgotten.get("/api/v1/nowhere", dependencies=[person("read")])
    def no_depot() -> dict[str, str]:
        return {}

    app.include_router(forgotten)
    with pytest.raises(RuntimeError) as refused:
        require_rules(app)
    assert "GET /api/v1/forgotten" in str(refused.value)
    assert "GET /api/v1/twice" in str(refused.value)
    assert "GET /api/v1/nowhere" in str(refused.value)


def test_the_scope_table_knows_every_route_of_the_app() -> None:
    """The route-by-route test's table (tests/harness/scope_cases.py) must name each route:
    a route added without writing down who may call it and on which depot fails here first."""
    served = route_keys(create_app(create_engine("sqlite://"), system_clock))
    known = {case.key for case in CASES}
    assert served - known == set(), "new routes without a scope rule in the table"
    assert known - served == set(), "the table names routes the server no longer has"
