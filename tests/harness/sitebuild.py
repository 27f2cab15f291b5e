"""The example depot's site description built for a trial on this machine: every address
127.0.0.1, free ports, the files in place, and the depot's broker started from the
generated mosquitto.conf exactly as built."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

from harness.mosquitto import mosquitto_binary
from harness.procs import Proc, free_port, port_open, wait_until
from siteconfig.build import build, in_place, read_site
from siteconfig.model import Site

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SITE = ROOT / "firmware-config" / "sites" / "LC01.yaml"


@dataclass
class Trial:
    site: Site
    out: Path

    @property
    def tls_port(self) -> int:
        return self.site.broker.tls_port

    @property
    def local_port(self) -> int:
        return self.site.broker.local_port

    @property
    def ca(self) -> Path:
        return self.out / "broker" / "ca.pem"

    def password(self, user: str) -> str:
        return (self.out / ".secrets" / "mqtt" / f"{user}.password").read_text().strip()


def trial_sets() -> list[str]:
    return [
        "broker.host=127.0.0.1",
        f"broker.tls_port={free_port()}",
        f"broker.local_port={free_port()}",
        "gateway.host=127.0.0.1",
        f"gateway.http_port={free_port()}",
        f"broker.user={getpass.getuser()}",  # as root, Mosquitto stays root: the files are ours
    ]


def build_trial(out: Path, site_file: Path = EXAMPLE_SITE, sets: list[str] | None = None) -> Trial:
    site, problems = read_site(site_file, [*trial_sets(), *(sets or [])])
    assert not problems, [str(p) for p in problems]
    assert site is not None
    site = in_place(site, out)
    build(site, out)
    (out / "state" / "broker").mkdir(parents=True, exist_ok=True)
    return Trial(site, out)


def start_broker(trial: Trial) -> Proc:
    proc = Proc(
        f"depot-broker-{trial.tls_port}",
        [mosquitto_binary(), "-c", str(trial.out / "broker" / "mosquitto.conf")],
        trial.out,
    ).start()
    wait_until(
        lambda: port_open(trial.tls_port) and port_open(trial.local_port), 10, "the depot broker"
    )
    return proc
