"""The national code table of emergency materials (GB/T 38565) in and out as a master data
file: columns code, name_zh, name_en and, if the file has it, level. The structure of each
code is checked by server.domain.material_codes (every class above a code in the file or
already stored); a file with any bad line imports nothing. A good file inserts new codes and
renames stored ones; a code is never deleted (items may point at it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from server.domain.errors import ImportRefused
from server.domain.material_codes import check_table
from server.services.audit import record
from server.services.master_rows import Problem, check_cells, row_errors
from server.storage.tables import material_codes

COLUMNS = ("code", "name_zh", "name_en", "level")


def import_codes(engine: Engine, username: str, rows: list[dict[str, str]], now: datetime) -> int:
    with engine.begin() as conn:
        stored = frozenset(conn.execute(select(material_codes.c.code)).scalars())
        good, errors = check_table(rows, stored)
        for line, row in enumerate(rows, start=2):
            problems: list[Problem] = []
            check_cells(row, material_codes, problems)
            errors.extend(row_errors(line, problems))
        if errors:
            raise ImportRefused(sorted(errors, key=lambda e: e.line))
        for code in good:
            values = {"name_zh": code.name_zh, "name_en": code.name_en, "level": code.level}
            if code.code in stored:
                where = material_codes.c.code == code.code
                conn.execute(update(material_codes).where(where).values(**values))
            else:
                conn.execute(material_codes.insert().values(code=code.code, **values))
        record(conn, username, "import_material_codes", None, depot=None, now=now, rows=len(good))
    return len(good)


def export_codes(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        query = select(*(material_codes.c[n] for n in COLUMNS)).order_by(material_codes.c.code)
        return [tuple(r) for r in conn.execute(query)]


def known(conn: Connection, codes: set[str]) -> set[str]:
    """Those of `codes` the table holds."""
    if not codes:
        return set()
    query = select(material_codes.c.code).where(material_codes.c.code.in_(sorted(codes)))
    return set(conn.execute(query).scalars())
