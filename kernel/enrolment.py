"""A station joins its depot with the sheet printed for each device: `depot edge enrol`.

The sheet's QR code carries the site, the device, the gateway's and the broker's addresses,
the fingerprint of the depot's certificate authority and a one-time enrolment code, never the
broker password. The gateway speaks HTTPS with a certificate from that authority: the station
fetches the authority's certificate from the gateway, takes it only if its SHA-256 is the one
on the sheet, and then talks to the gateway only over TLS verified against it (name included).
The build seals what the device needs (its broker password, the depot's CA certificate, the
station's configuration) with a key derived from the code; the gateway hands the sealed
bundle out once, to a station that proves it knows the code without sending it. Someone
listening on the depot network sees neither the code nor the password; someone holding a used
sheet gets nothing.

    key, proof = scrypt(code, salt="depot-enrol/SITE/DEVICE")   64 bytes, split in two
    gateway keeps sha256(proof) and AES-256-GCM(key, bundle, aad="SITE/DEVICE")
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.contract import check_name

SCHEME = "DEPOT-ENROL/1"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024}


class EnrolmentError(ValueError):
    """The sheet, the code or the gateway's answer does not allow enrolment; says why."""


@dataclass(frozen=True, slots=True)
class Ticket:
    """What the sheet's QR code says."""

    site: str
    device: str
    gateway: str  # https://host:port of the gateway (http:// only on a loopback address)
    broker: str  # host:port, for the operator's information
    code: str
    ca: str = ""  # SHA-256 of the depot CA's certificate (DER), hex; needed for https

    def text(self) -> str:
        return (
            f"{SCHEME};site={self.site};device={self.device};gateway={self.gateway};"
            f"broker={self.broker};ca={self.ca};code={self.code}"
        )


def ca_fingerprint(pem: str) -> str:
    """The SHA-256 of a certificate (its DER form), 64 hex digits: what the sheet carries."""
    try:
        der = ssl.PEM_cert_to_DER_cert(pem.strip())
    except ValueError as exc:
        raise EnrolmentError("the gateway's certificate authority is not a certificate") from exc
    return hashlib.sha256(der).hexdigest()


def normal_fingerprint(text: str) -> str:
    """A fingerprint as typed (any case, with spaces, colons or dashes) as 64 hex digits."""
    digits = "".join(ch for ch in text.lower() if ch not in " :-")
    if len(digits) != 64 or any(ch not in "0123456789abcdef" for ch in digits):
        raise EnrolmentError("the CA fingerprint is 64 hexadecimal digits (as on the sheet)")
    return digits


def parse_ticket(text: str) -> Ticket:
    text = text.strip()
    if not text.startswith(SCHEME + ";"):
        raise EnrolmentError(f"not an enrolment code (it should start with {SCHEME})")
    fields = dict(part.split("=", 1) for part in text.split(";")[1:] if "=" in part)
    missing = [k for k in ("site", "device", "gateway", "broker", "code") if not fields.get(k)]
    if missing:
        raise EnrolmentError(f"the enrolment code lacks {', '.join(missing)}")
    if not fields["gateway"].startswith(("http://", "https://")):
        raise EnrolmentError("the gateway's address in the code is not an http(s) address")
    try:
        check_name("site", fields["site"])
        check_name("device", fields["device"])
    except ValueError as exc:
        raise EnrolmentError(str(exc)) from exc
    ca = normal_fingerprint(fields["ca"]) if fields.get("ca") else ""
    return Ticket(
        fields["site"], fields["device"], fields["gateway"], fields["broker"], fields["code"], ca
    )


def normal_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def derive(code: str, site: str, device: str) -> tuple[bytes, bytes]:
    """(sealing key, proof) from the enrolment code."""
    out = hashlib.scrypt(
        normal_code(code).encode(),
        salt=f"depot-enrol/{site}/{device}".encode(),
        dklen=64,
        **_SCRYPT,
    )
    return out[:32], out[32:]


def verifier(proof: bytes) -> str:
    return hashlib.sha256(proof).hexdigest()


def proof_matches(proof_hex: str, expected_verifier: str) -> bool:
    try:
        proof = bytes.fromhex(proof_hex)
    except ValueError:
        return False
    return hmac.compare_digest(verifier(proof), expected_verifier)


