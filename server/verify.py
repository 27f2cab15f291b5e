"""Checking the ledger: `depot server verify-ledger`.

Recomputes every warehouse's hash chain from the first posting and the stock projection from
the postings, and reports every row that does not match: a posting changed or removed after
the fact, a head that does not point at the last posting, a stock line that differs from the
sum of its postings, a quantity that is not a whole number or out of its bounds. It reports
and never stops half-way: a row it cannot read is a finding too, and a chain goes on being
checked after a broken link (from the stored hash), so one damage does not hide the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.exc import SQLAlchemyError

from server.bounds import MAX_STOCK
from server.ledger import GENESIS, posting_hash, posting_of
from server.tables import ledger_heads, postings, stock

MAX_FINDINGS = 1000  # listed; more are counted


@dataclass(frozen=True, slots=True)
class Finding:
    where: str  # "posting 1234", "ledger head LC01", "stock LC01/location 7/batch 3/available"
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Report:
    postings: int
    warehouses: int
    stock_lines: int
    findings: tuple[Finding, ...] = ()
    more: int = 0  # findings beyond those listed

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def finding(self) -> Finding | None:
        """The first finding, if any."""
        return self.findings[0] if self.findings else None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _chain(conn: Connection, warehouse: str, head: Any) -> Iterator[Finding | int]:
    """The findings of one warehouse's chain; yields 1 for each posting read."""
    previous, last_id = GENESIS, None
    rows = conn.execution_options(yield_per=5000).execute(
        select(postings).where(postings.c.warehouse == warehouse).order_by(postings.c.id)
    )
    for row in rows:
        yield 1
        where = f"posting {row.id}"
        if row.prev_hash != previous:
            yield Finding(
                where,
                f"does not follow the posting before it in {warehouse} "
                "(a posting was removed or reordered)",
            )
        if not _whole(row.qty) or not -MAX_STOCK <= row.qty <= MAX_STOCK:
            yield Finding(where, f"its quantity {row.qty!r} is not a whole number within bounds")
        try:
            expected = posting_hash(row.prev_hash, posting_of(row), row.posted_at)
        except (TypeError, ValueError, AttributeError) as exc:
            yield Finding(where, f"cannot be hashed ({type(exc).__name__}: {exc})")
        else:
            if row.hash != expected:
                yield Finding(
                    where, "its content does not match its hash (changed after it was posted)"
                )
        previous, last_id = row.hash, row.id
    if head.last_hash != previous or head.last_posting_id != last_id:
        yield Finding(
            f"ledger head {warehouse}",
            f"points at posting {head.last_posting_id}, the chain ends at {last_id}",
        )


def verify_ledger(engine: Engine) -> Report:
    findings: list[Finding] = []
    seen = 0

    def note(finding: Finding) -> None:
        nonlocal seen
        seen += 1
        if len(findings) < MAX_FINDINGS:
            findings.append(finding)

    count = 0
    with engine.connect() as conn:
        heads = {r.warehouse: r for r in conn.execute(select(ledger_heads))}
        for warehouse in sorted(heads):
            try:
                for found in _chain(conn, warehouse, heads[warehouse]):
                    if isinstance(found, Finding):
                        note(found)
                    else:
                        count += found
            except (SQLAlchemyError, ValueError, TypeError, OverflowError) as exc:
                conn.rollback()
                note(Finding(f"postings of {warehouse}", f"cannot be read: {exc}"))
        orphans = conn.execute(
            select(func.count())
            .select_from(postings)
            .where(postings.c.warehouse.not_in(list(heads) or [""]))
        ).scalar_one()
        if orphans:
            note(
                Finding(
                    "postings", f"{orphans} postings belong to a warehouse without a ledger head"
                )
            )
        lines = conn.execute(select(func.count()).select_from(stock)).scalar_one()
        for finding in _projection(conn):
            note(finding)
    return Report(count, len(heads), lines, tuple(findings), seen - len(findings))


