"""Recording a phone order at the floor pages, what its page shows, and its handover notes
with their paper (one transaction each; the time is passed in). The rules are
gateway/domain/phone_orders.py and handover_notes.py, the book gateway/storage/phone_orders.py
and handover_notes.py, the paper kernel/handover_paper.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from threading import Lock
from typing import Any

from gateway.domain.errors import Conflict, NotAllowed
from gateway.domain.form_checks import Problem
from gateway.domain.handover_notes import check_transport
from gateway.domain.phone_orders import MAY_RECORD, check_call, clocks
from gateway.services.floor_pages import User
from gateway.storage import handover_notes, phone_orders, server_copy
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore
from kernel import bounds
from kernel.depot_time import depot_date, zone
from kernel.handover_paper import HandoverLine, HandoverNote, basis_of, handover_pdf
from kernel.pick_list_paper import PickList, PickListLine
from kernel.pick_list_paper import pick_list_pdf as paper_pick_list

EXCHANGE_WAIT = 15.0  # seconds: longer than one delivery to the centre may take


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
        notes = handover_notes.of_order(db, number)
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
        "handovers": notes,
    }  # fmt: skip


def hand_over(
    store: GatewayStore, user: User, order: str, form: Mapping[str, str], depot: str, now: float
) -> str | list[Problem]:
    """A handover note for what has been loaded of an order made here: its number, or the
    form's problems."""
    if not may_record(user):
        raise NotAllowed("只有主管可以开具交接单", "only a supervisor may make a handover note")
    checked = check_transport(form)
    if isinstance(checked, list):
        return checked
    with store.transaction() as db:
        return handover_notes.make(db, order, depot, checked, user.username, now)


def withdraw(
    store: GatewayStore,
    user: User,
    number: str,
    reason: str,
    exchange: Lock,
    now: float,
    wait: float = EXCHANGE_WAIT,
) -> None:
    """Withdraw an order made here by mistake (gateway/storage/phone_orders.py: withdraw),
    while no delivery to the centre is under way: one that is could be taking it there."""
    if not may_record(user):
        raise NotAllowed(
            "只有主管可以撤销电话调拨指令", "only a supervisor may withdraw a phone order"
        )
    reason = reason.strip()
    if not reason or len(reason) > 200 or not bounds.is_line(reason):
        raise Conflict("请写明撤销原因（最多 200 字）", "give the reason (200 characters at most)")
    if not exchange.acquire(timeout=wait):
        raise Conflict(
            "网关正在与中心通信，请稍后再试", "the gateway is talking to the centre: try again"
        )
    try:
        with store.transaction() as db:
            phone_orders.withdraw(db, number, reason, user.username, now)
    finally:
        exchange.release()


def pick_list_pdf(store: GatewayStore, number: str, depot: str, now: float) -> bytes | None:
    """An order made here on paper: its pick list, with the task cards to pick and load it
    (kernel/pick_list_paper.py); None for no such order."""
    order = order_page(store, number, now)
    if order is None:
        return None
    with store.reading() as db:
        shipper = server_copy.depot_name(db) or depot
        names = phone_orders.item_names(db)
    due_first = order["first_batch_due"].astimezone(zone())
    due_written = order["written_order_due"].astimezone(zone())
    called = datetime.fromisoformat(order["called_at"]).astimezone(zone())
    heading = (
        ("来电 Call", f"{order['caller_name']}，{order['caller_unit']}，{order['caller_phone']}"),
        ("来电时间 Called at", f"{called:%Y-%m-%d %H:%M}"),
        ("首批 8 小时 First batch", f"{due_first:%Y-%m-%d %H:%M}"),
        ("书面调令 48 小时 Written order", f"{due_written:%Y-%m-%d %H:%M}"),
        ("记录人 Recorded by", order["recorded_by"]),
    )
    return paper_pick_list(
        PickList(
            number=number,
            depot=shipper,
            destination=order["destination"],
            heading=heading,
            lines=tuple(
                PickListLine(n, p["location"], names.get(p["item"], (p["item"], ""))[0],
                             p["batch"], p["qty"], names.get(p["item"], ("", ""))[1])
                for n, p in enumerate(order["picks"], 1)
            ),
            short=tuple(f"本库缺 Short: {names.get(s['item'], (s['item'], ''))[0]} {s['qty']}"
                        for s in order["short"]),
        )
    )  # fmt: skip


def note_pdf(store: GatewayStore, number: str, depot: str) -> bytes | None:
    """The note's paper (annex 2), as the centre prints its own; None for no such note."""
    with store.reading() as db:
        found = handover_notes.kept(db, number)
        if found is None:
            return None
        note, lines = found
        order = phone_orders.kept(db, note["order"])
        shipper = server_copy.depot_name(db) or depot
    destination = order["destination"] if order else ""
    return handover_pdf(
        HandoverNote(
            number=note["number"],
            shipper=shipper,
            basis=basis_of(note["order"], None, by_phone=True),
            destination=destination,
            on=depot_date(datetime.fromtimestamp(note["made_at"], UTC)),
            lines=tuple(
                HandoverLine(x.name, x.spec, x.unit, x.qty, x.inbound, f"批次 {x.batch}")
                for x in lines
            ),
            carrier=note["carrier"],
            driver=note["driver"],
            phone=note["phone"],
            plate=note["plate"],
            receiver=note["receiver"],
        )
    )
