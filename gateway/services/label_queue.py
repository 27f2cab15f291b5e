"""Labels asked for: the SSCCs of a delivery's units taken with their print jobs, in one
transaction (gateway/storage/print_queue.py keeps them; gateway/services/print_worker.py prints
them), the floor's forms for labels and bin cards, and a supervisor's word on a job whose
printing is not known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from sqlite3 import Connection

from gateway.domain.form_checks import Problem
from gateway.domain.labels import LabelRefused, LogisticLabel, UnitsToLabel, sscc, unit_labels
from gateway.storage import bin_cards, print_queue, received_labels
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore


@dataclass(frozen=True, slots=True)
class Numbering:
    """The depot's GS1 company prefix and the SSCC extension digit it numbers units under."""

    company_prefix: str
    extension: int = 0
    gtin_prefixes: tuple[str, ...] = ()  # suppliers' prefixes: their items' SGTIN tags


def queue_labels(
    store: GatewayStore, printer: str, request: UnitsToLabel, numbering: Numbering
) -> list[int]:
    """Take the units' serials and queue their labels, in one transaction; the job ids.
    A label the rules refuse (LabelRefused) takes no serial and queues nothing."""
    with store.transaction() as db:
        first = print_queue.take_serials(
            db, numbering.company_prefix, numbering.extension, request.units
        )
        labels = unit_labels(request, numbering.company_prefix, numbering.extension, first)
        return print_queue.enqueue(db, printer, labels, store.clock())


@dataclass(frozen=True, slots=True)
class LabelDesk:
    """What the floor pages need to ask for labels: the depot's numbering, its printers
    (name: whether it has an RFID encoder), the worker to wake, how many labels one request
    may ask for unless a supervisor asks, and how many a printer may have waiting."""

    numbering: Numbering
    printers: dict[str, bool]
    wake: Callable[[], None] = field(default=lambda: None)
    supervisor_over: int = 100
    queue_cap: int = 1000


MAY_ASK_MANY = ("supervisor", "admin")


LABEL_FIELDS = ("printer", "gtin", "batch", "qty", "units", "prod_date", "expiry", "by_item")
# Which field a refusal of the label's rules is about.
_FIELD_OF = {"gtin": "gtin", "batch": "batch", "qty": "qty", "units": "units", "text": "gtin",
             "date": "prod_date"}  # fmt: skip


