"""The distribution as a station installs it: `depot-floor[edge]` brings no server parts."""

from __future__ import annotations

import ast
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER_ONLY = ("server", "gateway", "fastapi", "sqlalchemy", "alembic", "uvicorn", "psycopg")


def test_edge_source_imports_nothing_of_the_server() -> None:
    offenders = []
    for path in (ROOT / "edge").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in SERVER_ONLY]
    assert offenders == []


def test_running_the_edge_loads_no_server_module() -> None:
    probe = (
        "import sys, pkgutil, importlib, edge\n"
        "for m in pkgutil.walk_packages(edge.__path__, 'edge.'): importlib.import_module(m.name)\n"
        "from edge.cli import build_parser\n"
        "build_parser(['edge', 'run', '--config', 'x.toml'])\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {SERVER_ONLY!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_a_station_install_works_without_the_server_dependencies(tmp_path: Path) -> None:
    env_dir = tmp_path / "station"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"{ROOT}[edge]"],
        check=True,
        capture_output=True,
    )
    missing = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u; "
            "print([m for m in ('fastapi', 'sqlalchemy', 'uvicorn', 'alembic') if u.find_spec(m)])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert missing.stdout.strip() == "[]"
    depot = str(env_dir / "bin" / "depot")
    helped = subprocess.run([depot, "edge", "run", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and "--config" in helped.stdout
    refused = subprocess.run([depot, "server", "run"], capture_output=True, text=True)
    assert refused.returncode == 2
    assert "depot-floor[" in refused.stderr and "Traceback" not in refused.stderr


def test_every_command_has_help() -> None:
    depot = str(Path(sys.executable).parent / "depot")
    for argv in (
        ["--help"],
        ["edge", "run", "--help"],
        ["gateway", "run", "--help"],
        ["server", "run", "--help"],
        ["server", "migrate", "--help"],
        ["server", "load-example", "--help"],
        ["server", "add-user", "--help"],
        ["server", "add-gateway", "--help"],
        ["demo", "--help"],
    ):
        result = subprocess.run([depot, *argv], capture_output=True, text=True)
        assert result.returncode == 0 and "usage: depot" in result.stdout, argv


def test_a_server_install_works_without_the_station_dependencies(tmp_path: Path) -> None:
    env_dir = tmp_path / "central"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"{ROOT}[server]"],
        check=True,
        capture_output=True,
    )
    present = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u; "
            "print([m for m in ('paho', 'serial', 'biip') if u.find_spec(m)])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert present.stdout.strip() == "[]"
    migrated = subprocess.run(
        [
            str(env_dir / "bin" / "depot"),
            "server",
            "migrate",
            "--db",
            f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        ],
        capture_output=True,
        text=True,
    )
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "ledger.sqlite").stat().st_size > 0
