"""What a new dispatch order's form offers: the places (the destination is chosen from the
master data) and the items, each list bounded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from server.storage import notices
from server.storage.notices import MAX_CHOICES
from server.storage.tables import places


def choices(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as conn:
        return {
            "places": [
                dict(r)
                for r in conn.execute(
                    select(places.c.code, places.c.name).order_by(places.c.code).limit(MAX_CHOICES)
                ).mappings()
            ],
            "items": notices.item_choices(conn),
        }
