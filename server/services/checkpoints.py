"""Checkpoints a third party can hold: the ends of a depot's chains, signed by the server.

A checkpoint of scope LC01 names, for each of LC01's chains (postings, decisions, audit
entries), the id and hash of its newest row at the time, and is signed with the server's
Ed25519 key. Whoever holds it (the depot's supervising bureau) can later have
`depot server verify-ledger --checkpoints FILE` prove that the ledger still passes through
every row it names with the hash it had: a rewritten row, even with every later hash
recomputed, or a cut of the chain's tail, no longer does. Scope "*" covers the audit
entries about no depot.

One checkpoint is one line of JSON (`line`), complete in itself: its id, the body that was
signed (canonical JSON text), the signature and the public key, so files of checkpoints can
simply be put one after the other. The key's id is the SHA-256 of its raw public key.

The private key is a PEM file that only its owner may read (made by `new_key`, refused by
`load_key` if anyone else may read it); it is never logged or shown. The server signs when it
runs with a key (`depot server run --checkpoint-key FILE`) every `every` seconds, skipping a
scope whose chains have not moved since its last checkpoint.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, select

from kernel.clock import Clock
from kernel.private import write_private
from server.domain.errors import CheckpointError
from server.services.ledger import insert_ignore
from server.services.periodic import Periodic
from server.storage.tables import chain_heads, checkpoint_keys, checkpoints, ledger_heads

log = logging.getLogger(__name__)
FORMAT = "depot-floor ledger checkpoint"
VERSION = 1
EVERY = 3600.0  # seconds between rounds of signing
CHAINS = ("postings", "approvals", "audit")


# --- keys ----------------------------------------------------------------------------------


def raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()


def new_key(path: Path) -> Ed25519PrivateKey:
    """Make a signing key: the private key to `path` (owner-only), the public key, base64,
    to `path` + ".pub". Refuses to replace an existing key."""
    if path.exists():
        raise CheckpointError(f"{path} exists; a signing key is never overwritten")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_private(path, pem)
    path.with_name(path.name + ".pub").write_text(
        base64.b64encode(raw_public(key)).decode() + "\n", encoding="ascii"
    )
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    """The signing key in `path`; refused if the file may be read by anyone but its owner."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"cannot read the signing key {path}: {exc.strerror}") from exc
    if stat.S_IMODE(mode) & 0o077:
        raise CheckpointError(
            f"the signing key {path} may be read by others (mode {stat.S_IMODE(mode):o}); "
            "make it 0600"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def read_public_key(path: Path) -> bytes:
    """A public key from a file: base64 of the raw 32 bytes (as `new_key` writes it)."""
    try:
        raw = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot read a public key from {path}: {exc}") from exc
    if len(raw) != 32:
        raise CheckpointError(f"{path} does not hold an Ed25519 public key")
    return raw


def register(engine: Engine, key: Ed25519PrivateKey, now: datetime) -> str:
    """Keep the key's public half (so that exports carry it), first seen `now`; its id."""
    public = raw_public(key)
    with engine.begin() as conn:
        insert_ignore(
            conn,
            checkpoint_keys,
            {
                "key_id": key_id(public),
                "public_key": base64.b64encode(public).decode(),
                "created_at": now,
            },
        )
    return key_id(public)


# --- signing -------------------------------------------------------------------------------


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _heads(engine: Engine) -> dict[str, dict[str, dict[str, Any]]]:
    """scope -> chain -> {"id", "hash"}: every chain's end, as committed now."""
    scopes: dict[str, dict[str, dict[str, Any]]] = {}
    with engine.connect() as conn:
        for r in conn.execute(select(ledger_heads)):
            scopes.setdefault(r.warehouse, {})["postings"] = {
                "id": r.last_posting_id,
                "hash": r.last_hash,
            }
        for r in conn.execute(select(chain_heads)):
            scopes.setdefault(r.scope, {})[r.chain] = {"id": r.last_id, "hash": r.last_hash}
    return scopes


def _last_signed(engine: Engine, scope: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        body = conn.execute(
            select(checkpoints.c.body)
            .where(checkpoints.c.scope == scope)
            .order_by(checkpoints.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    return None if body is None else dict(json.loads(body)["chains"])


def sign_heads(engine: Engine, key: Ed25519PrivateKey, now: datetime) -> int:
    """Sign, as at `now`, every scope's chain ends that moved since its last checkpoint; how
    many."""
    signer = register(engine, key, now)
    made = 0
    for scope, chains in sorted(_heads(engine).items()):
        chains = {name: chains[name] for name in CHAINS if name in chains}
        if all(c["id"] is None for c in chains.values()) or _last_signed(engine, scope) == chains:
            continue
        body = canonical(
            {
                "format": FORMAT,
                "v": VERSION,
                "scope": scope,
                "at": now.astimezone(UTC).isoformat(timespec="seconds"),
                "key": signer,
                "chains": chains,
            }
        )
        signature = base64.b64encode(key.sign(body.encode())).decode()
        with engine.begin() as conn:
            conn.execute(
                checkpoints.insert().values(
                    scope=scope, made_at=now, key_id=signer, body=body, signature=signature
                )
            )
        made += 1
    return made


class CheckpointKeeper(Periodic):
    """Signs the chain ends every `every` seconds in a thread of the server process."""

    name = "checkpoints"
    failure = "could not sign the ledger's checkpoints"

    def __init__(
        self, engine: Engine, key: Ed25519PrivateKey, clock: Clock, every: float = EVERY
    ) -> None:
        super().__init__(every, log, clock)
        self.engine, self.key = engine, key

    def round(self, now: datetime) -> None:
        made = sign_heads(self.engine, self.key, now)
        if made:
            log.info("signed %d checkpoints", made)


# --- export --------------------------------------------------------------------------------


def export(
    engine: Engine, scope: str | None = None, after: int = 0, limit: int | None = None
) -> Iterator[str]:
    """The checkpoints after id `after` (of one scope, or all), one JSON line each."""
    query = (
        select(checkpoints, checkpoint_keys.c.public_key)
        .join(checkpoint_keys, checkpoint_keys.c.key_id == checkpoints.c.key_id)
        .where(checkpoints.c.id > after)
        .order_by(checkpoints.c.id)
    )
    if scope is not None:
        query = query.where(checkpoints.c.scope == scope)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        for r in conn.execution_options(yield_per=1000).execute(query):
            yield json.dumps(
                {
                    "id": r.id,
                    "body": r.body,
                    "signature": r.signature,
                    "public_key": r.public_key,
                },
                ensure_ascii=True,
            )


# --- reading what a third party holds ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signed:
    """A checkpoint whose signature holds: where each chain of `scope` stood `at`."""

    id: Any
    scope: str
    at: str
    key: str
    chains: dict[str, tuple[int, str]]  # chain -> (row id, hash); empty chains left out

    def __str__(self) -> str:
        return f"checkpoint {self.id} of {self.scope} ({self.at})"


def read(line: str, pinned: set[bytes] | None = None) -> Signed:
    """A line of a checkpoint file, its signature checked (against a pinned public key if
    any are given); CheckpointError says what is wrong with it."""
    try:
        outer = json.loads(line)
        body_text, signature = outer["body"], base64.b64decode(outer["signature"], validate=True)
        public = base64.b64decode(outer["public_key"], validate=True)
        body = json.loads(body_text)
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"is not a checkpoint ({type(exc).__name__})") from exc
    if pinned is not None and public not in pinned:
        raise CheckpointError("is signed by a key other than the one given")
    if (
        not isinstance(body, dict)
        or body.get("format") != FORMAT
        or body.get("key") != key_id(public)
    ):
        raise CheckpointError("is not a checkpoint of this format, or names another key")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, body_text.encode())
    except (InvalidSignature, ValueError) as exc:
        raise CheckpointError("does not carry a valid signature (altered or forged)") from exc
    chains: dict[str, tuple[int, str]] = {}
    for name, end in dict(body.get("chains", {})).items():
        if name in CHAINS and isinstance(end, dict) and isinstance(end.get("id"), int):
            chains[name] = (int(end["id"]), str(end.get("hash")))
    return Signed(outer.get("id"), str(body.get("scope")), str(body.get("at")), body["key"], chains)
