"""The build's secrets: generated once, kept beside the output for the next build, written
with owner-only permissions, never printed or logged.

    OUTDIR/.secrets/            0700
        mqtt/USER.password      one broker password per device and for the gateway
        enrol/DEVICE.code       the one-time enrolment code on the device's sheet
        ca.key, ca.pem          the depot's certificate authority (kept: stations trust it)
        server.key, server.pem  the broker's certificate, made again only when its names change
        gateway-https.key/.pem  the gateway's HTTPS certificate, likewise
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from kernel.private import private_folder, write_private

__all__ = ["CODE_ALPHABET", "SecretStore", "new_code", "write_private"]

# Enrolment codes: 20 characters of an alphabet without look-alikes (no 0/O, 1/I/L), in
# groups of four for typing; about 99 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 20


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


class SecretStore:
    def __init__(self, root: Path) -> None:
        self.root = private_folder(root)

    def password(self, user: str) -> str:
        return self._kept(
            self.root / "mqtt" / f"{user}.password", lambda: secrets.token_urlsafe(24)
        )

    def code(self, device: str) -> str:
        return self._kept(self.root / "enrol" / f"{device}.code", new_code)

    def reissue(self, device: str) -> None:
        """A new password and a new enrolment code for a device (a lost or stolen sheet)."""
        for path in (
            self.root / "mqtt" / f"{device}.password",
            self.root / "enrol" / f"{device}.code",
        ):
            path.unlink(missing_ok=True)

    @property
    def ca_key(self) -> Path:
        return self.root / "ca.key"

    def _kept(self, path: Path, make: Callable[[], str]) -> str:
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        value = make()
        private_folder(path.parent)
        write_private(path, value)
        return value
