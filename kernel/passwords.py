"""Password hashes (scrypt), shared by the server, which keeps people's accounts, and the
depot gateway, which checks the floor's logins against the copy it syncs while the server
may be out of reach. Standard library only."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    encoded_salt = base64.b64encode(salt).decode()
    return f"scrypt${_N}${_R}${_P}${encoded_salt}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def stand_in_hash() -> str:
    """A hash no password matches, as costly to check as a real one: what a name that does
    not exist is checked against, so that the time of the answer does not tell."""
    return hash_password(secrets.token_urlsafe(32))


# The rules a new password is held to, wherever one is set (the command line, the people page).
MIN_LENGTH = 10
MAX_LENGTH = 256


def weakness(password: str, username: str) -> str | None:
    """Why `password` cannot be `username`'s password, or None."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password may have at most {MAX_LENGTH} characters"
    if password.strip().lower() == username.strip().lower():
        return "a password must not be the username"
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in password):
        return "a password must not hold control characters"
    return None
