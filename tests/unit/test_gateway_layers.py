"""The gateway's layers, held to their lines: the domain imports nothing of the gateway but
itself, storage implements the domain, services stand on storage and the domain, and only
storage speaks SQL (docs/gateway.md, "Inside the gateway")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from test_server_layers import reads_clock

GATEWAY = Path(__file__).resolve().parents[2] / "gateway"
# What each layer may import of the gateway (itself always).
ALLOWED: dict[str, tuple[str, ...]] = {
    "domain": (),
    "storage": ("domain",),
    "services": ("domain", "storage"),
    "upstream": ("domain", "storage", "services", "config"),
    "entrypoints": ("domain", "storage", "services", "upstream", "config"),
}
SQL = re.compile(r"\.execute(many|script)?\(|\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")


def layer_imports(path: Path) -> set[str]:
    """The gateway layers (or top modules) a module imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module]
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
            else []
        )
        for name in names:
            parts = name.split(".")
            if parts[0] == "gateway" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(layer: str) -> None:
    crossings = {
        str(path.relative_to(GATEWAY)): sorted(bad)
        for path in sorted((GATEWAY / layer).rglob("*.py"))
        if (bad := layer_imports(path) - {layer, *ALLOWED[layer]})
    }
    assert crossings == {}


def test_only_storage_speaks_sql() -> None:
    speaking = [
        str(path.relative_to(GATEWAY))
        for path in sorted(GATEWAY.rglob("*.py"))
        if path.relative_to(GATEWAY).parts[0] != "storage" and SQL.search(path.read_text())
    ]
    assert speaking == []


def test_the_checks_see_a_crossing() -> None:
    assert SQL.search('db.execute("SELECT 1")') and not SQL.search("select a unit")
    source = GATEWAY / "domain" / "workflows" / "picking.py"
    assert layer_imports(source) == {"domain"}


def test_nothing_in_the_gateway_reads_the_clock_itself() -> None:
    """The time of day comes from the clock the process is built with (kernel/clock.py; the
    system clock, chosen by `depot gateway run`), which gateway/entrypoints/process.py passes
    to the floor app, the throttles, the store and the workers: no module reads the clock
    itself. Durations (`time.monotonic`) are no time of day and stay where they are measured."""
    found = {
        str(path.relative_to(GATEWAY)): reads
        for path in sorted(GATEWAY.rglob("*.py"))
        if (reads := reads_clock(path.read_text(encoding="utf-8")))
    }
    assert found == {}
