"""The lines no import crosses: the kernel stands alone, and the parts (stations, gateway,
server, configuration tool) stand on it and never on each other, except that the gateway
reads labels with the station's decoding (`edge.decode`); the demo starts them all."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("kernel", "edge", "gateway", "server", "siteconfig", "demo")
# What each part may import of the others (itself always).
ALLOWED: dict[str, tuple[str, ...]] = {
    "kernel": (),
    "edge": ("kernel",),
    "gateway": ("kernel", "edge.decode"),
    "server": ("kernel",),
    "siteconfig": ("kernel",),
    "demo": ("kernel", "edge", "gateway", "server", "siteconfig"),  # it starts them all
}


def imports(source: str) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import in `source`, wherever it stands."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield from ((node.lineno, f"{node.module}.{a.name}") for a in node.names)


def crossings(part: str, source: str) -> list[str]:
    """The imports in a module of `part` that reach a part it may not."""
    found = []
    for line, module in imports(source):
        top = module.split(".")[0]
        if top not in PARTS or top == part:
            continue
        if not any(module == a or module.startswith(a + ".") for a in ALLOWED[part]):
            found.append(f"{line}: {module}")
    return found


def modules(part: str) -> list[Path]:
    return sorted((ROOT / part).rglob("*.py"))


def test_the_checker_sees_a_crossing_wherever_it_stands() -> None:
    source = (
        "import json\n"
        "from kernel.contract import ScanMessage\n"
        "def later():\n"
        "    from gateway.book import Book\n"
        "    import server.services.ledger\n"
        "from edge.decode import decode\n"
        "from edge import agent\n"
    )
    assert sorted(crossings("gateway", source)) == ["5: server.services.ledger", "7: edge.agent"]
    assert sorted(crossings("server", source)) == [
        "4: gateway.book.Book",
        "6: edge.decode.decode",
        "7: edge.agent",
    ]
    assert crossings("kernel", "from kernel import bounds\nimport sqlite3\n") == []
    assert crossings("kernel", "from edge.decode import decode\n") == ["1: edge.decode.decode"]


@pytest.mark.parametrize("part", PARTS)
def test_no_part_imports_across_its_lines(part: str) -> None:
    found = {
        str(path.relative_to(ROOT)): crossed
        for path in modules(part)
        if (crossed := crossings(part, path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_kernel_loads_nothing_outside_the_standard_library() -> None:
    """Every kernel module imported in a fresh interpreter: no module of a third party and
    none of the parts is loaded."""
    names = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in modules("kernel")
    ]
    probe = (
        "import json, sys\n"
        f"for name in {names!r}: __import__(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-S", "-c", probe],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    )
    # The standard library's build settings (which zoneinfo reads for the zone database's
    # path) are a module named after the platform, not listed in stdlib_module_names.
    platform = sysconfig._get_sysconfigdata_name()  # type: ignore[attr-defined]
    known = {*sys.stdlib_module_names, platform, "__main__", "kernel"}
    foreign = [m for m in loaded if m not in known]
    assert foreign == []
