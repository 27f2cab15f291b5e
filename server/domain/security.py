"""Passwords, session tokens and device tokens.

Passwords are stored as scrypt hashes; tokens are random, shown to their owner once, and
stored only as their SHA-256. Nothing here logs a secret.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from kernel.passwords import hash_password, verify_password

__all__ = [
    "ROLES",
    "Device",
    "User",
    "hash_password",
    "new_password",
    "new_token",
    "token_hash",
    "verify_password",
]

# 管理员, 仓库负责人, 保管员, 应急局调度, 审计 (read only)
ROLES = ("admin", "supervisor", "keeper", "dispatcher", "auditor")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_password() -> str:
    """A password a person can type: 4 groups of 4 letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


@dataclass(frozen=True, slots=True)
class User:
    """A person signed in: their role, and the depot they are bound to (None: every depot
    their role allows)."""

    username: str
    display_name: str
    role: str
    warehouse: str | None


@dataclass(frozen=True, slots=True)
class Device:
    """A gateway signed in with its token, bound to its warehouse."""

    client_id: str
    warehouse: str
