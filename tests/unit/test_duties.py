"""The separation-of-duties table and the evidence rules, as pure functions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from server.domain import duties, evidence
from server.domain.floor import Rejection
from server.domain.permissions import PERMISSIONS


def approval(kind: str, role: str, person: str, proposer: str, *barred: str) -> duties.Approval:
    return duties.Approval(kind, role, person, frozenset({proposer}), frozenset(barred))


def reason(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(Rejection) as caught:
        call(*args)
    return caught.value.reason


@pytest.mark.parametrize("kind", sorted(duties.DUTIES))
def test_nobody_approves_what_they_proposed(kind: str) -> None:
    for role in duties.DUTIES[kind].approvers:
        refused = reason(duties.check_approval, approval(kind, role, "wang", "wang"))
        assert refused == "same_person"
        duties.check_approval(approval(kind, role, "zhou", "wang"))  # a second person may


def test_a_supervisor_cannot_approve_scrapping_the_commission_can() -> None:
    assert reason(duties.check_approval, approval("scrapping", "supervisor", "zhou", "wang")) == (
        "role_not_allowed"
    )
    duties.check_approval(approval("scrapping", "admin", "fgw", "wang"))
    assert not duties.may_propose("scrapping", "keeper")
    assert duties.may_propose("scrapping", "supervisor")


def test_who_counted_never_approves_the_adjustment() -> None:
    counted = approval("adjustment", "supervisor", "zhou", "wang", "li", "zhou")
    assert reason(duties.check_approval, counted) == "same_person"
    duties.check_approval(approval("adjustment", "supervisor", "zhang", "wang", "li", "zhou"))


def test_only_the_bureau_cancels_a_dispatch_and_not_its_planner() -> None:
    assert reason(duties.check_approval, approval("cancellation", "supervisor", "zhou", "sun")) == (
        "role_not_allowed"
    )
    assert reason(duties.check_approval, approval("cancellation", "dispatcher", "sun", "sun")) == (
        "same_person"
    )
    duties.check_approval(approval("cancellation", "dispatcher", "qin", "sun"))


def test_the_routes_permissions_come_from_the_table() -> None:
    for kind, duty in duties.DUTIES.items():
        assert PERMISSIONS[f"propose:{kind}"] == duty.proposers
        assert PERMISSIONS[f"approve:{kind}"] == duty.approvers
    mapped = {role for body in duties.BODIES for role in body.roles}
    assert mapped == {"supervisor", "keeper", "admin", "dispatcher", "auditor"}


def test_experts_each_give_an_opinion() -> None:
    named = [("张工", ""), ("李工", ""), ("王工", "")]
    assert reason(evidence.check_experts, named) == "opinion_missing"
    assert reason(evidence.check_experts, [("张工", "霉变")] * 3) == "too_few_experts"
    evidence.check_experts([("张工", "霉变"), ("李工", "破损"), ("王工", "同意报废")])


def test_overdue_only_past_the_storage_years() -> None:
    made = date(2025, 3, 1)
    assert reason(evidence.check_overdue, made, 5, date(2026, 12, 1)) == "not_overdue"
    assert reason(evidence.check_overdue, made, 5, date(2030, 3, 1)) == "not_overdue"
    evidence.check_overdue(made, 5, date(2030, 3, 2))
    leap = date(2016, 2, 29)  # seven years on there is no 29 February: the limit is the 28th
    assert reason(evidence.check_overdue, leap, 7, date(2023, 2, 28)) == "not_overdue"
    evidence.check_overdue(leap, 7, date(2023, 3, 1))


def test_a_reinspection_opens_a_window_before_the_limit() -> None:
    policy = evidence.Policy(reinspection_valid_days=30, reinspection_window_days=90)
    made = date(2021, 6, 1)  # limit 2026-06-01
    assert reason(evidence.check_reinspection_due, made, 5, date(2026, 3, 2), policy) == "not_due"
    evidence.check_reinspection_due(made, 5, date(2026, 3, 3), policy)  # 90 days before
    evidence.check_reinspection_due(made, 5, date(2027, 1, 1), policy)  # past it
    assert evidence.reinspection_valid_until(date(2026, 3, 3), policy) == date(2026, 4, 2)
    with pytest.raises(ValueError):
        evidence.Policy(reinspection_valid_days=0)


def test_the_acceptance_report_clock_counts_working_days() -> None:
    friday = date(2026, 11, 27)
    clock = evidence.report_clock(friday, friday)
    assert (clock.due, clock.working_days_left, clock.late) == (date(2026, 12, 11), 10, False)
    monday = evidence.report_clock(friday, date(2026, 11, 30))
    assert monday.working_days_left == 9
    late = evidence.report_clock(friday, date(2026, 12, 14))
    assert (late.working_days_left, late.late) == (-1, True)
    filed = evidence.report_clock(friday, date(2026, 12, 20), filed_on=date(2026, 12, 10))
    assert (filed.filed, filed.late, filed.working_days_left) == (True, False, 1)


def test_a_time_ahead_of_the_server_is_refused() -> None:
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    ahead = now + timedelta(days=5)
    assert reason(evidence.check_not_future, ahead, now, "the notice") == "in_future"
    evidence.check_not_future(now + timedelta(minutes=4), now, "the notice")  # clocks' skew
    evidence.check_not_future(now - timedelta(days=3), now, "the notice")
