"""The systemd units `depot config build` writes pass systemd's own check."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from siteconfig.build import read_site
from siteconfig.parts import units

ROOT = Path(__file__).resolve().parents[2]


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    depot = Path(sys.executable).with_name("depot")
    site, problems = read_site(
        ROOT / "firmware-config" / "sites" / "LC01.yaml", [f"install.program={depot}"]
    )
    assert site is not None, problems
    for name, text in units(site).items():
        (tmp_path / name).write_text(text)
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze is missing (Debian package systemd; scripts/test installs it)"
    run = subprocess.run(
        [tool, "verify", *sorted(str(p) for p in tmp_path.glob("*.service"))],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and run.stderr.strip() == "", run.stderr
    gateway = units(site)["depot-gateway.service"]
    assert f"ExecStart={depot} gateway run --config /etc/depot/gateway/gateway.toml" in gateway
    assert "User=depot" in gateway and "ProtectSystem=strict" in gateway
