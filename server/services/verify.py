"""Checking the ledger: `depot server verify-ledger`.

Recomputes every depot's chains from their first row (postings, decisions, audit entries:
server.services.verify_chains) and the stock projection from the postings, and reports every row
that does not match: a row changed, removed or slipped in after the fact, a posting without its
basis, a head that does not point at the last row, a stock line that differs from the sum of
its postings, a quantity that is not a whole number or out of its bounds, a row of the
overview's stock summary that is not what the stock lines make it. Given a file of
checkpoints a third party holds (server.services.checkpoints), it also proves that the ledger still
extends each of them, which a consistent rewrite of a chain's tail, or a cut, does not.

It reports and never stops half-way: a row it cannot read is a finding too, and a chain goes
on being checked after a broken link (from the stored hash), so one damage does not hide the
next. It runs in bounded memory: rows are streamed a few thousand at a time, the projection
is compared in the database, checkpoints are read a few hundred at a time, and at most
MAX_FINDINGS findings are kept (the rest are counted).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.exc import SQLAlchemyError

from server.domain.bounds import MAX_STOCK
from server.services.chain import CHAINS, Chain
from server.services.verify_chains import (
    Finding,
    Found,
    against_checkpoints,
    postings_chain,
    record_chain,
)
from server.storage import stock_summary
from server.storage.tables import batches, chain_heads, ledger_heads, locations, postings, stock

MAX_FINDINGS = 1000  # listed; more are counted

__all__ = ["Finding", "Report", "verify_ledger"]


@dataclass(frozen=True, slots=True)
class Report:
    postings: int
    warehouses: int
    stock_lines: int
    findings: tuple[Finding, ...] = ()
    more: int = 0  # findings beyond those listed
    records: int = 0  # decisions and audit entries
    checkpoints: int = 0  # checkpoints the ledger still extends

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def finding(self) -> Finding | None:
        """The first finding, if any."""
        return self.findings[0] if self.findings else None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Tally:
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.seen = 0

    def note(self, finding: Finding) -> None:
        self.seen += 1
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)

    def walk(self, conn: Connection, found: Found, what: str) -> int:
        """Note the findings of one walk; the rows it read. A walk that fails half-way is a
        finding too, and the next one goes on."""
        rows = 0
        try:
            for item in found:
                if isinstance(item, Finding):
                    self.note(item)
                else:
                    rows += item
        except (SQLAlchemyError, ValueError, TypeError, OverflowError) as exc:
            conn.rollback()
            self.note(Finding(what, f"cannot be read: {exc}"))
        return rows


def verify_ledger(
    engine: Engine, checkpoint_lines: Iterable[str] | None = None, pinned: set[bytes] | None = None
) -> Report:
    """Check everything; with `checkpoint_lines` (a file of checkpoints a third party
    holds), that the ledger still extends each of them (signed by a `pinned` key, if given)."""
    tally = _Tally()
    with engine.connect() as conn:
        heads = {r.warehouse: r for r in conn.execute(select(ledger_heads))}
        count = sum(
            tally.walk(conn, postings_chain(conn, w, heads[w]), f"postings of {w}")
            for w in sorted(heads)
        )
        orphans = conn.execute(
            select(func.count())
            .select_from(postings)
            .where(postings.c.warehouse.not_in(list(heads) or [""]))
        ).scalar_one()
        if orphans:
            tally.note(
                Finding(
                    "postings", f"{orphans} postings belong to a warehouse without a ledger head"
                )
            )
        records = sum(_records(conn, chain, tally) for chain in CHAINS)
        lines = conn.execute(select(func.count()).select_from(stock)).scalar_one()
        found, unlisted = _projection(conn)
        for finding in found:
            tally.note(finding)
        tally.seen += unlisted
        tally.walk(conn, _summary(conn), "the stock summary")
        held = 0
        if checkpoint_lines is not None:
            held = tally.walk(
                conn, against_checkpoints(conn, checkpoint_lines, pinned), "checkpoints"
            )
    return Report(
        count,
        len(heads),
        lines,
        tuple(tally.findings),
        tally.seen - len(tally.findings),
        records,
        held,
    )


def _records(conn: Connection, chain: Chain, tally: _Tally) -> int:
    """Every scope's chain of one table: the scopes with a head and those with rows."""
    heads = {
        r.scope: r
        for r in conn.execute(select(chain_heads).where(chain_heads.c.chain == chain.name))
    }
    table = chain.table
    present = {chain.scope_of(r) for r in conn.execute(select(table.c.warehouse).distinct())}
    return sum(
        tally.walk(
            conn,
            record_chain(conn, chain, scope, heads.get(scope)),
            f"{chain.name} of {scope}",
        )
        for scope in sorted(set(heads) | present)
    )


