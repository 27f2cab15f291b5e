"""The server's layers (docs/server.md): domain rules import only the domain; storage only
the domain; services the domain, storage and each other; only the entry points (web/, dash/,
the commands) import everything. A module that reaches up a layer fails here."""

from __future__ import annotations

import ast
from pathlib import Path

from test_layers import imports

SERVER = Path(__file__).resolve().parents[2] / "server"
LAYERS = ("domain", "storage", "services")
# What each layer may import of the server (itself always).
ALLOWED: dict[str, tuple[str, ...]] = {
    "domain": ("server.domain",),
    "storage": ("server.domain", "server.storage"),
    "services": ("server.domain", "server.storage", "server.services"),
}


def reaching_up(layer: str, source: str) -> list[str]:
    return [
        f"{line}: {module}"
        for line, module in imports(source)
        if module.startswith("server.")
        and not any(module.startswith(a + ".") for a in ALLOWED[layer])
    ]


def test_no_layer_imports_one_above_it() -> None:
    found = {
        str(path.relative_to(SERVER)): crossing
        for layer in LAYERS
        for path in sorted((SERVER / layer).rglob("*.py"))
        if (crossing := reaching_up(layer, path.read_text()))
    }
    assert found == {}


def test_a_domain_module_reaching_a_service_is_found() -> None:
    source = "from server.domain.floor import plan\nfrom server.services.ledger import post\n"
    assert reaching_up("domain", source) == ["2: server.services.ledger.post"]
    assert reaching_up("services", source) == []


def test_the_layers_are_folders_and_nothing_is_left_beside_them() -> None:
    """Every module of the server lives in a layer's folder, except its entry points."""
    loose = sorted(p.name for p in SERVER.glob("*.py"))
    assert loose == ["__init__.py", "cli.py", "ledger_cli.py"]


ENTRY_POINTS = ("web", "dash")
SQL = {"select", "insert", "update", "delete", "func", "case", "and_", "or_", "text"}


def builds_sql(source: str) -> list[str]:
    """The imports of an entry point that would let it build SQL: a table, or SQLAlchemy's
    statement builders."""
    found = []
    for line, module in imports(source):
        name = module.rsplit(".", 1)[-1]
        table = module.startswith("server.storage.tables.") and name != "STOCK_STATUSES"
        builder = module.startswith("sqlalchemy.") and name in SQL
        if table or builder:
            found.append(f"{line}: {module}")
    return found


def test_entry_points_read_through_storage_and_build_no_sql() -> None:
    found = {
        str(path.relative_to(SERVER)): crossing
        for part in ENTRY_POINTS
        for path in sorted((SERVER / part).rglob("*.py"))
        if (crossing := builds_sql(path.read_text()))
    }
    assert found == {}


# The time of day comes in as an argument (kernel/clock.py): the entry points are built with a
# clock and pass `now` down; no rule, read model or service reads the clock itself.
CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "ctime"),
}
TAKE_THE_TIME = ("domain", "storage", "services")


def reads_clock(source: str) -> list[str]:
    """Where `source` reads the clock: `datetime.now`, `date.today`, `time.time` and the like,
    called or handed on (as a default or a factory), however the module was imported."""
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            if (name, node.attr) in CLOCK_READS:
                found.append((node.lineno, node.col_offset, f"{name}.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime"):
            for alias in node.names:
                if (node.module, alias.name) in CLOCK_READS:
                    found.append((node.lineno, 0, f"from {node.module} import {alias.name}"))
    return [f"{line}: {read}" for line, _, read in sorted(found)]


def test_the_checker_finds_the_clock_read_however_it_is_written() -> None:
    source = (
        "import datetime as dt\n"
        "import time\n"
        "from datetime import UTC, date, datetime\n"
        "from time import monotonic, time_ns\n"
        "def f(now: datetime) -> None:\n"
        "    a = datetime.now(UTC)\n"
        "    b = dt.datetime.now(dt.UTC)\n"
        "    c = date.today()\n"
        "    d = time.time()\n"
        "    e = monotonic()\n"  # a duration, not the time of day
        "    g = now.date(), datetime.fromisoformat('2026-12-01')\n"
        "def h(clock=time.time, at=field(default_factory=datetime.utcnow)) -> None: ...\n"
    )
    assert reads_clock(source) == [
        "4: from time import time_ns",
        "6: datetime.now",
        "7: datetime.now",
        "8: date.today",
        "9: time.time",
        "12: time.time",
        "12: datetime.utcnow",
    ]


def test_no_rule_read_model_or_service_reads_the_clock() -> None:
    found = {
        str(path.relative_to(SERVER)): reads
        for layer in TAKE_THE_TIME
        for path in sorted((SERVER / layer).rglob("*.py"))
        if (reads := reads_clock(path.read_text(encoding="utf-8")))
    }
    assert found == {}
