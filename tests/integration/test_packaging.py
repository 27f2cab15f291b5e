"""The distribution as a station installs it: `depot-floor[edge]` brings no server parts.
Which part may import which is tests/unit/test_layers.py."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER_ONLY = ("server", "gateway", "fastapi", "sqlalchemy", "alembic", "uvicorn", "psycopg")


def test_running_the_edge_loads_no_server_module() -> None:
    probe = (
        "import sys, pkgutil, importlib, edge\n"
        "for m in pkgutil.walk_packages(edge.__path__, 'edge.'): importlib.import_module(m.name)\n"
        "from kernel.cli import build_parser\n"
        "build_parser(['edge', 'run', '--config', 'x.toml'])\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {SERVER_ONLY!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def install(tmp_path: Path, extra: str) -> Path:
    """A fresh virtual environment with depot-floor[extra] installed; returns its bin/."""
    env_dir = tmp_path / extra
    venv.create(env_dir, with_pip=True)
    subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", f"{ROOT}[{extra}]"],
        check=True,
        capture_output=True,
    )
    return env_dir / "bin"


def importable(bin_dir: Path, modules: tuple[str, ...]) -> list[str]:
    probe = f"import importlib.util as u; print(' '.join(m for m in {modules!r} if u.find_spec(m)))"
    out = subprocess.run(
        [str(bin_dir / "python"), "-c", probe], capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def test_a_station_install_works_without_the_server_dependencies(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "edge")
    assert importable(bin_dir, ("fastapi", "sqlalchemy", "uvicorn", "alembic")) == []
    depot = str(bin_dir / "depot")
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
        ["demo", "load-example", "--help"],
        ["server", "add-user", "--help"],
        ["server", "add-gateway", "--help"],
        ["demo", "--help"],
    ):
        result = subprocess.run([depot, *argv], capture_output=True, text=True)
        assert result.returncode == 0 and "usage: depot" in result.stdout, argv


def test_a_server_install_works_without_the_station_dependencies(tmp_path: Path) -> None:
    bin_dir = install(tmp_path, "server")
    # biip it has: the EPCIS events name each batch's class by its GTIN's GS1 company prefix
    assert importable(bin_dir, ("paho", "serial")) == []
    assert importable(bin_dir, ("biip",)) == ["biip"]
    migrated = subprocess.run(
        [
            str(bin_dir / "depot"),
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
