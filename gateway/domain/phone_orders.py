"""An emergency dispatch ordered by phone while the depot is cut off from the centre (pure).

The measures let an emergency dispatch start on a phone order, the written order following
within 48 hours (art. 19(4)), and ask for the first batch in the disaster area within 8 hours
(art. 21). When the line to the centre is down, a supervisor of the depot records the call at
the gateway: who called (name, unit, telephone number), the dispatch notice's number if one
was given, the destination, the lines (item, quantity) and when the call came.

    `check_call`  the form as typed, checked against the bounds: a `PhoneOrder`, or every
                  problem by its field (Chinese first, English beside)
    `plan`        each line's stock taken from the depot's own book by the kernel's FIFO rule,
                  the rule the server reserves by inside a depot (kernel/fifo.py): overdue
                  batches that passed a re-inspection still valid today first, then the
                  earliest inbound date, production date, walk order; overdue stock without a
                  valid pass is never taken
    `clocks`      the 8-hour and 48-hour clocks, from the call (kernel/dispatch_clocks.py)
    `wire`        the order as it goes to the centre when the line is back
                  (`POST /api/v1/gateway/phone-orders`): the call and the plan the floor
                  picks and loads, which the centre takes as fact

No IO: the caller reads the book, the clock and the depot's date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from gateway.domain import form_checks as checks
from gateway.domain.form_checks import Problem
from kernel import bounds
from kernel.dispatch_clocks import first_batch_due, written_order_due
from kernel.fifo import Lot, fifo_key, offerable, overdue, passed

MAY_RECORD = ("supervisor", "admin")  # the depot's supervisor takes the call (art. 19(4))
MAX_LINES = 200  # the server's bound on an order's lines
MAX_NAME = 200
MAX_NUMBER = 64  # the server's bound on a notice or order number
EARLIEST_CALL = timedelta(hours=48)  # a call recorded later than this has missed its order
CLOCK_SKEW = timedelta(minutes=5)  # a call "now" on a clock a little ahead of the gateway's
OUTBOX_TYPE = "phone_order"  # its place among the depot's events going to the centre


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    unit: str  # the unit the caller speaks for (the emergency-management bureau, a county)
    phone: str


@dataclass(frozen=True, slots=True)
class Line:
    item: str
    qty: int


@dataclass(frozen=True, slots=True)
class PhoneOrder:
    caller: Caller
    notice: str | None  # the dispatch notice's number, when the caller gave one
    destination: str
    lines: tuple[Line, ...]
    called_at: datetime  # aware


@dataclass(frozen=True, slots=True)
class Clocks:
    first_batch_due: datetime  # art. 21: the first batch in the disaster area
    written_order_due: datetime  # art. 19(4): the written order


@dataclass(frozen=True, slots=True)
class Stack:
    """Stock of one batch at one location of the depot that an order may take now."""

    item: str
    batch: str
    location: str
    qty: int
    lot: Lot


@dataclass(frozen=True, slots=True)
class Pick:
    seq: int  # the order in which the pick list names them
    item: str
    batch: str
    location: str
    qty: int
    reinspected: bool  # overdue, with a re-inspection pass valid today: taken first


@dataclass(frozen=True, slots=True)
class Plan:
    picks: tuple[Pick, ...]
    short: tuple[Line, ...]  # what the depot's stock could not give, by line

    def taken(self, item: str) -> int:
        return sum(p.qty for p in self.picks if p.item == item)


def check_call(
    form: Mapping[str, str],
    lines: Iterable[tuple[str, str]],
    known_items: frozenset[str],
    now: datetime,
    zone: tzinfo,
) -> PhoneOrder | list[Problem]:
    """The call as typed (`form`: caller_name, caller_unit, caller_phone, notice,
    destination, called_at as an ISO time, read in the depot's `zone` when it has no offset,
    as a browser's date-and-time field sends it; `lines`: (item, quantity) as typed, blank
    rows left out) checked: the order, or every problem found, each by its field."""
    problems: list[Problem] = []

    name = checks.line(form, "caller_name", "来电人姓名", "caller's name", MAX_NAME, problems)
    unit = checks.line(form, "caller_unit", "来电单位", "caller's unit", MAX_NAME, problems)
    phone = checks.phone(form, "caller_phone", "来电号码", "caller's number", problems)
    notice = form.get("notice", "").strip() or None
    if notice is not None and (len(notice) > MAX_NUMBER or not bounds.is_line(notice)):
        problems.append(
            Problem("notice", f"通知编号最多 {MAX_NUMBER} 个字符",
                    f"the notice number is at most {MAX_NUMBER} characters")
        )  # fmt: skip
    destination = checks.line(form, "destination", "目的地", "destination", MAX_NAME, problems)
    called_at = _called_at(form.get("called_at", ""), now, zone, problems)
    order_lines = _lines(lines, known_items, problems)
    if problems or called_at is None:
        return problems
    return PhoneOrder(Caller(name, unit, phone), notice, destination, order_lines, called_at)


def _called_at(typed: str, now: datetime, zone: tzinfo, problems: list[Problem]) -> datetime | None:
    try:
        called = datetime.fromisoformat(typed.strip()[:40])
    except ValueError:
        called = None
    if called is not None and called.tzinfo is None:
        called = called.replace(tzinfo=zone)
    if called is None:
        problems.append(Problem("called_at", "请填写来电时间", "the time of the call is needed"))
        return None
    if called > now + CLOCK_SKEW:
        problems.append(
            Problem("called_at", "来电时间不能晚于现在", "the call cannot be in the future")
        )
    elif called < now - EARLIEST_CALL:
        problems.append(
            Problem("called_at", "来电已超过 48 小时，请等待书面调拨通知",
                    "the call is over 48 hours old: wait for the written order")
        )  # fmt: skip
    return called


def _lines(
    typed: Iterable[tuple[str, str]], known_items: frozenset[str], problems: list[Problem]
) -> tuple[Line, ...]:
    out: list[Line] = []
    seen: set[str] = set()
    for n, (item, qty_text) in enumerate(typed):
        field = f"line-{n}"
        item = item.strip()
        if n >= MAX_LINES:
            problems.append(
                Problem(field, f"一次最多 {MAX_LINES} 行", f"at most {MAX_LINES} lines")
            )
            break
        if item not in known_items:
            problems.append(Problem(field, f"没有物资 {item}", f"no item {item}"))
            continue
        if item in seen:
            problems.append(
                Problem(field, f"物资 {item} 已在前面一行", f"item {item} is on a line above")
            )
            continue
        try:
            qty = bounds.quantity(field, int(qty_text.strip()))
        except (ValueError, bounds.OutOfBounds):
            problems.append(
                Problem(field, f"数量为 1 到 {bounds.MAX_QTY:,} 的整数",
                        f"the quantity is a whole number from 1 to {bounds.MAX_QTY:,}")
            )  # fmt: skip
            continue
        seen.add(item)
        out.append(Line(item, qty))
    if not out and not problems:
        problems.append(Problem("line-0", "至少一行物资", "at least one line"))
    return tuple(out)


def clocks(called_at: datetime) -> Clocks:
    """Both clocks run from the call."""
    return Clocks(first_batch_due(called_at), written_order_due(called_at))


def plan(lines: Iterable[Line], stacks: Iterable[Stack], today: date) -> Plan:
    """Each line filled from the depot's stacks of its item in the FIFO order, as far as
    they go; stacks that may not go out (overdue without a valid pass) are never taken.
    `today` is the depot's date."""
    by_item: dict[str, list[Stack]] = {}
    for stack in stacks:
        if stack.qty > 0 and offerable(stack.lot, today):
            by_item.setdefault(stack.item, []).append(stack)
    picks: list[Pick] = []
    short: list[Line] = []
    for line in lines:
        left = line.qty
        ordered = sorted(by_item.get(line.item, []), key=lambda s: fifo_key(s.lot, today))
        for stack in ordered:
            if left == 0:
                break
            n = min(left, stack.qty)
            first = overdue(stack.lot, today) and passed(stack.lot, today)
            picks.append(Pick(len(picks) + 1, line.item, stack.batch, stack.location, n, first))
            left -= n
        if left:
            short.append(Line(line.item, left))
    return Plan(tuple(picks), tuple(short))


def wire(
    number: str, order: PhoneOrder, made: Plan, recorded_by: str, recorded_at: datetime
) -> dict[str, object]:
    """The order as the centre takes it: the call, its lines and the stacks planned."""
    return {
        "number": number,
        "called_at": order.called_at.isoformat(),
        "caller": {"name": order.caller.name, "unit": order.caller.unit,
                   "phone": order.caller.phone},
        "notice": order.notice,
        "destination": order.destination,
        "lines": [{"item": x.item, "qty": x.qty} for x in order.lines],
        "picks": [{"item": p.item, "location": p.location, "batch": p.batch, "qty": p.qty}
                  for p in made.picks],
        "recorded_by": recorded_by,
        "recorded_at": recorded_at.isoformat(),
    }  # fmt: skip