def _projection(conn: Connection) -> tuple[list[Finding], int]:
    """Stock lines against the sums of postings, as one set comparison in the database; if
    the database cannot add them up (a sum beyond 64 bits), by reading the postings. The
    findings (at most MAX_FINDINGS of each kind), and how many more lines differ."""
    try:
        differs, missing, unlisted = _set_comparison(conn)
    except SQLAlchemyError:
        conn.rollback()
        differs, missing, unlisted = _read_comparison(conn)
    found: list[Finding] = []
    rows: list[Any] = []
    for row in differs:
        qty = row.qty
        if row.expected is None and qty != 0:
            found.append(Finding("", f"stock says {qty}, it has no postings"))
            rows.append(row)
        elif row.expected is not None and qty != row.expected:
            found.append(Finding("", f"stock says {qty}, its postings add up to {row.expected}"))
            rows.append(row)
        if not _whole(qty) or not 0 <= qty <= MAX_STOCK:
            found.append(Finding("", f"its quantity {qty!r} is not a whole number within bounds"))
            rows.append(row)
    for row in missing:
        found.append(Finding("", f"missing from stock; its postings add up to {row.expected}"))
        rows.append(row)
    if found:
        _named(conn, found, rows)
    return found, unlisted


def _summary(conn: Connection) -> Iterator[Finding]:
    """The overview's stock summary against what the stock lines make it (a row per depot,
    item, status and making day: a few thousand, compared here)."""
    kept, made = stock_summary.kept(conn), stock_summary.from_stock(conn)
    for key in sorted(kept.keys() | made.keys()):
        says, should = kept.get(key, (0, 0)), made.get(key, (0, 0))
        if says != should:
            yield Finding(
                "stock summary {} {} {} made {}".format(*key),
                f"says {says[0]} lines holding {says[1]}, the stock lines make "
                f"{should[0]} holding {should[1]}",
            )


def _set_comparison(conn: Connection) -> tuple[list[Any], list[Any], int]:
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
    )
    listed = [list(conn.execute(q.limit(MAX_FINDINGS))) for q in (differs, missing)]
    unlisted = sum(
        conn.execute(select(func.count()).select_from(q.order_by(None).subquery())).scalar_one()
        - MAX_FINDINGS
        for q, rows in zip((differs, missing), listed, strict=True)
        if len(rows) == MAX_FINDINGS
    )
    return listed[0], listed[1], unlisted


@dataclass(frozen=True, slots=True)
class _Line:
    warehouse: str
    location_id: int
    batch_id: int
    status: str
    qty: Any
    expected: Any


def _read_comparison(conn: Connection) -> tuple[list[Any], list[Any], int]:
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
    unlisted = 0
    for r in conn.execution_options(yield_per=5000).execute(select(stock)):
        key = (r.warehouse, r.location_id, r.batch_id, r.status)
        expected = sums.pop(key, None)
        bad = not _whole(r.qty) or not 0 <= r.qty <= MAX_STOCK
        if bad or r.qty != (0 if expected is None else expected):
            if len(differs) < MAX_FINDINGS:
                differs.append(_Line(*key, r.qty, expected))
            else:
                unlisted += 1
    missing = [_Line(*key, None, q) for key, q in sums.items() if q != 0]
    unlisted += max(0, len(missing) - MAX_FINDINGS)
    return differs, missing[:MAX_FINDINGS], unlisted


def _named(conn: Connection, findings: list[Finding], lines: list[Any]) -> None:
    """Name the stock lines of findings by their codes (location, item, batch)."""
    places = {
        r.id: r.code
        for r in conn.execute(
            select(locations.c.id, locations.c.code).where(
                locations.c.id.in_({r.location_id for r in lines})
            )
        )
    }
    lots = {
        r.id: f"{r.item_code} batch {r.batch_no}"
        for r in conn.execute(
            select(batches.c.id, batches.c.item_code, batches.c.batch_no).where(
                batches.c.id.in_({r.batch_id for r in lines})
            )
        )
    }
    for i, (finding, row) in enumerate(zip(findings, lines, strict=True)):
        place = places.get(row.location_id, f"location {row.location_id}")
        lot = lots.get(row.batch_id, f"batch {row.batch_id}")
        where = f"stock {row.warehouse} {place} {lot} {row.status}"
        findings[i] = Finding(where, finding.problem)