def seal(bundle: dict[str, Any], code: str, site: str, device: str) -> dict[str, Any]:
    """The record the gateway keeps for one device (nothing in it is readable without the code)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, proof = derive(code, site, device)
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(bundle).encode(), f"{site}/{device}".encode())
    return {
        "v": 1,
        "site": site,
        "device": device,
        "verifier": verifier(proof),
        "nonce": base64.b64encode(nonce).decode(),
        "sealed": base64.b64encode(sealed).decode(),
    }


def unseal(answer: dict[str, Any], key: bytes, site: str, device: str) -> dict[str, Any]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        plain = AESGCM(key).decrypt(
            base64.b64decode(answer["nonce"]),
            base64.b64decode(answer["sealed"]),
            f"{site}/{device}".encode(),
        )
    except (KeyError, ValueError, InvalidTag) as exc:
        raise EnrolmentError("the gateway's bundle does not open with this code") from exc
    bundle: dict[str, Any] = json.loads(plain)
    return bundle


def fetch(ticket: Ticket, timeout: float = 30.0) -> dict[str, Any]:
    """Ask the gateway for the device's bundle, proving the code; returns it opened. Over
    HTTPS the gateway must show a certificate from the depot's CA on the sheet."""
    key, proof = derive(ticket.code, ticket.site, ticket.device)
    base = ticket.gateway.rstrip("/")
    context = _pinned_context(ticket, timeout) if base.startswith("https://") else None
    body = json.dumps({"site": ticket.site, "device": ticket.device, "proof": proof.hex()})
    answer = _call(base + "/api/v1/enrol", body.encode(), context, timeout)
    bundle = unseal(json.loads(answer), key, ticket.site, ticket.device)
    if ticket.ca and ca_fingerprint(str(bundle.get("ca_pem", ""))) != ticket.ca:
        raise EnrolmentError("the bundle's certificate authority is not the one on the sheet")
    return bundle


def _pinned_context(ticket: Ticket, timeout: float) -> ssl.SSLContext:
    """A TLS context that trusts only the depot's CA, fetched from the gateway and taken only
    if it is the one whose fingerprint the sheet carries."""
    if not ticket.ca:
        raise EnrolmentError(
            "the sheet gives no CA fingerprint for the gateway's HTTPS address: "
            "use its QR code, or type --ca-fingerprint from it"
        )
    unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE  # only to fetch the CA, checked against the sheet
    ca_pem = _call(ticket.gateway.rstrip("/") + "/api/v1/enrol/ca", None, unverified, timeout)
    text = ca_pem.decode("ascii", errors="replace")
    if ca_fingerprint(text) != ticket.ca:
        raise EnrolmentError(
            "the gateway's certificate authority is not the depot's on the sheet; "
            "this is not the depot's gateway, or the sheet is from another build"
        )
    return ssl.create_default_context(cadata=text)


def _call(url: str, body: bytes | None, context: ssl.SSLContext | None, timeout: float) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - the gateway's address from the sheet
        url,
        data=body,
        headers={"Content-Type": "application/json"} if body is not None else {},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
            answer: bytes = response.read()
    except urllib.error.HTTPError as exc:
        detail = _detail(exc)
        raise EnrolmentError(f"the gateway refused: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise EnrolmentError(f"cannot reach the gateway at {url}: {exc}") from exc
    return answer


def _detail(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read()).get("detail", exc.reason))
    except (ValueError, OSError):
        return f"{exc.code} {exc.reason}"


def install(bundle: dict[str, Any], config_dir: Path, state_dir: Path | None = None) -> list[Path]:
    """Write what the bundle holds under `config_dir`: the station's configuration, the
    device's broker password (owner-only) and the depot's CA certificate."""
    from kernel.tomlfile import dumps

    device = check_name("device", str(bundle["device"]))
    station = dict(bundle["station"])
    if state_dir is not None:
        station["spool_dir"] = str(state_dir / "edge")
    written = []
    secret = config_dir / "secrets" / f"{device}.mqtt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(secret.parent, 0o700)
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, str(bundle["password"]).encode())
    finally:
        os.close(fd)
    written.append(secret)
    ca = config_dir / "tls" / "ca.pem"
    ca.parent.mkdir(parents=True, exist_ok=True)
    ca.write_text(str(bundle["ca_pem"]), encoding="ascii")
    written.append(ca)
    # Devices of this station not enrolled yet (no password here) join when they are.
    station["device"] = [
        d for d in station["device"] if (config_dir / "secrets" / f"{d['id']}.mqtt").exists()
    ]
    conf = config_dir / "edge" / "station.toml"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(
        dumps(
            station,
            f"Station {bundle['station_id']} of depot {bundle['site']}, enrolled "
            f"with the sheet of {device}.",
        ),
        encoding="utf-8",
    )
    written.append(conf)
    return written