def _number(typed: dict[str, str], name: str, problems: list[Problem]) -> int:
    text = typed.get(name, "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 7:
        return int(text)
    problems.append(Problem(name, "须为正整数", "a whole number is needed"))
    return 0


def _day(typed: dict[str, str], name: str, problems: list[Problem]) -> date | None:
    text = typed.get(name, "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        problems.append(Problem(name, "日期无效", "not a date"))
        return None


def _too_many(desk: LabelDesk, units: int, role: str, waiting: int) -> Problem | None:
    if units > desk.supervisor_over and role not in MAY_ASK_MANY:
        n = desk.supervisor_over
        return Problem(
            "units", f"超过 {n} 张标签须由主管申请", f"over {n} labels: a supervisor asks"
        )
    if waiting + units > desk.queue_cap:
        return _full(waiting, desk.queue_cap)
    return None


def _full(waiting: int, cap: int, field: str = "units") -> Problem:
    return Problem(
        field,
        f"该打印机已有 {waiting} 张待打印，最多 {cap} 张",
        f"the printer has {waiting} labels waiting, at most {cap}",
    )


def request_labels(
    store: GatewayStore, desk: LabelDesk, typed: dict[str, str], depot: str, role: str = ""
) -> list[int] | list[Problem]:
    """The floor asks for labels (labels_in): queued, the job ids, or what is wrong."""
    return asked(store, desk, lambda db: labels_in(db, desk, typed, depot, role, store.clock()))


def asked(
    store: GatewayStore, desk: LabelDesk, queue: Callable[[Connection], list[int] | list[Problem]]
) -> list[int] | list[Problem]:
    """`queue` run in a transaction of its own: a label the rules refuse rolls it back (no
    serial taken for nothing) and is answered as a problem; queued jobs wake the printers."""
    try:
        with store.transaction() as db:
            done = queue(db)
    except LabelRefused as refused:
        return [Problem(_FIELD_OF.get(refused.reason, ""), refused.zh, refused.en)]
    if done and isinstance(done[0], int):
        desk.wake()
    return done


def labels_in(
    db: Connection, desk: LabelDesk, typed: dict[str, str], depot: str, role: str, now: float
) -> list[int] | list[Problem]:
    """`units` labels of one GTIN and batch on a printer, in the caller's transaction (`by_item`:
    each unit one trade item with a serial of the depot's, an SGTIN on its tag): queued (the
    job ids, each unit's tag registered once printed where the printer encodes), or what is
    wrong with the form (more than `supervisor_over` labels only for a supervisor (`role`),
    never more than the printer's `queue_cap` waiting). LabelRefused: the caller rolls back."""
    problems: list[Problem] = []
    printer = typed.get("printer", "")
    if printer not in desk.printers:
        problems.append(Problem("printer", "请选择打印机", "choose a printer"))
    by_item = typed.get("by_item", "") in ("1", "on")  # one item each: its own SGTIN
    qty = 1 if by_item else _number(typed, "qty", problems)
    units = _number(typed, "units", problems)
    made, expiry = _day(typed, "prod_date", problems), _day(typed, "expiry", problems)
    gtin = typed.get("gtin", "").strip().zfill(14)
    item = Book(db).item_of_gtin(gtin)
    if item is None:
        problems.append(Problem("gtin", "目录中没有此商品代码", "no item has this GTIN"))
    if printer in desk.printers:
        many = _too_many(desk, units, role, print_queue.waiting(db, printer))
        problems += [many] if many else []
    if problems or item is None:
        return problems
    goods = LogisticLabel(
        sscc=sscc(desk.numbering.company_prefix, desk.numbering.extension, 0),
        gtin=gtin, batch=typed.get("batch", "").strip(), qty=qty,
        item_zh=item.name_zh, item_en=item.name_en, unit_zh=item.unit_zh,
        unit_en=item.unit_en, prod_date=made, expiry=expiry, depot=depot, door=printer,
    )  # fmt: skip
    request = UnitsToLabel(units, goods, encode=desk.printers[printer], by_item=by_item)
    prefix, extension = desk.numbering.company_prefix, desk.numbering.extension
    first = print_queue.take_serials(db, prefix, extension, units)
    labels = unit_labels(request, prefix, extension, first, desk.numbering.gtin_prefixes)
    ids = print_queue.enqueue(db, printer, labels, now)
    received_labels.asked_on_floor(db, ids, item.code, printer, request.encode)
    return ids


def confirm_job(store: GatewayStore, job_id: int, printed_ok: bool) -> bool:
    """A supervisor says whether an unconfirmed job's label printed: recorded as printed (a
    received unit's tag registered), or queued to print again; False: not unconfirmed."""
    with store.transaction() as db:
        now = store.clock()
        job = print_queue.settle(db, job_id, printed_ok, now)
        if job is not None and printed_ok:
            received_labels.printed(db, Book(db), job, now)
        return job is not None


CARD_FIELDS = ("printer", "location")


def request_cards(
    store: GatewayStore, desk: LabelDesk, typed: dict[str, str], keeper: str
) -> list[int] | list[Problem]:
    """The floor asks for a location's bin cards (cards_in): queued, the job ids, or what is
    wrong."""
    return asked(store, desk, lambda db: cards_in(db, desk, typed, keeper, store.clock()))


def cards_in(
    db: Connection, desk: LabelDesk, typed: dict[str, str], keeper: str, now: float
) -> list[int] | list[Problem]:
    """The bin cards of a location's stacks on a printer, one per batch there (`keeper`: who
    looks after them, on each card), in the caller's transaction: queued (the job ids), or
    what is wrong with the form."""
    problems: list[Problem] = []
    printer, location = typed.get("printer", ""), typed.get("location", "").strip()
    if printer not in desk.printers:
        problems.append(Problem("printer", "请选择打印机", "choose a printer"))
    cards = []
    place = Book(db).location(location)
    if place is None or place.kind != "storage":  # annex 3's cards stand by stored stacks
        problems.append(Problem("location", "没有此储存货位", "no such storage location"))
    elif not (cards := bin_cards.cards_at(db, location, keeper)):
        problems.append(Problem("location", "该货位没有库存", "nothing is stored there"))
    waiting = print_queue.waiting(db, printer) if printer in desk.printers else 0
    if cards and waiting + len(cards) > desk.queue_cap:
        problems.append(_full(waiting, desk.queue_cap, field=""))
    if problems:
        return problems
    return print_queue.enqueue_cards(db, printer, cards, now)
