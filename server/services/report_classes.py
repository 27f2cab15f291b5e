"""The monthly report by national class (server.domain.class_report): each item's national code
and the names of the classes, read now, for a month's rows (server.services.reports). A
finished month's rows never change; their grouping follows the items' codes as they are when
it is asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from server.domain.class_report import HEAD, ITEM, ClassLine, by_class
from server.domain.material_codes import major_of, middle_of
from server.services.reports import HEADER as BY_ITEM
from server.storage.tables import items, material_codes

HEADER = (*HEAD, *BY_ITEM[6:])  # the class, its unit and items, the report's figures


def monthly_by_class(engine: Engine, rows: Sequence[Sequence[Any]]) -> list[ClassLine]:
    if not rows:
        return []
    wanted = sorted({str(r[ITEM]) for r in rows})
    with engine.connect() as conn:
        national: dict[str, str | None] = dict(
            conn.execute(
                select(items.c.code, items.c.national_code).where(items.c.code.in_(wanted))
            ).all()
        )
        classes = {major_of(c) for c in national.values() if c}
        classes |= {m for c in national.values() if c and (m := middle_of(c))}
        names = {
            r.code: (r.name_zh, r.name_en)
            for r in conn.execute(
                select(
                    material_codes.c.code, material_codes.c.name_zh, material_codes.c.name_en
                ).where(material_codes.c.code.in_(sorted(classes)))
            )
        }
    return by_class(rows, national, names)
