"""Adding to rows that may not exist yet, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, case
from sqlalchemy.dialects import postgresql, sqlite


def add_to(
    conn: Connection, table: Table, rows: list[dict[str, Any]], key: Sequence[str],
    added: Sequence[str],
) -> None:  # fmt: skip
    """Insert each row, or add its `added` columns to the row of the same `key`."""
    if not rows:
        return
    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(table)
    upsert = upsert.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + upsert.excluded[name] for name in added},
    )
    conn.execute(upsert, rows)


def raise_to(
    conn: Connection, table: Table, rows: list[dict[str, Any]], key: Sequence[str], column: str
) -> None:
    """Insert each row, or raise the row of the same `key`'s `column` to the row's value
    where that is higher (it never goes down)."""
    if not rows:
        return
    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(table)
    new = upsert.excluded[column]
    higher = case((new > table.c[column], new), else_=table.c[column])
    others = {c.name: upsert.excluded[c.name] for c in table.c if c.name not in {*key, column}}
    conn.execute(
        upsert.on_conflict_do_update(index_elements=list(key), set_={column: higher, **others}),
        rows,
    )
