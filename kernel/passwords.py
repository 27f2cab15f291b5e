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
