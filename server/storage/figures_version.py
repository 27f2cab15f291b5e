"""A number per depot that moves whenever the overview's figures do (`stock_figures_versions`).

The ledger's writer moves a depot's stock summary and bands with each posting
(server.storage.stock_summary, server.storage.stock_bands); `touch` moves this number in the
same transaction when it does. A move of a whole stack from one place to another leaves the
summary as it was, and so leaves the number too. `read` gives the overview what to keep its
figures under (server/dash/overview.py): this number, and the newest decision and audit entry
in view (a re-inspection or a master data import changes the figures without moving stock)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from server.storage.tables import approvals, audit_log, stock_figures_versions
from server.storage.upsert import add_to

kept = stock_figures_versions.c


def touch(conn: Connection, warehouse: str | None) -> None:
    """The figures of a depot (of every depot) have changed. Every depot's row is moved one
    at a time in the depots' order, the order the ledger's writer takes them in
    (server.services.ledger.post), so that a catalogue import and a posting to several
    depots never wait on each other's rows."""
    if warehouse is None:
        codes = conn.execute(select(kept.warehouse).order_by(kept.warehouse)).scalars().all()
        for code in codes:
            conn.execute(
                update(stock_figures_versions)
                .where(kept.warehouse == code)
                .values(version=kept.version + 1)
            )
        return
    add_to(conn, stock_figures_versions, [{"warehouse": warehouse, "version": 1}],
           ("warehouse",), ("version",))  # fmt: skip


def read(engine: Engine, depot: str | None) -> tuple[Any, ...]:
    """(the figures' version, the newest decision, the newest audit entry) of a depot, or of
    every depot: what the overview's figures are kept under. One statement, by index."""
    version = select(func.sum(kept.version))
    decided = select(func.max(approvals.c.id))
    audited = select(func.max(audit_log.c.id))
    if depot:
        version = version.where(kept.warehouse == depot)
        decided = decided.where(approvals.c.warehouse == depot)
        audited = audited.where(audit_log.c.warehouse == depot)
    with engine.connect() as conn:
        found = conn.execute(
            select(*(q.scalar_subquery() for q in (version, decided, audited)))
        ).one()
    return tuple(found)
