"""Adding to rows that may not exist yet, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
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
