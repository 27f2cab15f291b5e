"""A gateway book with goods on the floor, for tests of what the floor prints: keeper li
(PIN 1357-2468) and supervisor wang (2468-1357), quilts (CQ-0001, GTIN below) of two batches
at A-01-01, one of them partly in quarantine, an empty A-01-02, and dock D01."""

from __future__ import annotations

import time
from pathlib import Path

from gateway.storage.store import GatewayStore
from kernel.passwords import hash_password

GTIN = "06901234567892"


def quilt_book(path: Path) -> GatewayStore:
    """A book with quilts of two batches at A-01-01 (one of them partly in quarantine), and
    an empty location A-01-02."""
    book = GatewayStore(path, time.time)
    with book.transaction() as db:
        db.execute(
            "INSERT INTO floor_people VALUES (?,?,?,?)",
            ("li", "Li Na", "keeper", hash_password("1357-2468")),
        )
        db.execute(
            "INSERT INTO floor_people VALUES (?,?,?,?)",
            ("wang", "Wang Wei", "supervisor", hash_password("2468-1357")),
        )
        db.execute(
            "INSERT INTO items (code, name_zh, name_en, unit_zh, unit_en, reusable, "
            "storage_years, spec) VALUES ('CQ-0001', '棉被', 'Cotton quilt', '床', 'pcs', 1, 5, "
            "'2 x 1.5 m')"
        )
        db.execute("INSERT INTO gtins VALUES (?, 'CQ-0001')", (GTIN,))
        for n, code in enumerate(("A-01-01", "A-01-02")):
            db.execute("INSERT INTO locations VALUES (?, 'A', ?, 'storage', ?)", (code, n, n + 1))
        db.execute("INSERT INTO locations VALUES ('D01', 'DOCK', 9, 'dock', 9)")
        db.executemany(
            "INSERT INTO batches (item, batch, prod_date, inbound_date, manufacturer) "
            "VALUES ('CQ-0001', ?, ?, ?, ?)",
            [("Q2026A", "2026-03-01", "2026-04-02", "江苏某被服厂"),
             ("Q2026B", "2026-05-01", "2026-06-10", None)],
        )  # fmt: skip
        db.executemany(
            "INSERT INTO stock VALUES ('A-01-01', 'CQ-0001', ?, ?, ?)",
            [("Q2026A", "available", 100), ("Q2026A", "quarantine", 20),
             ("Q2026B", "available", 40)],
        )  # fmt: skip
    return book
