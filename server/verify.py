"""Checking the ledger: `depot server verify-ledger`.

Recomputes every warehouse's hash chain from the first posting and the stock projection from
the postings, and names the first row that does not match: a posting changed or removed
after the fact, a head that does not point at the last posting, or a stock line that differs
from the sum of its postings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select

from server.ledger import GENESIS, posting_hash, posting_of
from server.tables import ledger_heads, postings, stock


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
    finding: Finding | None

    @property
    def ok(self) -> bool:
        return self.finding is None


def verify_ledger(engine: Engine) -> Report:
    with engine.connect() as conn:
        heads = {r.warehouse: r for r in conn.execute(select(ledger_heads))}
        count = 0
        for warehouse in sorted(heads):
            previous, last_id = GENESIS, None
            rows = conn.execution_options(yield_per=5000).execute(
                select(postings).where(postings.c.warehouse == warehouse).order_by(postings.c.id)
            )
            for row in rows:
                count += 1
                if row.prev_hash != previous:
                    return Report(
                        count,
                        len(heads),
                        0,
                        Finding(
                            f"posting {row.id}",
                            f"does not follow the posting before it in "
                            f"{warehouse} (a posting was removed or reordered)",
                        ),
                    )
                expected = posting_hash(previous, posting_of(row), row.posted_at)
                if row.hash != expected:
                    return Report(
                        count,
                        len(heads),
                        0,
                        Finding(
                            f"posting {row.id}",
                            "its content does not match its hash (changed after it was posted)",
                        ),
                    )
                previous, last_id = row.hash, row.id
            head = heads[warehouse]
            if head.last_hash != previous or head.last_posting_id != last_id:
                return Report(
                    count,
                    len(heads),
                    0,
                    Finding(
                        f"ledger head {warehouse}",
                        f"points at posting {head.last_posting_id}, the chain ends at {last_id}",
                    ),
                )
        orphans = conn.execute(
            select(func.count())
            .select_from(postings)
            .where(postings.c.warehouse.not_in(list(heads) or [""]))
        ).scalar_one()
        if orphans:
            return Report(
                count,
                len(heads),
                0,
                Finding(
                    "postings", f"{orphans} postings belong to a warehouse without a ledger head"
                ),
            )
        finding, lines = _projection(conn)
    return Report(count, len(heads), lines, finding)


def _projection(conn: Connection) -> tuple[Finding | None, int]:
    """Stock lines against the sums of postings, as one set comparison in the database."""
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
        .where((sums.c.qty.is_(None) & (stock.c.qty != 0)) | (stock.c.qty != sums.c.qty))
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
    run = conn.execute
    lines = run(select(func.count()).select_from(stock)).scalar_one()
    row = run(
        differs.order_by(stock.c.warehouse, stock.c.location_id, stock.c.batch_id).limit(1)
    ).first()
    if row is not None:
        return Finding(
            _line(row), f"stock says {row.qty}, its postings add up to {row.expected or 0}"
        ), lines
    absent = run(missing.limit(1)).first()
    if absent is not None:
        return Finding(
            _line(absent), f"missing from stock; its postings add up to {absent.expected}"
        ), lines
    return None, lines


def _line(row: Any) -> str:
    return f"stock {row.warehouse}/location {row.location_id}/batch {row.batch_id}/{row.status}"