def _projection(conn: Connection) -> Iterator[Finding]:
    """Stock lines against the sums of postings, as one set comparison in the database; if
    the database cannot add them up (a sum beyond 64 bits), by reading the postings."""
    try:
        differs, missing = _set_comparison(conn)
    except SQLAlchemyError:
        conn.rollback()
        differs, missing = _read_comparison(conn)
    for row in differs:
        where, qty = _line(row), row.qty
        if row.expected is None and qty != 0:
            yield Finding(where, f"stock says {qty}, it has no postings")
        elif row.expected is not None and qty != row.expected:
            yield Finding(where, f"stock says {qty}, its postings add up to {row.expected}")
        if not _whole(qty) or not 0 <= qty <= MAX_STOCK:
            yield Finding(where, f"its quantity {qty!r} is not a whole number within bounds")
    for row in missing:
        yield Finding(_line(row), f"missing from stock; its postings add up to {row.expected}")


def _set_comparison(conn: Connection) -> tuple[list[Any], list[Any]]:
    key = (postings.c.warehouse, postings.c.location_id, postings.c.batch_id, postings.c.status)
    sums = select(*key, func.sum(postings.c.qty).label("qty")).group_by(*key).subquery()
    joined = and_(
        stock.c.warehouse == sums.c.warehouse,
        stock.c.location_id == sums.c.location_id,
        stock.c.batch_id == sums.c.batch_id,
        stock.c.status == sums.c.status,
    )
    differs = (
        select(
            stock.c.warehouse,
            stock.c.location_id,
            stock.c.batch_id,
            stock.c.status,
            stock.c.qty,
            sums.c.qty.label("expected"),
        )
        .select_from(stock.outerjoin(sums, joined))
        .where(
            (sums.c.qty.is_(None) & (stock.c.qty != 0))
            | (stock.c.qty != sums.c.qty)
            | (stock.c.qty < 0)
            | (stock.c.qty > MAX_STOCK)
            | (stock.c.qty != func.round(stock.c.qty))
        )
        .order_by(stock.c.warehouse, stock.c.location_id, stock.c.batch_id, stock.c.status)
        .limit(MAX_FINDINGS)
    )
    missing = (
        select(
            sums.c.warehouse,
            sums.c.location_id,
            sums.c.batch_id,
            sums.c.status,
            sums.c.qty.label("expected"),
        )
        .select_from(sums.outerjoin(stock, joined))
        .where(stock.c.qty.is_(None) & (sums.c.qty != 0))
        .limit(MAX_FINDINGS)
    )
    return list(conn.execute(differs)), list(conn.execute(missing))


@dataclass(frozen=True, slots=True)
class _Line:
    warehouse: str
    location_id: int
    batch_id: int
    status: str
    qty: Any
    expected: Any


def _read_comparison(conn: Connection) -> tuple[list[Any], list[Any]]:
    """The same comparison in Python, where numbers do not overflow."""
    sums: dict[tuple[str, int, int, str], Any] = {}
    rows = conn.execution_options(yield_per=5000).execute(
        select(
            postings.c.warehouse,
            postings.c.location_id,
            postings.c.batch_id,
            postings.c.status,
            postings.c.qty,
        )
    )
    for r in rows:
        key = (r.warehouse, r.location_id, r.batch_id, r.status)
        sums[key] = sums.get(key, 0) + (r.qty if isinstance(r.qty, int | float) else 0)
    differs: list[Any] = []
    for r in conn.execute(select(stock)):
        key = (r.warehouse, r.location_id, r.batch_id, r.status)
        expected = sums.pop(key, None)
        line = _Line(*key, r.qty, expected)
        bad = not _whole(r.qty) or not 0 <= r.qty <= MAX_STOCK
        if bad or r.qty != (0 if expected is None else expected):
            differs.append(line)
    missing = [_Line(*key, None, q) for key, q in sums.items() if q != 0]
    return differs[:MAX_FINDINGS], missing[:MAX_FINDINGS]


def _line(row: Any) -> str:
    return f"stock {row.warehouse}/location {row.location_id}/batch {row.batch_id}/{row.status}"
