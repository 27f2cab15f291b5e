"""The evidence the measures ask of a decision, and the clocks they set (pure).

- acceptance (art. 8): a quality report from the testing agency is the basis for accepting
  goods; the storage centre reports the purchase and acceptance in writing within 10 working
  days (`report_clock`);
- scrapping (art. 25): a quality report, at least three experts each with an opinion, and
  "overdue" only for goods past their storage years (`check_overdue`; the storage limit is
  the one FIFO counts with, kernel/fifo.py);
- re-inspection (art. 25(4)): only for stock at or near its storage limit, and valid for a
  period (`Policy`);
- dispatch (arts. 19, 21): a notice time cannot lie in the future.

Working days are Monday to Friday. Public holidays and the weekend days worked in their place
(调休) are not known to the clock: around them it counts a day or two off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from kernel.fifo import storage_limit
from server.domain.floor import Rejection

REPORT_WORKING_DAYS = 10  # art. 8
MIN_EXPERTS = 3  # art. 25(1)
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of the server a sender's clock may be


@dataclass(frozen=True, slots=True)
class Policy:
    """The periods the measures leave to the storage centre, set when the server starts."""

    reinspection_valid_days: int = 365  # a passed re-inspection counts this long
    reinspection_window_days: int = 90  # "near" the storage limit: this many days before it

    def __post_init__(self) -> None:
        if not 1 <= self.reinspection_valid_days <= 3650:
            raise ValueError("a re-inspection is valid for 1 to 3650 days")
        if not 0 <= self.reinspection_window_days <= 3650:
            raise ValueError("the re-inspection window is 0 to 3650 days")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start`."""
    day = start
    while n > 0:
        day += timedelta(days=1)
        n -= is_working_day(day)
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is before
    `start` (the working days from `end`, exclusive, to `start`, inclusive)."""
    if end < start:
        return -working_days_between(end, start)
    weeks, rest = divmod((end - start).days, 7)
    return weeks * 5 + sum(is_working_day(start + timedelta(days=i)) for i in range(1, rest + 1))


@dataclass(frozen=True, slots=True)
class Clock:
    """The acceptance report's deadline as the dashboard and the API show it."""

    due: date
    working_days_left: int  # negative: late by that many working days
    filed: bool
    late: bool  # filed after the deadline, or not filed and past it


def report_clock(accepted_on: date, today: date, filed_on: date | None = None) -> Clock:
    due = add_working_days(accepted_on, REPORT_WORKING_DAYS)
    until = filed_on or today
    return Clock(due, working_days_between(until, due), filed_on is not None, until > due)


def check_report(reference: str | None, what: str) -> str:
    """The quality report's number, required (report_missing)."""
    if reference is None or not reference.strip():
        raise Rejection("report_missing", f"{what} needs its quality report (质量检验报告) number")
    return reference.strip()


def check_experts(experts: Sequence[tuple[str, str]]) -> None:
    """At least three different experts, each with an opinion (art. 25(1): 形成处置意见)."""
    names = {name.strip() for name, _ in experts if name.strip()}
    if len(names) < MIN_EXPERTS:
        raise Rejection(
            "too_few_experts", f"at least {MIN_EXPERTS} different experts must assess the goods"
        )
    silent = [name.strip() or "?" for name, opinion in experts if not opinion.strip()]
    if silent:
        raise Rejection(
            "opinion_missing", f"each expert gives an opinion; none from {', '.join(silent)}"
        )


def check_overdue(made: date, storage_years: int, today: date) -> None:
    """Goods scrapped as overdue are past their storage years (not_overdue)."""
    limit = storage_limit(made, storage_years)
    if limit >= today:
        raise Rejection(
            "not_overdue",
            f"made {made}, {storage_years} storage years: overdue only after {limit}",
        )


def check_reinspection_due(made: date, storage_years: int, today: date, policy: Policy) -> None:
    """A re-inspection is for stock at its storage limit or within the window before it."""
    limit = storage_limit(made, storage_years)
    opens = limit - timedelta(days=policy.reinspection_window_days)
    if today < opens:
        raise Rejection(
            "not_due",
            f"storage limit {limit}: a re-inspection is recorded from {opens} "
            f"({policy.reinspection_window_days} days before)",
        )


def reinspection_valid_until(passed_on: date, policy: Policy) -> date:
    return passed_on + timedelta(days=policy.reinspection_valid_days)


def check_not_future(at: datetime, now: datetime, what: str) -> None:
    """A time the sender says has happened cannot lie ahead (beyond the clocks' skew); a time
    without a zone is UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if at > now + CLOCK_SKEW:
        raise Rejection(
            "in_future",
            f"{what} {at.isoformat()} is in the future (the server's time is {now.isoformat()})",
        )
