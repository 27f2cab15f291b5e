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


def test_build_prints_no_secret_and_keeps_them_across_builds(tmp_path: Path) -> None:
    site = ROOT / "firmware-config" / "sites" / "LC01.yaml"
    out = tmp_path / "out"
    runs = [
        subprocess.run(
            [sys.executable, "-m", "kernel.cli", "config", "build", str(site), str(out)],
            capture_output=True,
            text=True,
        )
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    secrets = [p.read_text() for p in (out / ".secrets").rglob("*") if p.is_file()]
    assert len(secrets) == 6 + 5 + 4  # CA, broker, gateway: keys, certificates; passwords; codes
    printed = "".join(r.stdout + r.stderr for r in runs)
    assert "depot LC01:" in printed
    assert not [s for s in secrets if s.strip() and s.strip() in printed]
    assert (out / ".secrets").stat().st_mode & 0o777 == 0o700


def test_sheets_and_secrets_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    site = ROOT / "firmware-config" / "sites" / "LC01.yaml"
    out = tmp_path / "out"
    run = subprocess.run(
        ["sh", "-c", 'umask 022 && exec "$0" -m kernel.cli config build "$1" "$2"',
         sys.executable, str(site), str(out)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    sheets = sorted((out / "sheets").glob("*.pdf"))
    assert sheets and {p.stat().st_mode & 0o777 for p in sheets} == {0o600}
    folders = [out / "sheets", out / ".secrets", *out.rglob("secrets")]
    assert {out / "gateway" / "secrets", out / "stations" / "ST-D01" / "secrets"} <= set(folders)
    for folder in folders:
        assert folder.stat().st_mode & 0o777 == 0o700, folder
        for path in folder.rglob("*"):
            assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path


def test_a_site_s_time_zone_reaches_its_gateway_and_an_unknown_one_is_refused() -> None:
    """The gateway counts the depot's date (FIFO, storage limits) in the zone the server
    does: a site that names one has its gateway started in it; by default none is given
    and the gateway takes the depots' zone, as the server does."""
    example = ROOT / "firmware-config" / "sites" / "LC01.yaml"
    plain, _ = read_site(example, [])
    assert plain is not None and "--timezone" not in units(plain)["depot-gateway.service"]
    site, problems = read_site(example, ["site.timezone=Asia/Urumqi"])
    assert site is not None, problems
    assert "gateway.toml --timezone Asia/Urumqi\n" in units(site)["depot-gateway.service"]
    site, problems = read_site(example, ["site.timezone=Mars/Olympus"])
    assert site is None
    assert [(p.where(), p.message) for p in problems] == [
        ("site.timezone", "'Mars/Olympus' is not a time zone (an IANA name such as Asia/Shanghai)")
    ]
