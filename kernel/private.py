"""Files only their owner may read or write: secrets, keys, enrolment sheets and databases.

Every part uses these, whatever the process's umask: a secret is written 0600 (replaced
atomically), a folder of secrets is 0700, and an SQLite database is created 0600 before
SQLite first opens it. SQLite gives the `-wal`, `-shm` and `-journal` files it makes the mode
of the database file itself, so they are owner-only too; companions left over from before
are put right as well.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_folder(path: Path) -> Path:
    """`path` made if missing, and 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.chmod(path, FOLDER_MODE)
    return path


def write_private(path: Path, data: bytes | str) -> None:
    """Write a file only its owner can read; replace it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, raw)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def private_database(path: Path) -> None:
    """Before SQLite opens `path`: the file exists, owner-only, and so do its companions.
    A folder made for it here is 0700; a folder that exists is left as it is, also one that
    another process (a station's other devices, starting at once) made a moment ago."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=FOLDER_MODE, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.chmod(companion, FILE_MODE)
