"""Recording a phone order at the floor pages, and what its page shows (one transaction each;
the time is passed in). The rule is gateway/domain/phone_orders.py, the book
gateway/storage/phone_orders.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from gateway.domain.errors import NotAllowed
from gateway.domain.phone_orders import MAY_RECORD, Problem, check_call, clocks
from gateway.services.floor_pages import User
from gateway.storage import phone_orders
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore
from kernel.depot_time import depot_date, zone


def may_record(user: User) -> bool:
    return user.role in MAY_RECORD


def record_call(
    store: GatewayStore,
    user: User,
    form: Mapping[str, str],
    lines: Iterable[tuple[str, str]],
    depot: str,
    now: float,
) -> phone_orders.Recorded | list[Problem]:
    """The call checked and, if it holds, kept with its number and plan; else its problems."""
    if not may_record(user):
        raise NotAllowed(
            "只有主管可以记录电话调拨指令", "only a supervisor may record a phone order"
        )
    moment = datetime.fromtimestamp(now, UTC)
    with store.transaction() as db:
        checked = check_call(form, lines, phone_orders.item_codes(db), moment, zone())
        if isinstance(checked, list):
            return checked
        called_day = depot_date(checked.called_at)
        return phone_orders.record(
            db, checked, depot, called_day, depot_date(moment), user.username, now
        )


def order_page(store: GatewayStore, number: str, now: float) -> dict[str, Any] | None:
    """An order made here: the call, its pick list with what is picked and loaded, and its two
    clocks with the time left (negative: late)."""
    with store.reading() as db:
        order = phone_orders.kept(db, number)
        if order is None:
            return None
        lines = Book(db).pick_lines(number)
    due = clocks(datetime.fromisoformat(order["called_at"]))
    moment = datetime.fromtimestamp(now, UTC)
    return {
        **order,
        "picks": [{"location": x.location, "item": x.item, "batch": x.batch, "qty": x.qty,
                   "done": x.done} for x in lines],
        "first_batch_due": due.first_batch_due,
        "first_batch_left": (due.first_batch_due - moment).total_seconds(),
        "written_order_due": due.written_order_due,
        "written_order_left": (due.written_order_due - moment).total_seconds(),
    }  # fmt: skip
